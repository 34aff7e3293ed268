"""nf.sweep: grids of configs times seeds, on every backend, with failures, resume and checks."""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest

import nnfunc as nf
from nnfunc import optim, sweep
from tests.test_sweep_endings import check_rows, ending

DATA_KEY = nf.random.key(100)
FIT_GRID: sweep.Grid = {"learning_rate": [0.05, 3.0], "width": [4]}
"""Two configs of `regression_fit`: SGD at 0.05 learns, at 3.0 the float32 loss overflows."""


def regression_fit(seed: int, *, learning_rate: float, width: int) -> sweep.RunOutput:
    """Four epochs of SGD on 64 rows of the tabular regression set, every key from the seed."""
    k_init, k_fit = nf.random.split(nf.random.key(seed))
    x, y = nf.datasets.make_regression_tabular(DATA_KEY, 64)
    net = nf.mlp([5, width, 1], activation="tanh")
    with np.errstate(all="ignore"):  # the overflow that makes 3.0 diverge
        result = nf.fit(
            net, nf.init(net, k_init), x, y, nf.losses.mse, optim.sgd(learning_rate),
            key=k_fit, epochs=4, batch_size=16, metrics={"r2": nf.metrics.r2},
        )  # fmt: skip
    last = {"loss": result.history["train_loss"][-1], "r2": result.history["train_r2"][-1]}
    return sweep.RunOutput(last, result.history)


class Unlucky(Exception):
    """What `scaled_seed` raises for seed 3."""


def scaled_seed(seed: int, *, scale: float) -> dict[str, float]:
    """value = scale * seed and square = seed**2; seed 3 fails."""
    if seed == 3:
        raise Unlucky(f"seed {seed} is unlucky")
    return {"value": scale * seed, "square": float(seed**2)}


class Interrupt(KeyboardInterrupt):
    """Stands for Ctrl-C: the one exception that stops the sweep instead of failing a run."""


def logged(
    seed: int, *, scale: float, log: str, stop: tuple[float, int] | None = None
) -> dict[str, float]:
    """scaled_seed, appending "scale seed" to the file `log` first; raises Interrupt at `stop`."""
    with open(log, "a", encoding="utf-8") as file:
        file.write(f"{scale} {seed}\n")
    if (scale, seed) == stop:
        raise Interrupt
    return scaled_seed(seed, scale=scale)


def worker_environment(seed: int) -> dict[str, float]:
    """The BLAS thread settings the run sees (0 for an unset variable)."""
    return {name: float(os.environ.get(name, "0")) for name in sweep.PINNED_THREADS}


def not_metrics(seed: int) -> Any:
    """Not what a job must return: a list."""
    return [float(seed)]


def calls(log: Path) -> list[str]:
    """The "scale seed" lines `logged` wrote, in call order (none if never called)."""
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@pytest.fixture(scope="module")
def reference() -> sweep.Results:
    """The fit sweep run serially: what every other backend must reproduce."""
    return sweep.run(regression_fit, FIT_GRID, [0, 1], backend="serial")


def test_the_fit_sweep_records_the_divergence_and_completes_the_others(
    reference: sweep.Results,
) -> None:
    assert reference.complete
    assert [(run.config["learning_rate"], run.seed, run.ok) for run in reference.runs] == [
        (0.05, 0, True),
        (0.05, 1, True),
        (3.0, 0, False),
        (3.0, 1, False),
    ]
    for run in reference.runs[:2]:
        assert run.history is not None and len(run.history) == 4
        assert run.metrics["loss"] == run.history["train_loss"][-1] < 250.0
        assert run.error is None and run.seconds > 0.0
    for run in reference.runs[2:]:
        assert run.error is not None and run.error.type == "nnfunc.train.DivergenceError"
        assert run.error.message.startswith("training diverged at epoch 3, step 1")
        assert dict(run.metrics) == {} and run.history is None
    learns, diverges = reference.aggregate()
    assert (learns.succeeded, learns.failed, diverges.succeeded, diverges.failed) == (2, 0, 0, 2)
    losses = [run.metrics["loss"] for run in reference.runs[:2]]
    mean, std = (losses[0] + losses[1]) / 2, abs(losses[0] - losses[1]) / math.sqrt(2)
    expected = (2, mean, std, *sorted(losses))
    assert attrs.astuple(learns.metrics["loss"]) == pytest.approx(expected, rel=1e-12)
    assert dict(diverges.metrics) == {}


