"""Seed and hyper-parameter sweeps: every (config, seed) of a grid is one pure run.

A *job* is a function called once per run as `job(seed=seed, **config)`; it derives
all its randomness from the seed (`nf.random.key(seed)`) and returns the run's final
metrics, either as a mapping of names to numbers or as a `RunOutput(metrics,
history)` that also keeps the run's `nf.train.History`. The config's keys are the
job's keyword parameters, so `inspect.signature` tells, before any run starts,
whether every config fits the job (a job taking `**kwargs` accepts any key):

    def train_moons(seed: int, *, learning_rate: float, width: int) -> sweep.RunOutput:
        k_data, k_init, k_fit = nf.random.split(nf.random.key(seed), 3)
        ...
        return sweep.RunOutput({"accuracy": accuracy}, result.history)

    if __name__ == "__main__":   # the processes backend re-imports this script
        results = sweep.run(train_moons, {"learning_rate": [0.01, 0.1], "width": [4, 16]},
                            seeds=range(5))
        print(results)                      # the aggregate table
        results.aggregate()                 # mean, std, min, max of each metric per config

`run` returns `Results`, an immutable table of `Run` rows ordered by (config, seed)
whatever order the runs finished in. A run whose job raised an exception (a
`nf.train.DivergenceError`, say) is a row holding its `Failure`; the other runs go on.

Backends: "serial" (in this process), "processes" (the default: a pool of fresh
"spawn" processes, each with its BLAS pinned to one thread) and "ray" (tasks on the
cluster `ray.init` connects to, with the `ray` extra). These two send the job to
other processes, so it must pickle: it is pickled once up front, and a lambda or a
local function fails with a TypeError before any run starts. Pure jobs give results
equal to the last bit on every backend and for any number of workers, and
`Results.to_json(times=False)` gives the same bytes. Ray workers import the job's
module by name (install it on the cluster, or start from its folder); a job defined
in the script being run travels by value.

With `results_path`, the results so far are written there after every run, atomically;
a sweep started again with the same path, grid and seeds runs only the missing
(config, seed) pairs. Failed runs count as done: delete the file to run them again.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import json
import math
import multiprocessing
import os
import pickle
import secrets
import sys
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING, Literal, NoReturn, TypeAlias, TypeVar

import attrs
import numpy as np

from nnfunc.train import History

if TYPE_CHECKING:
    from tqdm import tqdm

V = TypeVar("V")

Value: TypeAlias = "bool | int | float | str | tuple[Value, ...] | None"
"""A config value: hashable, and kept exactly by the JSON results file."""

Backend = Literal["serial", "processes", "ray"]
BACKENDS: tuple[Backend, ...] = ("serial", "processes", "ray")

StrPath = str | os.PathLike[str]

Grid: TypeAlias = "Mapping[str, object] | Sequence[Mapping[str, object]]"
"""Names mapped to the lists of values to try (their Cartesian product), or a list of configs."""
_Runs: TypeAlias = "Generator[tuple[int, Run], None, None]"

FORMAT = "nnfunc.sweep"
FORMAT_VERSION = 1
"""The name and version of the results file layout this module writes and reads."""

PINNED_THREADS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}
"""The environment of every worker process: one BLAS thread each, so workers share cores."""


# Immutable records


@attrs.frozen(eq=False, repr=False)
class FrozenDict(Mapping[str, V]):
    """An immutable mapping of names to values, in a fixed order; equal to any mapping
    with the same items (a dict too), and hashable when its values are."""

    pairs: tuple[tuple[str, V], ...] = ()

    @classmethod
    def of(cls, mapping: Mapping[str, V]) -> FrozenDict[V]:
        """The items of `mapping`, in its order."""
        return cls(tuple(mapping.items()))

    def __getitem__(self, name: str) -> V:
        for key, value in self.pairs:
            if key == name:
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __hash__(self) -> int:
        return hash(frozenset(self.pairs))

    def __repr__(self) -> str:
        return f"FrozenDict({dict(self.pairs)!r})"


def _metrics(metrics: Mapping[str, float]) -> FrozenDict[float]:
    """`metrics` as a FrozenDict of floats; TypeError for a name that is not a str or a value
    that is not a real number."""
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"metrics must be a mapping of names to numbers, given {type(metrics).__name__}"
        )
    pairs = []
    for name, value in metrics.items():
        if not isinstance(name, str):
            raise TypeError(f"metric names must be str, given {type(name).__name__}: {name!r}")
        if isinstance(value, bool | np.bool_) or not isinstance(
            value, int | float | np.integer | np.floating
        ):
            raise TypeError(
                f"metric {name!r} must be a real number, given {type(value).__name__}: {value!r}"
            )
        pairs.append((name, float(value)))
    return FrozenDict(tuple(pairs))


@attrs.frozen
class RunOutput:
    """What a job may return: its final metrics (name -> number, stored as float) and,
    optionally, the history of its training (`nf.fit(...).history`)."""

    metrics: FrozenDict[float] = attrs.field(converter=_metrics)
    history: History | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(History))
    )


@attrs.frozen
class Failure:
    """Why a run failed: the exception's type (qualified by its module unless builtin) and
    message."""

    type: str
    message: str

    @classmethod
    def of(cls, error: BaseException) -> Failure:
        """The failure that `error` describes."""
        kind = type(error)
        module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
        return cls(f"{module}{kind.__qualname__}", str(error))

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


@attrs.frozen
class Run:
    """One (config, seed) run: its metrics and history, or the failure that ended it.

    `seconds` is the wall time of the job's call; it is left out of `==` (and of
    `Results.to_json(times=False)`), so equal runs compare equal on any machine.
    A failed run has no metrics and no history.
    """

    config: FrozenDict[Value]
    seed: int
    metrics: FrozenDict[float]
    history: History | None
    error: Failure | None
    seconds: float = attrs.field(eq=False)

    @property
    def ok(self) -> bool:
        """True when the job returned (no error)."""
        return self.error is None


@attrs.frozen
class Stats:
    """A metric over the successful runs of a config: how many, their mean, sample standard
    deviation (n - 1 in the denominator; NaN for a single run), min and max."""

    count: int
    mean: float
    std: float
    min: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        """The statistics of `values` (at least one)."""
        array = np.array(values, dtype=np.float64)
        std = float(np.std(array, ddof=1)) if len(array) > 1 else math.nan
        return cls(len(array), float(np.mean(array)), std, float(array.min()), float(array.max()))


@attrs.frozen
class Summary:
    """A config's runs in brief: how many succeeded and failed, and the `Stats` of each
    metric over the successful ones (in the order the metrics first appear)."""

    config: FrozenDict[Value]
    succeeded: int
    failed: int
    metrics: FrozenDict[Stats]


def _summary(config: FrozenDict[Value], runs: Sequence[Run]) -> Summary:
    good = [run for run in runs if run.ok]
    names = dict.fromkeys(name for run in good for name in run.metrics)
    stats = {name: Stats.of([r.metrics[name] for r in good if name in r.metrics]) for name in names}
    return Summary(config, len(good), len(runs) - len(good), FrozenDict.of(stats))


# The results table


def _shown(value: Value) -> str:
    return value if isinstance(value, str) else repr(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """Text columns, each left-aligned ("l" in `align`) or right-aligned ("r")."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(
            cell.ljust(width) if side == "l" else cell.rjust(width)
            for cell, width, side in zip(line, widths, align, strict=True)
        ).rstrip()
        for line in [header, *rows]
    ]
    return "\n".join(lines)


