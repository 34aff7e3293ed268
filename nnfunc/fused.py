"""The fast path of backprop for the nets `mlp` builds: a flat Sequential of Dense layers
and built-in activations, its forward pass, loss and backward pass in one function.

The arithmetic is the layers' own (`Dense.apply`, `dense_grads`, each activation's
`forward` and `gradient`), operation for operation, so the results equal the general
path (`Sequential.apply`, then `Sequential.backward`) bit for bit. What it saves: the
params are checked once, up front, against a `Plan` read from the net's spec (the
general path checks them layer by layer, and names the problem when this check fails);
an activation computes in place on the array the Dense layer before it has just made (in
the forward pass) or after it (in the backward pass), an array no one else holds; a
built-in loss folds a learning rate into its gradient's last multiply; and a training
step (`run` with a learning rate) moves each layer's params into its fresh gradient
arrays as soon as they exist. Nothing is kept between calls.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc._arrays import FloatArray
from nnfunc._inputs import as_input
from nnfunc.layers.activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nnfunc.layers.dense import Dense, DenseParams, dense_grads, frozen_dense_params
from nnfunc.layers.sequential import Sequential, SequentialParams
from nnfunc.losses import Loss, scaled_value_and_grad
from nnfunc.optim.apply import moved

_ACTIVATION_TYPES = frozenset({Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Identity})
"""Exactly these activations, and Dense (not subclasses, which may change a method)."""

_FLOAT_DTYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


@attrs.frozen
class Plan:
    """What the fused path needs of a fusable net, read once from its spec: per layer its
    activation (None for a Dense layer), and the slot and (w, b) shapes of each Dense."""

    activations: tuple[Activation | None, ...]
    dense: tuple[tuple[int, tuple[int, int], tuple[int]], ...]
    """(slot, w shape, b shape) of each Dense layer, in order."""
    first: int
    """The slot of the first Dense layer: the backward pass may stop there."""
    in_features: int
    """The features of the net's input, those of its first Dense layer."""

    def dtype(self, params: object) -> np.dtype[Any] | None:
        """The params' float dtype when they have the plan's structure, shapes and one float
        dtype; None otherwise, for the general path to name the problem."""
        activations = self.activations
        if type(params) is not tuple or len(params) != len(activations):
            return None
        dtype = None
        for slot, w_shape, b_shape in self.dense:
            p = params[slot]
            if type(p) is not DenseParams:
                return None
            w, b = p.w, p.b
            if dtype is None:
                dtype = w.dtype
            if w.shape != w_shape or b.shape != b_shape or w.dtype != dtype or b.dtype != dtype:
                return None
        for p, activation in zip(params, activations):
            if activation is not None and p is not None:
                return None
        return dtype if dtype in _FLOAT_DTYPES else None


def plan(net: object) -> Plan | None:
    """The plan of a flat Sequential of Dense layers and built-in activations, with a
    Dense; None for any other net (it takes the general path). One pass over the layers:
    `grads` asks on every call."""
    if type(net) is not Sequential:
        return None
    activations: list[Activation | None] = []
    dense: list[tuple[int, tuple[int, int], tuple[int]]] = []
    for slot, layer in enumerate(net.layers):
        if type(layer) is Dense:
            activations.append(None)
            dense.append((slot, (layer.in_features, layer.out_features), (layer.out_features,)))
        elif type(layer) in _ACTIVATION_TYPES and isinstance(layer, Activation):
            activations.append(layer)
        else:
            return None
    if not dense:
        return None
    first, (in_features, _), _ = dense[0]
    return Plan(tuple(activations), tuple(dense), first, in_features)


def run(
    plan: Plan,
    params: object,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    input_grad: bool,
    learning_rate: float | None,
    fold: bool,
) -> tuple[float, SequentialParams, FloatArray | None] | None:
    """(loss, per layer DenseParams or None, input grad or None) for the net of `plan`:
    the gradients without `learning_rate`, else the params each Dense layer moves to, in
    its fresh gradient arrays, as soon as they exist. None when params or x do not fit
    the net (the general path then says what is wrong).

    The move is rounded as (-learning_rate * g) + p, as `optim` does; with `fold`, the
    learning rate scales the loss's gradient instead, so every gradient of the walk back
    is lr * g and each param moves by one subtraction."""
    dtype = plan.dtype(params)
    if dtype is None:
        return None
    assert isinstance(params, tuple)
    x = as_input(x, dtype)
    if x.ndim != 2 or x.shape[1] != plan.in_features:
        return None
    activations = plan.activations
    h, caches, fresh = x, [], False
    for activation, layer_params in zip(activations, params, strict=True):
        if activation is None:  # a Dense layer: Dense.apply's arithmetic, checked by the plan
            caches.append(h)
            h = h.dot(layer_params.w)
            h += layer_params.b
            fresh = True
        else:  # in place on the array the Dense layer before it has just made
            h, cache = activation.forward(h, h if fresh else None)
            caches.append(cache)
            fresh = False  # h is now this activation's cache
    scale = learning_rate if fold and learning_rate is not None else 1.0
    value, grad, fresh = scaled_value_and_grad(loss_fn, h, y, scale)
    out: list[DenseParams | None] = [None] * len(activations)
    first = plan.first
    for i in range(len(activations) - 1, -1 if input_grad else first - 1, -1):
        activation = activations[i]
        if activation is None:
            p = params[i]
            w_grad, b_grad, dx = dense_grads(p.w, caches[i], grad, input_grad or i > first)
            if learning_rate is not None:  # the params move into the gradients' arrays
                if fold:  # lr * g already: p - lr * g
                    np.subtract(p.w, w_grad, out=w_grad)
                    np.subtract(p.b, b_grad, out=b_grad)
                else:
                    moved(p.w, w_grad, learning_rate, w_grad)
                    moved(p.b, b_grad, learning_rate, b_grad)
            out[i] = frozen_dense_params(w_grad, b_grad)
            if dx is None:
                return value, tuple(out), None
            grad, fresh = dx, True
        else:  # in place on the input gradient the Dense layer after it has just made
            grad = activation.gradient(caches[i], grad, grad if fresh else None)
    return value, tuple(out), grad
