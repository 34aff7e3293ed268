"""Explicit, splittable random keys on NumPy's counter-based Philox generator.

A `Key` alone determines every number drawn from it, in any process: there is no
global generator anywhere in nnfunc. Draw from a key once; `split` it for more.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc._arrays import FloatArray, float_dtype

_MASK64 = (1 << 64) - 1
# Philox counters: draws start at block 0, `split` reads from a separate counter
# range, so a key's children never repeat the numbers the key itself gives.
_DRAW_COUNTER = np.zeros(4, dtype=np.uint64)
_SPLIT_COUNTER = np.array([0, 0, 0, 1], dtype=np.uint64)


def _word(value: int) -> int:
    if not 0 <= value <= _MASK64:
        raise ValueError(f"Key words must be integers in [0, 2**64), given {value}")
    return value


@attrs.frozen
class Key:
    """A random key: two 64-bit words for Philox. Frozen, hashable, compares by value."""

    hi: int = attrs.field(converter=_word)
    lo: int = attrs.field(converter=_word)

    def __repr__(self) -> str:
        return f"Key({self.hi:#018x}, {self.lo:#018x})"


def key(seed: int) -> Key:
    """The key for an integer seed (any size >= 0); equal seeds give equal keys."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, given {type(seed).__name__}: {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, given {seed}")
    hi, lo = np.random.SeedSequence(int(seed)).generate_state(2, dtype=np.uint64)
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
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ValueError(f"split needs num >= 1 (an int), given {num!r}")
    raw = _philox(k, _SPLIT_COUNTER).random_raw(2 * num)
    return tuple(Key(int(raw[2 * i]), int(raw[2 * i + 1])) for i in range(num))


def fold_in(k: Key, data: int) -> Key:
    """A new key determined by `k` and the integer `data` (such as a step or a seed)."""
    check_key(k)
    if isinstance(data, bool) or not isinstance(data, int) or data < 0:
        raise ValueError(f"fold_in needs an int data >= 0, given {data!r}")
    seeded = np.random.SeedSequence([k.hi, k.lo, data]).generate_state(2, dtype=np.uint64)
    return Key(int(seeded[0]), int(seeded[1]))


def _shape(shape: int | tuple[int, ...]) -> tuple[int, ...]:
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(not isinstance(d, int) or d < 0 for d in dims):
        raise ValueError(f"shape must be non-negative ints, given {shape!r}")
    return dims


def normal(k: Key, shape: int | tuple[int, ...], dtype: npt.DTypeLike = np.float32) -> FloatArray:
    """Standard normal samples of `shape` in `dtype` (float32 or float64).

    Drawn in float64 and rounded, so float32 and float64 agree to rounding for one key.
    """
    resolved = float_dtype(dtype)
    return generator(k).standard_normal(_shape(shape)).astype(resolved, copy=False)


def uniform(
    k: Key,
    shape: int | tuple[int, ...],
    low: float = 0.0,
    high: float = 1.0,
    dtype: npt.DTypeLike = np.float32,
) -> FloatArray:
    """Uniform samples in [low, high) of `shape` in `dtype`, drawn in float64 and rounded."""
    if not low < high:
        raise ValueError(f"uniform needs low < high, given low={low}, high={high}")
    resolved = float_dtype(dtype)
    samples = generator(k).uniform(low, high, _shape(shape)).astype(resolved, copy=False)
    # Rounding to float32 can reach `high`; keep the interval half-open.
    return np.minimum(samples, np.nextafter(resolved.type(high), resolved.type(low)))


def permutation(k: Key, n: int) -> npt.NDArray[np.intp]:
    """A random permutation of range(n), as an intp array of shape (n,)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"permutation needs an int n >= 0, given {n!r}")
    return generator(k).permutation(n).astype(np.intp, copy=False)


def bernoulli(k: Key, p: float, shape: int | tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """Boolean samples of `shape`, each True with probability p in [0, 1]."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"bernoulli needs 0 <= p <= 1, given p={p}")
    return generator(k).random(_shape(shape)) < p


def randint(k: Key, shape: int | tuple[int, ...], low: int, high: int) -> npt.NDArray[np.int64]:
    """Integers uniform in [low, high) of `shape`."""
    if not low < high:
        raise ValueError(f"randint needs low < high, given low={low}, high={high}")
    values: npt.NDArray[np.int64] = generator(k).integers(low, high, _shape(shape), np.int64)
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
