"""Array helpers shared by the package: read-only conversion and dtype rules."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating[Any]]
"""A float array of any precision; nnfunc computes in float32 or float64."""

FloatDType = np.dtype[np.floating[Any]]
"""float32 or float64, the dtypes nnfunc computes in."""


def freeze(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Mark an array that nobody else holds as read-only and return it (no copy)."""
    array.setflags(write=False)
    return array


def _reachable_by_writer(array: npt.NDArray[Any]) -> bool:
    """True when `array`, or the memory it is a view of, may still be written: some array
    on its chain of bases is writable, or the chain ends in a buffer that is no array
    (a memmap's mmap, a bytearray), which nnfunc cannot vouch for."""
    node: object = array
    while isinstance(node, np.ndarray):
        if node.flags.writeable:
            return True
        node = node.base
    return node is not None


def readonly(value: npt.ArrayLike) -> npt.NDArray[Any]:
    """A read-only array holding `value`: copied unless nothing can write to it any more.

    An array already read-only whose every base is read-only is returned as is, so
    arrays nnfunc made itself pass through without a copy.
    """
    if type(value) is np.ndarray and value.base is None and not value.flags.writeable:
        if value.dtype.kind != "O":
            return value  # the common case: an array nnfunc made and froze
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"expected a numeric array, given an array of dtype object: {value!r}")
    if _reachable_by_writer(array):
        array = np.array(array, copy=True)
    return freeze(array)


def leaf(value: object) -> Any:
    """A params field's value: arrays and lists as read-only arrays (`readonly`), any other
    leaf (a bool, a shape, None, a number) as given, so trees of any leaves can be built."""
    if isinstance(value, np.ndarray | list):
        return readonly(value)
    return value


def is_numeric(dtype: np.dtype[Any]) -> bool:
    """True for bool, integer, float and complex dtypes (a kind check, cheap on a hot path)."""
    return dtype.kind in "biufc"


def is_integer(dtype: np.dtype[Any]) -> bool:
    """True for signed and unsigned integer dtypes (not bool)."""
    return dtype.kind in "iu"


def float_dtype(dtype: npt.DTypeLike) -> FloatDType:
    """Check that `dtype` is float32 or float64 and return it as a NumPy dtype."""
    resolved = np.dtype(dtype)
    if resolved == np.float32:
        return np.dtype(np.float32)
    if resolved == np.float64:
        return np.dtype(np.float64)
    raise ValueError(f"dtype must be float32 or float64, given {resolved}")
