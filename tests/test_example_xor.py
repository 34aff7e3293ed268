"""examples/xor.py: the 2-4-1 tanh net gets all four XOR points right and saves two plots."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

import nnfunc as nf
from tests.conftest import ROOT, ExampleRun

sys.path.insert(0, str(ROOT / "examples"))

import xor


def test_the_fast_run_learns_xor(run_example: Callable[..., ExampleRun]) -> None:
    run = run_example("xor.py")
    match = re.search(r"XOR after 500 steps \(seed 0\): loss (\d+\.\d+)", run.stdout)
    assert match is not None, run.stdout
    assert float(match.group(1)) < 0.05
    assert "correct: 4/4" in run.stdout
    assert len(re.findall(r"-> \d\.\d{3}  \(target [01]\)", run.stdout)) == 4
    assert [p.name for p in run.pngs] == ["decision.png", "loss.png"]
    assert all(f"saved {p}" in run.stdout for p in run.pngs)


def test_train_lowers_the_loss_and_report_counts_right_points() -> None:
    params, losses = xor.train(nf.random.key(0), 300)
    assert len(losses) == 300
    assert losses[0] > 0.6 and losses[-1] < 0.1  # from about log 2 to near zero
    assert xor.report(params) == 4
    untrained, _ = xor.train(nf.random.key(0), 0)
    assert xor.report(untrained) < 4
