"""The training step as a value: `make_step`, `TrainStep` and `train_step`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs
import numpy.typing as npt

from nnfunc import optim
from nnfunc._buffers import Buffers
from nnfunc.core import _backprop
from nnfunc.layers.base import TRAINING, Context, Layer
from nnfunc.losses import Loss, Penalty, check_loss
from nnfunc.optim import GradientTransformation, check_optimizer
from nnfunc.random import Key

P = TypeVar("P")
C = TypeVar("C")
S = TypeVar("S")
Opt = TypeVar("Opt")


def train_step(
    net: Layer[P, S, C],
    params: P,
    opt_state: Opt,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    optimizer: GradientTransformation,
    penalty: Penalty | None = None,
) -> tuple[P, Opt, float]:
    """One optimizer step on the batch (x, y): (new params, new optimizer state, loss before).

    value_and_grads, then optimizer.update, then optim.apply_updates, bit for bit."""
    return TrainStep(net, loss_fn, optimizer, penalty)(params, opt_state, x, y)


@attrs.frozen
class TrainStep(Generic[P, S, C]):
    """`train_step` as a value with its arguments fixed: `step(params, opt_state, x, y)`,
    and `step.advance(params, state, opt_state, x, y, key)` for nets with state or
    randomness. The gradients are the training pass's; the optimizer moves the params
    (`optim.step`)."""

    net: Layer[P, S, C]
    loss_fn: Loss = attrs.field(converter=check_loss)
    optimizer: GradientTransformation = attrs.field(converter=check_optimizer)
    penalty: Penalty | None = None

    def __call__(
        self, params: P, opt_state: Opt, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[P, Opt, float]:
        """(new params, new optimizer state, the loss at the params given)."""
        new_params, _, new_opt_state, value = self.advance(params, None, opt_state, x, y, None)
        return new_params, new_opt_state, value

    def gradients(
        self, params: P, state: S | None, x: npt.ArrayLike, y: npt.ArrayLike, key: Key | None
    ) -> tuple[float, P, S]:
        """(loss, grads, new state) of the training pass."""
        value, grads, _, new_state = _backprop(
            self.net, params, state, x, y, self.loss_fn, training(key), self.penalty, False
        )
        return value, grads, new_state

    def advance(
        self,
        params: P,
        state: S | None,
        opt_state: Opt,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        key: Key | None,
    ) -> tuple[P, S, Opt, float]:
        """(new params, new layer state, new optimizer state, loss): one training step."""
        return advance_in(self, params, state, opt_state, x, y, training(key))


def training(key: Key | None, buffers: Buffers | None = None) -> Context:
    """The context of a training pass drawing from `key`, its results in `buffers` (a
    scan's) or fresh."""
    if key is None and buffers is None:
        return TRAINING
    return Context(True, key, False, True, buffers)


def advance_in(
    step: TrainStep[P, S, C],
    params: P,
    state: S | None,
    opt_state: Opt,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    ctx: Context,
    on_loss: Callable[[float], None] | None = None,
) -> tuple[P, S, Opt, float]:
    """`step.advance` in the context `ctx`; `on_loss` sees the loss before the backward
    pass, when the params before `params` may still be needed (a scan checks it there)."""
    value, grads, _, new_state = _backprop(
        step.net, params, state, x, y, step.loss_fn, ctx, step.penalty, False, on_loss
    )
    owned = step.net.traits.grads == "new"  # arrays that never left this step
    new_params, new_opt_state = optim.step(step.optimizer, grads, opt_state, params, owned=owned)
    return new_params, new_state, new_opt_state, value


def make_step(
    net: Layer[P, S, C],
    loss_fn: Loss,
    optimizer: GradientTransformation,
    penalty: Penalty | None = None,
) -> TrainStep[P, S, C]:
    """The training step as a value: `step(params, opt_state, x, y) -> (params, opt_state,
    loss)`, equal to train_step(net, params, opt_state, x, y, loss_fn, optimizer, penalty)."""
    return TrainStep(net, loss_fn, optimizer, penalty)


__all__ = ["TrainStep", "make_step", "train_step"]
