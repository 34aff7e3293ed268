"""Sliding windows over NHWC images: the geometry Conv2D and the pooling layers share.

Layout: every spatial layer takes inputs of shape (batch, height, width, channels).
A window of (kh, kw) pixels moves with stride (sh, sw) over the input, padded as
TensorFlow defines it: 'valid' (no padding; out = (in - k) // s + 1, the window must
fit in the input) or 'same' (out = ceil(in / s), padding (out - 1) * s + k - in
split with the extra pixel on the bottom and right).
"""

from __future__ import annotations

import numbers
from typing import Any, Literal

import attrs
import numpy as np

from nnfunc._arrays import FloatArray, FloatDType
from nnfunc.layers.base import InputError

Padding = Literal["valid", "same"]
"""A padding mode: "valid" (none) or "same" (the output keeps the input's size / stride)."""
PADDINGS: tuple[Padding, ...] = ("valid", "same")
"""Every padding mode."""
Pair = tuple[int, int]
"""A (height, width) pair of ints."""
Size = int | np.integer[Any]
"""A size: a Python int or a NumPy integer."""
SizeOrPair = Size | tuple[Size, Size]
"""An int (the same along both axes) or a (height, width) pair."""


def pair(name: str, value: SizeOrPair) -> Pair:
    """(value, value) for an int, (a, b) for a pair: ints >= 1, else ValueError naming `name`."""
    given: object = value  # as typed an int or a pair: look at what it really is
    values = (given, given) if isinstance(given, numbers.Integral) else given
    if (
        not isinstance(values, tuple | list)
        or len(values) != 2
        or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values)
        or not all(int(v) >= 1 for v in values)
    ):
        raise ValueError(f"{name} must be an int >= 1 or a pair of them, given {value!r}")
    return int(values[0]), int(values[1])


def padding_mode(value: str) -> Padding:
    """`value` if it is 'valid' or 'same', else ValueError."""
    for mode in PADDINGS:
        if value == mode:
            return mode
    raise ValueError(f"padding must be one of {list(PADDINGS)}, given {value!r}")


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


__all__ = [
    "PADDINGS",
    "Geometry",
    "Padding",
    "Pair",
    "Size",
    "SizeOrPair",
    "expect_images",
    "geometry",
    "padding_mode",
    "pair",
]
