"""The fast path of backprop for the nets `mlp` builds: a flat Sequential of Dense layers
and built-in activations, its forward pass, loss and backward pass in one function.

The arithmetic is the layers' own (`Dense.apply`, `dense_grads`, each activation's
`forward` and `gradient`), operation for operation, so the results equal the general
path (`Sequential.apply`, then `Sequential.backward`) bit for bit. What it saves: the
params are checked once, up front, against a `Plan` read from the net's spec (the
general path checks them layer by layer, and names the problem when this check fails);
an activation computes in place on the array the Dense layer before it has just made (in
the forward pass) or after it (in the backward pass), an array no one else holds; and a
training step (`sgd`) moves each layer's params into its fresh gradient arrays as soon
as they exist. Nothing is kept between calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeGuard

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc._arrays import FloatArray, freeze, moved
from nnfunc._inputs import as_input
from nnfunc.layers.activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nnfunc.layers.dense import Dense, DenseParams, dense_grads, made_dense_params
from nnfunc.layers.sequential import Sequential, SequentialParams
from nnfunc.losses import Loss

_FUSED_TYPES = (Dense, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Identity)
"""Exactly these classes (not subclasses, which may change what a method does)."""

_FLOAT_DTYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


def fusable(net: object) -> TypeGuard[Sequential]:
    """True for a flat Sequential of Dense layers and built-in activations, with a Dense."""
    return (
        type(net) is Sequential
        and all(type(layer) in _FUSED_TYPES for layer in net.layers)
        and any(type(layer) is Dense for layer in net.layers)
    )


@attrs.frozen
class Plan:
    """What the fused path needs of a fusable net, read once from its spec: per layer its
    activation (None for a Dense layer) and the (w, b) shapes of a Dense layer's params
    (None for an activation)."""

    activations: tuple[Activation | None, ...]
    shapes: tuple[tuple[tuple[int, int], tuple[int]] | None, ...]
    first: int
    """The slot of the first Dense layer: the backward pass may stop there."""
    in_features: int
    """The features of the net's input, those of its first Dense layer."""

    def dtype(self, params: object) -> np.dtype[Any] | None:
        """The params' float dtype when they have the plan's structure, shapes and one float
        dtype; None otherwise, for the general path to name the problem."""
        if type(params) is not tuple or len(params) != len(self.shapes):
            return None
        dtype = None
        for p, shapes in zip(params, self.shapes, strict=True):
            if shapes is None:
                if p is not None:
                    return None
                continue
            if type(p) is not DenseParams:
                return None
            w, b = p.w, p.b
            if dtype is None:
                dtype = w.dtype
            if w.shape != shapes[0] or b.shape != shapes[1]:
                return None
            if w.dtype != dtype or b.dtype != dtype:
                return None
        return dtype if dtype in _FLOAT_DTYPES else None


def plan(net: Sequential) -> Plan:
    """The plan of a `fusable` net."""
    layers = net.layers
    dense = [layer if type(layer) is Dense else None for layer in layers]
    first = next(i for i, layer in enumerate(dense) if layer is not None)
    dense_first = dense[first]
    assert dense_first is not None
    return Plan(
        tuple(layer if isinstance(layer, Activation) else None for layer in layers),
        tuple(
            None
            if layer is None
            else ((layer.in_features, layer.out_features), (layer.out_features,))
            for layer in dense
        ),
        first,
        dense_first.in_features,
    )


def _forward(
    plan: Plan, params: SequentialParams, x: FloatArray
) -> tuple[FloatArray, list[FloatArray]]:
    """(output, each layer's cache); an activation right after a Dense works in place."""
    h, caches, fresh = x, [], False
    for activation, layer_params in zip(plan.activations, params, strict=True):
        if activation is None:  # a Dense layer: Dense.apply's arithmetic, checked by the plan
            caches.append(h)
            h = np.dot(h, layer_params.w)
            h += layer_params.b
            fresh = True
        else:
            h, cache = activation.forward(h, h if fresh else None)
            caches.append(cache)
            fresh = False  # h is now this activation's cache
    return h, caches


def _walk(
    plan: Plan,
    params: object,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    input_grad: bool,
    scale: float | None,
    take: Callable[[int, FloatArray, FloatArray], None],
) -> tuple[float, FloatArray | None] | None:
    """(loss, input grad or None) of the net of `plan`, handing each Dense layer's (slot,
    w grad, b grad), fresh writable arrays, to `take` as the walk back reaches it; None
    when params or x do not fit the net (the general path then says what is wrong).

    With `scale`, the loss's gradient is multiplied by it before the walk back, so every
    gradient is scale times the true one (rounded otherwise)."""
    dtype = plan.dtype(params)
    if dtype is None:
        return None
    assert isinstance(params, tuple)
    x = as_input(x, dtype)
    if x.ndim != 2 or x.shape[1] != plan.in_features:
        return None
    output, caches = _forward(plan, params, x)
    value, grad = loss_fn.value_and_grad(output, y)
    fresh = False  # the loss's gradient: a loss of the user's may keep it
    if scale is not None:
        grad, fresh = np.multiply(grad, scale), True
    activations, first = plan.activations, plan.first
    for i in range(len(activations) - 1, -1 if input_grad else first - 1, -1):
        activation = activations[i]
        if activation is None:
            w_grad, b_grad, dx = dense_grads(params[i].w, caches[i], grad, input_grad or i > first)
            take(i, w_grad, b_grad)
            if dx is None:
                return value, None
            grad, fresh = dx, True
        else:
            grad = activation.gradient(caches[i], grad, grad if fresh else None)
    return value, grad


def backprop(
    plan: Plan, params: object, x: npt.ArrayLike, y: npt.ArrayLike, loss_fn: Loss, input_grad: bool
) -> tuple[float, SequentialParams, FloatArray | None] | None:
    """(loss, grads as read-only Sequential params, input grad or None) for the net of
    `plan`; None when params or x do not fit it."""
    grads: list[DenseParams | None] = [None] * len(plan.activations)

    def take(slot: int, w_grad: FloatArray, b_grad: FloatArray) -> None:
        grads[slot] = made_dense_params(freeze(w_grad), freeze(b_grad))

    found = _walk(plan, params, x, y, loss_fn, input_grad, None, take)
    return None if found is None else (found[0], tuple(grads), found[1])


def sgd(
    plan: Plan,
    params: object,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    learning_rate: float,
    fold: bool,
) -> tuple[float, SequentialParams] | None:
    """(loss, params - learning_rate * grads as read-only Sequential params) for the net of
    `plan`, each layer moved as soon as its gradients exist, in their own fresh arrays;
    None when params or x do not fit the net.

    Rounded as (-learning_rate * g) + p, as `optim` does; with `fold`, the learning rate
    scales the loss's gradient instead and each param moves by one subtraction."""
    if type(params) is not tuple:
        return None
    old: SequentialParams = params
    moved_params: list[DenseParams | None] = [None] * len(plan.activations)

    def take(slot: int, w_grad: FloatArray, b_grad: FloatArray) -> None:
        p = old[slot]
        if fold:
            np.subtract(p.w, w_grad, out=w_grad)
            np.subtract(p.b, b_grad, out=b_grad)
            w_grad.setflags(write=False)
            b_grad.setflags(write=False)
        else:
            moved(p.w, w_grad, learning_rate, w_grad)
            moved(p.b, b_grad, learning_rate, b_grad)
        moved_params[slot] = made_dense_params(w_grad, b_grad)

    found = _walk(plan, old, x, y, loss_fn, False, learning_rate if fold else None, take)
    return None if found is None else (found[0], tuple(moved_params))
