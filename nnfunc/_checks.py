"""Argument checks shared by every public function and spec: one place, one wording.

Each check returns the value in its canonical Python type (a NumPy integer becomes an
int, a NumPy float a float) and raises TypeError for a value of the wrong type or
ValueError for one out of range, with a message naming the argument, what was expected
and what was given: "batch_size must be an int >= 1, given 0". A bool is never taken
for a number. `validate(check, ...)` makes an attrs validator of a check and
`canonical` the converter that goes with it, so a spec's fields are checked, and
canonical, the moment it is made. Array checks (`real_array`,
`labels`) refuse what NumPy would otherwise cast with a loss, such as complex values.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

T = TypeVar("T")
S = TypeVar("S", bound=str)


def _given(value: object) -> str:
    """How a message shows a given value: its repr, with its type when that is unclear."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    if isinstance(value, bool | int | float | str | type(None)):
        return text
    return f"{type(value).__name__} {text}"


def _bounds(minimum: float | None, maximum: float | None, open_low: bool, open_high: bool) -> str:
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if open_low else '>='} {minimum:g}")
    if maximum is not None:
        parts.append(f"{'<' if open_high else '<='} {maximum:g}")
    return " and ".join(parts)


def is_integer(value: object) -> bool:
    """True for an int or a NumPy integer; False for a bool and anything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def integer(
    name: str, value: object, minimum: int | None = None, maximum: int | None = None
) -> int:
    """`value` as a Python int: an int or NumPy integer (not a bool) in [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int{_expected_range(minimum, maximum)}, given {_given(value)}"
        )
    result = int(value)
    if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
        raise ValueError(
            f"{name} must be an int{_expected_range(minimum, maximum)}, given {_given(value)}"
        )
    return result


def _expected_range(minimum: float | None, maximum: float | None) -> str:
    text = _bounds(minimum, maximum, False, False)
    return f" {text}" if text else ""


def real(
    name: str,
    value: object,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    open_low: bool = False,
    open_high: bool = False,
    finite: bool = True,
) -> float:
    """`value` as a Python float: a real number (int, float or NumPy scalar, not a bool)
    in the interval, finite unless `finite` is False (NaN is never accepted)."""
    if isinstance(value, bool) or not isinstance(value, float | int | numbers.Real):
        raise TypeError(_real_message(name, value, minimum, maximum, open_low, open_high, finite))
    result = float(value)
    bad = (
        result != result  # NaN
        or (finite and math.isinf(result))
        or (minimum is not None and (result <= minimum if open_low else result < minimum))
        or (maximum is not None and (result >= maximum if open_high else result > maximum))
    )
    if bad:
        raise ValueError(_real_message(name, value, minimum, maximum, open_low, open_high, finite))
    return result


def _real_message(
    name: str,
    value: object,
    minimum: float | None,
    maximum: float | None,
    open_low: bool,
    open_high: bool,
    finite: bool,
) -> str:
    bounds = _bounds(minimum, maximum, open_low, open_high)
    expected = " ".join(part for part in ("a finite" if finite else "a", "number", bounds) if part)
    return f"{name} must be {expected}, given {_given(value)}"


def boolean(name: str, value: object) -> bool:
    """`value` if it is a bool (or a NumPy bool), as a Python bool; else TypeError."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, given {_given(value)}")
    return bool(value)


def choice(name: str, value: object, choices: Collection[S]) -> S:
    """`value` if it equals one of the strings `choices` exactly (case matters)."""
    for option in choices:
        if isinstance(value, str) and value == option:
            return option
    raise ValueError(f"{name} must be one of {sorted(choices)}, given {_given(value)}")


def instance(name: str, value: object, kind: type[T], what: str = "") -> T:
    """`value` if it is an instance of `kind`; TypeError saying `what` (or the type) otherwise."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {what or kind.__name__}, given {_given(value)}")
    return value


def function(name: str, value: T) -> T:
    """`value` if it is callable; TypeError otherwise."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, given {_given(value)}")
    return value


def canonical(value: object) -> Any:
    """A NumPy scalar as the Python bool, int or float it holds; anything else as given.
    The attrs converter that goes with `validate` (mypy reads named converters only)."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def validate(check: Callable[..., object], /, *args: Any, **kwargs: Any) -> Any:
    """An attrs validator running `check(name, value, *args, **kwargs)`; errors name the
    class and the field: "Dense.in_features must be an int >= 1, given 0". Pair it with
    `converter=canonical` so NumPy scalars are stored as Python numbers."""

    def run(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        check(f"{type(instance).__name__}.{attribute.name}", value, *args, **kwargs)

    return run


MAX_SIZE = sys.maxsize // 8
"""The most elements an array may hold: a float64 array NumPy can index (2**60 - 1)."""


def size(name: str, value: object, minimum: int = 1) -> int:
    """`value` as a count of elements, an int in [minimum, MAX_SIZE] (a layer's features)."""
    result = integer(name, value, minimum)
    if result > MAX_SIZE:
        raise ValueError(
            f"{name} must be at most {MAX_SIZE} (what NumPy can index), given {_given(value)}"
        )
    return result


def shape(name: str, value: object) -> tuple[int, ...]:
    """`value` as a shape: an int >= 0 (one dimension) or a sequence of ints >= 0, of at
    most MAX_SIZE elements in all."""
    if is_integer(value):
        return (size(name, value, 0),)
    if not isinstance(value, tuple | list):
        raise TypeError(f"{name} must be an int or a tuple of ints >= 0, given {_given(value)}")
    dims = tuple(size(f"{name}[{i}]", dim, 0) for i, dim in enumerate(value))
    if math.prod(dims) > MAX_SIZE:
        raise ValueError(
            f"{name} must hold at most {MAX_SIZE} elements in all (what NumPy can index), "
            f"given {_given(value)}"
        )
    return dims


def interval(name: str, value: object) -> tuple[float, float]:
    """`value` as (low, high): a pair of finite numbers with low < high."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (low, high) of numbers, given {_given(value)}")
    low, high = real(f"{name}[0]", value[0]), real(f"{name}[1]", value[1])
    if not low < high:
        raise ValueError(f"{name} must be (low, high) with low < high, given {_given(value)}")
    return low, high


def real_array(name: str, value: object) -> npt.NDArray[Any]:
    """`value` as an array of real numbers (bool, integer or float dtype); TypeError for
    complex, strings or objects, which would otherwise be cast with a loss."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, given dtype {array.dtype}")
    return array


def labels(name: str, value: object, num_classes: int | None = None) -> npt.NDArray[np.int64]:
    """`value` as int64 class labels of shape (n,), each >= 0 and < num_classes if given."""
    array = np.asarray(value)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integers, given dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name} must have shape (n,), given {array.shape}")
    outside = (array < 0) if num_classes is None else (array < 0) | (array >= num_classes)
    if outside.any():
        limit = "" if num_classes is None else f" and < {num_classes} (the number of classes)"
        raise ValueError(f"{name} must be >= 0{limit}, given label {array[outside][0]}")
    return array.astype(np.int64, copy=False)


def named_field(owner: str, check: Callable[..., T], /, *args: Any, **kwargs: Any) -> Any:
    """`field`, with errors naming `owner` (a spec's public name) instead of its class, as
    in "scale_by_adam.b1 must be a finite number >= 0 and < 1, given 1.0"."""

    def convert(value: object, attribute: attrs.Attribute[Any]) -> T:
        return check(f"{owner}.{attribute.name}", value, *args, **kwargs)

    return attrs.Converter(convert, takes_field=True)