def test_processes_give_the_same_bytes_as_serial(reference: sweep.Results) -> None:
    results = sweep.run(regression_fit, FIT_GRID, [0, 1], backend="processes", workers=2)
    assert results.runs == reference.runs
    assert results.to_json(times=False) == reference.to_json(times=False)


def test_processes_pin_blas_to_one_thread_in_each_worker_only() -> None:
    before = dict(os.environ)
    results = sweep.run(worker_environment, [{}], [0, 1], backend="processes", workers=2)
    assert [dict(run.metrics) for run in results.runs] == [
        dict.fromkeys(sweep.PINNED_THREADS, 1.0)
    ] * 2
    assert dict(os.environ) == before


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    """A local Ray instance of 2 CPUs for this module, shut down after its tests."""
    ray = pytest.importorskip(
        "ray", reason='the "ray" backend needs ray (pip install "nnfunc[ray]"; CI installs it)'
    )
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_gives_the_same_bytes_pins_blas_and_leaves_the_callers_instance_up(
    reference: sweep.Results, local_ray: Any
) -> None:
    results = sweep.run(regression_fit, FIT_GRID, [0, 1], backend="ray")
    assert results.to_json(times=False) == reference.to_json(times=False)
    assert results.runs == reference.runs
    pinned = sweep.run(worker_environment, [{}], [0, 1], backend="ray", workers=1)
    assert [dict(run.metrics) for run in pinned.runs] == [
        dict.fromkeys(sweep.PINNED_THREADS, 1.0)
    ] * 2
    assert local_ray.is_initialized()
    with pytest.raises(ValueError, match="ray is already initialized"):
        sweep.run(worker_environment, [{}], [0], backend="ray", address="auto")
    with pytest.raises(TypeError, match=r"backend 'ray' sends the job.*must be picklable"):
        sweep.run(lambda seed: {}, [{}], [0], backend="ray")


@pytest.mark.parametrize(
    ("how", "failure_type", "message"),
    [
        ("sys.exit", "SystemExit", "4"),
        ("unprintable", "tests.test_sweep_endings.Unprintable", "(no message: str() of"),
        ("os._exit", "ray.exceptions.WorkerCrashedError", "The worker died unexpectedly"),
    ],
)
def test_on_ray_every_way_a_run_ends_is_a_row(
    local_ray: Any, how: str, failure_type: str, message: str
) -> None:
    results = sweep.run(functools.partial(ending, how=how), [{}], [1, 2, 3, 4], backend="ray")
    check_rows(results, failure_type, message)
    assert local_ray.is_initialized()


def test_aggregate_matches_a_hand_computation_with_failures_excluded_and_counted() -> None:
    results = sweep.run(scaled_seed, {"scale": [0.5, 2.0]}, [1, 2, 3, 4], backend="serial")
    assert [run.seed for run in results.failures] == [3, 3]
    assert str(results.failures[0].error) == "tests.test_sweep.Unlucky: seed 3 is unlucky"
    half, double = results.aggregate()
    assert (dict(half.config), half.succeeded, half.failed) == ({"scale": 0.5}, 3, 1)
    assert (dict(double.config), double.succeeded, double.failed) == ({"scale": 2.0}, 3, 1)
    # values 0.5, 1, 2: mean 7/6, squared deviations (16 + 1 + 25) / 36, over n - 1 = 2
    expected = (3, 7 / 6, math.sqrt(7 / 12), 0.5, 2.0)
    assert attrs.astuple(half.metrics["value"]) == pytest.approx(expected, rel=1e-12)
    # values 2, 4, 8: mean 14/3, squared deviations (64 + 4 + 100) / 9, over 2
    expected = (3, 14 / 3, math.sqrt(28 / 3), 2.0, 8.0)
    assert attrs.astuple(double.metrics["value"]) == pytest.approx(expected, rel=1e-12)
    # squares 1, 4, 16: mean 7, squared deviations 36 + 9 + 81, over 2
    expected = (3, 7.0, math.sqrt(63.0), 1.0, 16.0)
    assert attrs.astuple(half.metrics["square"]) == pytest.approx(expected, rel=1e-12)
    assert double.metrics["square"] == half.metrics["square"]


