"""Max and average pooling over NHWC images; no params (their slot in params is None).

Windows, strides and 'valid'/'same' padding are those of `nnfunc.layers.windows`. As in
TensorFlow, padding never takes part: max pooling pads with -inf, and average
pooling divides each window's sum by the number of input pixels it covers.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc._arrays import FloatArray, FloatDType
from nnfunc.layers.base import INFERENCE, Context, Stateless, Traits, expect_no_params
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
from nnfunc.random import Key


@attrs.frozen(init=False)
class _Pool2D(Stateless):
    """Shared plumbing: the window options, no params, and the input checks. The output
    and the input gradient are new arrays."""

    traits: ClassVar[Traits] = Traits(output="new", input_grad="new", grads="new")

    pool_size: Pair
    stride: Pair
    padding: Padding

    def __init__(
        self, pool_size: SizeOrPair, stride: SizeOrPair | None = None, padding: str = "valid"
    ) -> None:
        """pool_size and stride: an int or a (height, width) pair; stride None is pool_size.

        Raises ValueError for sizes that are not ints >= 1 or a padding other than
        'valid' or 'same'.
        """
        size = pair("pool_size", pool_size)
        self.__attrs_init__(
            size, size if stride is None else pair("stride", stride), padding_mode(padding)
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(pool_size={self.pool_size}, stride={self.stride}, "
            f"padding={self.padding!r})"
        )

    def init_params(self, key: Key, dtype: FloatDType) -> None:
        """None: pooling has no params."""
        return None

    def _geometry(self, params: None, x: FloatArray) -> Geometry:
        expect_no_params(self, params)
        expect_images(self, x)
        return geometry(self, x, self.pool_size, self.stride, self.padding)


MaxPool2DCache = tuple[npt.NDArray[np.intp], Geometry]
"""(index in each flattened (kh * kw) window of its maximum, the window geometry)."""


@attrs.frozen(init=False, repr=False)
class MaxPool2D(_Pool2D):
    """The maximum of each window, per channel: (batch, h, w, c) to (batch, out_h, out_w, c).

    The gradient goes to the window's maximum; on ties, to the first in row-major order.
    """

    def apply(
        self, params: None, state: None, x: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[FloatArray, MaxPool2DCache, None]:
        """(window maxima, cache, None): x (batch, h, w, c) to (batch, out_h, out_w, c)."""
        geo = self._geometry(params, x)
        windows = geo.windows(geo.pad(x, -np.inf))
        flat = windows.reshape(*windows.shape[:3], -1, windows.shape[5])
        argmax = flat.argmax(axis=3)
        y = np.take_along_axis(flat, argmax[:, :, :, None], axis=3)[:, :, :, 0]
        return y, (argmax, geo), None

    def backward(
        self, params: None, cache: MaxPool2DCache, dy: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[None, FloatArray | None]:
        """(None, dy routed to each window's maximum) or (None, None) without input_grad."""
        if not ctx.input_grad:
            return None, None
        argmax, geo = cache
        offsets = np.arange(geo.window[0] * geo.window[1])[:, None, None, None, None]
        routed = np.where(argmax == offsets, dy, 0).astype(dy.dtype, copy=False)
        return None, geo.scatter(routed.reshape(*geo.window, *dy.shape))


AvgPool2DCache = tuple[FloatArray, Geometry]
"""(input pixels per window (out_h, out_w), the window geometry)."""


@attrs.frozen(init=False, repr=False)
class AvgPool2D(_Pool2D):
    """The mean of each window's input pixels, per channel: (batch, h, w, c) to
    (batch, out_h, out_w, c). With 'same', padding is left out of the mean."""

    def apply(
        self, params: None, state: None, x: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[FloatArray, AvgPool2DCache, None]:
        """(window means, cache, None): x (batch, h, w, c) to (batch, out_h, out_w, c)."""
        geo = self._geometry(params, x)
        counts = geo.counts(x.dtype)[:, :, None]
        y: FloatArray = geo.windows(geo.pad(x, 0.0)).sum(axis=(3, 4))
        y /= counts
        return y, (counts, geo), None

    def backward(
        self, params: None, cache: AvgPool2DCache, dy: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[None, FloatArray | None]:
        """(None, dy / count spread over each window) or (None, None) without input_grad."""
        if not ctx.input_grad:
            return None, None
        counts, geo = cache
        return None, geo.scatter(np.broadcast_to(dy / counts, (*geo.window, *dy.shape)))


__all__ = [
    "AvgPool2D",
    "AvgPool2DCache",
    "MaxPool2D",
    "MaxPool2DCache",
]
