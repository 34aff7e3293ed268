"""The training step as a value: `make_step`, `TrainStep` and `train_step`."""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs
import numpy.typing as npt

from nnfunc import optim
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
        ctx = TRAINING if key is None else Context(True, key)
        value, grads, _, new_state = _backprop(
            self.net, params, state, x, y, self.loss_fn, ctx, self.penalty, False
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
        value, grads, new_state = self.gradients(params, state, x, y, key)
        owned = self.net.traits.grads == "new"  # fresh arrays that never left this step
        new_params, new_opt_state = optim.step(
            self.optimizer, grads, opt_state, params, owned=owned
        )
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
