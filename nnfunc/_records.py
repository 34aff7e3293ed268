"""Typed fields of JSON records: the one reader behind every file nnfunc parses.

Each function returns the value checked to be of the expected type, or raises
`Corrupt` saying what was expected and what was found; a reader turns `Corrupt` into
the ValueError that names its file. A bool is never taken for a number here.
"""

from __future__ import annotations

from typing import TypeVar

V = TypeVar("V")


class Corrupt(ValueError):
    """A record does not hold what it must (its message says what and where)."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def typed(value: object, kind: type[V], what: str) -> V:
    """`value` if it is an instance of `kind` (a bool is no int or float here)."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
        raise Corrupt(f"{what} must be {kind.__name__}, found {_shown(value)}")
    return value


def field(record: object, name: str, kind: type[V], where: str = "the record") -> V:
    """`record[name]`, checked to be an instance of `kind`; `where` names the record."""
    if not isinstance(record, dict):
        raise Corrupt(f"{where} must be a JSON object, found {_shown(record)}")
    if name not in record:
        raise Corrupt(f"{where} has no field {name!r}")
    return typed(record[name], kind, f"{where}: field {name!r}")


def optional(record: object, name: str, kind: type[V], where: str = "the record") -> V | None:
    """`record[name]` when it is not null, checked to be an instance of `kind`."""
    if field(record, name, object, where) is None:
        return None
    return field(record, name, kind, where)


def number(value: object, what: str) -> float:
    """`value` as a float if it is a JSON number (an int or a float, not a bool)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise Corrupt(f"{what} must be a number, found {_shown(value)}")
