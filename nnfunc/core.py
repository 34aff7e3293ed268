"""The pure functions of a training step: init, forward, loss, grads, sgd_step.

Each takes values and returns new ones: params are never changed in place, and
every array in returned params and grads is read-only. Inputs are cast to the
params' dtype; outputs have the params' dtype.

One engine serves them all: `_backprop` runs the net's forward pass (`apply`), the
loss, and the net's backward pass once, in inference or training mode. Which to call:

- `forward`, `loss`, `value_and_grads`, `grads`: nets without state or randomness (and
  any net at inference, with its `state`);
- `train_value_and_grads`: the training pass of nets with BatchNorm or Dropout, taking
  and returning the state, drawing from a key;
- `apply` and `backprop`: either mode, with everything (the new state, the input gradient).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar, cast

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import _checks, optim, tree
from nnfunc._arrays import FloatArray, float_dtype
from nnfunc._inputs import as_input, params_dtype
from nnfunc.layers.base import INFERENCE, TRAINING, Context, Layer
from nnfunc.losses import Loss, LossBase, Penalty, check_loss
from nnfunc.random import Key, check_key

P = TypeVar("P")
S = TypeVar("S")
C = TypeVar("C")


def init(net: Layer[P, S, C], key: Key, dtype: npt.DTypeLike = np.float32) -> P:
    """Fresh params for `net` drawn from `key`, in float32 (default) or float64."""
    check_key(key)
    return net.init_params(key, float_dtype(dtype))


def init_state(net: Layer[P, S, C], dtype: npt.DTypeLike = np.float32) -> S:
    """The initial state of the net's layers (BatchNorm's running statistics), a tree of
    read-only arrays; it has no leaves for a net without state."""
    return net.init_state(float_dtype(dtype))


def _context(training: bool, key: Key | None) -> Context:
    if key is None:
        return TRAINING if _checks.boolean("training", training) else INFERENCE
    return Context(_checks.boolean("training", training), check_key(key))


def _forward(
    net: Layer[P, S, C], params: P, state: S | None, x: npt.ArrayLike, ctx: Context
) -> tuple[FloatArray, C, S]:
    """(output, cache, new state): x checked and cast to the params' dtype, overwritten
    by the first layer only when the cast made a copy that nobody else holds."""
    xs = as_input(x, params_dtype(params))
    free = xs is not x and xs.base is None
    return net.apply(params, cast(S, state), xs, ctx.with_flags(free))


def _unaliased(output: FloatArray, x: npt.ArrayLike) -> FloatArray:
    """`output`, copied when it may share memory with the caller's x (a net of Identity,
    Flatten or Dropout at inference hands x itself on)."""
    if isinstance(x, np.ndarray) and np.may_share_memory(output, x):
        return output.copy()
    return output


def apply(
    net: Layer[P, S, C],
    params: P,
    x: npt.ArrayLike,
    *,
    state: S | None = None,
    key: Key | None = None,
    training: bool = False,
) -> tuple[FloatArray, S]:
    """(output, new state) of the forward pass in either mode: with `training`, batch
    statistics and dropout masks from `key`; else the running statistics of `state`.
    x: (batch, features) or (batch, ...) in, (batch, outputs) out."""
    output, _, new_state = _forward(net, params, state, x, _context(training, key))
    return _unaliased(output, x), new_state


def forward(net: Layer[P, S, C], params: P, x: npt.ArrayLike, state: S | None = None) -> FloatArray:
    """The net's output for x (inference): (batch, features) in, (batch, outputs) out.

    Layers with state (BatchNorm) read it from `state`, made by `init_state` and updated
    by training; Dropout is the identity.
    """
    return apply(net, params, x, state=state)[0]


def loss(
    net: Layer[P, S, C],
    params: P,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    penalty: Penalty | None = None,
    state: S | None = None,
) -> float:
    """loss_fn(forward(net, params, x, state), y), plus the penalty on params if given."""
    value = check_loss(loss_fn)(forward(net, params, x, state), y)
    return value if penalty is None else value + penalty.value_and_grads(params)[0]


@attrs.frozen
class Backprop(Generic[P, S]):
    """What one forward and backward pass gives: the loss (a Python float), the grads
    (params' type and structure, read-only), the input gradient (or None) and the state."""

    loss: float
    grads: P
    input_grad: FloatArray | None
    state: S


def _backprop(
    net: Layer[P, S, C],
    params: P,
    state: S | None,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    ctx: Context,
    penalty: Penalty | None,
    input_grad: bool,
    on_loss: Callable[[float], None] | None = None,
) -> tuple[float, P, FloatArray | None, S]:
    """The engine: (loss, param grads, input grad or None, new state); `on_loss` sees the
    loss before the backward pass (a scan checks it there)."""
    output, cache, new_state = _forward(net, params, state, x, ctx)
    value, dy = loss_fn.value_and_grad(output, y)
    penalty_grads = None
    if penalty is not None:
        extra, penalty_grads = penalty.value_and_grads(params)
        value += extra
    if on_loss is not None:
        on_loss(value)
    free = isinstance(loss_fn, LossBase)
    grads, dx = net.backward(params, cache, dy, ctx.with_flags(free, input_grad))
    if penalty_grads is not None:
        grads = tree.add(grads, penalty_grads)
    return value, grads, dx, new_state


def backprop(
    net: Layer[P, S, C],
    params: P,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    *,
    penalty: Penalty | None = None,
    state: S | None = None,
    key: Key | None = None,
    training: bool = False,
    input_grad: bool = False,
) -> Backprop[P, S]:
    """One forward pass, the loss, then the layers back, in inference (default) or
    training mode: loss, grads, the input gradient with `input_grad`, and the new state."""
    ctx = _context(training, key)
    found = _backprop(
        net, params, state, x, y, check_loss(loss_fn), ctx, penalty,
        _checks.boolean("input_grad", input_grad),
    )  # fmt: skip
    return Backprop(*found)


def value_and_grads(
    net: Layer[P, S, C],
    params: P,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    penalty: Penalty | None = None,
) -> tuple[float, P]:
    """(loss as a Python float, its gradients: same type and structure as params)."""
    found = _backprop(net, params, None, x, y, check_loss(loss_fn), INFERENCE, penalty, False)
    return found[0], found[1]


def grads(
    net: Layer[P, S, C],
    params: P,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    penalty: Penalty | None = None,
) -> P:
    """The gradients of the loss w.r.t. params: same type and structure as params."""
    return value_and_grads(net, params, x, y, loss_fn, penalty)[1]


def train_value_and_grads(
    net: Layer[P, S, C],
    params: P,
    state: S,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    key: Key | None = None,
    penalty: Penalty | None = None,
) -> tuple[float, P, S]:
    """(loss, grads, new state) of the training pass: BatchNorm uses and updates batch
    statistics, Dropout draws its masks from `key` (needed when the net has Dropout).

    For a net without state or randomness this equals value_and_grads, state untouched.
    """
    ctx = _context(True, key)
    value, found, _, new_state = _backprop(
        net, params, state, x, y, check_loss(loss_fn), ctx, penalty, False
    )
    return value, found, new_state


def sgd_step(params: P, grads: P, learning_rate: float) -> P:
    """params - learning_rate * grads, leaf by leaf, as new read-only arrays (`optim.descend`).

    Raises ValueError for a learning rate that is not a finite number, and naming the path
    where grads differ from params in structure or in a leaf's shape.
    """
    return optim.descend(params, grads, learning_rate)


__all__ = [
    "Backprop",
    "apply",
    "backprop",
    "forward",
    "grads",
    "init",
    "init_state",
    "loss",
    "sgd_step",
    "train_value_and_grads",
    "value_and_grads",
]