def _summary_rows(summary: Summary, names: Sequence[str]) -> list[list[str]]:
    """The table lines of one config: one per metric, or one with blanks when none."""
    head = [_shown(summary.config[n]) if n in summary.config else "" for n in names]
    counts = [str(summary.succeeded), str(summary.failed)]
    if not summary.metrics:
        return [[*head, *counts, "", "", "", "", ""]]
    return [
        [*head, *counts, metric, *(f"{v:.4g}" for v in (s.mean, s.std, s.min, s.max))]
        for metric, s in summary.metrics.items()
    ]


def _describe(config: Mapping[str, Value]) -> str:
    return " ".join(f"{name}={_shown(value)}" for name, value in config.items()) or "(no config)"


@attrs.frozen
class Results:
    """The runs of a sweep as an immutable table, one `Run` per (config, seed) done, ordered
    by config (in grid order), then seed (in the order given).

    A sweep `run` returns holds every pair; one `load`ed from an interrupted sweep's
    file may hold fewer. Raises ValueError (on construction) for repeated configs or
    seeds, a run whose config or seed is not the sweep's, or runs out of order or repeated.
    """

    configs: tuple[FrozenDict[Value], ...]
    seeds: tuple[int, ...]
    runs: tuple[Run, ...] = attrs.field()

    @runs.validator
    def _check_runs(self, _: object, runs: tuple[Run, ...]) -> None:
        order = _positions(self.configs, self.seeds)
        if len(order) != len(self.configs) * len(self.seeds):
            raise ValueError(
                f"a sweep's configs and seeds must be distinct, given {len(self.configs)} "
                f"configs and seeds {list(self.seeds)} with repeats"
            )
        previous = -1
        for run in runs:
            position = order.get((run.config, run.seed))
            if position is None:
                raise ValueError(
                    f"run of config {dict(run.config)} and seed {run.seed} is not a pair of "
                    f"this sweep's {len(self.configs)} configs and seeds {list(self.seeds)}"
                )
            if position <= previous:
                raise ValueError(
                    "runs must be in (config, seed) order, each pair once; given the run of "
                    f"config {dict(run.config)} and seed {run.seed} out of order or twice"
                )
            previous = position

    @property
    def complete(self) -> bool:
        """True when every (config, seed) pair has its run."""
        return len(self.runs) == len(self.configs) * len(self.seeds)

    @property
    def failures(self) -> tuple[Run, ...]:
        """The runs that failed, in table order."""
        return tuple(run for run in self.runs if not run.ok)

    def aggregate(self) -> tuple[Summary, ...]:
        """One `Summary` per config, in grid order: counts, and the mean, std, min and max of
        each metric over the config's successful runs (failed runs are only counted)."""
        by_config: dict[FrozenDict[Value], list[Run]] = {config: [] for config in self.configs}
        for run in self.runs:
            by_config[run.config].append(run)
        return tuple(_summary(config, runs) for config, runs in by_config.items())

    def __str__(self) -> str:
        """The aggregate as a table (a line per config and metric), then each failure."""
        names = list(dict.fromkeys(name for config in self.configs for name in config))
        header = [*names, "ok", "failed", "metric", "mean", "std", "min", "max"]
        rows = [row for s in self.aggregate() for row in _summary_rows(s, names)]
        lines = [_table(header, rows, "l" * len(names) + "rrl" + "r" * 4)]
        lines += [
            f"failed: {_describe(run.config)} seed {run.seed}: {run.error}" for run in self.failures
        ]
        return "\n".join(lines)

    def to_json(self, times: bool = True) -> str:
        """The results file's text: a header, then one JSON line per run.

        With times=False the wall times are left out: two sweeps of pure jobs then give
        the same text, byte for byte, whatever the backend or the number of workers.
        Non-finite metrics are written as Python's json writes them (NaN, Infinity).
        """
        index = {config: i for i, config in enumerate(self.configs)}
        runs = ",\n".join(
            "  " + json.dumps(_run_record(index[run.config], run, times)) for run in self.runs
        )
        return "{" + self.header() + ',\n "runs": [\n' + runs + "\n ]\n}\n"

    def header(self) -> str:
        """The JSON fields that name the sweep (format, version, configs and seeds), as the
        results file writes them: two sweeps are the same when their headers are equal."""
        fields = [
            f'"format": {json.dumps(FORMAT)}',
            f'"version": {FORMAT_VERSION}',
            f'"configs": {json.dumps([dict(config) for config in self.configs])}',
            f'"seeds": {json.dumps(list(self.seeds))}',
        ]
        return ",\n ".join(fields)


