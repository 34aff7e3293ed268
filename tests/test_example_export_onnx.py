"""examples/export_onnx.py: the fast run trains the digits CNN, writes the model and finds
onnxruntime's predictions those of nnfunc; without onnx it exits 2 with the install command."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ExampleRun

pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_fast_run_exports_the_cnn_and_onnxruntime_agrees(
    run_example: Callable[..., ExampleRun],
) -> None:
    run = run_example("export_onnx.py")
    lines = run.stdout.splitlines()
    trained = re.fullmatch(
        r"trained the digits CNN for 1 epoch\(s\): nnfunc's test accuracy (\d\.\d{3})", lines[0]
    )
    assert trained is not None, lines[0]
    assert float(trained.group(1)) >= 0.7  # one epoch; the full run passes 0.98
    path = run.out / "digits_cnn.onnx"
    assert lines[1] == f"exported {path}: opset 17, 10 nodes"
    assert lines[2] == "  Transpose x2, Conv x2, Relu x2, MaxPool x2, Flatten, Gemm"
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    found = re.fullmatch(
        r"onnxruntime on the 359 test images: largest logit difference (\S+)", lines[3]
    )
    assert found is not None, lines[3]
    assert float(found.group(1)) < 1e-4
    assert lines[4:] == ["predictions agree: 359 of 359"]


def test_missing_onnx_exits_2_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import export_onnx
    finally:
        sys.path.remove(str(EXAMPLES))
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    monkeypatch.setattr(sys, "argv", ["export_onnx.py", "--fast"])
    with pytest.raises(SystemExit) as exit_info:
        export_onnx.main()
    assert exit_info.value.code == 2
    assert 'pip install "nnfunc[onnx]"' in capsys.readouterr().err
