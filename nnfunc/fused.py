"""The fast path of backprop for the nets `mlp` builds: a flat Sequential of Dense layers
and built-in activations, its forward pass, loss and backward pass in one function.

The arithmetic is the layers' own (`Dense.apply`, `dense_grads`, each activation's
`forward` and `gradient`), operation for operation, so the results equal the general
path (`Sequential.apply`, then `Sequential.backward`) bit for bit. What it saves: an
activation computes in place on the array the Dense layer before it has just made (in
the forward pass) or after it (in the backward pass), an array no one else holds; and
the gradients come back writable, so a training step may move the params into them
(`descend_into`). Nothing is kept between calls.
"""

from __future__ import annotations

from typing import TypeGuard

import numpy.typing as npt

from nnfunc._arrays import FloatArray, float_dtype, freeze, moved
from nnfunc._inputs import as_input
from nnfunc.layers.activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nnfunc.layers.base import LocatedError
from nnfunc.layers.dense import Dense, DenseParams, dense_grads
from nnfunc.layers.sequential import Sequential, SequentialParams
from nnfunc.losses import Loss

_FUSED_TYPES = (Dense, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Identity)
"""Exactly these classes (not subclasses, which may change what a method does)."""

Grads = list[tuple[FloatArray, FloatArray] | None]
"""Per layer: (w grad, b grad) of a Dense layer, as fresh writable arrays, or None."""


def fusable(net: object) -> TypeGuard[Sequential]:
    """True for a flat Sequential of Dense layers and built-in activations, with a Dense."""
    return (
        type(net) is Sequential
        and all(type(layer) in _FUSED_TYPES for layer in net.layers)
        and any(type(layer) is Dense for layer in net.layers)
    )


def _first_dense(net: Sequential, params: object) -> int | None:
    """The index of the net's first Dense layer when `params` has the net's structure
    (DenseParams at each Dense, None elsewhere); None otherwise, for the general path
    to name the problem."""
    layers = net.layers
    if type(params) is not tuple or len(params) != len(layers):
        return None
    first = None
    for i, (layer, layer_params) in enumerate(zip(layers, params, strict=True)):
        if type(layer) is Dense:
            if type(layer_params) is not DenseParams:
                return None
            first = i if first is None else first
        elif layer_params is not None:
            return None
    return first


def _forward(
    net: Sequential, params: SequentialParams, x: FloatArray
) -> tuple[FloatArray, list[FloatArray]]:
    """(output, each layer's cache); an activation right after a Dense works in place."""
    h, caches, fresh = x, [], False
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Dense):
            try:
                h, cache = layer.apply(params[i], h)
            except LocatedError as error:
                raise error.nested(f"[{i}]") from None
            fresh = True
        else:
            assert isinstance(layer, Activation)
            h, cache = layer.forward(h, h if fresh else None)
            fresh = False  # h is now this activation's cache
        caches.append(cache)
    return h, caches


def backprop(
    net: Sequential,
    params: object,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    input_grad: bool,
) -> tuple[float, Grads, FloatArray | None] | None:
    """(loss, per-layer writable grads, input grad or None) for a `fusable` net; None when
    params do not have the net's structure (the general path then says what is wrong)."""
    first = _first_dense(net, params)
    if first is None:
        return None
    assert isinstance(params, tuple)
    output, caches = _forward(net, params, as_input(x, float_dtype(params[first].w.dtype)))
    value, grad = loss_fn.value_and_grad(output, y)
    grads: Grads = [None] * len(params)
    fresh = False  # the loss's gradient: a loss of the user's may keep it
    for i in range(len(params) - 1, -1 if input_grad else first - 1, -1):
        layer = net.layers[i]
        if isinstance(layer, Dense):
            w_grad, b_grad, dx = dense_grads(params[i].w, caches[i], grad, input_grad or i > first)
            grads[i] = (w_grad, b_grad)
            if dx is None:
                break
            grad, fresh = dx, True
        else:
            assert isinstance(layer, Activation)
            grad = layer.gradient(caches[i], grad, grad if fresh else None)
    return value, grads, (grad if input_grad else None)


def frozen(grads: Grads) -> SequentialParams:
    """The grads as read-only Sequential params: DenseParams or None per layer."""
    return tuple(None if g is None else DenseParams(freeze(g[0]), freeze(g[1])) for g in grads)


def descend_into(
    params: SequentialParams, grads: Grads, learning_rate: float
) -> SequentialParams:
    """params - learning_rate * grads, computed in the grads' arrays (which must be fresh
    from `backprop` and held by no one else), as read-only Sequential params."""
    return tuple(
        None
        if g is None
        else DenseParams(
            moved(p.w, g[0], learning_rate, out=g[0]), moved(p.b, g[1], learning_rate, out=g[1])
        )
        for p, g in zip(params, grads, strict=True)
    )
