"""Array helpers shared by the package: read-only conversion and dtype rules."""

from __future__ import annotations

from typing import Any

import attrs
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


def readonly(value: npt.ArrayLike, kinds: str = "biuf", name: str = "array") -> npt.NDArray[Any]:
    """A read-only array holding `value`: copied unless nothing can write to it any more.
    TypeError naming `name` for a dtype whose kind is not in `kinds` (real numbers: bool,
    int, float).

    An array already read-only whose every base is read-only is returned as is, so
    arrays nnfunc made itself pass through without a copy.
    """
    if type(value) is np.ndarray and value.base is None and not value.flags.writeable:
        if value.dtype.kind in kinds:
            return value  # the common case: an array nnfunc made and froze
    array = np.asarray(value)
    if array.dtype.kind not in kinds:
        raise TypeError(
            f"{name} must be an array of real numbers (bool, int or float), given dtype "
            f"{array.dtype}"
        )
    if _reachable_by_writer(array):
        array = np.array(array, copy=True)
    return freeze(array)


def leaf(value: object, name: str = "leaf") -> Any:
    """A params field's value: arrays and lists as read-only arrays (`readonly`), any other
    leaf (a bool, a shape, None, a number) as given, so trees of any leaves can be built."""
    if isinstance(value, np.ndarray | list):
        return readonly(value, name=name)
    return value


def _named(convert: Any) -> Any:
    """`convert(value, name=...)` as an attrs converter naming the class and the field:
    "DenseParams: w must be an array of real numbers ..., given dtype complex128"."""

    def run(value: object, instance: object, field: attrs.Attribute[Any]) -> Any:
        return convert(value, name=f"{type(instance).__name__}: {field.name}")

    return attrs.Converter(run, takes_self=True, takes_field=True)


LEAF = _named(leaf)
"""The converter of a params or state field: `leaf`, with errors naming the field."""

READONLY = _named(readonly)
"""The converter of an array field: `readonly`, with errors naming the field."""


def is_real(dtype: np.dtype[Any]) -> bool:
    """True for bool, integer and float dtypes, not complex (a kind check, cheap on a hot
    path): complex values cast to float would lose their imaginary part."""
    return dtype.kind in "biuf"


def is_integer(dtype: np.dtype[Any]) -> bool:
    """True for signed and unsigned integer dtypes (not bool)."""
    return dtype.kind in "iu"


def float_dtype(dtype: npt.DTypeLike, name: str = "dtype") -> FloatDType:
    """Check that `dtype` (the argument `name`) is float32 or float64; the NumPy dtype."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be float32 or float64, given {dtype!r:.80}") from None
    if resolved == np.float32:
        return np.dtype(np.float32)
    if resolved == np.float64:
        return np.dtype(np.float64)
    raise ValueError(f"{name} must be float32 or float64, given {resolved}")
