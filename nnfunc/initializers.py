"""Weight initializers: frozen, hashable values called as `init(key, shape, dtype) -> array`.

Fans follow the Dense layout: shape (in, out) gives fan_in = in and fan_out = out.
"""

from __future__ import annotations

import math
from typing import Literal, Protocol, get_args

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import random
from nnfunc._arrays import FloatArray, FloatDType, float_dtype
from nnfunc._checks import choice, function, real, shape


class Initializer(Protocol):
    """Anything that makes an array of `shape` and `dtype` from a key."""

    def __call__(self, key: random.Key, shape: tuple[int, ...], dtype: FloatDType) -> FloatArray:
        """An array of `shape` and `dtype` determined by `key`."""
        ...


def _fans(dims: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of `dims`: (in, out), or (..., in, out) for kernels."""
    if len(dims) < 2:
        raise ValueError(f"shape must have at least 2 dimensions for fans, given {dims}")
    receptive = math.prod(dims[:-2])
    return dims[-2] * receptive, dims[-1] * receptive


def _arguments(
    key: random.Key, dims: object, dtype: npt.DTypeLike
) -> tuple[random.Key, tuple[int, ...], FloatDType]:
    """An initializer's arguments, checked: a Key, a shape of ints >= 0, float32 or float64."""
    return random.check_key(key), shape("shape", dims), float_dtype(dtype)


Mode = Literal["fan_in", "fan_out", "fan_avg"]
Distribution = Literal["normal", "uniform"]


def _scale(value: object) -> float:
    return real("VarianceScaling.scale", value, 0.0, open_low=True)


def _mode(value: object) -> Mode:
    return choice("VarianceScaling.mode", value, get_args(Mode))


def _distribution(value: object) -> Distribution:
    return choice("VarianceScaling.distribution", value, get_args(Distribution))


def _std(value: object) -> float:
    return real("Normal.std", value, 0.0, open_low=True)


@attrs.frozen
class VarianceScaling:
    """Samples with variance `scale / fan`: the family of Glorot, He and LeCun.

    scale: a finite number > 0; mode: "fan_in", "fan_out" or "fan_avg"; distribution:
    "normal" or "uniform". TypeError or ValueError naming the field otherwise.
    """

    scale: float = attrs.field(converter=_scale)
    mode: Mode = attrs.field(converter=_mode)
    distribution: Distribution = attrs.field(converter=_distribution)

    def __call__(self, key: random.Key, shape: tuple[int, ...], dtype: FloatDType) -> FloatArray:
        """Normal with std sqrt(scale/fan), or uniform in +-sqrt(3 scale/fan)."""
        key, dims, dtype = _arguments(key, shape, dtype)
        fan_in, fan_out = _fans(dims)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(fan, 1)
        if self.distribution == "normal":
            return random.normal(key, dims, dtype) * dtype.type(math.sqrt(variance))
        limit = math.sqrt(3.0 * variance)
        return random.uniform(key, dims, -limit, limit, dtype)


@attrs.frozen
class Normal:
    """Samples from N(0, std**2); std a finite number > 0."""

    std: float = attrs.field(default=0.01, converter=_std)

    def __call__(self, key: random.Key, shape: tuple[int, ...], dtype: FloatDType) -> FloatArray:
        """Normal samples of `shape` scaled by `std`."""
        key, dims, dtype = _arguments(key, shape, dtype)
        return random.normal(key, dims, dtype) * dtype.type(self.std)


@attrs.frozen
class Zeros:
    """All zeros (the key is not used)."""

    def __call__(self, key: random.Key, shape: tuple[int, ...], dtype: FloatDType) -> FloatArray:
        """Zeros of `shape`."""
        _, dims, dtype = _arguments(key, shape, dtype)
        return np.zeros(dims, dtype)


glorot_uniform = VarianceScaling(1.0, "fan_avg", "uniform")
"""Glorot (Xavier) uniform: variance 1 / mean(fan_in, fan_out); Dense's default."""
glorot_normal = VarianceScaling(1.0, "fan_avg", "normal")
"""Glorot (Xavier) normal: variance 1 / mean(fan_in, fan_out)."""
he_normal = VarianceScaling(2.0, "fan_in", "normal")
"""He normal: variance 2 / fan_in, for ReLU nets."""
he_uniform = VarianceScaling(2.0, "fan_in", "uniform")
"""He uniform: variance 2 / fan_in, for ReLU nets."""
lecun_normal = VarianceScaling(1.0, "fan_in", "normal")
"""LeCun normal: variance 1 / fan_in."""
xavier_uniform = glorot_uniform
"""The same initializer as `glorot_uniform`."""
xavier_normal = glorot_normal
"""The same initializer as `glorot_normal`."""
normal = Normal()
"""`Normal()` with its default standard deviation."""
zeros = Zeros()
"""All zeros: the default of biases."""

BY_NAME: dict[str, Initializer] = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "lecun_normal": lecun_normal,
    "normal": normal,
    "zeros": zeros,
}
"""Every initializer by the name `get` (and a layer's `init=`) accepts."""


def get(init: str | Initializer, name: str = "init") -> Initializer:
    """The initializer named `init` (see BY_NAME), or `init` itself if it is callable;
    errors name the argument `name` that gave it."""
    if isinstance(init, str):
        if init not in BY_NAME:
            raise ValueError(
                f"{name}: unknown initializer {init!r}; valid names: {sorted(BY_NAME)}"
            )
        return BY_NAME[init]
    return function(name, init)


def get_bias(init: str | Initializer) -> Initializer:
    """`get` for a layer's bias_init (an attrs converter: errors name bias_init)."""
    return get(init, "bias_init")


__all__ = [
    "BY_NAME",
    "Initializer",
    "Normal",
    "VarianceScaling",
    "Zeros",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "normal",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]
