"""The fully connected layer: y = x @ w + b."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import initializers, random
from nnfunc._arrays import FloatArray, FloatDType, freeze, readonly
from nnfunc.layers.base import InputError, ParamsError


@attrs.frozen
class DenseParams:
    """Params of a Dense layer: `w` of shape (in, out) and `b` of shape (out,), read-only."""

    w: npt.NDArray[Any] = attrs.field(converter=readonly)
    b: npt.NDArray[Any] = attrs.field(converter=readonly)


def frozen_dense_params(w: FloatArray, b: FloatArray) -> DenseParams:
    """DenseParams of two arrays nnfunc has just made and no one else holds, marked
    read-only here, as the converters would keep them (no copy), without running them: a
    training step's hot path."""
    w.setflags(write=False)
    b.setflags(write=False)
    params = object.__new__(DenseParams)
    object.__setattr__(params, "w", w)
    object.__setattr__(params, "b", b)
    return params


def _positive_int(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be an int >= 1, given {value!r}")


@attrs.frozen
class Dense:
    """Fully connected layer from `in_features` to `out_features`.

    Weights default to Glorot (Xavier) uniform, biases to zeros; pass `init` or
    `bias_init` as an initializer or its name (see `nnfunc.initializers.BY_NAME`).
    """

    in_features: int = attrs.field(validator=_positive_int)
    out_features: int = attrs.field(validator=_positive_int)
    init: initializers.Initializer = attrs.field(
        default=initializers.glorot_uniform, converter=initializers.get
    )
    bias_init: initializers.Initializer = attrs.field(
        default=initializers.zeros, converter=initializers.get
    )

    def __repr__(self) -> str:
        return f"Dense({self.in_features}, {self.out_features})"

    def init_params(self, key: random.Key, dtype: FloatDType) -> DenseParams:
        """Params drawn from `key`: w (in, out) and b (out,) of `dtype`."""
        k_w, k_b = random.split(key)
        w = self.init(k_w, (self.in_features, self.out_features), dtype)
        b = self.bias_init(k_b, (self.out_features,), dtype)
        return DenseParams(freeze(np.asarray(w, dtype)), freeze(np.asarray(b, dtype)))

    def _check(self, params: object, x: FloatArray) -> None:
        if not isinstance(params, DenseParams):
            given = type(params).__name__
            raise ParamsError("", f"{self!r} needs DenseParams(w, b), given {given}")
        expected = (self.in_features, self.out_features)
        if params.w.shape != expected:
            raise ParamsError(".w", f"{self!r} expects shape {expected}, given {params.w.shape}")
        if params.b.shape != (self.out_features,):
            raise ParamsError(
                ".b", f"{self!r} expects shape {(self.out_features,)}, given {params.b.shape}"
            )
        if params.b.dtype != params.w.dtype or params.w.dtype != x.dtype:
            raise ParamsError(
                "",
                f"{self!r} needs w, b and its input in one float dtype, given "
                f"w {params.w.dtype}, b {params.b.dtype}, input {x.dtype}",
            )
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise InputError(
                "", f"{self!r} expects inputs of shape (batch, {self.in_features}), given {x.shape}"
            )

    def apply(self, params: DenseParams, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(x @ w + b, x): x of shape (batch, in), output of shape (batch, out)."""
        self._check(params, x)
        y = x.dot(params.w)
        y += params.b
        return y, x

    def backward(
        self, params: DenseParams, cache: FloatArray, dy: FloatArray, input_grad: bool
    ) -> tuple[DenseParams, FloatArray | None]:
        """(DenseParams(x.T @ dy, sum of dy over the batch), dy @ w.T or None)."""
        w_grad, b_grad, dx = dense_grads(params.w, cache, dy, input_grad)
        return frozen_dense_params(w_grad, b_grad), dx


def dense_grads(
    w: FloatArray, x: FloatArray, dy: FloatArray, input_grad: bool
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """(x.T @ dy, dy summed over the batch, dy @ w.T or None) as fresh, writable arrays:
    the gradients of y = x @ w + b for x (batch, in), dy (batch, out). (`ndarray.dot` of
    2-D arrays is the same BLAS call as `@`, with a third of its overhead per call.)"""
    dx = dy.dot(w.T) if input_grad else None
    return x.T.dot(dy), np.add.reduce(dy, axis=0), dx
