"""examples/sweep.py: the fast sweep prints its aggregate table and the best config, saves the
plot and the results file."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from nnfunc import sweep
from tests.conftest import ExampleRun

ROW = re.compile(
    r"^(0\.01|0\.1) +8 +2 +0 +(test_accuracy|train_loss) +(\S+) +(\S+) +(\S+) +(\S+)$",
    re.MULTILINE,
)


def test_the_fast_sweep_prints_the_table_the_best_config_and_saves_the_plot(
    run_example: Callable[..., ExampleRun], tmp_path: Path
) -> None:
    path = tmp_path / "results.json"
    run = run_example("sweep.py", "--results", str(path))
    assert re.search(
        r"^learning_rate +width +ok +failed +metric +mean +std +min +max$", run.stdout, re.MULTILINE
    )
    rows = ROW.findall(run.stdout)
    assert [(rate, metric) for rate, metric, *_ in rows] == [
        ("0.01", "test_accuracy"),
        ("0.01", "train_loss"),
        ("0.1", "test_accuracy"),
        ("0.1", "train_loss"),
    ]
    for *_, mean, std, low, high in rows:
        assert float(low) <= float(mean) <= float(high) and float(std) >= 0.0
    accuracy = {rate: float(mean) for rate, metric, mean, *_ in rows if metric == "test_accuracy"}
    assert accuracy["0.1"] >= 0.9 and accuracy["0.01"] >= 0.7
    best = re.search(
        r"^best: learning_rate=0\.1 width=8: test accuracy (\d\.\d{3}) ", run.stdout, re.MULTILINE
    )
    assert best is not None and abs(float(best.group(1)) - accuracy["0.1"]) <= 5e-4
    assert [p.name for p in run.pngs] == ["accuracy_vs_learning_rate.png"]
    assert f"saved {run.pngs[0]}" in run.stdout and run.pngs[0].stat().st_size > 5000
    results = sweep.load(path)
    assert results.complete and len(results.runs) == 4 and not results.failures
    assert [run.seed for run in results.runs] == [0, 1, 0, 1]
