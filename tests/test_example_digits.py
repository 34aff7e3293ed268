"""examples/digits.py: the fast run's printed numbers and plots, the data loader, the
confused-pair helper, and the message when scikit-learn is missing."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

import numpy as np
import pytest

from tests.conftest import ROOT, ExampleRun

sys.path.insert(0, str(ROOT / "examples"))

import digits  # examples/digits.py, found through the path above


def number(stdout: str, label: str) -> float:
    """The number printed on the line `label: x`."""
    found = re.search(rf"^{label}: (\d\.\d{{3}})$", stdout, re.MULTILINE)
    assert found is not None, f"no line '{label}: x.xxx' in:\n{stdout}"
    return float(found.group(1))


def test_fast_run_prints_accuracies_and_saves_plots(
    run_example: Callable[..., ExampleRun],
) -> None:
    run = run_example("digits.py")
    lines = run.stdout.splitlines()
    assert lines[0] == (
        "digits: 1797 images of 8x8 pixels, 10 classes; 1438 to train on "
        "(15% of them for validation), 359 to test"
    )
    assert lines[2].startswith("trained 10 of 10 epochs; kept epoch ")
    assert number(run.stdout, "train accuracy") >= 0.97
    assert number(run.stdout, "test accuracy") >= 0.93  # 10 epochs; a full run passes 0.97
    assert re.search(r"^most confused: \d taken for \d \(\d+ of \d+ test \ds\)$", run.stdout, re.M)
    assert [p.name for p in run.pngs] == ["confusion_matrix.png", "loss_curves.png"]
    saved = [run.out / "loss_curves.png", run.out / "confusion_matrix.png"]
    assert lines[-2:] == [f"saved {path}" for path in saved]


def test_load_digits_gives_the_bundled_images() -> None:
    pixels, labels = digits.load_digits()
    assert pixels.shape == (1797, 64) and pixels.dtype == np.float64
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert (pixels.min(), pixels.max()) == (0.0, digits.PIXEL_MAX)
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert pixels[0].reshape(8, 8)[:, 3].tolist() == [13, 15, 2, 0, 0, 0, 5, 13]  # a zero's middle


def test_most_confused_is_the_largest_off_diagonal_cell() -> None:
    matrix = np.array([[50, 1, 0], [4, 40, 2], [0, 3, 60]], dtype=np.int64)
    assert digits.most_confused(matrix) == (1, 0, 4)


def test_missing_scikit_learn_exits_2_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(SystemExit) as exit_info:
        digits.load_digits()
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "examples/digits.py needs scikit-learn" in error
    assert error.endswith('install it with: pip install "nnfunc[examples]"\n')
