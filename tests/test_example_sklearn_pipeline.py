"""examples/sklearn_pipeline.py: the fast run's grid, best parameters, test accuracy and table."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

from tests.conftest import ExampleRun


def test_fast_run_tunes_the_pipeline_and_prints_the_test_accuracy(
    run_example: Callable[..., ExampleRun],
) -> None:
    run = run_example("sklearn_pipeline.py")
    lines = run.stdout.splitlines()
    assert lines[0] == "digits: 1437 images to tune and train on, 360 to test"
    grid = [
        re.fullmatch(r"hidden \((\d+),\) +alpha (\S+) +cv accuracy (0\.\d{3})", line)
        for line in lines[1:5]
    ]
    assert all(grid), lines[1:5]
    found = [(m.group(1), m.group(2)) for m in grid if m]
    assert found == [("16", "0.0001"), ("32", "0.0001"), ("16", "1"), ("32", "1")]
    scores = [float(m.group(3)) for m in grid if m]
    assert min(scores) > 0.85  # 15 epochs of adam at 0.01 on half the rows
    best = re.fullmatch(
        r"best: hidden_layer_sizes=\((\d+),\), alpha=(\S+) \(cv accuracy (\S+)\)", lines[5]
    )
    assert best is not None, lines[5]
    assert float(best.group(3)) == max(scores)
    accuracy = re.fullmatch(r"test accuracy: (0\.\d{3})", lines[6])
    assert accuracy is not None and float(accuracy.group(1)) >= 0.93, lines[6]
    table = run.out / "grid_search.csv"
    assert lines[7] == f"saved {table}"
    with table.open() as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["hidden_layer_sizes", "alpha", "mean_accuracy", "std", "rank"]
    assert [f"{float(row[2]):.3f}" for row in rows[1:]] == [f"{s:.3f}" for s in scores]
    assert sorted(int(row[4]) for row in rows[1:])[0] == 1
