"""Explicit, splittable random keys on NumPy's counter-based Philox generator.

A `Key` alone determines every number drawn from it, in any process: there is no
global generator anywhere in nnfunc. Draw from a key once; `split` it for more.
"""

from __future__ import annotations

from typing import TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc._arrays import FloatArray, float_dtype
from nnfunc._checks import integer, real
from nnfunc._checks import shape as _checked_shape

T = TypeVar("T", int, float)
_MASK64 = (1 << 64) - 1
# Philox counters: draws start at block 0, `split` reads from a separate counter
# range, so a key's children never repeat the numbers the key itself gives.
_DRAW_COUNTER = np.zeros(4, dtype=np.uint64)
_SPLIT_COUNTER = np.array([0, 0, 0, 1], dtype=np.uint64)


def _word(value: object) -> int:
    """A Key word: an int (or NumPy integer) in [0, 2**64)."""
    return integer("Key.hi and Key.lo", value, 0, _MASK64)


@attrs.frozen
class Key:
    """A random key: two 64-bit words for Philox. Frozen, hashable, compares by value."""

    hi: int = attrs.field(converter=_word)
    lo: int = attrs.field(converter=_word)

    def __repr__(self) -> str:
        return f"Key({self.hi:#018x}, {self.lo:#018x})"


def key(seed: int) -> Key:
    """The key for an integer seed (any size >= 0); equal seeds give equal keys."""
    seed = integer("seed", seed, 0)
    hi, lo = np.random.SeedSequence(seed).generate_state(2, dtype=np.uint64)
    return Key(int(hi), int(lo))


def check_key(value: object, name: str = "key") -> Key:
    """Return `value` if it is a Key, else raise TypeError naming `name`."""
    if not isinstance(value, Key):
        raise TypeError(
            f"{name} must be an nnfunc.random.Key (make one with nf.random.key(seed)), "
            f"given {type(value).__name__}: {value!r}"
        )
    return value


def _philox(k: Key, counter: npt.NDArray[np.uint64]) -> np.random.Philox:
    words = np.array([k.lo, k.hi], dtype=np.uint64)
    return np.random.Philox(key=words, counter=counter)


def generator(k: Key) -> np.random.Generator:
    """A fresh NumPy Generator whose stream is fixed by `k` alone."""
    return np.random.Generator(_philox(check_key(k), _DRAW_COUNTER))


def split(k: Key, num: int = 2) -> tuple[Key, ...]:
    """`num` new keys derived from `k`; they differ from each other and from `k`."""
    check_key(k)
    num = integer("num", num, 1)
    raw = _philox(k, _SPLIT_COUNTER).random_raw(2 * num)
    return tuple(Key(int(raw[2 * i]), int(raw[2 * i + 1])) for i in range(num))


def fold_in(k: Key, data: int) -> Key:
    """A new key determined by `k` and the integer `data` (such as a step or a seed)."""
    check_key(k)
    data = integer("data", data, 0)
    seeded = np.random.SeedSequence([k.hi, k.lo, data]).generate_state(2, dtype=np.uint64)
    return Key(int(seeded[0]), int(seeded[1]))


def normal(k: Key, shape: int | tuple[int, ...], dtype: npt.DTypeLike = np.float32) -> FloatArray:
    """Standard normal samples of `shape` in `dtype` (float32 or float64).

    Drawn in float64 and rounded, so float32 and float64 agree to rounding for one key.
    """
    check_key(k)
    dims, resolved = _checked_shape("shape", shape), float_dtype(dtype)
    return generator(k).standard_normal(dims).astype(resolved, copy=False)


def uniform(
    k: Key,
    shape: int | tuple[int, ...],
    low: float = 0.0,
    high: float = 1.0,
    dtype: npt.DTypeLike = np.float32,
) -> FloatArray:
    """Uniform samples in [low, high) of `shape` in `dtype`, drawn in float64 and rounded."""
    check_key(k)
    dims, resolved = _checked_shape("shape", shape), float_dtype(dtype)
    low, high = _low_high(real("low", low), real("high", high))
    samples = generator(k).uniform(low, high, dims).astype(resolved, copy=False)
    # Rounding to float32 can reach `high`; keep the interval half-open.
    return np.minimum(samples, np.nextafter(resolved.type(high), resolved.type(low)))


def _low_high(low: T, high: T) -> tuple[T, T]:
    """(low, high), checked: ValueError unless low < high."""
    if not low < high:
        raise ValueError(f"low must be < high, given low={low}, high={high}")
    return low, high


def permutation(k: Key, n: int) -> npt.NDArray[np.intp]:
    """A random permutation of range(n), as an intp array of shape (n,)."""
    check_key(k)
    n = integer("n", n, 0)
    return generator(k).permutation(n).astype(np.intp, copy=False)


def bernoulli(k: Key, p: float, shape: int | tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """Boolean samples of `shape`, each True with probability p in [0, 1]."""
    check_key(k)
    p, dims = real("p", p, 0.0, 1.0), _checked_shape("shape", shape)
    return generator(k).random(dims) < p


def randint(k: Key, shape: int | tuple[int, ...], low: int, high: int) -> npt.NDArray[np.int64]:
    """Integers uniform in [low, high) of `shape`."""
    check_key(k)
    dims = _checked_shape("shape", shape)
    low, high = _low_high(integer("low", low), integer("high", high))
    values: npt.NDArray[np.int64] = generator(k).integers(low, high, dims, np.int64)
    return values


__all__: list[str] = [
    "Key",
    "bernoulli",
    "check_key",
    "fold_in",
    "generator",
    "key",
    "normal",
    "permutation",
    "randint",
    "split",
    "uniform",
]