def test_the_table_has_a_line_per_config_and_metric_then_the_failures() -> None:
    results = sweep.run(scaled_seed, {"scale": [0.5, 2.0]}, [1, 3], backend="serial")
    assert str(results).splitlines() == [
        "scale  ok  failed  metric  mean  std  min  max",
        "0.5     1       1  value    0.5  nan  0.5  0.5",
        "0.5     1       1  square     1  nan    1    1",
        "2.0     1       1  value      2  nan    2    2",
        "2.0     1       1  square     1  nan    1    1",
        "failed: scale=0.5 seed 3: tests.test_sweep.Unlucky: seed 3 is unlucky",
        "failed: scale=2.0 seed 3: tests.test_sweep.Unlucky: seed 3 is unlucky",
    ]


def test_a_grid_is_the_product_of_its_lists_or_the_list_of_configs_given() -> None:
    configs = sweep.configs_of({"a": [1, 2], "b": ("x", "y"), "c": np.array([0.5])})
    assert [dict(config) for config in configs] == [
        {"a": 1, "b": "x", "c": 0.5},
        {"a": 1, "b": "y", "c": 0.5},
        {"a": 2, "b": "x", "c": 0.5},
        {"a": 2, "b": "y", "c": 0.5},
    ]
    assert type(configs[0]["c"]) is float  # NumPy scalars become Python ones
    listed = sweep.configs_of([{"sizes": (16, 16)}, {"sizes": (8,), "dropout": None}])
    assert [dict(config) for config in listed] == [
        {"sizes": (16, 16)},
        {"sizes": (8,), "dropout": None},
    ]
    assert len({configs[0], sweep.FrozenDict.of({"c": 0.5, "b": "x", "a": 1})}) == 1


def test_the_results_file_holds_every_run_and_loads_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    results = sweep.run(regression_fit, FIT_GRID, [0, 1], backend="serial", results_path=path)
    assert path.read_text(encoding="utf-8") == results.to_json()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["configs"] == [dict(config) for config in results.configs]
    assert [(r["config"], r["seed"], r["error"] is None) for r in document["runs"]] == [
        (0, 0, True),
        (0, 1, True),
        (1, 0, False),
        (1, 1, False),
    ]
    loaded = sweep.load(path)
    assert loaded == results
    assert loaded.to_json() == results.to_json()
    assert [run.seconds for run in loaded.runs] == [run.seconds for run in results.runs]


