"""`run`: a sweep from its grid to its results, resumed from and saved to its file."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Mapping

from nnfunc import _checks
from nnfunc._files import StrPath, fspath
from nnfunc._progress import Progress
from nnfunc.sweep import backends
from nnfunc.sweep.backends import Backend, Task
from nnfunc.sweep.grid import Grid, check_backend, check_job, check_picklable, configs_of, seeds_of
from nnfunc.sweep.records import FrozenDict, Results, Run, RunOutput, Value, describe, positions
from nnfunc.sweep.results_file import load, save


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
    "ray") not picklable; ImportError for "ray" without ray installed. A job that raises
    anything (SystemExit included; KeyboardInterrupt ends the sweep) or ends its
    worker process is a failed run: every run ends as a row.
    """
    progress = _checks.boolean("progress", progress)
    path = None if results_path is None else os.path.abspath(fspath("results_path", results_path))
    configs = configs_of(grid)
    seed_list = seeds_of(seeds)
    check_job(job, configs)
    backend, workers, address = check_backend(backend, workers, address)
    if backend != "serial":
        check_picklable(job, backend)
    results = _resumed(path, configs, seed_list)
    if path is not None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    order = positions(configs, seed_list)
    done = {order[run.config, run.seed]: run for run in results.runs}
    tasks = [
        Task(position, config, seed)
        for (config, seed), position in order.items()
        if position not in done
    ]
    if not tasks:
        return results
    if backend == "serial":
        runs = backends.serial(job, tasks)
    elif backend == "processes":
        runs = backends.processes(job, tasks, workers or os.cpu_count() or 1)
    else:
        runs = backends.ray(job, tasks, workers, address)
    bar = Progress(
        len(order), done=len(results.runs), unit="run", status=_status(results), enabled=progress
    )
    with contextlib.closing(runs), contextlib.closing(bar):
        for position, finished in runs:
            done[position] = finished
            table = _table_of(configs, seed_list, done)
            if path is not None:
                save(path, table)
            outcome = "ok" if finished.ok else f"failed ({finished.error})"
            bar.step(
                _status(table),
                f"run {bar.done + 1}/{bar.total} ({len(table.failures)} failed): "
                f"{describe(finished.config)} seed {finished.seed}: {outcome} "
                f"({finished.seconds:.2f}s)",
            )
    return _table_of(configs, seed_list, done)


def _table_of(
    configs: tuple[FrozenDict[Value], ...], seeds: tuple[int, ...], done: Mapping[int, Run]
) -> Results:
    """The results of the runs `done`, keyed by their place in table order."""
    return Results(configs, seeds, tuple(done[position] for position in sorted(done)))


def _status(results: Results) -> str:
    return f"failed {len(results.failures)}"


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


__all__ = [
    "run",
]
