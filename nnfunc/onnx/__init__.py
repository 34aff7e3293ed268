"""ONNX export: a net trained in nnfunc, run anywhere ONNX runs, without nnfunc.

`export(net, params, example_x, state=state, path="net.onnx")` gives the net at
inference as an `onnx.ModelProto` (opset 17) from input "x" to output "y", in the
params' dtype (float32 or float64), with the batch axis dynamic and every other axis
fixed by `example_x`. Every built-in layer exports (Dropout as the identity, BatchNorm
with its running statistics); images stay NHWC at the model's input and output, as in
nnfunc. Needs the `onnx` extra: pip install "nnfunc[onnx]".
"""

from __future__ import annotations

import numpy.typing as npt
import onnx

from nnfunc import _files
from nnfunc._inputs import as_input
from nnfunc.core import forward
from nnfunc.layers.base import AnyLayer
from nnfunc.onnx._graph import OPSET, Edge, ExportError, Graph
from nnfunc.onnx._layers import EXPORTERS, Exporter, export_layer


def export(
    net: AnyLayer,
    params: object,
    example_x: npt.ArrayLike,
    *,
    state: object = None,
    path: _files.StrPath | None = None,
) -> onnx.ModelProto:
    """The ONNX model of `net` at inference with `params` (and `state`, for BatchNorm), for
    inputs shaped as example_x (batch, ...) with any batch size; written to `path`, atomically,
    when given. The model passes onnx.checker's full check.

    Raises ValueError naming what is wrong for params or state that do not fit the net or
    an example_x that does not fit it (as nf.forward), and ExportError (a ValueError)
    naming the path and type of a layer without an exporter; nothing is written then.
    """
    if path is not None:
        _files.fspath("path", path)
    y = forward(net, params, example_x, state=state)
    x = Edge("x", as_input(example_x, y.dtype)[:1])
    graph = Graph(y.dtype)
    output = export_layer(graph, net, params, state, x)
    model = graph.model(x, output, f"{net!r}"[:1000])
    onnx.checker.check_model(model, full_check=True)
    if path is not None:
        _files.write_bytes(path, model.SerializeToString())
    return model


__all__ = [
    "EXPORTERS",
    "OPSET",
    "Edge",
    "ExportError",
    "Exporter",
    "Graph",
    "export",
]
