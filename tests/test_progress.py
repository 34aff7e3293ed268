"""nnfunc._progress: the one display of `fit` (epochs) and `sweep.run` (runs): a tqdm bar
when installed, plain stderr lines otherwise, nothing when disabled."""

from __future__ import annotations

import sys

import pytest

from nnfunc._progress import Progress


def _show(enabled: bool) -> Progress:
    """Two of three epochs done after starting at one, as `fit` would show them."""
    bar = Progress(3, done=1, unit="epoch", status="start", enabled=enabled)
    for epoch in (2, 3):
        bar.step(f"loss {1 / epoch:.4g}", f"epoch {epoch}/{bar.total}  loss {1 / epoch:.4g}")
    bar.close()
    return bar


def test_without_tqdm_each_step_prints_its_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    bar = _show(enabled=True)
    assert bar.done == 3
    assert capsys.readouterr().err.splitlines() == ["epoch 2/3  loss 0.5", "epoch 3/3  loss 0.3333"]


def test_with_tqdm_the_bar_counts_from_the_steps_done_and_shows_the_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("tqdm")
    _show(enabled=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss 0.3333" in err and "epoch 2/3" not in err


def test_disabled_shows_nothing_but_still_counts(capsys: pytest.CaptureFixture[str]) -> None:
    bar = _show(enabled=False)
    assert bar.done == 3 and bar.seconds() >= 0.0
    assert capsys.readouterr().err == ""
