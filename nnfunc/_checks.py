"""Argument checks shared by every public function and spec: one place, one wording.

Each check returns the value in its canonical Python type (a NumPy integer becomes an
int, a NumPy float a float) and raises TypeError for a value of the wrong type or
ValueError for one out of range, with a message naming the argument, what was expected
and what was given: "batch_size must be an int >= 1, given 0". A bool is never taken
for a number. `field(check, ...)` makes an attrs converter of a check, so a spec's
fields are checked, and canonical, the moment it is made.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import attrs
import numpy as np

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
    expected = " ".join(
        part
        for part in (
            "a finite" if finite else "a",
            "number",
            _bounds(minimum, maximum, open_low, open_high),
        )
        if part
    )
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}, given {_given(value)}")
    result = float(value)
    bad = (
        math.isnan(result)
        or (finite and math.isinf(result))
        or (minimum is not None and (result <= minimum if open_low else result < minimum))
        or (maximum is not None and (result >= maximum if open_high else result > maximum))
    )
    if bad:
        raise ValueError(f"{name} must be {expected}, given {_given(value)}")
    return result


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


def field(check: Callable[..., T], /, *args: Any, **kwargs: Any) -> Any:
    """An attrs converter running `check(name, value, *args, **kwargs)`; errors name the
    class and the field, as in "Dense.in_features must be an int >= 1, given 0"."""

    def convert(value: object, self_: object, attribute: attrs.Attribute[Any]) -> T:
        return check(f"{type(self_).__name__}.{attribute.name}", value, *args, **kwargs)

    return attrs.Converter(convert, takes_self=True, takes_field=True)


def named_field(owner: str, check: Callable[..., T], /, *args: Any, **kwargs: Any) -> Any:
    """`field`, with errors naming `owner` (a spec's public name) instead of its class, as
    in "scale_by_adam.b1 must be a finite number >= 0 and < 1, given 1.0"."""

    def convert(value: object, attribute: attrs.Attribute[Any]) -> T:
        return check(f"{owner}.{attribute.name}", value, *args, **kwargs)

    return attrs.Converter(convert, takes_field=True)
