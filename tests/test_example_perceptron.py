"""examples/perceptron.py: OR and AND converge, XOR never does, the 2-4-1 net learns XOR."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.conftest import ExampleRun


def test_the_fast_run(run_example: Callable[..., ExampleRun]) -> None:
    run = run_example("perceptron.py")
    out = run.stdout
    assert "OR: converged in 4 epochs; mistakes per epoch: 1 2 1 0" in out
    assert "predictions [0, 1, 1, 1], targets [0, 1, 1, 1]" in out
    assert "AND: converged in 6 epochs; mistakes per epoch: 1 3 3 2 1 0" in out
    assert "predictions [0, 0, 0, 1], targets [0, 0, 0, 1]" in out
    xor = re.search(
        r"XOR: did not converge in (\d+) epochs; fewest mistakes in an epoch: (\d)", out
    )
    assert xor is not None, out
    assert int(xor.group(1)) == 20 and int(xor.group(2)) >= 1
    assert "2-4-1 tanh net on XOR after 500 steps" in out
    assert "correct: 4/4" in out
    assert [p.name for p in run.pngs] == [
        "mistakes.png",
        "mlp_xor.png",
        "perceptron_and.png",
        "perceptron_or.png",
        "perceptron_xor.png",
    ]
    assert all(f"saved {p}" in out and p.stat().st_size > 5000 for p in run.pngs)


def test_the_epochs_option(run_example: Callable[..., ExampleRun]) -> None:
    out = run_example("perceptron.py", "--epochs", "5").stdout
    assert "XOR: did not converge in 5 epochs; fewest mistakes in an epoch: 2" in out
    assert "mistakes per epoch: 2 3 4 4 4\n" in out
