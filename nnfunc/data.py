"""Data from a key: shuffled mini-batches, a train/test split, feature standardization.

The data sets themselves (make_moons, one_hot, load_idx...) live in `nnfunc.datasets`.

Every shuffle is `nf.random.permutation` of a `Key`, so the same key gives the same
batches and the same split in any process. Arrays this module returns are read-only
and never alias the caller's arrays: `batches` and `train_test_split` gather one
permuted copy of the data and hand out slices of it, `Standardizer.transform` and
`inverse_transform` return fresh arrays.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc._arrays import READONLY, FloatArray, FloatDType, freeze
from nnfunc._checks import boolean, integer, is_integer, real, real_array
from nnfunc.random import Key, check_key, permutation

Array = npt.NDArray[Any]


def check_finite(name: str, array: npt.ArrayLike) -> None:
    """Raise ValueError if `array` holds NaN or infinity, with how many and where the first is.

    One pass of np.isfinite over blocks of rows into one small buffer (no temporary the
    size of the data); integer and bool arrays are finite by type. Raises TypeError for
    an array that is not of real numbers (complex, strings).
    """
    values = real_array(name, array)
    if not np.issubdtype(values.dtype, np.inexact) or _all_finite(values):
        return
    finite = np.isfinite(values)  # the failure path only: count and locate them
    count = finite.size - int(np.count_nonzero(finite))
    first = tuple(int(i) for i in np.unravel_index(int(np.argmin(finite)), values.shape))
    raise ValueError(
        f"{name} must be finite, given {count} non-finite value(s) (NaN or inf) among "
        f"{values.size}; the first is {values[first]} at index {first}"
    )


CHECK_BLOCK = 1 << 16
"""Elements `check_finite` tests at a time (a 64 KiB buffer of bools)."""


def _all_finite(values: npt.NDArray[Any]) -> bool:
    """True when every element of `values` is finite, tested a block of rows at a time."""
    if values.ndim == 0:
        return bool(np.isfinite(values))
    rows = max(1, CHECK_BLOCK // max(1, math.prod(values.shape[1:])))
    buffer = np.empty((min(rows, len(values)), *values.shape[1:]), np.bool_)
    for start in range(0, len(values), rows):
        block = values[start : start + rows]
        if not np.isfinite(block, out=buffer[: len(block)]).all():
            return False
    return True


def as_pair(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[Array, Array]:
    """x and y as arrays of real numbers, of at least one dimension, with the same number
    n >= 1 of rows; TypeError for complex, strings or objects.

    Internal (not in __all__): the check `fit`, `batches`, `train_test_split` and
    `perceptron.train` make of their data; it returns the caller's own arrays, no copy.
    """
    xs, ys = real_array("x", x), real_array("y", y)
    for name, array in (("x", xs), ("y", ys)):
        if array.ndim == 0:
            raise ValueError(f"{name} must have a first (example) dimension, given a scalar")
    if len(xs) == 0:
        raise ValueError(f"x is empty (shape {xs.shape}); expected at least one example")
    if len(xs) != len(ys):
        raise ValueError(
            f"x and y must have the same number of examples: x has {len(xs)} "
            f"(shape {xs.shape}), y has {len(ys)} (shape {ys.shape})"
        )
    return xs, ys


def _shuffled(key: Key, xs: Array, ys: Array) -> tuple[Array, Array]:
    """One read-only copy of xs and of ys, rows permuted by `key` (the same order for both)."""
    order = permutation(check_key(key), len(xs))
    return freeze(np.take(xs, order, axis=0)), freeze(np.take(ys, order, axis=0))


def num_batches(n: int, batch_size: int, drop_last: bool = False) -> int:
    """How many batches `batches` yields for n examples: ceil(n / batch_size), floor if drop_last.

    Raises TypeError for a non-int n or batch_size or a non-bool drop_last; ValueError
    unless n >= 1 and batch_size is in [1, n].
    """
    n, batch_size = integer("n", n, 1), integer("batch_size", batch_size, 1)
    drop_last = boolean("drop_last", drop_last)
    if batch_size > n:
        raise ValueError(
            f"batch_size must be at most the number of examples {n}, given {batch_size}"
        )
    return n // batch_size if drop_last else -(-n // batch_size)


def batches(
    key: Key, x: npt.ArrayLike, y: npt.ArrayLike, batch_size: int, drop_last: bool = False
) -> Iterator[tuple[Array, Array]]:
    """One epoch of shuffled (x_batch, y_batch) pairs, the order fixed by `key` alone.

    x and y: arrays with the same first dimension n (y may be (n,), (n, k), labels...).
    Each example comes exactly once; batches have `batch_size` rows, the last one
    fewer (n % batch_size) unless `drop_last` drops it. Each batch is gathered when it
    is reached, a read-only copy of its rows with x's and y's dtypes (no permuted copy
    of the whole data: the rows are copied into a batch just before it is used).
    Arguments are checked at the call, before iterating.

    Raises ValueError for an x or y without a first dimension, empty data, different
    lengths, or a batch_size out of [1, n]; TypeError for a bad key, a batch_size
    that is not an int or a drop_last that is not a bool.
    """
    check_key(key)
    xs, ys = as_pair(x, y)
    count = num_batches(len(xs), batch_size, drop_last)
    return _gathered(xs, ys, permutation(key, len(xs)), batch_size, count)


def _gathered(
    xs: Array, ys: Array, order: npt.NDArray[np.int64], size: int, count: int
) -> Iterator[tuple[Array, Array]]:
    """`count` batches of `size` rows of xs and ys (the last may have fewer), taken in
    `order`, each a read-only copy."""
    for start in range(0, count * size, size):
        rows = order[start : start + size]
        yield freeze(np.take(xs, rows, axis=0)), freeze(np.take(ys, rows, axis=0))


def train_test_split(
    key: Key, x: npt.ArrayLike, y: npt.ArrayLike, test_size: float | int
) -> tuple[Array, Array, Array, Array]:
    """(x_train, x_test, y_train, y_test): the rows of x and y shuffled by `key`, then split.

    test_size: a float in (0, 1), the fraction of the n rows to test on, rounded to the
    nearest count (halves up: floor(test_size * n + 0.5)); or an int count in [1, n - 1].
    Either way both parts keep at least one row. The four arrays are read-only
    slices of one permuted copy of the data, never views of x or y.

    Raises ValueError for a test_size out of range and for x and y as `batches` does;
    TypeError for a bad key or a test_size that is neither an int nor a float (a
    string such as "0.2" included).
    """
    check_key(key)
    xs, ys = as_pair(x, y)
    n_test = _test_count(test_size, len(xs))
    x_perm, y_perm = _shuffled(key, xs, ys)
    return x_perm[n_test:], x_perm[:n_test], y_perm[n_test:], y_perm[:n_test]


def _test_count(test_size: float | int, n: int) -> int:
    """The number of test rows for `test_size` of n rows, checked to be in [1, n - 1]."""
    if is_integer(test_size):
        count = integer("test_size", test_size)
        given = f"test_size={count}"
    else:  # a fraction: real() refuses strings and bools with a TypeError
        fraction = real("test_size", test_size, 0.0, 1.0, open_low=True, open_high=True)
        count = int(np.floor(fraction * n + 0.5))
        given = f"test_size={fraction} of {n} rows, which rounds to {count} test rows"
    if not 1 <= count <= n - 1:
        raise ValueError(
            f"the test part must have between 1 and {n - 1} of the {n} rows, given {given}"
        )
    return count


def _result_dtype(dtype: np.dtype[Any]) -> FloatDType:
    """float32 and float64 are kept; any other dtype (ints, bool, float16) computes in float64."""
    if dtype == np.float32:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _as_rows(array: Array, where: str, features: int | None) -> Array:
    """Check that `array` holds real numbers of shape (n, features) (any features when None)."""
    real_array(f"{where}: x", array)
    expected = "(n, features)" if features is None else f"(n, {features})"
    if array.ndim != 2 or (features is not None and array.shape[1] != features):
        raise ValueError(f"{where}: x must have shape {expected}, given {array.shape}")
    return array


@attrs.frozen
class Standardizer:
    """Per-feature standardization (x - mean) / std, fitted with `Standardizer.fit(x)`.

    `mean` and `std` are read-only arrays of shape (features,) and one float dtype;
    every std is > 0. A pytree: both arrays are leaves, so it checkpoints with params.
    `transform` and `inverse_transform` take x of shape (n, features) and return a
    fresh read-only array in x's dtype if float32 or float64, else in float64.
    """

    mean: FloatArray = attrs.field(converter=READONLY)  # type: ignore[misc]
    std: FloatArray = attrs.field(converter=READONLY)  # type: ignore[misc]

    def __attrs_post_init__(self) -> None:
        """Check shapes (features,), one float dtype, and std > 0."""
        real_array("Standardizer: mean", self.mean)
        real_array("Standardizer: std", self.std)
        if self.mean.ndim != 1 or self.std.shape != self.mean.shape:
            raise ValueError(
                "Standardizer: mean and std must both have shape (features,), "
                f"given {self.mean.shape} and {self.std.shape}"
            )
        if self.mean.dtype != self.std.dtype or self.mean.dtype.kind != "f":
            raise ValueError(
                "Standardizer: mean and std must share one float dtype, "
                f"given {self.mean.dtype} and {self.std.dtype}"
            )
        if not np.all(self.std > 0) or not np.isfinite(self.std).all():
            raise ValueError(f"Standardizer: every std must be finite and > 0, given {self.std}")
        check_finite("Standardizer: mean", self.mean)

    @classmethod
    def fit(cls, x: npt.ArrayLike) -> Standardizer:
        """The mean and population std (ddof=0) of each column of x, shape (n, features), n >= 1.

        Computed in float64 and stored in x's dtype if float32 or float64, else float64.
        A constant feature gets mean = its value and std = 1, so it maps to exactly 0.
        Raises ValueError for another shape, no rows, non-finite values or a spread too
        large for the dtype (a mean or std that overflows to inf); TypeError for an x
        that is not of real numbers (complex included).
        """
        array = _as_rows(np.asarray(x), "Standardizer.fit", None)
        if len(array) == 0:
            raise ValueError(f"Standardizer.fit: x has no rows (shape {array.shape})")
        check_finite("Standardizer.fit: x", array)
        constant = array.max(axis=0) == array.min(axis=0)
        dtype = _result_dtype(array.dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below
            mean = np.where(constant, array[0], array.mean(axis=0, dtype=np.float64))
            std = np.where(constant, 1.0, array.std(axis=0, dtype=np.float64))
            mean, std = mean.astype(dtype), std.astype(dtype)
        overflow = ~(np.isfinite(mean) & np.isfinite(std))
        if overflow.any():
            raise ValueError(
                f"Standardizer.fit: x's column {int(np.argmax(overflow))} spreads too wide for "
                f"{dtype}: its mean or std overflows to inf (rescale x first)"
            )
        return cls(freeze(mean), freeze(std))

    @property
    def num_features(self) -> int:
        """The number of features the standardizer was fitted on."""
        return int(self.mean.shape[0])

    def _copy_of(self, x: npt.ArrayLike, where: str) -> FloatArray:
        array = _as_rows(np.asarray(x), where, self.num_features)
        return array.astype(_result_dtype(array.dtype), copy=True)

    def transform(self, x: npt.ArrayLike) -> FloatArray:
        """(x - mean) / std: x of shape (n, features); ValueError for another shape."""
        out = self._copy_of(x, "Standardizer.transform")
        out -= self.mean.astype(out.dtype, copy=False)
        out /= self.std.astype(out.dtype, copy=False)
        return freeze(out)

    def inverse_transform(self, x: npt.ArrayLike) -> FloatArray:
        """x * std + mean, undoing `transform`: x of shape (n, features); ValueError otherwise."""
        out = self._copy_of(x, "Standardizer.inverse_transform")
        out *= self.std.astype(out.dtype, copy=False)
        out += self.mean.astype(out.dtype, copy=False)
        return freeze(out)


__all__ = [
    "Standardizer",
    "batches",
    "check_finite",
    "num_batches",
    "train_test_split",
]
