"""The demo `python -m nnfunc`: what it prints and saves, its options and their errors, the
accuracy it reaches on each data set, and that it runs without matplotlib and tqdm."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from nnfunc import demo
from tests.conftest import ROOT

WITHOUT_EXTRAS = (
    "import runpy, sys; sys.modules.update(dict.fromkeys(['matplotlib', 'tqdm'])); "
    "runpy.run_module('nnfunc', run_name='__main__', alter_sys=True)"
)
"""Runs `python -m nnfunc` with matplotlib and tqdm made unimportable."""

FAST_BLOBS_ACCURACY = 79 / 80
"""Test accuracy of `python -m nnfunc --fast` from seed 0: 79 of the 80 test points."""

PRINTED = pytest.approx(FAST_BLOBS_ACCURACY, abs=5e-4)
"""That accuracy as the demo prints it, with three decimals."""

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_demo(*args: str, without_extras: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the demo in a fresh interpreter with args; fail on a non-zero exit."""
    start = ["-c", WITHOUT_EXTRAS] if without_extras else ["-m", "nnfunc"]
    done = subprocess.run(
        [sys.executable, *start, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"the demo failed:\n{done.stdout}\n{done.stderr}"
    return done


def printed_accuracy(stdout: str) -> float:
    """The number on the line `test accuracy: x`."""
    found = re.search(r"^test accuracy: (\d\.\d{3})$", stdout, re.MULTILINE)
    assert found is not None, stdout
    return float(found.group(1))


def test_fast_run_prints_header_progress_accuracy_and_plots(tmp_path: Path) -> None:
    out = tmp_path / "plots"
    done = run_demo("--fast", "--out", str(out))
    lines = done.stdout.splitlines()
    assert lines[:3] == [
        "data: blobs (Gaussian, std 1, centres 5 apart on a circle), 3 classes, 400 points: "
        "256 train, 64 validation, 80 test (seed 0)",
        # (2 * 32 + 32) + (32 * 32 + 32) + (32 * 3 + 3) = 96 + 1056 + 99
        "net: mlp 2-32-32-3, relu, logits into softmax cross-entropy; 1251 params (float32)",
        "optimizer: adam(learning_rate=0.003), batch size 32, 8 epochs",
    ]
    assert "8/8" in done.stderr  # the progress reached the last epoch
    assert printed_accuracy(done.stdout) == PRINTED
    names = ["history.png", "decision_regions.png", "confusion_matrix.png"]
    assert lines[-3:] == [f"saved {out / name}" for name in names]
    for name in names:
        assert (out / name).read_bytes()[:8] == PNG_MAGIC


def test_runs_without_matplotlib_and_tqdm(tmp_path: Path) -> None:
    out = tmp_path / "plots"
    done = run_demo("--fast", "--out", str(out), without_extras=True)
    progress = [line for line in done.stderr.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in progress] == [f"{e}/8" for e in range(1, 9)]
    assert printed_accuracy(done.stdout) == PRINTED  # the extras change nothing
    assert 'pip install "nnfunc[plot]"' in done.stdout.splitlines()[-1]
    assert not out.exists()


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: python -m nnfunc")
    for option in (
        "--data", "--classes", "--sizes", "--activation", "--samples", "--epochs",
        "--batch-size", "--lr", "--seed", "--out", "--fast",
        "blobs", "moons", "circles", "classification",
    ):  # fmt: skip
        assert option in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sizes", "3,32,3"], "--sizes: the first size is the input width, 2 (the data's "),
        (["--sizes", "2,32,4"], "one logit per class, 3 for --data blobs with 3 classes, given 4 "),
        (["--sizes", "2,32,11"], "3 classes, given 11\n"),  # no --classes hint: blobs have <= 10
        (["--data", "moons", "--sizes", "2,8,3"], "2 for --data moons with 2 classes, given 3\n"),
        (["--sizes", "2,x"], "argument --sizes: expected two or more comma-separated ints >= 1"),
        (["--sizes", "2"], "such as 2,32,32,3; given '2'"),
        (["--sizes", "2,0,3"], "given '2,0,3'"),
        (["--data", "moons", "--classes", "3"], "--data moons has 2 classes, given 3"),
        (["--data", "classification", "--classes", "5"], "has 2 to 4 classes, given 5"),
        (["--classes", "1"], "argument --classes: expected an int >= 2, given '1'"),
        (["--data", "spirals"], "argument --data: invalid choice: 'spirals'"),
        (["--lr", "0"], "argument --lr: expected a finite number > 0, given '0'"),
        (["--lr", "nan"], "argument --lr: expected a finite number > 0, given 'nan'"),
        (["--epochs", "0"], "argument --epochs: expected an int >= 1, given '0'"),
        (["--samples", "19"], "argument --samples: expected an int >= 20, given '19'"),
        # 30 points: 6 test, then 5 of the other 24 for validation, 19 to train on
        (["--samples", "30", "--batch-size", "20"], "at most the 19 training points, given 20"),
    ],
)
def test_bad_option_exits_2_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        demo.main(args)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "usage: python -m nnfunc" in error
    assert message in error


def test_sizes_hint_names_the_classes_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        demo.main(["--sizes", "2,32,4"])
    assert capsys.readouterr().err.endswith("given 4 (or add --classes 4)\n")


DEFAULTS = demo.Options(
    data="blobs",
    classes=3,
    sizes=(2, 32, 32, 3),
    activation="relu",
    samples=2000,
    epochs=30,
    batch_size=32,
    learning_rate=0.003,
    seed=0,
    out=Path("out/demo"),
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], DEFAULTS),
        (
            ["--fast", "--data", "moons", "--epochs", "3", "--out", "x"],
            attrs.evolve(
                DEFAULTS, data="moons", classes=2, sizes=(2, 32, 32, 2), samples=400, epochs=3,
                out=Path("x"),
            ),
        ),
        (
            ["--classes", "5", "--sizes", "2,8,5", "--activation", "tanh", "--samples", "50",
             "--batch-size", "4", "--lr", "0.1", "--seed", "7"],
            attrs.evolve(
                DEFAULTS, classes=5, sizes=(2, 8, 5), activation="tanh", samples=50,
                batch_size=4, learning_rate=0.1, seed=7,
            ),
        ),
    ],
)  # fmt: skip
def test_parse_resolves_the_defaults(
    args: list[str], expected: demo.Options, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NNFUNC_FAST", raising=False)
    assert demo.parse(demo.parser(), args) == expected


def test_nnfunc_fast_in_the_environment_means_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNFUNC_FAST", "1")
    options = demo.parse(demo.parser(), [])
    assert (options.samples, options.epochs) == (demo.FAST.samples, demo.FAST.epochs) == (400, 8)


@pytest.mark.parametrize(
    ("args", "reached"),
    [
        ([], FAST_BLOBS_ACCURACY),
        (["--classes", "6"], 0.96),
        (["--data", "moons"], 0.87),
        (["--data", "circles"], 0.97),
        (["--data", "classification"], 0.8),
    ],
)
def test_fast_run_reaches_its_accuracy(args: list[str], reached: float) -> None:
    options = demo.parse(demo.parser(), ["--fast", *args])
    split = demo.split_data(options)
    outcome = demo.fit_net(options, split, demo.initial_params(options), progress=False)
    assert len(outcome.history) == 8
    assert outcome.history["train_loss"][-1] < outcome.history["train_loss"][0]
    assert outcome.accuracy(*split.test) >= reached
