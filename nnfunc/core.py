"""The pure functions of a training step: init, forward, loss, grads, sgd_step.

Each takes values and returns new ones: params are never changed in place, and
every array in returned params and grads is read-only. Inputs are cast to the
params' dtype; outputs have the params' dtype.
"""

from __future__ import annotations

from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt

from nnfunc import fused, optim, tree
from nnfunc._arrays import FloatArray, float_dtype
from nnfunc._inputs import as_input, params_dtype
from nnfunc.layers.base import Layer, apply_infer, apply_train, layer_state
from nnfunc.losses import Loss, Penalty
from nnfunc.random import Key, check_key

P = TypeVar("P")
C = TypeVar("C")


def init(net: Layer[P, C], key: Key, dtype: npt.DTypeLike = np.float32) -> P:
    """Fresh params for `net` drawn from `key`, in float32 (default) or float64."""
    check_key(key)
    return net.init_params(key, float_dtype(dtype))


def _run(net: Layer[P, C], params: P, x: npt.ArrayLike) -> tuple[FloatArray, C]:
    return net.apply(params, as_input(x, params_dtype(params)))


def forward(net: Layer[P, C], params: P, x: npt.ArrayLike, state: object = None) -> FloatArray:
    """The net's output for x (inference): (batch, features) in, (batch, outputs) out.

    Layers with state (BatchNorm) read it from `state`, made by `init_state` and updated
    by training; Dropout is the identity.
    """
    if state is None:
        return _run(net, params, x)[0]
    return apply_infer(net, params, state, as_input(x, params_dtype(params)))


def init_state(net: Layer[P, C], dtype: npt.DTypeLike = np.float32) -> object:
    """The initial state of the net's layers (BatchNorm's running statistics), a tree of
    read-only arrays; it has no leaves for a net without state."""
    return layer_state(net, float_dtype(dtype))


def forward_train(
    net: Layer[P, C], params: P, state: object, x: npt.ArrayLike, key: Key | None
) -> tuple[FloatArray, object]:
    """(output, new state) of the training pass: batch statistics, dropout masks from `key`."""
    output, _, new_state = _run_train(net, params, state, x, key)
    return output, new_state


def _run_train(
    net: Layer[P, C], params: P, state: object, x: npt.ArrayLike, key: Key | None
) -> tuple[FloatArray, C, object]:
    if key is not None:
        check_key(key)
    return apply_train(net, params, state, as_input(x, params_dtype(params)), key)


def loss(
    net: Layer[P, C],
    params: P,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    penalty: Penalty | None = None,
    state: object = None,
) -> float:
    """loss_fn(forward(net, params, x, state), y), plus the penalty on params if given."""
    value = loss_fn(forward(net, params, x, state), y)
    return value if penalty is None else value + penalty.value_and_grads(params)[0]


def _penalized(params: P, value: float, grads: P, penalty: Penalty | None) -> tuple[float, P]:
    """(loss, grads) with the penalty on params added, if there is one."""
    if penalty is None:
        return value, grads
    extra, penalty_grads = penalty.value_and_grads(params)
    return value + extra, tree.add(grads, penalty_grads)


def _backward(
    net: Layer[P, C],
    params: P,
    output_and_cache: tuple[FloatArray, C],
    y: npt.ArrayLike,
    loss_fn: Loss,
    penalty: Penalty | None,
    input_grad: bool,
) -> tuple[float, P, FloatArray | None]:
    """(loss, param grads, input grad or None) from a forward pass's output and cache."""
    output, cache = output_and_cache
    value, dy = loss_fn.value_and_grad(output, y)
    grads, dx = net.backward(params, cache, dy, input_grad)
    return (*_penalized(params, value, grads, penalty), dx)


def backprop(
    net: Layer[P, C],
    params: P,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    penalty: Penalty | None = None,
    input_grad: bool = False,
) -> tuple[float, P, FloatArray | None]:
    """(loss, param grads, input grad or None): one forward pass, then the layers back.

    Nets that `mlp` builds take `nnfunc.fused`'s path, with the same results.
    """
    plan = fused.plan(net)
    found = None if plan is None else fused.run(plan, params, x, y, loss_fn, input_grad, None, False)
    if found is None:
        return _backward(net, params, _run(net, params, x), y, loss_fn, penalty, input_grad)
    value, grads, dx = found
    return (*_penalized(params, value, cast(P, grads), penalty), dx)


def train_backprop(
    net: Layer[P, C],
    params: P,
    state: object,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    key: Key | None = None,
    penalty: Penalty | None = None,
    input_grad: bool = False,
) -> tuple[float, P, FloatArray | None, object]:
    """`backprop` in training mode: (loss, param grads, input grad or None, new state)."""
    output, cache, new_state = _run_train(net, params, state, x, key)
    value, grads, dx = _backward(net, params, (output, cache), y, loss_fn, penalty, input_grad)
    return value, grads, dx, new_state


def train_value_and_grads(
    net: Layer[P, C],
    params: P,
    state: object,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    key: Key | None = None,
    penalty: Penalty | None = None,
) -> tuple[float, P, object]:
    """(loss, grads, new state) of the training pass: BatchNorm uses and updates batch
    statistics, Dropout draws its masks from `key` (needed when the net has Dropout).

    For a net without state or randomness this equals value_and_grads, state untouched.
    """
    value, grads, _, new_state = train_backprop(net, params, state, x, y, loss_fn, key, penalty)
    return value, grads, new_state


def value_and_grads(
    net: Layer[P, C],
    params: P,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    penalty: Penalty | None = None,
) -> tuple[float, P]:
    """(loss as a Python float, its gradients: same type and structure as params)."""
    value, grads, _ = backprop(net, params, x, y, loss_fn, penalty)
    return value, grads


def grads(
    net: Layer[P, C],
    params: P,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    penalty: Penalty | None = None,
) -> P:
    """The gradients of the loss w.r.t. params: same type and structure as params."""
    return backprop(net, params, x, y, loss_fn, penalty)[1]


def sgd_step(params: P, grads: P, learning_rate: float) -> P:
    """params - learning_rate * grads, leaf by leaf, as new read-only arrays (`optim.descend`).

    Raises ValueError for a learning rate that is not a finite number, and naming the path
    where grads differ from params in structure or in a leaf's shape.
    """
    return optim.descend(params, grads, learning_rate)
