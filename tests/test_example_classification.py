"""examples/classification.py: both nets learn the three synthetic sets; plots and table."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

import numpy as np

from tests.conftest import ROOT, ExampleRun

sys.path.insert(0, str(ROOT / "examples"))

import classification

LINE = re.compile(
    r"^(\w+) / (small|deep) (\[[\d, ]+\]): train accuracy (\d\.\d{3}), "
    r"test accuracy (\d\.\d{3}) \(epochs 0-(\d+) run, params of epoch (\d+) kept\)$",
    re.MULTILINE,
)

# The least test accuracy of each set and net in the fast run (400 points, 30 epochs).
FAST_BOUNDS = {
    ("classification", "small"): 0.85,
    ("classification", "deep"): 0.85,
    ("moons", "small"): 0.9,
    ("moons", "deep"): 0.95,
    ("circles", "small"): 0.95,
    ("circles", "deep"): 0.95,
}


def test_the_fast_run_prints_accuracies_a_table_and_saves_ten_plots(
    run_example: Callable[..., ExampleRun],
) -> None:
    run = run_example("classification.py")
    out = run.stdout
    lines = LINE.findall(out)
    assert [(d, n, s) for d, n, s, *_ in lines] == [
        ("classification", "small", "[20, 4, 3, 1]"),
        ("classification", "deep", "[20, 16, 16, 16, 1]"),
        ("moons", "small", "[2, 4, 3, 1]"),
        ("moons", "deep", "[2, 16, 16, 16, 1]"),
        ("circles", "small", "[2, 4, 3, 1]"),
        ("circles", "deep", "[2, 16, 16, 16, 1]"),
    ]
    for data_set, net, sizes, train, test, last, kept in lines:
        assert float(test) >= FAST_BOUNDS[data_set, net], (data_set, net, test)
        assert float(train) >= 0.85
        assert 0 <= int(kept) <= int(last) < 30
        cells = [data_set, net, sizes, str(int(last) + 1), kept, train, test]
        row = " +".join(re.escape(cell) for cell in cells)
        assert re.search(row, out), f"no summary row {row!r} in:\n{out}"
    names = [f"{d}_{n}_history.png" for d, n in FAST_BOUNDS]
    names += [f"{d}_{n}_boundary.png" for d, n in FAST_BOUNDS if d != "classification"]
    assert [p.name for p in run.pngs] == sorted(names)
    assert all(f"saved {p}" in out and p.stat().st_size > 5000 for p in run.pngs)


def test_logit_accuracy_thresholds_at_zero() -> None:
    logits = np.array([[-0.1], [0.1], [2.0], [-3.0]])
    target = np.array([[0.0], [1.0], [0.0], [0.0]])
    assert classification.logit_accuracy(logits, target) == 0.75