def _positions(
    configs: Sequence[FrozenDict[Value]], seeds: Sequence[int]
) -> dict[tuple[FrozenDict[Value], int], int]:
    """The place of each (config, seed) pair in table order."""
    pairs = itertools.product(configs, seeds)
    return {pair: position for position, pair in enumerate(pairs)}


# The results file


def _run_record(config_index: int, run: Run, times: bool) -> dict[str, object]:
    history = run.history
    record: dict[str, object] = {
        "config": config_index,
        "seed": run.seed,
        "metrics": dict(run.metrics),
        "history": None if history is None else {"names": history.names, "rows": history.rows},
        "error": None if run.error is None else attrs.asdict(run.error),
    }
    if times:
        record["seconds"] = run.seconds
    return record


class _Corrupt(Exception):
    """A results file does not hold what it must; `load` turns it into a ValueError."""


def _typed(value: object, kind: type[V], what: str) -> V:
    """`value`, checked to be an instance of `kind` (a bool is not an int here)."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _Corrupt(f"{what} must be a {kind.__name__}, given {value!r:.200}")
    return value


def _field(record: object, name: str, kind: type[V]) -> V:
    """record[name], checked to be an instance of `kind`."""
    if not isinstance(record, dict) or name not in record:
        raise _Corrupt(f"expected an object with the field {name!r}, given {record!r:.200}")
    return _typed(record[name], kind, f"field {name!r}")


def _number(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _Corrupt(f"expected a number, given {value!r:.200}")


def _optional(record: object, name: str, kind: type[V]) -> V | None:
    """record[name] when it is not null, checked to be an instance of `kind`."""
    return None if _field(record, name, object) is None else _field(record, name, kind)


def _parse_history(record: dict[str, object] | None) -> History | None:
    if record is None:
        return None
    names = _field(record, "names", list)
    if not all(isinstance(name, str) for name in names):
        raise _Corrupt(f"history names must be strings, given {names!r:.200}")
    rows = tuple(
        tuple(map(_number, _typed(row, list, "a history row")))
        for row in _field(record, "rows", list)
    )
    if any(len(row) != len(names) for row in rows):
        raise _Corrupt(f"every history row must have {len(names)} values, one per name")
    return History(tuple(names), rows)


def _parse_run(record: object, configs: Sequence[FrozenDict[Value]]) -> Run:
    index = _field(record, "config", int)
    if not 0 <= index < len(configs):
        raise _Corrupt(f"config index {index} is not one of the {len(configs)} configs")
    error = _optional(record, "error", dict)
    metrics = _field(record, "metrics", dict)
    return Run(
        configs[index],
        _field(record, "seed", int),
        FrozenDict.of({str(name): _number(value) for name, value in metrics.items()}),
        _parse_history(_optional(record, "history", dict)),
        None
        if error is None
        else Failure(_field(error, "type", str), _field(error, "message", str)),
        _number(_field(record, "seconds", object)),
    )


def _from_json(value: object) -> Value:
    """A config value read back from JSON: its lists were tuples."""
    if isinstance(value, list):
        return tuple(_from_json(item) for item in value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise _Corrupt(f"a config value must be a JSON scalar or list, given {value!r:.200}")


def _parse(document: object) -> Results:
    if _field(document, "format", str) != FORMAT:
        raise _Corrupt(f"the format is not {FORMAT!r}")
    version = _field(document, "version", int)
    if version != FORMAT_VERSION:
        raise _Corrupt(f"format version {version}; this nnfunc reads version {FORMAT_VERSION}")
    configs = tuple(
        FrozenDict.of({str(k): _from_json(v) for k, v in _typed(c, dict, "a config").items()})
        for c in _field(document, "configs", list)
    )
    seeds = tuple(_typed(s, int, "a seed") for s in _field(document, "seeds", list))
    runs = tuple(_parse_run(record, configs) for record in _field(document, "runs", list))
    return Results(configs, seeds, runs)


def load(path: StrPath) -> Results:
    """The results in the file `path` that `run` wrote (possibly of an unfinished sweep).

    Raises OSError if the file cannot be read, ValueError if it does not hold
    results in this module's format.
    """
    source = os.fspath(path)
    with open(source, encoding="utf-8") as file:
        text = file.read()
    try:
        return _parse(json.loads(text))
    except (_Corrupt, ValueError) as error:  # JSONDecodeError and Results' checks included
        raise ValueError(f"{source!r} is not an nnfunc sweep results file: {error}") from None


def _write_atomic(path: str, text: str) -> None:
    """Write `text` to a fresh file beside `path`, then rename it onto `path`: a crash
    leaves either the old file or the new one, never a part."""
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# Checking the input, before any run


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


def _seeds(seeds: Iterable[int]) -> tuple[int, ...]:
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a list of ints, given {seeds!r}")
    given = list(seeds)
    if not given:
        raise ValueError("seeds is empty: give at least one seed")
    for seed in given:
        if isinstance(seed, bool | np.bool_) or not isinstance(seed, int | np.integer):
            raise TypeError(f"seeds must be ints, given {type(seed).__name__}: {seed!r}")
        if seed < 0:
            raise ValueError(f"seeds must be >= 0 (as nf.random.key needs), given {seed}")
    values = tuple(int(seed) for seed in given)
    repeated = sorted({seed for seed in values if values.count(seed) > 1})
    if repeated:
        raise ValueError(f"seeds must be distinct, given {list(values)}: {repeated} repeated")
    return values


def _job_name(job: object) -> str:
    """The job's name, or that of the function a functools.partial wraps."""
    target = getattr(job, "func", job)
    return str(getattr(target, "__qualname__", None) or repr(job))


