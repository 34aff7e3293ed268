"""2-D convolution on NHWC images (windows and padding as `nnfunc.layers.windows` defines).

Convolution copies the windows into one (batch * out_h * out_w, kh * kw * channels)
matrix (im2col), so the forward pass and the kernel gradient are one matrix multiply
each; the input gradient is one product per kernel offset, added back into place
(col2im) one offset at a time.
"""

from __future__ import annotations

import math
from typing import ClassVar

import attrs
import numpy as np

from nnfunc import _checks, initializers, random
from nnfunc._arrays import FloatArray, FloatDType
from nnfunc._matmul import SMALL, matmul
from nnfunc.layers.base import INFERENCE, Context, Stateless, Traits
from nnfunc.layers.dense import DenseParams, expect_weights, fresh_params
from nnfunc.layers.windows import (
    Geometry,
    Padding,
    Pair,
    SizeOrPair,
    expect_images,
    geometry,
    padding_mode,
    pair,
)

Conv2DCache = tuple[FloatArray, Geometry]
"""(im2col matrix (batch * out_h * out_w, kh * kw * in_channels), the window geometry)."""


def _kernel_size(value: SizeOrPair) -> Pair:
    return pair("kernel_size", value)


def _stride(value: SizeOrPair) -> Pair:
    return pair("stride", value)


@attrs.frozen
class Conv2D(Stateless):
    """2-D convolution (cross-correlation, as in every deep-learning library) over NHWC images.

    kernel_size and stride: an int or a (height, width) pair. padding: 'valid' or 'same'
    (see the module docstring). The kernel defaults to Glorot uniform with fans
    kh * kw * in_channels and kh * kw * out_channels (pass init="he_normal" for ReLU
    nets), the bias to zeros. `thread_invariant`: as Dense's (the same bits for any
    number of BLAS threads, at a cost in speed).

    Raises ValueError for sizes that are not ints >= 1 or an unknown padding.
    """

    traits: ClassVar[Traits] = Traits(output="new", input_grad="new", grads="new")

    in_channels: int = attrs.field(
        converter=_checks.canonical, validator=_checks.validate(_checks.size)
    )
    out_channels: int = attrs.field(
        converter=_checks.canonical, validator=_checks.validate(_checks.size)
    )
    kernel_size: Pair = attrs.field(converter=_kernel_size)
    stride: Pair = attrs.field(default=(1, 1), converter=_stride)
    padding: Padding = attrs.field(default="valid", converter=padding_mode)
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
        return (
            f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding!r}{option})"
        )

    @property
    def kernel_shape(self) -> tuple[int, int, int, int]:
        """(kh, kw, in_channels, out_channels): the shape of the params' `w`."""
        return (*self.kernel_size, self.in_channels, self.out_channels)

    def init_params(self, key: random.Key, dtype: FloatDType) -> DenseParams:
        """Params drawn from `key`: w (kh, kw, in_channels, out_channels), b (out_channels,)."""
        k_w, k_b = random.split(key)
        w = self.init(k_w, self.kernel_shape, dtype)
        b = self.bias_init(k_b, (self.out_channels,), dtype)
        return fresh_params(np.asarray(w, dtype), np.asarray(b, dtype))

    def apply(
        self, params: DenseParams, state: None, x: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[FloatArray, Conv2DCache, None]:
        """(convolution of x plus b, cache, None): x (batch, h, w, in) to
        (batch, out_h, out_w, out)."""
        expect_weights(self, params, self.kernel_shape, x)
        expect_images(self, x, self.in_channels)
        geo = geometry(self, x, self.kernel_size, self.stride, self.padding)
        windows = geo.windows(geo.pad(x, 0.0))
        cols = windows.reshape(-1, math.prod(windows.shape[3:]))
        w = params.w.reshape(cols.shape[1], self.out_channels)
        out = ctx.out((cols.shape[0], self.out_channels), x.dtype)
        y = matmul(cols, w, out, invariant=self.thread_invariant)
        y += params.b
        return y.reshape(*windows.shape[:3], self.out_channels), (cols, geo), None

    def backward(
        self, params: DenseParams, cache: Conv2DCache, dy: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[DenseParams, FloatArray | None]:
        """(DenseParams(cols.T @ dy, sum of dy), dy @ w.T scattered back to the input or None)."""
        cols, geo = cache
        dy_rows = dy.reshape(-1, self.out_channels)
        dw = ctx.out(self.kernel_shape, dy.dtype)
        if dw is None:
            dw = np.empty(self.kernel_shape, dy.dtype)
        dw_rows = dw.reshape(cols.shape[1], self.out_channels)
        matmul(cols.T, dy_rows, out=dw_rows, invariant=self.thread_invariant)
        grads = fresh_params(dw, np.einsum("ij->j", dy_rows))
        if not ctx.input_grad:
            return grads, None
        # One product per kernel offset, (batch * out_h * out_w, in) each, ready to scatter.
        w_offsets = params.w.reshape(-1, self.in_channels, self.out_channels).transpose(0, 2, 1)
        if not self.thread_invariant or dy_rows.shape[0] * w_offsets.size <= SMALL:
            dwindows = np.matmul(dy_rows, w_offsets)
        else:
            dwindows = np.empty((len(w_offsets), len(dy_rows), self.in_channels), dy.dtype)
            for offset, w_offset in enumerate(w_offsets):
                matmul(dy_rows, w_offset, out=dwindows[offset])
        return grads, geo.scatter(dwindows.reshape(*self.kernel_size, *dy.shape[:3], -1))


__all__ = [
    "Conv2D",
    "Conv2DCache",
]
