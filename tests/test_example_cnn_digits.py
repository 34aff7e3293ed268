"""examples/cnn_digits.py: the fast run's printed shapes, accuracies and plots; the image
layout and the net; the exit when scikit-learn is missing (the loader is digits.py's)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import nnfunc as nf
from tests.conftest import ExampleRun

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def cnn_digits() -> Iterator[ModuleType]:
    """examples/cnn_digits.py imported as a module."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        import cnn_digits as module
    finally:
        sys.path.remove(str(EXAMPLES))
    yield module


def number(stdout: str, label: str) -> float:
    """The number printed on the line `label: x`."""
    found = re.search(rf"^{label}: (\d\.\d{{3}})$", stdout, re.MULTILINE)
    assert found is not None, f"no line '{label}: x.xxx' in:\n{stdout}"
    return float(found.group(1))


def test_fast_run_prints_shapes_accuracies_and_saves_plots(
    run_example: Callable[..., ExampleRun],
) -> None:
    run = run_example("cnn_digits.py")
    lines = run.stdout.splitlines()
    assert lines[0] == "digits: 1797 images (8, 8, 1), 10 classes; 1438 to train on, 359 to test"
    assert lines[1] == "net: 21386 params; one example's shape:"
    assert [line.rsplit(" -> ", 1)[-1] for line in lines[3:11]] == [
        "(8, 8, 32)",
        "(8, 8, 32)",
        "(4, 4, 32)",
        "(4, 4, 64)",
        "(4, 4, 64)",
        "(2, 2, 64)",
        "(256,)",
        "(10,)",
    ]
    assert "over 135 steps" in lines[11]  # 3 epochs of 45 batches
    assert lines[12].startswith("trained 3 epochs: final train loss ")
    assert number(run.stdout, "train accuracy") >= 0.93
    assert number(run.stdout, "test accuracy") >= 0.9  # 3 epochs; a full run passes 0.98
    assert re.search(r"^most confused: \d taken for \d \(\d+ of \d+ test \ds\)$", run.stdout, re.M)
    assert [p.name for p in run.pngs] == ["confusion_matrix.png", "loss_curves.png"]
    assert [
        f"saved {p}" for p in (run.out / "loss_curves.png", run.out / "confusion_matrix.png")
    ] == lines[-2:]


def test_images_are_nhwc_in_the_unit_interval(cnn_digits: ModuleType) -> None:
    pixels = np.arange(128.0).reshape(2, 64) % 17
    x = cnn_digits.images(pixels)
    assert x.shape == (2, 8, 8, 1)
    assert x[1, 2, 3, 0] == pixels[1, 2 * 8 + 3] / 16
    assert (x.min(), x.max()) == (0.0, 1.0)


def test_the_conv_net_maps_images_to_ten_logits(cnn_digits: ModuleType) -> None:
    net = cnn_digits.conv_net()
    params = nf.init(net, nf.random.key(0))
    x = nf.random.normal(nf.random.key(1), (5, 8, 8, 1))
    assert nf.forward(net, params, x).shape == (5, 10)
    assert cnn_digits.shapes(net, params, x)[-1] == "  Dense(256, 10) -> (10,)"


def test_missing_scikit_learn_exits_2_with_the_install_command(
    cnn_digits: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    monkeypatch.setattr(sys, "argv", ["cnn_digits.py", "--fast"])
    with pytest.raises(SystemExit) as exit_info:
        cnn_digits.main()
    assert exit_info.value.code == 2
    assert 'pip install "nnfunc[examples]"' in capsys.readouterr().err
