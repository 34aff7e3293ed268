"""2-D convolution on NHWC images, and the sliding-window geometry pooling shares with it.

Layout: every spatial layer takes inputs of shape (batch, height, width, channels).
A window of (kh, kw) pixels moves with stride (sh, sw) over the input, padded as
TensorFlow defines it: 'valid' (no padding; out = (in - k) // s + 1, the window must
fit in the input) or 'same' (out = ceil(in / s), padding (out - 1) * s + k - in
split with the extra pixel on the bottom and right). Convolution copies the windows
into one (batch * out_h * out_w, kh * kw * channels) matrix (im2col), so the forward
pass and the kernel gradient are one matrix multiply each; the input gradient is one
product per kernel offset, added back into place (col2im) one offset at a time.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Protocol, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import initializers, random
from nnfunc._arrays import FloatArray, FloatDType, freeze, readonly
from nnfunc.layers.base import InputError, ParamsError

Padding = Literal["valid", "same"]
PADDINGS: tuple[Padding, ...] = ("valid", "same")
Pair = tuple[int, int]


def pair(name: str, value: int | Pair) -> Pair:
    """(value, value) for an int, (a, b) for a pair: ints >= 1, else ValueError naming `name`."""
    values = (value, value) if isinstance(value, int) else value
    if (
        not isinstance(values, tuple | list)
        or len(values) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values)
    ):
        raise ValueError(f"{name} must be an int >= 1 or a pair of them, given {value!r}")
    return int(values[0]), int(values[1])


def padding_mode(value: str) -> Padding:
    """`value` if it is 'valid' or 'same', else ValueError."""
    for mode in PADDINGS:
        if value == mode:
            return mode
    raise ValueError(f"padding must be one of {list(PADDINGS)}, given {value!r}")


def _kernel_size(value: int | Pair) -> Pair:
    return pair("kernel_size", value)


def _stride(value: int | Pair) -> Pair:
    return pair("stride", value)


def _channels(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be an int >= 1, given {value!r}")


def expect_images(layer: object, x: FloatArray, channels: int | None = None) -> None:
    """Raise InputError unless x is (batch, height, width, channels), with `channels` if given."""
    if x.ndim != 4:
        raise InputError(
            "", f"{layer!r} expects (batch, height, width, channels), given shape {x.shape}"
        )
    if channels is not None and x.shape[3] != channels:
        raise InputError(
            "",
            f"{layer!r} expects {channels} input channels (the last axis of "
            f"(batch, height, width, channels)), given {x.shape[3]} in shape {x.shape}",
        )


def _axis(size: int, window: int, stride: int, padding: Padding) -> tuple[int, int, int]:
    """(out, pad before, pad after) along one spatial axis; out 0 if the window does not fit."""
    if padding == "valid":
        return (size - window) // stride + 1 if size >= window else 0, 0, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return out, total // 2, total - total // 2


@attrs.frozen
class Geometry:
    """Where a (kh, kw) window lands, with stride (sh, sw), on an input (height, width).

    `pads` are ((top, bottom), (left, right)); `out` is (out_h, out_w).
    """

    size: Pair
    window: Pair
    stride: Pair
    pads: tuple[Pair, Pair]
    out: Pair

    def pad(self, x: FloatArray, fill: float) -> FloatArray:
        """x (batch, h, w, c) padded with `fill` as `pads` says; x itself when there is none."""
        (top, bottom), (left, right) = self.pads
        if top == bottom == left == right == 0:
            return x
        return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)

    def under(self, i: int, j: int) -> tuple[slice, slice, slice]:
        """Index of the padded input's pixels under kernel offset (i, j), one per window."""
        (out_h, out_w), (sh, sw) = self.out, self.stride
        rows = slice(i, i + (out_h - 1) * sh + 1, sh)
        return slice(None), rows, slice(j, j + (out_w - 1) * sw + 1, sw)

    def windows(self, padded: FloatArray) -> FloatArray:
        """A read-only view (batch, out_h, out_w, kh, kw, c) of every window of `padded`."""
        view = np.lib.stride_tricks.sliding_window_view(padded, self.window, axis=(1, 2))
        return view[self.under(0, 0)].transpose(0, 1, 2, 4, 5, 3)

    def scatter(self, dwindows: FloatArray) -> FloatArray:
        """The input gradient (batch, h, w, c) from the gradients of the windows, offset first:
        (kh, kw, batch, out_h, out_w, c). Each is added back where its window was taken.

        One vectorized addition per kernel offset; the padding's share is dropped.
        """
        (top, bottom), (left, right) = self.pads
        batch, channels = dwindows.shape[2], dwindows.shape[5]
        height, width = self.size[0] + top + bottom, self.size[1] + left + right
        dx = np.zeros((batch, height, width, channels), dwindows.dtype)
        for i in range(self.window[0]):
            for j in range(self.window[1]):
                dx[self.under(i, j)] += dwindows[i, j]
        return dx[:, top : top + self.size[0], left : left + self.size[1]]

    def counts(self, dtype: FloatDType) -> FloatArray:
        """(out_h, out_w): how many input pixels (not padding) each window covers."""
        per_axis = []
        for size, window, stride, (before, _), out in zip(
            self.size, self.window, self.stride, self.pads, self.out, strict=True
        ):
            starts = np.arange(out) * stride
            ends = np.minimum(starts + window, before + size)
            per_axis.append(ends - np.maximum(starts, before))
        return np.outer(per_axis[0], per_axis[1]).astype(dtype)