def _check_job(job: object, configs: Sequence[FrozenDict[Value]]) -> None:
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


def _check_picklable(job: object, backend: str) -> None:
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


def _check_backend(backend: object, workers: int | None, address: str | None) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}, given {backend!r}")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ValueError(f"workers must be an int >= 1 or None, given {workers!r}")
    if backend == "serial" and workers not in (None, 1):
        raise ValueError(f'backend "serial" runs one run at a time, given workers={workers}')
    if address is not None and backend != "ray":
        raise ValueError(f'address is for backend "ray", given backend {backend!r}')
    if backend == "ray":
        try:
            import ray
        except ImportError as error:
            raise ImportError(
                f'backend "ray" needs ray ({error}); install it with: pip install "nnfunc[ray]"'
            ) from error
        if address is not None and ray.is_initialized():
            raise ValueError(
                f"ray is already initialized, so address={address!r} cannot be used: leave "
                "address=None to run on the cluster this process is connected to"
            )


def _resumed(
    path: str | None, configs: tuple[FrozenDict[Value], ...], seeds: tuple[int, ...]
) -> Results:
    """The results already in `path` (none if there is no file), refused unless they are of
    the same configs and seeds, exactly."""
    fresh = Results(configs, seeds, ())
    if path is None or not os.path.exists(path):
        return fresh
    saved = load(path)
    if saved.header() != fresh.header():
        raise ValueError(
            f"{path!r} holds the results of another sweep ({len(saved.configs)} configs, seeds "
            f"{list(saved.seeds)}) than this one ({len(configs)} configs, seeds {list(seeds)}, "
            "configs compared exactly): give another results_path, or delete the file to "
            "start over"
        )
    return saved


