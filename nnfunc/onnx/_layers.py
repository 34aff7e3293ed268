"""One exporter per built-in layer class, in one registry: `EXPORTERS[type(layer)]`.

An exporter takes the graph, the layer, its params and state (checked by `nf.forward`
already) and the input edge, appends the nodes that compute the layer at inference
and returns the output edge.

float64 models: ONNX's float attributes are float32, and onnxruntime has no float64
Conv or AveragePool kernels, so in float64 LeakyReLU is spelt Max(x, alpha x) with a
float64 alpha, LayerNorm as its formula, BatchNorm with eps folded into the variance,
and the windowed layers as nnfunc computes them (`_windows`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnfunc import layers
from nnfunc.layers.base import INFERENCE, AnyLayer, LocatedError
from nnfunc.layers.windows import Geometry, geometry
from nnfunc.onnx._graph import Edge, ExportError, Graph

Exporter = Callable[[Graph, Any, Any, Any, Edge], Edge]
"""(graph, layer, params, state, input edge) -> output edge."""


def _output(layer: AnyLayer, params: Any, state: Any, x: Edge) -> Any:
    """The layer's output for the example batch: the value of the exporter's output edge."""
    return layer.apply(params, state, x.value, INFERENCE)[0]


def export_layer(graph: Graph, layer: AnyLayer, params: Any, state: Any, x: Edge) -> Edge:
    """The output edge of `layer` after x, through its exporter; ExportError without one."""
    exporter = EXPORTERS.get(type(layer))
    if exporter is None:
        raise ExportError(
            "",
            f"{type(layer).__module__}.{type(layer).__qualname__} {layer!r} has no ONNX "
            "exporter (nnfunc.onnx.EXPORTERS maps each layer class to its exporter)",
        )
    return exporter(graph, layer, params, state, x)


def _sequential(graph: Graph, layer: layers.Sequential, params: Any, state: Any, x: Edge) -> Edge:
    states = (None,) * len(layer.layers) if state is None else state
    for i, (inner, p, s) in enumerate(zip(layer.layers, params, states, strict=True)):
        try:
            x = export_layer(graph, inner, p, s, x)
        except LocatedError as error:
            raise error.nested(f"[{i}]") from None
    return x


def _passthrough(graph: Graph, layer: AnyLayer, params: None, state: None, x: Edge) -> Edge:
    """Identity, and Dropout at inference: no node, the input edge itself."""
    return x


def _elementwise(op: str) -> Exporter:
    """An activation that is one ONNX op of the same name, in either layout."""

    def export(graph: Graph, layer: AnyLayer, params: None, state: None, x: Edge) -> Edge:
        return Edge(graph.node(op, [x.name]), _output(layer, params, state, x), x.channels_first)

    return export


def _leaky_relu(graph: Graph, layer: layers.LeakyReLU, params: None, state: None, x: Edge) -> Edge:
    if graph.dtype == np.float32:
        name = graph.node("LeakyRelu", [x.name], alpha=layer.alpha)
    else:
        name = graph.node("Max", [x.name, graph.node("Mul", [x.name, graph.constant(layer.alpha)])])
    return Edge(name, _output(layer, params, state, x), x.channels_first)


def _softmax(graph: Graph, layer: layers.Softmax, params: None, state: None, x: Edge) -> Edge:
    x = graph.channels_last(x)
    return Edge(graph.node("Softmax", [x.name], axis=-1), _output(layer, params, state, x))


def _dense(
    graph: Graph, layer: layers.Dense, params: layers.DenseParams, state: None, x: Edge
) -> Edge:
    x = graph.channels_last(x)
    name = graph.node("Gemm", [x.name, graph.constant(params.w), graph.constant(params.b)])
    return Edge(name, _output(layer, params, state, x))


def _window_attributes(
    layer: layers.Conv2D | layers.MaxPool2D | layers.AvgPool2D, x: Edge
) -> tuple[Geometry, dict[str, list[int]]]:
    """The window geometry of `layer` on x and the attributes of the ONNX op that slides
    the same window: kernel_shape, strides, pads (top, left, bottom, right)."""
    size = layer.kernel_size if isinstance(layer, layers.Conv2D) else layer.pool_size
    geo = geometry(layer, x.value, size, layer.stride, layer.padding)
    (top, bottom), (left, right) = geo.pads
    attributes = {"kernel_shape": list(size), "strides": list(geo.stride)}
    return geo, {**attributes, "pads": [top, left, bottom, right]}


def _channels_first_op(
    graph: Graph, op: str, x: Edge, inputs: list[str], y: Any, **attributes: Any
) -> Edge:
    """The ONNX operator `op` of x channels first (NCHW) and `inputs`; y its value."""
    x = graph.channels_first(x)
    return Edge(graph.node(op, [x.name, *inputs], **attributes), y, True)


def _windows(graph: Graph, x: Edge, geo: Geometry, fill: float) -> list[str]:
    """The names of kh * kw tensors (batch, out_h, out_w, c): at each kernel offset, the
    pixel every window has there, from x in nnfunc's layout padded with `fill`."""
    (top, bottom), (left, right) = geo.pads
    x = graph.channels_last(x)
    padded = x.name
    if top or bottom or left or right:
        pads = graph.indices([0, top, left, 0, 0, bottom, right, 0])
        padded = graph.node("Pad", [x.name, pads, graph.constant(fill)])
    (out_h, out_w), (sh, sw) = geo.out, geo.stride
    axes, steps = graph.indices([1, 2]), graph.indices([sh, sw])
    names = []
    for i in range(geo.window[0]):
        for j in range(geo.window[1]):
            starts = graph.indices([i, j])
            ends = graph.indices([i + (out_h - 1) * sh + 1, j + (out_w - 1) * sw + 1])
            names.append(graph.node("Slice", [padded, starts, ends, axes, steps]))
    return names


