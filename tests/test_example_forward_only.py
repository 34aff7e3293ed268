"""examples/forward_only.py: the net from literal weights matches plain NumPy and a hand value."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable

import numpy as np

import nnfunc as nf
from tests.conftest import ROOT, ExampleRun

sys.path.insert(0, str(ROOT / "examples"))

import forward_only


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def hand_output() -> tuple[float, float]:
    """The output for x = (200, 17), worked by hand from the literals.

    The first layer's sums are 200 + 34 - 1 = 233, -600 + 68 + 1 = -531 and
    1000 - 102 + 2 = 900, so its outputs are 1, 0 and 1 to far below float64 rounding.
    The second layer then sums rows 1 and 3 of w2 plus b2: (1, 5, 8, 15).
    """
    h2 = [sigmoid(z) for z in (1.0, 5.0, 8.0, 15.0)]
    return (
        sigmoid(-h2[0] + h2[1] + h2[2] + h2[3] + 1.0),
        sigmoid(6.0 * h2[0] - 2.0 * h2[1] + 2.0 * h2[2] + 3.0 * h2[3] + 2.0),
    )


def test_the_run_prints_agreeing_outputs(run_example: Callable[..., ExampleRun]) -> None:
    run = run_example("forward_only.py")
    rows = re.findall(r"-> nnfunc \[([\d. ]+)\], plain NumPy \[([\d. ]+)\]", run.stdout)
    assert len(rows) == 4
    assert all(ours.split() == theirs.split() for ours, theirs in rows)
    first = [float(v) for v in rows[0][0].split()]
    assert np.allclose(first, hand_output(), atol=1e-6)  # printed with 6 decimals
    match = re.search(r"largest difference: (\S+); agree: True", run.stdout)
    assert match is not None, run.stdout
    assert float(match.group(1)) < 1e-12
    assert run.pngs == ()


def test_the_forward_pass_matches_the_hand_value() -> None:
    params = forward_only.given_params()
    out = nf.forward(forward_only.NET, params, [[200.0, 17.0]])
    assert out.dtype == np.float64
    np.testing.assert_allclose(out[0], hand_output(), rtol=1e-14)
    np.testing.assert_allclose(
        forward_only.plain_numpy(forward_only.INPUTS),
        nf.forward(forward_only.NET, params, forward_only.INPUTS),
        rtol=1e-14,
    )


def test_the_params_hold_read_only_copies_of_the_literals() -> None:
    params = forward_only.given_params()
    assert [p is None for p in params] == [False, True] * 3
    first = params[0]
    assert isinstance(first, nf.DenseParams)
    assert not first.w.flags.writeable and first.w is not forward_only.WEIGHTS[0]
    assert np.array_equal(first.w, forward_only.WEIGHTS[0])