def geometry(
    layer: object, x: FloatArray, window: Pair, stride: Pair, padding: Padding
) -> Geometry:
    """The Geometry of `window` over images x (batch, height, width, channels).

    Raises InputError when the window is larger than the (padded) input.
    """
    size = (int(x.shape[1]), int(x.shape[2]))
    (out_h, top, bottom), (out_w, left, right) = (
        _axis(n, k, s, padding) for n, k, s in zip(size, window, stride, strict=True)
    )
    if out_h == 0 or out_w == 0:
        raise InputError(
            "",
            f"{layer!r} has a window of (height, width) {window}, larger than the input's "
            f"{size} with padding {padding!r}: given shape {x.shape}",
        )
    return Geometry(size, window, stride, ((top, bottom), (left, right)), (out_h, out_w))


class Weights(Protocol):
    """Params with a weight `w` whose last axis is the outputs and a bias `b` (outputs,)."""

    @property
    def w(self) -> npt.NDArray[Any]:
        """The weight."""
        ...

    @property
    def b(self) -> npt.NDArray[Any]:
        """The bias."""
        ...


W = TypeVar("W", bound=Weights)


def expect_weights(
    layer: object, params: object, kind: type[W], w_shape: tuple[int, ...], x: FloatArray
) -> W:
    """`params`, checked to be a `kind` with `w` of w_shape and `b` of (w_shape[-1],), both
    of x's dtype; ParamsError naming the field, the expected and the given otherwise."""
    if not isinstance(params, kind):
        raise ParamsError(
            "", f"{layer!r} needs {kind.__name__}(w, b), given {type(params).__name__}"
        )
    for name, expected in (("w", w_shape), ("b", w_shape[-1:])):
        given = getattr(params, name).shape
        if given != expected:
            raise ParamsError(f".{name}", f"{layer!r} expects shape {expected}, given {given}")
    if params.b.dtype != params.w.dtype or params.w.dtype != x.dtype:
        raise ParamsError(
            "",
            f"{layer!r} needs w, b and its input in one float dtype, given "
            f"w {params.w.dtype}, b {params.b.dtype}, input {x.dtype}",
        )
    return params


@attrs.frozen
class Conv2DParams:
    """Params of a Conv2D layer: kernel `w` (kh, kw, in_channels, out_channels) and
    bias `b` (out_channels,), read-only."""

    w: npt.NDArray[Any] = attrs.field(converter=readonly)
    b: npt.NDArray[Any] = attrs.field(converter=readonly)


