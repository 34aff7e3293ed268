"""nf.sweep: every way a run can end is a row, and the sweep completes (serial, processes)."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest

from nnfunc import sweep


class Unprintable(Exception):
    """An exception whose message cannot be made."""

    def __str__(self) -> str:
        raise RuntimeError("no message")


def ending(seed: int, *, how: str, log: str = "") -> dict[str, float]:
    """{"value": seed}, except for seed 2, which ends as `how` says; appends the seed to `log`."""
    if log:
        with open(log, "a", encoding="utf-8") as file:
            file.write(f"{seed}\n")
    if seed == 2:
        if how == "os._exit":
            os._exit(7)
        if how == "sys.exit":
            sys.exit(4)
        if how == "unprintable":
            raise Unprintable
    return {"value": float(seed)}


def check_rows(results: sweep.Results, failure_type: str, message: str) -> None:
    """Seeds 1, 3, 4 succeeded with their value; seed 2 failed as given."""
    assert results.complete
    assert [run.seed for run in results.runs] == [1, 2, 3, 4]
    assert [dict(run.metrics) for run in results.runs if run.ok] == [
        {"value": 1.0},
        {"value": 3.0},
        {"value": 4.0},
    ]
    (failed,) = results.failures
    assert failed.seed == 2 and failed.error is not None
    assert failed.error.type == failure_type
    assert message in failed.error.message


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_sys_exit_in_a_job_is_a_failed_run_not_the_end_of_the_sweep(backend: sweep.Backend) -> None:
    job = functools.partial(ending, how="sys.exit")
    workers = None if backend == "serial" else 2
    results = sweep.run(job, [{}], [1, 2, 3, 4], backend=backend, workers=workers)
    check_rows(results, "SystemExit", "4")


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_an_exception_whose_str_raises_is_a_failed_run_with_a_fallback_message(
    backend: sweep.Backend,
) -> None:
    job = functools.partial(ending, how="unprintable")
    workers = None if backend == "serial" else 2
    results = sweep.run(job, [{}], [1, 2, 3, 4], backend=backend, workers=workers)
    check_rows(
        results,
        "tests.test_sweep_endings.Unprintable",
        "(no message: str() of the exception raised RuntimeError)",
    )


def test_a_job_that_kills_its_worker_is_a_failed_run_and_the_pool_goes_on(
    tmp_path: Path,
) -> None:
    path, log = tmp_path / "results.json", tmp_path / "calls.log"
    job = functools.partial(ending, how="os._exit", log=str(log))
    results = sweep.run(job, [{}], [1, 2, 3, 4], backend="processes", workers=2, results_path=path)
    check_rows(results, "concurrent.futures.process.BrokenProcessPool", "died (twice)")
    calls = log.read_text(encoding="utf-8").split()
    assert calls.count("2") == 2  # once in the pool, once more alone
    assert sorted(set(calls)) == ["1", "2", "3", "4"]
    assert sweep.load(path) == results
    log.unlink()
    again = sweep.run(job, [{}], [1, 2, 3, 4], backend="processes", results_path=path)
    assert again == results and not log.exists()  # the resume runs nothing: no crash again
