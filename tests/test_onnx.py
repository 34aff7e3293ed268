"""nnfunc.onnx: onnxruntime gives nf.forward's outputs for every layer case (a registry) in
float32 and float64 at several batch sizes, and for the examples' nets; bad input is a
ValueError naming what is wrong, raised before anything is written."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc.layers.base import AnyLayer

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from nnfunc import onnx as nfo  # noqa: E402  (after the skips: it needs onnx)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BATCHES = (1, 3, 17)
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}
"""Largest difference from nf.forward, relative to the largest output magnitude."""


@attrs.frozen
class Case:
    """A net and the shape of one example it takes."""

    net: AnyLayer
    example: tuple[int, ...]


def _conv_block(*layers: AnyLayer) -> nf.Sequential:
    """A 3-channel 'same' convolution of (7, 6, 3) images, then `layers`."""
    return nf.Sequential(nf.Conv2D(3, 4, 3, padding="same"), *layers)


IMAGES = (7, 6, 3)
CASES: dict[str, Case] = {
    "dense": Case(nf.Dense(5, 3), (5,)),
    "sigmoid": Case(nf.Sigmoid(), (6,)),
    "tanh": Case(nf.Tanh(), (6,)),
    "relu": Case(nf.ReLU(), (6,)),
    "leaky_relu": Case(nf.LeakyReLU(0.2), (6,)),
    "softmax": Case(nf.Softmax(), (6,)),
    "identity": Case(nf.Identity(), (6,)),
    "dropout": Case(nf.Dropout(0.5), (6,)),
    "nested_sequential": Case(
        nf.Sequential(nf.Dense(4, 6), nf.Sequential(nf.Tanh(), nf.Dense(6, 3)), nf.ReLU()), (4,)
    ),
    "conv_valid": Case(nf.Conv2D(3, 4, 3), IMAGES),
    "conv_same_strided": Case(nf.Conv2D(3, 4, (3, 2), stride=2, padding="same"), IMAGES),
    "conv_valid_strided": Case(nf.Conv2D(3, 2, 2, stride=(2, 3)), IMAGES),
    "max_pool_valid": Case(nf.MaxPool2D(2), IMAGES),
    "max_pool_same_strided": Case(nf.MaxPool2D(3, 2, padding="same"), IMAGES),
    "avg_pool_valid": Case(nf.AvgPool2D((2, 3), 1), IMAGES),
    "avg_pool_same_strided": Case(nf.AvgPool2D(3, 2, padding="same"), IMAGES),
    "flatten": Case(nf.Flatten(), IMAGES),
    "reshape": Case(nf.Reshape((3, -1)), (12,)),
    "batch_norm": Case(nf.BatchNorm(5, eps=1e-3), (5,)),
    "layer_norm": Case(nf.LayerNorm(5), (5,)),
    "layer_norm_images": Case(nf.LayerNorm(3), IMAGES),
    # channels first inside the graph: each layer after a conv must see NHWC as nnfunc does
    "conv_softmax": Case(_conv_block(nf.Softmax()), IMAGES),
    "conv_flatten": Case(_conv_block(nf.ReLU(), nf.MaxPool2D(2), nf.Flatten()), IMAGES),
    "conv_reshape": Case(_conv_block(nf.Reshape((-1, 4))), IMAGES),
    "conv_batch_norm": Case(_conv_block(nf.BatchNorm(4), nf.AvgPool2D(2, padding="same")), IMAGES),
    "conv_layer_norm": Case(_conv_block(nf.LeakyReLU(), nf.LayerNorm(4), nf.Flatten()), IMAGES),
    "pool_conv": Case(nf.Sequential(nf.MaxPool2D(2, 1), nf.Conv2D(3, 2, 2), nf.Sigmoid()), IMAGES),
}

EXCLUDED = {
    "Layer": "the protocol every layer follows, not a layer",
    "Stateless": "the base class of layers without state, not a layer",
    "Activation": "the base class of the activations, each exported on its own",
}
"""Names in nf.layers.__all__ that are classes but no layer to export, and why."""


def _redraw(key: nf.Key, tree: Any, dtype: type[np.floating[Any]], positive: bool) -> Any:
    """`tree` with every leaf drawn anew in `dtype`: normal, or in [0.5, inf) if `positive`
    (a variance), so that no bias, shift or running mean is 0 and no scale or variance 1."""
    leaves, treedef = nf.tree.flatten(tree)
    if not leaves:
        return tree
    keys = nf.random.split(key, len(leaves))
    drawn = [nf.random.normal(k, leaf.shape, dtype) for k, leaf in zip(keys, leaves, strict=True)]
    return nf.tree.unflatten(treedef, [0.5 + np.abs(d) for d in drawn] if positive else drawn)


def _run(model: Any, x: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The model's output for x in onnxruntime alone."""
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    output: npt.NDArray[Any] = session.run(None, {"x": x})[0]
    return output