Conv2DCache = tuple[FloatArray, Geometry]
"""(im2col matrix (batch * out_h * out_w, kh * kw * in_channels), the window geometry)."""


@attrs.frozen
class Conv2D:
    """2-D convolution (cross-correlation, as in every deep-learning library) over NHWC images.

    kernel_size and stride: an int or a (height, width) pair. padding: 'valid' or 'same'
    (see the module docstring). The kernel defaults to Glorot uniform with fans
    kh * kw * in_channels and kh * kw * out_channels (pass init="he_normal" for ReLU
    nets), the bias to zeros.

    Raises ValueError for sizes that are not ints >= 1 or an unknown padding.
    """

    in_channels: int = attrs.field(validator=_channels)
    out_channels: int = attrs.field(validator=_channels)
    kernel_size: Pair = attrs.field(converter=_kernel_size)
    stride: Pair = attrs.field(default=(1, 1), converter=_stride)
    padding: Padding = attrs.field(default="valid", converter=padding_mode)
    init: initializers.Initializer = attrs.field(
        default=initializers.glorot_uniform, converter=initializers.get
    )
    bias_init: initializers.Initializer = attrs.field(
        default=initializers.zeros, converter=initializers.get
    )

    def __repr__(self) -> str:
        return (
            f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding!r})"
        )

    @property
    def kernel_shape(self) -> tuple[int, int, int, int]:
        """(kh, kw, in_channels, out_channels): the shape of the params' `w`."""
        return (*self.kernel_size, self.in_channels, self.out_channels)

    def init_params(self, key: random.Key, dtype: FloatDType) -> Conv2DParams:
        """Params drawn from `key`: w (kh, kw, in_channels, out_channels), b (out_channels,)."""
        k_w, k_b = random.split(key)
        w = self.init(k_w, self.kernel_shape, dtype)
        b = self.bias_init(k_b, (self.out_channels,), dtype)
        return Conv2DParams(freeze(np.asarray(w, dtype)), freeze(np.asarray(b, dtype)))

    def _check(self, params: object, x: FloatArray) -> None:
        expect_weights(self, params, Conv2DParams, self.kernel_shape, x)
        expect_images(self, x, self.in_channels)

    def apply(self, params: Conv2DParams, x: FloatArray) -> tuple[FloatArray, Conv2DCache]:
        """(convolution of x plus b, cache): x (batch, h, w, in) to (batch, out_h, out_w, out)."""
        self._check(params, x)
        geo = geometry(self, x, self.kernel_size, self.stride, self.padding)
        windows = geo.windows(geo.pad(x, 0.0))
        cols = windows.reshape(-1, math.prod(windows.shape[3:]))
        y = cols @ params.w.reshape(cols.shape[1], self.out_channels)
        y += params.b
        return y.reshape(*windows.shape[:3], self.out_channels), (cols, geo)

    def backward(
        self, params: Conv2DParams, cache: Conv2DCache, dy: FloatArray, input_grad: bool
    ) -> tuple[Conv2DParams, FloatArray | None]:
        """(Conv2DParams(cols.T @ dy, sum of dy), dy @ w.T scattered back to the input or None)."""
        cols, geo = cache
        dy_rows = dy.reshape(-1, self.out_channels)
        dw = np.empty(self.kernel_shape, dy.dtype)
        np.matmul(cols.T, dy_rows, out=dw.reshape(cols.shape[1], self.out_channels))
        grads = Conv2DParams(freeze(dw), freeze(np.einsum("ij->j", dy_rows)))
        if not input_grad:
            return grads, None
        # One product per kernel offset, (batch * out_h * out_w, in) each, ready to scatter.
        w_offsets = params.w.reshape(-1, self.in_channels, self.out_channels).transpose(0, 2, 1)
        dwindows = np.matmul(dy_rows, w_offsets)
        return grads, geo.scatter(dwindows.reshape(*self.kernel_size, *dy.shape[:3], -1))
