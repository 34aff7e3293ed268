"""The configs of a sweep and every check made before a run starts: grid, seeds, job,
backend."""

from __future__ import annotations

import inspect
import itertools
import math
import pickle
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

import numpy as np

from nnfunc import _checks
from nnfunc.sweep.backends import BACKENDS, Backend
from nnfunc.sweep.records import FrozenDict, Value

Grid: TypeAlias = "Mapping[str, object] | Sequence[Mapping[str, object]]"
"""Names mapped to the lists of values to try (their Cartesian product), or a list of configs."""


def _value(where: str, value: object) -> Value:
    """`value` as a config Value (NumPy scalars become Python ones); TypeError otherwise."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and math.isfinite(value):
        return float(value)
    if isinstance(value, tuple):
        return tuple(_value(f"{where}[{i}]", item) for i, item in enumerate(value))
    raise TypeError(
        f"{where} must be None, a bool, an int, a finite float, a str or a tuple of them "
        f"(a list is not hashable: use a tuple), given {type(value).__name__}: {value!r}"
    )


def _config(where: str, config: object) -> FrozenDict[Value]:
    if not isinstance(config, Mapping):
        raise TypeError(f"{where} must be a mapping of names to values, given {config!r}")
    for name in config:
        if not isinstance(name, str) or not name.isidentifier() or name == "seed":
            raise ValueError(
                f"{where}: config names must be identifiers other than 'seed' (the job's "
                f"keyword arguments), given {name!r}"
            )
    return FrozenDict.of({name: _value(f"{where}[{name!r}]", v) for name, v in config.items()})


def _candidates(name: str, values: object) -> list[object]:
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise TypeError(f"grid[{name!r}] must be a list of the values to try, given {values!r}")
    listed = list(values)
    if not listed:
        raise ValueError(f"grid[{name!r}] is empty: give at least one value to try")
    return listed


def configs_of(
    grid: Grid,
) -> tuple[FrozenDict[Value], ...]:
    """The configs a grid stands for, in run order.

    A mapping of names to lists of values stands for their Cartesian product (the
    last name varies fastest); a sequence of mappings is the list of configs itself
    (`[{}]` sweeps seeds alone). Raises ValueError for an empty grid, an empty list
    of values, a repeated config or a name that is not an identifier (or is "seed");
    TypeError for a value that is not None, bool, int, float, str or a tuple of them.
    """
    if isinstance(grid, Mapping):
        if not grid:
            raise ValueError("grid is empty: give at least one name and its values")
        values = [_candidates(str(name), grid[name]) for name in grid]
        raw: list[object] = [
            dict(zip(grid, combo, strict=True)) for combo in itertools.product(*values)
        ]
    elif isinstance(grid, Sequence):
        raw = list(grid)
        if not raw:
            raise ValueError("grid is an empty list of configs: give at least one (or [{}])")
    else:
        raise TypeError(
            f"grid must be a mapping of names to lists of values or a list of configs, "
            f"given {type(grid).__name__}"
        )
    configs = tuple(_config(f"config {i}", config) for i, config in enumerate(raw))
    first: dict[FrozenDict[Value], int] = {}
    for index, config in enumerate(configs):
        if config in first:
            raise ValueError(
                f"configs {first[config]} and {index} are equal ({dict(config)}): every "
                "config must be distinct"
            )
        first[config] = index
    return configs


def seeds_of(seeds: Iterable[int]) -> tuple[int, ...]:
    """The seeds as Python ints: at least one, each an int >= 0 (as nf.random.key needs),
    distinct; TypeError or ValueError naming the first bad one."""
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a list of ints, given {seeds!r:.80}")
    values = tuple(_checks.integer(f"seeds[{i}]", seed, minimum=0) for i, seed in enumerate(seeds))
    if not values:
        raise ValueError("seeds is empty: give at least one seed")
    repeated = sorted({seed for seed in values if values.count(seed) > 1})
    if repeated:
        raise ValueError(f"seeds must be distinct, given {list(values)}: {repeated} repeated")
    return values


def _job_name(job: object) -> str:
    """The job's name, or that of the function a functools.partial wraps."""
    target = getattr(job, "func", job)
    return str(getattr(target, "__qualname__", None) or repr(job))


def check_job(job: object, configs: Sequence[FrozenDict[Value]]) -> None:
    """TypeError unless job is callable with an inspectable signature; ValueError naming the
    first config whose keys the job does not accept as job(seed=seed, **config)."""
    if not callable(job):
        raise TypeError(f"job must be callable as job(seed=seed, **config), given {job!r}")
    try:
        signature = inspect.signature(job)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"cannot read the parameters of job {_job_name(job)} ({error}); a job is a Python "
            "function called as job(seed=seed, **config)"
        ) from None
    for index, config in enumerate(configs):
        try:
            signature.bind(seed=0, **config)
        except TypeError as error:
            raise ValueError(
                f"config {index} {dict(config)} does not fit job {_job_name(job)}, called as "
                f"job(seed=seed, **config): {error}; its parameters: {list(signature.parameters)}"
            ) from None


def check_picklable(job: object, backend: str) -> None:
    """TypeError unless `job` can be sent to another process by the standard pickle."""
    hint = (
        "define the job at module level (not a lambda, nor a function inside another "
        "function) and bind extra arguments with functools.partial"
    )
    try:
        pickle.dumps(job)
    except Exception as error:
        raise TypeError(
            f"backend {backend!r} sends the job to other processes, so it must be picklable; "
            f"{_job_name(job)} is not ({error}): {hint}"
        ) from None
    target = getattr(job, "func", job)  # a functools.partial's function
    main = sys.modules["__main__"]
    if getattr(target, "__module__", None) == "__main__" and not hasattr(main, "__file__"):
        raise TypeError(
            f"job {_job_name(job)} is defined in an interactive session, which worker "
            f"processes cannot import; {hint}, in a module file"
        )


def check_backend(
    backend: object, workers: object, address: object
) -> tuple[Backend, int | None, str | None]:
    """(backend, workers, address) checked: a known backend, workers an int >= 1 or None
    (1 or None for "serial"), an address only for "ray" (and ray installed for "ray")."""
    name = _checks.choice("backend", backend, BACKENDS)
    count = None if workers is None else _checks.integer("workers", workers, minimum=1)
    where = None if address is None else _checks.instance("address", address, str, "a str")
    if name == "serial" and count not in (None, 1):
        raise ValueError(f'backend "serial" runs one run at a time, given workers={count}')
    if where is not None and name != "ray":
        raise ValueError(f'address is for backend "ray", given backend {name!r}')
    if name == "ray":
        try:
            import ray
        except ImportError as error:
            raise ImportError(
                f'backend "ray" needs ray ({error}); install it with: pip install "nnfunc[ray]"'
            ) from error
        if where is not None and ray.is_initialized():
            raise ValueError(
                f"ray is already initialized, so address={where!r} cannot be used: leave "
                "address=None to run on the cluster this process is connected to"
            )
    return name, count, where


__all__ = [
    "Grid",
    "check_backend",
    "check_job",
    "check_picklable",
    "configs_of",
    "seeds_of",
]