def test_an_interrupted_sweep_resumes_running_only_the_missing_runs(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    grid, seeds = {"scale": [0.5, 2.0]}, [1, 2, 3, 4]
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    job = functools.partial(logged, log=str(first), stop=(2.0, 2))
    with pytest.raises(Interrupt):
        sweep.run(job, grid, seeds, backend="serial", results_path=path)
    saved = sweep.load(path)
    assert not saved.complete
    assert [(run.config["scale"], run.seed) for run in saved.runs] == [
        (0.5, 1),
        (0.5, 2),
        (0.5, 3),
        (0.5, 4),
        (2.0, 1),
    ]
    resumed = sweep.run(
        functools.partial(logged, log=str(second)),
        grid,
        seeds,
        backend="serial",
        results_path=path,
    )
    assert calls(second) == ["2.0 2", "2.0 3", "2.0 4"]
    whole = sweep.run(scaled_seed, grid, seeds, backend="serial")
    assert resumed.to_json(times=False) == whole.to_json(times=False)
    assert sweep.load(path) == resumed
    again = sweep.run(functools.partial(logged, log=str(second)), grid, seeds, results_path=path)
    assert again == resumed and len(calls(second)) == 3


def test_progress_shows_the_finished_and_failed_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep.run(scaled_seed, {"scale": [0.5]}, [3, 4], backend="serial", progress=True)
    bar = capsys.readouterr().err
    assert "2/2" in bar and "failed 1" in bar
    monkeypatch.setitem(sys.modules, "tqdm", None)  # no tqdm: plain lines
    sweep.run(scaled_seed, {"scale": [0.5]}, [3, 4], backend="serial", progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("run 1/2 (1 failed): scale=0.5 seed 3: failed ")
    assert "tests.test_sweep.Unlucky: seed 3 is unlucky" in lines[0]
    assert lines[1].startswith("run 2/2 (1 failed): scale=0.5 seed 4: ok (")


def test_a_job_returning_something_else_fails_its_runs_with_a_clear_error() -> None:
    results = sweep.run(worker_environment, [{}], [0], backend="serial")
    assert results.runs[0].ok
    odd = sweep.run(not_metrics, [{}], [0], backend="serial")
    error = odd.runs[0].error
    assert error is not None and error.type == "TypeError"
    text: dict[str, Any] = {"x": "1"}
    with pytest.raises(TypeError, match="metric 'x' must be a real number, given str"):
        sweep.RunOutput(text)


def test_a_results_file_of_another_sweep_is_refused_before_any_run(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    log = tmp_path / "calls.log"
    sweep.run(scaled_seed, {"scale": [0.5]}, [1, 2], backend="serial", results_path=path)
    job = functools.partial(logged, log=str(log))
    others: list[tuple[sweep.Grid, list[int]]] = [
        ({"scale": [0.5]}, [1, 2, 3]),
        ({"scale": [0.5]}, [2, 1]),
        ({"scale": [0.5, 1.0]}, [1, 2]),
    ]
    for grid, seeds in others:
        with pytest.raises(ValueError, match="holds the results of another sweep"):
            sweep.run(job, grid, seeds, backend="serial", results_path=path)
    path.write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(ValueError, match="is not an nnfunc sweep results file"):
        sweep.run(job, {"scale": [0.5]}, [1, 2], backend="serial", results_path=path)
    assert calls(log) == []


def _local_job() -> Callable[..., dict[str, float]]:
    def job(seed: int, *, scale: float) -> dict[str, float]:
        return {"value": scale * seed}

    return job


BAD_INPUTS: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("empty grid", {"grid": {}}, ValueError, "grid is empty"),
    ("empty values", {"grid": {"scale": []}}, ValueError, r"grid\['scale'\] is empty"),
    ("empty list", {"grid": []}, ValueError, "empty list of configs"),
    ("no seeds", {"seeds": []}, ValueError, "seeds is empty"),
    ("repeated seed", {"seeds": [1, 2, 1]}, ValueError, r"seeds must be distinct.*\[1\] repeated"),
    ("negative seed", {"seeds": [-1]}, ValueError, r"seeds\[0\] must be an int >= 0, given -1"),
    ("float seed", {"seeds": [2, 1.5]}, TypeError, r"seeds\[1\] must be an int >= 0, given 1.5"),
    (
        "unknown key",
        {"grid": {"scale": [1.0], "depth": [2]}},
        ValueError,
        r"config 0 \{'scale': 1.0, 'depth': 2\} does not fit job logged.*'depth'",
    ),
    (
        "missing key",
        {"grid": [{"scale": 1.0}, {}]},
        ValueError,
        r"config 1 \{\} does not fit job logged.*'scale'",
    ),
    ("seed as a key", {"grid": {"seed": [1]}}, ValueError, "other than 'seed'"),
    ("list value", {"grid": {"scale": [[1, 2]]}}, TypeError, r"\['scale'\].*use a tuple"),
    ("repeated config", {"grid": [{"scale": 1}, {"scale": 1.0}]}, ValueError, "configs 0 and 1"),
    ("unknown backend", {"backend": "threads"}, ValueError, "backend must be one of"),
    ("no workers", {"workers": 0}, ValueError, "workers must be an int >= 1, given 0"),
    ("text workers", {"workers": "2"}, TypeError, "workers must be an int >= 1, given '2'"),
    ("serial workers", {"backend": "serial", "workers": 2}, ValueError, "one run at a time"),
    ("address", {"address": "auto"}, ValueError, 'address is for backend "ray"'),
    ("progress", {"progress": 1}, TypeError, "progress must be True or False, given 1"),
    (
        "results path",
        {"results_path": 3},
        TypeError,
        "results_path must be a str or an os.PathLike",
    ),
    ("not callable", {"job": 3}, TypeError, "job must be callable"),
    ("lambda", {"job": lambda seed, scale: {}}, TypeError, "must be picklable.*define the job at"),
    ("local function", {"job": _local_job()}, TypeError, "must be picklable.*define the job at"),
]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_is_refused_before_any_run(
    tmp_path: Path, kwargs: Mapping[str, Any], error: type[Exception], match: str
) -> None:
    log = tmp_path / "calls.log"
    arguments: dict[str, Any] = {
        "job": functools.partial(logged, log=str(log)),
        "grid": {"scale": [0.5]},
        "seeds": [1],
        "backend": "processes",
        **kwargs,
    }
    with pytest.raises(error, match=match):
        sweep.run(**arguments)
    assert calls(log) == []
