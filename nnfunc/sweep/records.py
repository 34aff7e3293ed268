"""The records of a sweep: configs, run outputs and failures, runs, and the results table."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TypeAlias, TypeVar

import attrs
import numpy as np

from nnfunc._text import table
from nnfunc.train import History

V = TypeVar("V")

Value: TypeAlias = "bool | int | float | str | tuple[Value, ...] | None"
"""A config value: hashable, and kept exactly by the JSON results file."""


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
        """The failure that `error` describes; when str(error) itself raises, the message
        says so instead."""
        kind = type(error)
        module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
        try:
            message = str(error)
        except Exception as failure:
            reason = type(failure).__name__
            message = f"(no message: str() of the exception raised {reason})"
        return cls(f"{module}{kind.__qualname__}", message)

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


def _shown(value: Value) -> str:
    return value if isinstance(value, str) else repr(value)


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


def describe(config: Mapping[str, Value]) -> str:
    """A config as text: "name=value name=value", or "(no config)" when empty."""
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
        order = positions(self.configs, self.seeds)
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
        lines = [table(header, rows, "l" * len(names) + "rrl" + "r" * 4)]
        lines += [
            f"failed: {describe(run.config)} seed {run.seed}: {run.error}" for run in self.failures
        ]
        return "\n".join(lines)

    def to_json(self, times: bool = True) -> str:
        """The results file's text: a header, then one JSON line per run.

        With times=False the wall times are left out: two sweeps of pure jobs then give
        the same text, byte for byte, whatever the backend or the number of workers.
        Non-finite metrics are written as Python's json writes them (NaN, Infinity).
        """
        from nnfunc.sweep.results_file import to_json  # that module reads Results

        return to_json(self, times)

    def header(self) -> str:
        """The JSON fields that name the sweep (format, version, configs and seeds), as the
        results file writes them: two sweeps are the same when their headers are equal."""
        from nnfunc.sweep.results_file import header

        return header(self)


def positions(
    configs: Sequence[FrozenDict[Value]], seeds: Sequence[int]
) -> dict[tuple[FrozenDict[Value], int], int]:
    """The place of each (config, seed) pair in table order."""
    pairs = itertools.product(configs, seeds)
    return {pair: position for position, pair in enumerate(pairs)}


__all__ = [
    "Failure",
    "FrozenDict",
    "Results",
    "Run",
    "RunOutput",
    "Stats",
    "Summary",
    "Value",
    "describe",
    "positions",
]
