"""examples/activations.py: its table matches activations and derivatives worked out by
hand, the sigmoid's steepest slope is 0.25, and the figure is written at its size."""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ExampleRun

AT = (-2.0, 0.0, 2.0)
ROW = re.compile(r"^(\S+(?:, 0\]\)\[0\])?)((?:\s+-?\d+\.\d{4}){6})$", re.MULTILINE)


def sigmoid(x: float) -> float:
    """1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + math.exp(-x))


# (f, f') of each activation, by hand; at 0 the layers take relu' = 0 and leaky_relu' = alpha.
REFERENCE: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "sigmoid": (sigmoid, lambda x: sigmoid(x) * (1.0 - sigmoid(x))),
    "tanh": (math.tanh, lambda x: 1.0 - math.tanh(x) ** 2),
    "relu": (lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0),
    "leaky_relu": (lambda x: x if x > 0 else 0.01 * x, lambda x: 1.0 if x > 0 else 0.01),
    "softmax([x, 0])[0]": (sigmoid, lambda x: sigmoid(x) * (1.0 - sigmoid(x))),
    "identity": (lambda x: x, lambda x: 1.0),
}


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_table_slopes_and_figure(run_example: Callable[..., ExampleRun]) -> None:
    run = run_example("activations.py")
    rows = {m[1]: [float(v) for v in m[2].split()] for m in ROW.finditer(run.stdout)}
    assert list(rows) == list(REFERENCE), run.stdout
    for name, (f, slope) in REFERENCE.items():
        expected = [f(x) for x in AT] + [slope(x) for x in AT]
        for printed, value in zip(rows[name], expected, strict=True):
            assert abs(printed - value) <= 5.1e-5, (name, rows[name], expected)
    steepest = re.search(r"sigmoid (\d\.\d{4})  tanh (\d\.\d{4})  relu (\d\.\d{4})", run.stdout)
    assert steepest is not None, run.stdout
    assert [float(v) for v in steepest.groups()] == [0.25, 1.0, 1.0]
    assert "at most 0.25**10 = 9.5e-07" in run.stdout
    figure = run.out / "activations.png"
    assert run.pngs == (figure,)
    assert f"saved {figure}" in run.stdout
    assert png_size(figure) == (1350, 700)  # 3 x 2 panels of 4.5 x 3.5 inches at 100 dpi
