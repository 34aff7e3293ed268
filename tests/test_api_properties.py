"""The property battery over the public API (issue 14): every public callable, drawn with
valid arguments and with one argument swapped for a careless or hostile value
(tests/_api_kinds.py), keeps the public contract:

- it raises TypeError or ValueError (or a subclass) naming the argument, or returns a
  result: the right one where the swap should not matter (a NumPy scalar, a view), one
  showing the NaN it was given, and otherwise one that passes the case's own check;
- no warning escapes (pytest turns warnings into errors);
- no argument is changed;
- no returned array shares memory with a writable array of the caller's, and the arrays
  inside returned params, grads, state and optimizer state (attrs values) are read-only.

The registry (tests/_api_registry.py) holds a case for each public callable; a coverage
test fails when one is neither registered nor excluded with a reason.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import math
from collections.abc import Iterator
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings

import nnfunc as nf
from tests._api_kinds import Variant
from tests._api_registry import EXCLUDED, KNOWN, REGISTRY
from tests._api_setups import Case

MODULES = (
    "random", "tree", "layers", "losses", "optim", "data", "datasets", "metrics", "train",
    "checkpoint", "initializers", "perceptron", "gradcheck", "idx",
)  # fmt: skip
SKIPPED_MODULES = {
    "plot": "drawing needs matplotlib and its arguments are figures and results of the "
    "other modules; tests/test_plot.py checks each function's arguments and output",
    "sweep": "runs jobs in worker processes (seconds a case); tests/test_sweep.py and "
    "tests/test_sweep_endings.py cover its arguments and every way a run ends",
}


def public_names() -> set[str]:
    """Every public callable: "fit" for nf.fit, "optim.adam" for nf.optim.adam."""
    names = {name for name in nf.__all__ if callable(getattr(nf, name))}
    for module in MODULES:
        found = importlib.import_module(f"nnfunc.{module}")
        names |= {f"{module}.{n}" for n in found.__all__ if callable(getattr(found, n))}
    return names


def arrays(value: Any, inside: bool = False, depth: int = 0) -> Iterator[tuple[Any, bool]]:
    """(array, whether it sits inside an attrs value) for every array in `value`."""
    if depth > 30:
        return
    if isinstance(value, np.ndarray):
        yield value, inside
    elif isinstance(value, tuple | list):
        for item in value:
            yield from arrays(item, inside, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from arrays(item, inside, depth + 1)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from arrays(getattr(value, field.name), True, depth + 1)


def floats(value: Any, depth: int = 0) -> Iterator[float]:
    """Every Python float in `value` (and every float array's entries, flattened)."""
    if depth > 30:
        return
    if isinstance(value, float | np.floating):
        yield float(value)
    elif isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        yield from np.asarray(value, dtype=np.complex128).real.ravel().tolist()
    elif isinstance(value, tuple | list):
        for item in value:
            yield from floats(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from floats(item, depth + 1)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from floats(getattr(value, field.name), depth + 1)


def same(a: Any, b: Any) -> bool:
    """Equal values, arrays by dtype, shape and entries (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and (a.dtype.kind not in "fc" or bool(np.array_equal(a, b, equal_nan=True)))
            and (a.dtype.kind in "fc" or bool(np.array_equal(a, b)))
        )
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, tuple | list):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if attrs.has(type(a)):
        fields = attrs.fields(type(a))
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in fields
        )
    if type(a) is object:
        return type(b) is object  # a deep copy of a bare object is another bare object
    try:
        return bool(a == b) or a is b
    except (TypeError, ValueError):
        return a is b


def writable_memory(array: Any) -> bool:
    """True when `array`, or an array it is a view of, may be written by its holder."""
    while isinstance(array, np.ndarray):
        if array.flags.writeable:
            return True
        array = array.base
    return False


NON_FINITE = {"NaN", "NaN leaf", "inf", "-inf", "huge", "1e308"}
"""Variants whose arithmetic may overflow or meet NaN: NumPy's RuntimeWarning there flags
the IEEE result (inf, NaN), which the value shows (`fit` reports it as divergence), not a
value made wrong; the battery lets those warnings pass, and every other warning fails."""


def run(
    case: Case, kwargs: dict[str, Any], variant: Variant | None = None
) -> tuple[Any, BaseException | None]:
    """(result, None) or (None, the TypeError or ValueError raised); anything else fails."""
    quiet = variant is not None and variant.label in NON_FINITE
    try:
        with np.errstate(all="ignore") if quiet else contextlib.nullcontext():
            return case.call(**kwargs), None
    except (TypeError, ValueError) as error:
        return None, error


def check_promises(case: Case, kwargs: dict[str, Any], result: Any, where: str) -> None:
    """The promises every result keeps: read-only values, no writable alias of an input."""
    inputs = [a for a, _ in arrays(list(kwargs.values())) if writable_memory(a)]
    for out, inside in arrays(result):
        if case.frozen or inside:
            assert not out.flags.writeable, f"{where}: a returned value holds a writable array"
        if not case.aliases:
            for given_array in inputs:
                assert not np.shares_memory(out, given_array), (
                    f"{where}: a returned array shares memory with a writable input"
                )


def names_argument(case: Case, name: str, error: BaseException) -> bool:
    words = (name, *case.names.get(name, ()))
    return any(word in str(error) for word in words)


def check_draw(
    case: Case, kwargs: dict[str, Any], name: str | None, variant: Variant | None
) -> None:
    where = f"{case.label}({name}={variant.label})" if variant and name else case.label
    before = copy.deepcopy(kwargs)
    result, error = run(case, kwargs, variant)
    for key, value in before.items():
        assert same(kwargs[key], value), f"{where} changed its argument {key}"
    if variant is None or name is None:
        assert error is None, f"{where} refused valid arguments: {error!r}"
    elif isinstance(error, nf.train.DivergenceError) and variant.label in NON_FINITE:
        return  # training on non-finite data diverges, as fit documents
    elif error is not None:
        assert variant.outcome != "same" or run(case, {**before, name: variant.same_as})[1], (
            f"{where} refused a value equivalent to a valid one: {error!r}"
        )
        assert names_argument(case, name, error), (
            f"{where}: the error does not name {name}: {error}"
        )
        return
    elif variant.outcome == "refuse":
        pytest.fail(f"{where} accepted a value it must refuse")
    elif variant.outcome == "same":
        expected, _ = run(case, {**before, name: variant.same_as})
        assert same(result, expected), f"{where} gave another result than the canonical value"
    elif variant.outcome == "nan" and case.nan_shows:
        assert any(math.isnan(v) for v in floats(result)), f"{where}: the NaN given vanished"
    check_promises(case, kwargs, result, where)
    if case.check is not None and variant is None:
        case.check(kwargs, result)


def swaps(case: Case, kwargs: dict[str, Any]) -> Iterator[tuple[str, Variant]]:
    """Every (argument, variant) of a valid draw, but for the pairs listed in KNOWN."""
    for name, kind in case.kinds.items():
        if (case.label, name) not in KNOWN:
            yield from ((name, variant) for variant in kind(kwargs.get(name)))


@pytest.mark.parametrize("label", sorted(REGISTRY))
def test_public_callable_keeps_its_promises(label: str) -> None:
    """Each drawn set of valid arguments, as is and with each variant of each argument
    in turn swapped in: every variant of every argument is tried on every draw."""
    case = REGISTRY[label]

    @settings(max_examples=case.examples)
    @given(case.valid)
    def check(valid: Any) -> None:
        kwargs = dict(valid)
        check_draw(case, kwargs, None, None)
        for name, variant in swaps(case, kwargs):
            check_draw(case, {**kwargs, name: variant.value}, name, variant)

    check()


def resolve(label: str) -> Any:
    found: Any = nf
    for part in label.split("."):
        found = getattr(found, part)
    return found


def test_every_public_callable_is_registered_or_excluded_with_a_reason() -> None:
    public = public_names()
    covered = {id(resolve(label)) for label in (*REGISTRY, *EXCLUDED)}
    missing = {name for name in public if id(resolve(name)) not in covered}
    assert not missing, f"neither registered nor excluded: {sorted(missing)}"
    assert set(EXCLUDED) <= public
    assert not set(EXCLUDED) & set(REGISTRY)
    assert all(reason.strip() for reason in {**EXCLUDED, **SKIPPED_MODULES}.values())