# Running


@attrs.frozen
class _Task:
    position: int
    config: FrozenDict[Value]
    seed: int


def _output(value: object) -> RunOutput:
    if isinstance(value, RunOutput):
        return value
    if isinstance(value, Mapping):
        return RunOutput(value)
    raise TypeError(
        "a job must return a RunOutput or a mapping of metric names to numbers, given "
        f"{type(value).__name__}"
    )


def _execute(job: Callable[..., object], config: FrozenDict[Value], seed: int) -> Run:
    """One run: job(seed=seed, **config), timed, with any exception it raises recorded as
    the run's Failure (KeyboardInterrupt and other BaseExceptions propagate)."""
    started = time.perf_counter()
    try:
        output = _output(job(seed=seed, **config))
    except Exception as error:
        return Run(config, seed, FrozenDict(), None, Failure.of(error), _since(started))
    return Run(config, seed, output.metrics, output.history, None, _since(started))


def _since(started: float) -> float:
    return time.perf_counter() - started


def _serial(job: Callable[..., object], tasks: Sequence[_Task]) -> _Runs:
    for task in tasks:
        yield task.position, _execute(job, task.config, task.seed)


def _as_completed(
    submit: Callable[[_Task], Future[Run]], tasks: Sequence[_Task], limit: int
) -> _Runs:
    """(position, run) of each task as it completes, with at most `limit` submitted at once.

    An exception from the machinery (not from a job: those are failures in the Run)
    propagates.
    """
    queue = iter(tasks)
    running: dict[Future[Run], int] = {}
    while True:
        for task in itertools.islice(queue, limit - len(running)):
            running[submit(task)] = task.position
        if not running:
            return
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            yield running.pop(future), future.result()


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the processes started inside the block, then restore
    them (this process's BLAS was set up when NumPy was imported: it keeps its threads)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def _processes(job: Callable[..., object], tasks: Sequence[_Task], workers: int) -> _Runs:
    """Runs on a pool of fresh "spawn" processes, started with PINNED_THREADS in their
    environment, so that NumPy sets up its BLAS with one thread in each."""
    context = multiprocessing.get_context("spawn")
    with _environment(PINNED_THREADS):
        pool = ProcessPoolExecutor(min(workers, len(tasks)), mp_context=context)
        try:

            def submit(task: _Task) -> Future[Run]:
                return pool.submit(_execute, job, task.config, task.seed)

            yield from _as_completed(submit, tasks, len(tasks))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _ray(
    job: Callable[..., object], tasks: Sequence[_Task], workers: int | None, address: str | None
) -> _Runs:
    """Runs as Ray tasks of one CPU each, PINNED_THREADS in their environment, at most
    `workers` at once (all, when None). Connects with ray.init(address) unless this
    process already is connected; disconnects (a local instance it started stops) only
    if it connected."""
    import ray

    connected_here = not ray.is_initialized()
    if connected_here:
        ray.init(address=address)
    refs: list[ray.ObjectRef[Run]] = []
    try:
        remote = ray.remote(_execute).options(
            num_cpus=1, runtime_env={"env_vars": dict(PINNED_THREADS)}
        )
        job_ref = ray.put(job)

        def submit(task: _Task) -> Future[Run]:
            refs.append(remote.remote(job_ref, task.config, task.seed))
            return refs[-1].future()

        yield from _as_completed(submit, tasks, workers or len(tasks))
    finally:
        if connected_here:
            ray.shutdown()
        else:
            for ref in refs:
                ray.cancel(ref)


class _Progress:
    """A bar over the runs showing how many finished and failed: tqdm when installed (the
    `progress` extra), else one line per run on stderr; nothing when disabled."""

    def __init__(self, total: int, done: Results, enabled: bool) -> None:
        self._total = total
        self._finished = len(done.runs)
        self._failed = len(done.failures)
        self._enabled = enabled
        self._bar: tqdm[NoReturn] | None = None
        if enabled:
            try:
                from tqdm import tqdm as make_bar
            except ImportError:
                return
            self._bar = make_bar(total=total, initial=self._finished, unit="run", file=sys.stderr)
            self._bar.set_postfix_str(f"failed {self._failed}")

    def finished(self, run: Run) -> None:
        """Count `run` and show it."""
        self._finished += 1
        self._failed += not run.ok
        if self._bar is not None:
            self._bar.set_postfix_str(f"failed {self._failed}")
            self._bar.update(1)
        elif self._enabled:
            outcome = "ok" if run.ok else f"failed ({run.error})"
            print(
                f"run {self._finished}/{self._total} ({self._failed} failed): "
                f"{_describe(run.config)} seed {run.seed}: {outcome} ({run.seconds:.2f}s)",
                file=sys.stderr,
            )

    def close(self) -> None:
        """Close the bar, if any."""
        if self._bar is not None:
            self._bar.close()


def run(
    job: Callable[..., RunOutput | Mapping[str, float]],
    grid: Grid,
    seeds: Iterable[int],
    *,
    backend: Backend = "processes",
    workers: int | None = None,
    address: str | None = None,
    results_path: StrPath | None = None,
    progress: bool = False,
) -> Results:
    """Run job(seed=seed, **config) for every config of `grid` (see `configs_of`) and every
    seed, and return the `Results`, ordered by config then seed.

    backend: "serial", "processes" (a pool of `workers` spawned processes, default
    os.cpu_count(), one BLAS thread each; call it under `if __name__ == "__main__":`
    in a script) or "ray" (Ray tasks of one CPU on the cluster at `address`, or the
    one this process is connected to, or a new local instance; `workers` caps the
    tasks in flight). A run whose job raises is recorded as failed; the others go on.
    results_path: a JSON file (its folder is created if missing) rewritten atomically
    after each run; if it exists, its runs are kept and only the missing ones run.
    progress: a bar over the runs, with the numbers finished and failed.

    Everything is checked before any run starts. Raises ValueError for an empty grid
    or seed list, repeated configs or seeds, a config the job does not accept, an
    unknown backend, bad workers, or a results file of another sweep; TypeError for a
    bad config value or seed, or a job that is not callable or (for "processes" and
    "ray") not picklable; ImportError for "ray" without ray installed. An error of the
    machinery (a worker process killed, say) propagates: the file keeps the runs done.
    """
    configs = configs_of(grid)
    seed_list = _seeds(seeds)
    _check_job(job, configs)
    _check_backend(backend, workers, address)
    if backend != "serial":
        _check_picklable(job, backend)
    path = None if results_path is None else os.path.abspath(results_path)
    results = _resumed(path, configs, seed_list)
    if path is not None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    order = _positions(configs, seed_list)
    done = {order[run.config, run.seed]: run for run in results.runs}
    tasks = [
        _Task(position, config, seed)
        for (config, seed), position in order.items()
        if position not in done
    ]
    if not tasks:
        return results
    if backend == "serial":
        runs = _serial(job, tasks)
    elif backend == "processes":
        runs = _processes(job, tasks, workers or os.cpu_count() or 1)
    else:
        runs = _ray(job, tasks, workers, address)
    bar = _Progress(len(order), results, progress)
    with contextlib.closing(runs), contextlib.closing(bar):
        for position, finished in runs:
            done[position] = finished
            if path is not None:
                _write_atomic(path, _table_of(configs, seed_list, done).to_json())
            bar.finished(finished)
    return _table_of(configs, seed_list, done)


def _table_of(
    configs: tuple[FrozenDict[Value], ...], seeds: tuple[int, ...], done: Mapping[int, Run]
) -> Results:
    """The results of the runs `done`, keyed by their place in table order."""
    return Results(configs, seeds, tuple(done[position] for position in sorted(done)))


__all__ = [
    "BACKENDS",
    "FORMAT",
    "FORMAT_VERSION",
    "PINNED_THREADS",
    "Failure",
    "FrozenDict",
    "Grid",
    "Results",
    "Run",
    "RunOutput",
    "Stats",
    "Summary",
    "Value",
    "configs_of",
    "load",
    "run",
]
