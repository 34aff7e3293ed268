"""Kinds of argument for the API battery (tests/test_api_properties.py): for a valid value
of an argument, the careless and hostile values that may stand in for it, each with the
outcome the public contract promises.

Outcomes: "refuse" (a TypeError or ValueError naming the argument), "same" (the result
the canonical value gives: a NumPy scalar, a non-contiguous, read-only or listed copy of
an array), "either" (a named error or a result that keeps every other promise) and
"nan" (a named error or a result that shows the NaN it was given).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import attrs
import numpy as np

import nnfunc as nf

Outcome = Literal["refuse", "same", "either", "nan"]


@attrs.frozen
class Variant:
    """A value standing in for a valid one, with what the call must do with it."""

    label: str
    value: Any
    outcome: Outcome
    same_as: Any = None


Kind = Callable[[Any], list[Variant]]
"""The variants of a valid value of one kind of argument."""

WRONG_TYPES = (Variant("None", None, "refuse"), Variant("object()", object(), "refuse"))


def integer(minimum: int | None = None, *, optional: bool = False, huge: bool = False) -> Kind:
    """An int argument (>= minimum): NumPy ints are the same, bools, floats, strings refused;
    with `huge` (a size: not a count of work such as epochs), 2**64 and -2**70 too."""

    def variants(value: Any) -> list[Variant]:
        if value is None:
            return []
        found = [
            Variant("np.int64", np.int64(value), "same", value),
            Variant("np.uint8", np.uint8(value), "same", value) if 0 <= value < 256 else None,
            Variant("True", True, "refuse"),
            Variant("float", float(value), "refuse"),
            Variant("x.5", value + 0.5, "refuse"),
            Variant("np.float64", np.float64(value), "refuse"),
            Variant("str", str(value), "refuse"),
            Variant("object()", object(), "refuse"),
        ]
        if huge:
            found += [Variant("2**64", 2**64, "either"), Variant("-2**70", -(2**70), "either")]
        if minimum is not None:
            found.append(Variant("below minimum", minimum - 1, "refuse"))
        if not optional:
            found.append(Variant("None", None, "refuse"))
        return [v for v in found if v is not None]

    return variants


def real(minimum: float | None = None, *, finite: bool = True, optional: bool = False) -> Kind:
    """A float argument: NumPy floats are the same, bools, NaN, strings, complex refused."""

    def variants(value: Any) -> list[Variant]:
        if value is None:
            return []
        found = [
            Variant("np.float64", np.float64(value), "same", float(value)),
            Variant("np.float32", np.float32(value), "either"),
            Variant("True", True, "refuse"),
            Variant("NaN", float("nan"), "refuse"),
            Variant("inf", float("inf"), "refuse" if finite else "either"),
            Variant("-inf", float("-inf"), "refuse" if finite else "either"),
            Variant("1e308", 1e308, "either"),
            Variant("str", str(value), "refuse"),
            Variant("complex", complex(value, 0), "refuse"),
            Variant("np.complex128", np.complex128(value), "refuse"),
            Variant("list", [value], "refuse"),
            Variant("object()", object(), "refuse"),
        ]
        if minimum is not None:
            found.append(Variant("below minimum", minimum - 1.0, "refuse"))
        if not optional:
            found.append(Variant("None", None, "refuse"))
        return found

    return variants


def boolean(value: Any) -> list[Variant]:
    """A bool argument: NumPy bools are the same; 1, strings and None refused."""
    if value is None:
        return []  # an argument left to its default
    return [
        Variant("np.bool_", np.bool_(value), "same", bool(value)),
        Variant("1", int(value), "refuse"),
        Variant("str", str(value), "refuse"),
        *WRONG_TYPES,
    ]


def choice(value: Any) -> list[Variant]:
    """A string among choices: another case, padding, a number or None refused."""
    return [
        Variant("upper", str(value).upper() + "X", "refuse"),
        Variant("padded", f" {value}", "refuse"),
        Variant("1", 1, "refuse"),
        *WRONG_TYPES,
    ]


def key(value: Any) -> list[Variant]:
    """A Key argument: an int seed, a tuple or a string in its place are refused."""
    return [*optional_key(value), *WRONG_TYPES]


def optional_key(value: Any) -> list[Variant]:
    """A Key argument that may be None (no randomness): `key` but for None."""
    return [
        Variant("int", 0, "refuse"),
        Variant("tuple", (0, 1), "refuse"),
        Variant("str", "key", "refuse"),
        Variant("object()", object(), "refuse"),
    ]


def leaf(value: Any) -> list[Variant]:
    """A params class's array field: `array`, but a tree's leaf may be None (decay masks
    and other trees of a params class hold any leaves)."""
    return [v if v.label != "None" else Variant("None", None, "either") for v in array()(value)]


def _non_contiguous(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    wide = np.repeat(array, 2, axis=-1) if array.ndim else np.array([array, array])
    return wide[..., ::2] if array.ndim else wide[0]


def _read_only_view(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    view = np.array(array).view()
    view.flags.writeable = False
    return view


def array(*, listable: bool = True) -> Kind:
    """A real array argument: non-contiguous, read-only and list copies give the same
    result; complex, strings and objects refused; NaN shows; inf, empty, other shapes
    either."""

    def variants(value: Any) -> list[Variant]:
        if value is None:
            return []
        a = np.asarray(value)
        found = [
            Variant("non-contiguous", _non_contiguous(a), "same", a),
            Variant("read-only view of a writable base", _read_only_view(a), "same", a),
            Variant("complex", a + 0j, "refuse"),
            Variant("complex, zero imaginary", a.astype(np.complex128), "refuse"),
            Variant("strings", a.astype(str), "refuse"),
            Variant("objects", a.astype(object), "either"),
            Variant("empty", a[:0], "either"),
            Variant("extra axis", a[..., None], "either"),
            Variant("scalar", np.float64(1.0), "either"),
            Variant("huge", np.full_like(a, 1e300, dtype=np.float64), "either"),
            Variant("None", None, "refuse"),
        ]
        if listable:
            found.append(Variant("nested list", a.tolist(), "same", a))
        if a.size and a.dtype.kind == "f":
            nan, inf = a.copy(), a.copy()
            nan.flat[0], inf.flat[-1] = np.nan, np.inf
            found += [Variant("NaN", nan, "nan"), Variant("inf", inf, "either")]
        return found

    return variants


def labels(num_classes: int | None) -> Kind:
    """Integer class labels: views are the same; floats, negatives, complex refused."""

    def variants(value: Any) -> list[Variant]:
        a = np.asarray(value)
        found = [
            Variant("non-contiguous", _non_contiguous(a), "same", a),
            Variant("read-only view of a writable base", _read_only_view(a), "same", a),
            Variant("float", a.astype(np.float64) + 0.5, "refuse"),
            Variant("negative", a - a.max() - 1, "refuse"),
            Variant("complex", a + 0j, "refuse"),
            Variant("strings", a.astype(str), "refuse"),
            Variant("empty", a[:0], "either"),
            Variant("2-D", a[:, None], "either"),
            Variant("None", None, "refuse"),
        ]
        if num_classes is not None:
            found.append(Variant("too large", a + num_classes, "refuse"))
        return found

    return variants


def params(value: Any, strict: bool = True) -> list[Variant]:
    """A tree of params: a leaf of another shape, dtype or a NaN; writable copies same.
    Not `strict`: a tree of any leaves, so another shape or None may be a result."""
    leaves = nf.tree.leaves(value)
    if not leaves:
        return []
    first = leaves[0]

    def replace(new: Any) -> Any:
        try:
            return nf.tree.map(lambda a: new if a is first else a, value)
        except (TypeError, ValueError):
            return None

    nan = np.array(first)
    nan.flat[0] = np.nan
    return [
        Variant("writable copies", nf.tree.map(np.array, value), "same", value),
        Variant("non-contiguous leaf", replace(_non_contiguous(first)), "same", value),
        Variant(
            "leaf of another shape",
            replace(np.zeros((*first.shape, 2))),
            "refuse" if strict else "either",
        ),
        Variant("leaf of float16", replace(first.astype(np.float16)), "either"),
        Variant("complex leaf", replace(first + 0j), "refuse" if strict else "either"),
        Variant("NaN leaf", replace(nan), "nan"),
        Variant("a list for a leaf", replace(first.tolist()), "either"),
        *(WRONG_TYPES if strict else ()),
    ]


def tree(value: Any) -> list[Variant]:
    """A tree of any leaves (tree functions): `params` not strict."""
    return params(value, strict=False)


def one_of(*variants: Variant) -> Kind:
    """Fixed variants, whatever the valid value."""
    return lambda value: list(variants)


def sequence(items: Sequence[Variant] = ()) -> Kind:
    """A sequence argument: a bare string or None refused, plus `items`."""
    return one_of(Variant("str", "abc", "refuse"), *WRONG_TYPES, *items)
