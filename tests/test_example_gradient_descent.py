"""examples/gradient_descent.py: gradient descent's step count matches the closed form,
momentum and Adam beat it on the ill-conditioned quadratic, the sigmoid net's first layer
gets a vanishing gradient, clipping trains what plain SGD cannot, and the figures exist."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable

import numpy as np
import pytest

from nnfunc import optim
from tests.conftest import ROOT, ExampleRun
from tests.test_example_activations import png_size

sys.path.insert(0, str(ROOT / "examples"))

import gradient_descent as example

FIGURES = ("clipping.png", "layer_gradients.png", "quadratic_paths.png", "rosenbrock_paths.png")
NUMBER = r"[-+]?\d+(?:\.\d+)?(?:e[-+]\d+)?"


def closed_form_gd_steps(tolerance: float) -> int:
    """The steps plain gradient descent needs on the example's quadratic, by hand: with
    curvature h along an axis, each step multiplies the offset from the minimum by 1 - lr h."""
    landscape = example.QUADRATIC
    offset = np.subtract(landscape.start, landscape.minimum)
    factors = 1.0 - landscape.sgd_lr * np.array(example.QUADRATIC_CURVATURES)
    k = 1
    while np.linalg.norm(offset * factors**k) >= tolerance:
        k += 1
    return k


def steps_to_tolerance(section: str) -> dict[str, int | None]:
    """optimizer kind (gd, momentum, adam) -> steps printed for it, None if not reached."""
    found = re.findall(
        r"^  (gd|momentum|adam) \(?.*?\s(?:(\d+) steps to|not within)", section, re.M
    )
    return {kind: int(steps) if steps else None for kind, steps in found}


def section(stdout: str, number: int) -> str:
    """The printed section "== number." up to the next one."""
    return stdout.split(f"== {number}.")[1].split(f"== {number + 1}.")[0]


def check_landscapes(stdout: str) -> None:
    """Quadratic: gd's count is the closed form; momentum and Adam need fewer steps.
    Rosenbrock in 2000 steps: momentum and Adam arrive, plain gd does not."""
    quadratic, rosenbrock = section(stdout, 1).split("\nrosenbrock:")
    steps = steps_to_tolerance(quadratic)
    assert steps == {"gd": closed_form_gd_steps(1e-3), "momentum": 109, "adam": 147}, stdout
    assert steps["gd"] == 240
    valley = steps_to_tolerance(rosenbrock)
    assert valley["gd"] is None and "not within tolerance after 2000 steps" in rosenbrock
    assert valley["momentum"] == 1677 and valley["adam"] == 1476


def check_vanishing(stdout: str) -> None:
    """11 Dense layers; sigmoid's first-layer norm is > 1e4 times relu's and grows toward the
    output, while relu's stays within a factor of 10 across the layers."""
    stdout = section(stdout, 2)
    rows = re.findall(rf"^\s+(\d+)\s+({NUMBER})\s+({NUMBER})\s+({NUMBER})$", stdout, re.M)
    assert [int(r[0]) for r in rows] == list(range(1, 12)), stdout
    sigmoid, tanh, relu = (np.array([float(r[i]) for r in rows]) for i in (1, 2, 3))
    assert sigmoid[0] * 1e4 < relu[0]
    assert sigmoid[0] * 10 <= min(tanh[0], relu[0])
    assert np.all(np.diff(sigmoid) > 0) and sigmoid[-1] / sigmoid[0] > 1e5
    assert relu.max() / relu.min() < 10 and tanh.max() / tanh.min() < 10
    first = re.search(rf"first layer: sigmoid ({NUMBER}) vs relu ({NUMBER})", stdout)
    assert first is not None and float(first[1]) == sigmoid[0] and float(first[2]) == relu[0]


def check_clipping(stdout: str) -> None:
    """Each traced step clips a norm above 5 down to 5 and lowers the loss; plain SGD
    diverges with a DivergenceError, the clipped run ends at a small finite loss."""
    stdout = section(stdout, 3)
    trace = re.findall(rf"^\s+(\d)\s+({NUMBER})\s+({NUMBER})\s+({NUMBER})$", stdout, re.M)
    assert [int(t[0]) for t in trace] == [0, 1, 2, 3, 4], stdout
    losses, norms, clipped = (np.array([float(t[i]) for t in trace]) for i in (1, 2, 3))
    assert np.all(norms > 5.0) and np.all(clipped == 5.0)
    assert np.all(np.diff(losses) < 0)
    diverged = re.search(r"sgd\(0.01\) without clipping: diverged at step (\d+) \(loss inf", stdout)
    assert diverged is not None and 1 <= int(diverged[1]) < 200, stdout
    final = re.search(
        rf"with clip_by_global_norm\(5\): final loss ({NUMBER}) after 200 steps", stdout
    )
    assert final is not None, stdout
    assert math.isfinite(float(final[1])) and float(final[1]) < 10.0
    assert losses[0] > 1000.0


def test_prints_and_plots(run_example: Callable[..., ExampleRun]) -> None:
    run = run_example("gradient_descent.py")
    check_landscapes(run.stdout)
    check_vanishing(run.stdout)
    check_clipping(run.stdout)
    assert [p.name for p in run.pngs] == sorted(FIGURES)
    for png in run.pngs:
        assert f"saved {png}" in run.stdout
        assert png_size(png) == (675, 525)  # PANEL_SIZE * 1.5 inches at 100 dpi


@pytest.mark.parametrize(
    ("landscape", "point"),
    [(example.QUADRATIC, (-3.0, 1.5)), (example.ROSENBROCK, (-1.2, 0.7))],
    ids=["quadratic", "rosenbrock"],
)
def test_landscape_gradients_match_finite_differences(
    landscape: example.Landscape, point: tuple[float, float]
) -> None:
    w = np.array(point)
    step = 1e-6
    numeric = [
        (landscape.loss(w + step * e) - landscape.loss(w - step * e)) / (2 * step)
        for e in np.eye(2)
    ]
    np.testing.assert_allclose(landscape.grad(w), numeric, rtol=1e-7)


def test_descend_stops_at_the_tolerance() -> None:
    descent = example.descend(example.QUADRATIC, optim.sgd(0.035), 1e-3, 10_000)
    assert descent.steps == closed_form_gd_steps(1e-3)
    assert descent.path.shape == (descent.steps + 1, 2)
    assert descent.path[0].tolist() == [-3.0, 1.5]
    distances = np.linalg.norm(descent.path - np.array([2.0, -1.0]), axis=1)
    assert distances[-1] < 1e-3 <= distances[-2]
    capped = example.descend(example.QUADRATIC, optim.sgd(0.035), 1e-3, 50)
    assert capped.steps is None and len(capped.path) == 51