def _conv(
    graph: Graph, layer: layers.Conv2D, params: layers.DenseParams, state: None, x: Edge
) -> Edge:
    geo, attributes = _window_attributes(layer, x)
    y = _output(layer, params, state, x)
    if graph.dtype == np.float32:
        kernel = graph.constant(params.w.transpose(3, 2, 0, 1))  # (out, in, kh, kw)
        return _channels_first_op(
            graph, "Conv", x, [kernel, graph.constant(params.b)], y, **attributes
        )
    # im2col, as nnfunc: windows (batch, out_h, out_w, kh * kw * in) times w (kh * kw * in, out)
    cols = graph.node("Concat", _windows(graph, x, geo, 0.0), axis=3)
    product = graph.node("MatMul", [cols, graph.constant(params.w.reshape(-1, layer.out_channels))])
    return Edge(graph.node("Add", [product, graph.constant(params.b)]), y)


def _max_pool(graph: Graph, layer: layers.MaxPool2D, params: None, state: None, x: Edge) -> Edge:
    geo, attributes = _window_attributes(layer, x)
    y = _output(layer, params, state, x)
    if graph.dtype == np.float32:
        return _channels_first_op(graph, "MaxPool", x, [], y, **attributes)
    return Edge(graph.node("Max", _windows(graph, x, geo, -np.inf)), y)


def _avg_pool(graph: Graph, layer: layers.AvgPool2D, params: None, state: None, x: Edge) -> Edge:
    """The mean over each window's input pixels: padding never counts (count_include_pad 0)."""
    geo, attributes = _window_attributes(layer, x)
    y = _output(layer, params, state, x)
    if graph.dtype == np.float32:
        return _channels_first_op(graph, "AveragePool", x, [], y, count_include_pad=0, **attributes)
    total = graph.node("Sum", _windows(graph, x, geo, 0.0))
    counts = graph.constant(geo.counts(graph.dtype)[:, :, None])
    return Edge(graph.node("Div", [total, counts]), y)


def _flatten(graph: Graph, layer: layers.Flatten, params: None, state: None, x: Edge) -> Edge:
    x = graph.channels_last(x)
    return Edge(graph.node("Flatten", [x.name], axis=1), _output(layer, params, state, x))


def _reshape(graph: Graph, layer: layers.Reshape, params: None, state: None, x: Edge) -> Edge:
    x = graph.channels_last(x)
    shape = graph.indices([0, *layer.target(x.value.shape)])  # 0: the batch axis as it is
    return Edge(graph.node("Reshape", [x.name, shape]), _output(layer, params, state, x))


def _batch_norm(
    graph: Graph,
    layer: layers.BatchNorm,
    params: layers.NormParams,
    state: layers.BatchNormState,
    x: Edge,
) -> Edge:
    """ONNX's BatchNormalization (inference) normalizes axis 1: the features moved there.
    In float64 the variance input holds var + eps, the float32 attribute epsilon 0."""
    x = graph.channels_first(x)
    eps, var = (layer.eps, state.var) if graph.dtype == np.float32 else (0.0, state.var + layer.eps)
    constants = (graph.constant(a) for a in (params.scale, params.shift, state.mean, var))
    name = graph.node("BatchNormalization", [x.name, *constants], epsilon=eps)
    return Edge(name, _output(layer, params, state, x), x.value.ndim > 2)


def _layer_norm(
    graph: Graph, layer: layers.LayerNorm, params: layers.NormParams, state: None, x: Edge
) -> Edge:
    """Statistics over the last axis: LayerNormalization in float32, and in float64 spelt
    out as nnfunc computes it, eps in float64."""
    x = graph.channels_last(x)
    y = _output(layer, params, state, x)
    scale, shift = graph.constant(params.scale), graph.constant(params.shift)
    if graph.dtype == np.float32:
        name = graph.node("LayerNormalization", [x.name, scale, shift], axis=-1, epsilon=layer.eps)
        return Edge(name, y)
    centred = graph.node("Sub", [x.name, graph.node("ReduceMean", [x.name], axes=[-1])])
    var = graph.node("ReduceMean", [graph.node("Mul", [centred, centred])], axes=[-1])
    std = graph.node("Sqrt", [graph.node("Add", [var, graph.constant(layer.eps)])])
    x_hat = graph.node("Mul", [centred, graph.node("Reciprocal", [std])])
    return Edge(graph.node("Add", [graph.node("Mul", [x_hat, scale]), shift]), y)


EXPORTERS: dict[type, Exporter] = {
    layers.Sequential: _sequential,
    layers.Dense: _dense,
    layers.Sigmoid: _elementwise("Sigmoid"),
    layers.Tanh: _elementwise("Tanh"),
    layers.ReLU: _elementwise("Relu"),
    layers.LeakyReLU: _leaky_relu,
    layers.Softmax: _softmax,
    layers.Identity: _passthrough,
    layers.Dropout: _passthrough,
    layers.Conv2D: _conv,
    layers.MaxPool2D: _max_pool,
    layers.AvgPool2D: _avg_pool,
    layers.Flatten: _flatten,
    layers.Reshape: _reshape,
    layers.BatchNorm: _batch_norm,
    layers.LayerNorm: _layer_norm,
}
"""Each layer class nnfunc.onnx exports, and its exporter; a user's layer class can be
added with an exporter of the same signature."""


__all__ = [
    "EXPORTERS",
    "Exporter",
    "export_layer",
]