def _check_agrees(
    net: AnyLayer, example: tuple[int, ...], dtype: type[np.floating[Any]], seed: int = 0
) -> None:
    """Export net with random params and state; onnxruntime matches nf.forward on batches
    of every size in BATCHES."""
    k_params, k_state, k_x = nf.random.split(nf.random.key(seed), 3)
    params = _redraw(k_params, nf.init(net, k_params, dtype), dtype, positive=False)
    state = _redraw(k_state, nf.init_state(net, dtype), dtype, positive=True)
    model = nfo.export(net, params, nf.random.normal(k_x, (2, *example), dtype), state=state)
    onnx.checker.check_model(model, full_check=True)
    for batch in BATCHES:
        x = nf.random.normal(nf.random.key(batch), (batch, *example), dtype)
        expected = nf.forward(net, params, x, state=state)
        got = _run(model, x)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        scale = float(np.abs(expected).max())
        assert np.abs(got - expected).max() <= TOLERANCE[dtype] * scale, (batch, got, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_onnxruntime_gives_the_outputs_of_forward(name: str, dtype: type[np.floating[Any]]) -> None:
    _check_agrees(CASES[name].net, CASES[name].example, dtype)


def _layer_types(layer: AnyLayer) -> Iterator[type]:
    yield type(layer)
    for inner in getattr(layer, "layers", ()):
        yield from _layer_types(inner)


def test_every_public_layer_class_is_exported_and_covered_by_a_case() -> None:
    classes = {
        name: value
        for name in nf.layers.__all__
        if isinstance(value := getattr(nf.layers, name), type) and hasattr(value, "init_state")
    }
    assert set(EXCLUDED) <= set(classes)
    exported = {name for name, cls in classes.items() if cls in nfo.EXPORTERS}
    assert exported | set(EXCLUDED) == set(classes), set(classes) - exported - set(EXCLUDED)
    covered = {t for case in CASES.values() for t in _layer_types(case.net)}
    assert set(nfo.EXPORTERS) <= covered, set(nfo.EXPORTERS) - covered


@pytest.fixture
def example_nets() -> Iterator[ModuleType]:
    """examples/cnn_digits.py imported as a module (it imports digits.py too)."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        import cnn_digits as module
    finally:
        sys.path.remove(str(EXAMPLES))
    yield module


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_examples_nets_export(example_nets: ModuleType, dtype: type[np.floating[Any]]) -> None:
    digits = sys.modules["digits"]
    _check_agrees(nf.mlp([64, digits.HIDDEN, digits.CLASSES]), (64,), dtype)
    _check_agrees(example_nets.conv_net(), (8, 8, 1), dtype)


def test_the_model_has_a_dynamic_batch_and_is_written_to_path(tmp_path: Path) -> None:
    net = nf.Sequential(nf.Dense(3, 2), nf.Tanh())
    params = nf.init(net, nf.random.key(0), np.float64)
    path = tmp_path / "net.onnx"
    model = nfo.export(net, params, np.zeros((5, 3)), path=path)
    assert onnx.load(str(path)) == model
    (given,), (output,) = model.graph.input, model.graph.output
    dims = [(d.dim_param, d.dim_value) for d in given.type.tensor_type.shape.dim]
    assert dims == [("batch", 0), ("", 3)]
    assert [d.dim_value for d in output.type.tensor_type.shape.dim] == [0, 2]
    assert given.type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    assert [node.op_type for node in model.graph.node] == ["Gemm", "Tanh"]


def test_a_conv_block_transposes_once_each_way() -> None:
    net = nf.Sequential(
        nf.Conv2D(1, 2, 3), nf.ReLU(), nf.BatchNorm(2), nf.MaxPool2D(2), nf.Flatten()
    )
    params = nf.init(net, nf.random.key(0))
    model = nfo.export(net, params, np.zeros((1, 6, 6, 1)), state=nf.init_state(net))
    ops = [node.op_type for node in model.graph.node]
    assert ops == [
        "Transpose", "Conv", "Relu", "BatchNormalization", "MaxPool", "Transpose", "Flatten"
    ]  # fmt: skip


def test_an_identity_net_still_has_a_node() -> None:
    model = nfo.export(
        nf.Sequential(nf.Dropout(0.1), nf.Identity()), (None, None), np.zeros((1, 4), np.float32)
    )
    x = np.arange(8.0, dtype=np.float32).reshape(2, 4)
    assert np.array_equal(_run(model, x), x)


@attrs.frozen
class Doubling(nf.layers.Stateless):
    """A user's own layer: y = 2 x."""

    def init_params(self, key: nf.Key, dtype: Any) -> None:
        return None

    def apply(self, params: None, state: None, x: Any, ctx: Any = None) -> tuple[Any, None, None]:
        return 2 * x, None, None

    def backward(self, params: None, cache: None, dy: Any, ctx: Any = None) -> tuple[None, Any]:
        return None, 2 * dy


def _bad(call: Callable[[], object], *fragments: str) -> None:
    with pytest.raises(ValueError) as error:
        call()
    for fragment in fragments:
        assert fragment in str(error.value), str(error.value)


def test_a_layer_without_exporter_is_named_by_its_path_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    net = nf.Sequential(nf.Dense(2, 3), nf.ReLU(), nf.Sequential(nf.Tanh(), Doubling()))
    params = nf.init(net, nf.random.key(0))
    path = tmp_path / "net.onnx"

    def call() -> object:
        return nfo.export(net, params, np.zeros((1, 2)), path=path)

    _bad(call, "layer [2][1]", "Doubling", "EXPORTERS")
    with pytest.raises(nfo.ExportError):
        call()
    assert list(tmp_path.iterdir()) == []


def test_params_state_and_example_that_do_not_fit_name_what_is_wrong(tmp_path: Path) -> None:
    net = nf.Sequential(nf.Dense(4, 3), nf.BatchNorm(3))
    params = nf.init(net, nf.random.key(0))
    state = nf.init_state(net)
    other = nf.init(nf.Sequential(nf.Dense(4, 2), nf.BatchNorm(2)), nf.random.key(0))
    path = tmp_path / "net.onnx"
    x = np.zeros((2, 4))
    _bad(lambda: nfo.export(net, other, x, state=state, path=path), "params[0].w", "(4, 3)")
    _bad(lambda: nfo.export(net, params, np.zeros((2, 5)), state=state), "layer [0]", "(2, 5)")
    _bad(lambda: nfo.export(net, params, np.zeros(4), state=state), "shape (batch, features)")
    _bad(lambda: nfo.export(net, params, x, path=path), "state", "BatchNormState", "init_state")
    with pytest.raises(TypeError, match="path"):
        nfo.export(net, params, x, state=state, path=3)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_importing_nnfunc_does_not_import_onnx() -> None:
    code = "import sys, nnfunc; print('nnfunc.onnx' in sys.modules, 'onnx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
