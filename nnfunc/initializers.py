"""Weight initializers: frozen, hashable values called as `init(key, shape, dtype) -> array`.

Fans follow the Dense layout: shape (in, out) gives fan_in = in and fan_out = out.
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

import attrs
import numpy as np

from nnfunc import random
from nnfunc._arrays import FloatArray, FloatDType


class Initializer(Protocol):
    """Anything that makes an array of `shape` and `dtype` from a key."""

    def __call__(self, key: random.Key, shape: tuple[int, ...], dtype: FloatDType) -> FloatArray:
        """An array of `shape` and `dtype` determined by `key`."""
        ...


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of `shape`: (in, out), or (..., in, out) for kernels."""
    if len(shape) < 2:
        raise ValueError(f"fans need a weight of at least 2 dimensions, given shape {shape}")
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


@attrs.frozen
class VarianceScaling:
    """Samples with variance `scale / fan`: the family of Glorot, He and LeCun."""

    scale: float
    mode: Literal["fan_in", "fan_out", "fan_avg"]
    distribution: Literal["normal", "uniform"]

    def __call__(self, key: random.Key, shape: tuple[int, ...], dtype: FloatDType) -> FloatArray:
        """Normal with std sqrt(scale/fan), or uniform in +-sqrt(3 scale/fan)."""
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(fan, 1)
        if self.distribution == "normal":
            return random.normal(key, shape, dtype) * dtype.type(math.sqrt(variance))
        limit = math.sqrt(3.0 * variance)
        return random.uniform(key, shape, -limit, limit, dtype)


@attrs.frozen
class Normal:
    """Samples from N(0, std**2)."""

    std: float = attrs.field(default=0.01, validator=attrs.validators.gt(0.0))

    def __call__(self, key: random.Key, shape: tuple[int, ...], dtype: FloatDType) -> FloatArray:
        """Normal samples of `shape` scaled by `std`."""
        return random.normal(key, shape, dtype) * dtype.type(self.std)


@attrs.frozen
class Zeros:
    """All zeros (the key is not used)."""

    def __call__(self, key: random.Key, shape: tuple[int, ...], dtype: FloatDType) -> FloatArray:
        """Zeros of `shape`."""
        return np.zeros(shape, dtype)


glorot_uniform = VarianceScaling(1.0, "fan_avg", "uniform")
glorot_normal = VarianceScaling(1.0, "fan_avg", "normal")
he_normal = VarianceScaling(2.0, "fan_in", "normal")
he_uniform = VarianceScaling(2.0, "fan_in", "uniform")
lecun_normal = VarianceScaling(1.0, "fan_in", "normal")
xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
normal = Normal()
zeros = Zeros()

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


def get(init: str | Initializer) -> Initializer:
    """The initializer named `init` (see BY_NAME), or `init` itself if it is callable."""
    if isinstance(init, str):
        if init not in BY_NAME:
            raise ValueError(f"unknown initializer {init!r}; valid names: {sorted(BY_NAME)}")
        return BY_NAME[init]
    if not callable(init):
        raise TypeError(f"an initializer must be a name or callable, given {init!r}")
    return init
