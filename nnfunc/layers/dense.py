"""The fully connected layer y = x @ w + b, and the weight-and-bias params it shares with
Conv2D."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import _checks, initializers, random, tree
from nnfunc._arrays import LEAF, FloatArray, FloatDType, freeze
from nnfunc._matmul import matmul
from nnfunc.layers.base import (
    INFERENCE,
    Context,
    InputError,
    ParamsError,
    Stateless,
    Traits,
    expect_arrays,
)


@attrs.frozen
class DenseParams:
    """A weight `w` whose last axis is the outputs and a bias `b` (outputs,), read-only:
    Dense's w is (in, out), Conv2D's (kh, kw, in_channels, out_channels). Weight decay
    applies to w, not to b, by default."""

    w: npt.NDArray[Any] = attrs.field(converter=LEAF, metadata={tree.DECAY: True})  # type: ignore[misc]
    b: npt.NDArray[Any] = attrs.field(converter=LEAF, metadata={tree.DECAY: False})  # type: ignore[misc]


Conv2DParams = DenseParams
"""Conv2D's params: the same class as Dense's, w of shape (kh, kw, in_channels, out_channels)."""


def fresh_params(w: FloatArray, b: FloatArray) -> DenseParams:
    """DenseParams of two arrays nnfunc has just made and no one else holds, marked
    read-only here, as the converters would keep them (no copy), without running them:
    a training step's hot path."""
    params = object.__new__(DenseParams)
    object.__setattr__(params, "w", freeze(w))
    object.__setattr__(params, "b", freeze(b))
    return params


def expect_weights(
    layer: object, params: object, w_shape: tuple[int, ...], x: FloatArray
) -> DenseParams:
    """`params`, checked to be DenseParams with w of `w_shape` and b of (w_shape[-1],), both
    of x's dtype; ParamsError naming the field, the expected and the given otherwise."""
    if type(params) is not DenseParams and not isinstance(params, DenseParams):
        raise ParamsError("", f"{layer!r} needs DenseParams(w, b), given {type(params).__name__}")
    w, b = params.w, params.b
    # the common case in two comparisons; the general check names what is wrong
    if not (w.shape == w_shape and b.shape == w_shape[-1:] and w.dtype == b.dtype == x.dtype):
        expect_arrays(layer, params, ParamsError, (("w", w_shape), ("b", w_shape[-1:])), x.dtype)
    return params


@attrs.frozen
class Dense(Stateless):
    """Fully connected layer from `in_features` to `out_features`.

    Weights default to Glorot (Xavier) uniform, biases to zeros; pass `init` or
    `bias_init` as an initializer or its name (see `nnfunc.initializers.BY_NAME`).
    With `thread_invariant=True` its products give the same bits for any number of BLAS
    threads (`nnfunc._matmul.matmul`: fixed blocks, one BLAS thread each), at a cost in
    speed; by default each product is one BLAS call, whose bits may depend on it.
    Raises TypeError or ValueError for sizes that are not ints >= 1.
    """

    traits: ClassVar[Traits] = Traits(output="new", input_grad="new", grads="new")

    in_features: int = attrs.field(
        converter=_checks.canonical, validator=_checks.validate(_checks.size)
    )
    out_features: int = attrs.field(
        converter=_checks.canonical, validator=_checks.validate(_checks.size)
    )
    init: initializers.Initializer = attrs.field(
        default=initializers.glorot_uniform, converter=initializers.get
    )
    bias_init: initializers.Initializer = attrs.field(
        default=initializers.zeros, converter=initializers.get_bias
    )
    thread_invariant: bool = attrs.field(
        default=False, converter=_checks.canonical, validator=_checks.validate(_checks.boolean)
    )

    def __repr__(self) -> str:
        option = ", thread_invariant=True" if self.thread_invariant else ""
        return f"Dense({self.in_features}, {self.out_features}{option})"

    def init_params(self, key: random.Key, dtype: FloatDType) -> DenseParams:
        """Params drawn from `key`: w (in, out) and b (out,) of `dtype`."""
        k_w, k_b = random.split(key)
        w = self.init(k_w, (self.in_features, self.out_features), dtype)
        b = self.bias_init(k_b, (self.out_features,), dtype)
        return fresh_params(np.asarray(w, dtype), np.asarray(b, dtype))

    def apply(
        self, params: DenseParams, state: None, x: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[FloatArray, FloatArray, None]:
        """(x @ w + b, x, None): x of shape (batch, in), output of shape (batch, out)."""
        expect_weights(self, params, (self.in_features, self.out_features), x)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise InputError(
                "", f"{self!r} expects inputs of shape (batch, {self.in_features}), given {x.shape}"
            )
        out = ctx.out((x.shape[0], self.out_features), x.dtype)
        y = matmul(x, params.w, out, invariant=self.thread_invariant)
        y += params.b
        return y, x, None

    def backward(
        self, params: DenseParams, cache: FloatArray, dy: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[DenseParams, FloatArray | None]:
        """(DenseParams(x.T @ dy, sum of dy over the batch), dy @ w.T or None).
        (`ndarray.dot` of 2-D arrays, in `matmul`, is the same BLAS call as `@`, with less
        overhead.)"""
        invariant, w = self.thread_invariant, params.w
        dtype = dy.dtype if dy.dtype == w.dtype else np.result_type(dy, w)
        dx = None
        if ctx.input_grad:
            dx = matmul(dy, w.T, ctx.out(cache.shape, dtype), invariant=invariant)
        dw = matmul(cache.T, dy, ctx.out(w.shape, dtype), invariant=invariant)
        db = np.add.reduce(dy, axis=0, out=ctx.out(params.b.shape, dy.dtype))
        return fresh_params(dw, db), dx


__all__ = [
    "Conv2DParams",
    "Dense",
    "DenseParams",
    "expect_weights",
    "fresh_params",
]
