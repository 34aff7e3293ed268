"""The graph one export builds: nodes, constants and the layout of each tensor.

nnfunc's tensors are channels last (NHWC images); ONNX's Conv, pooling and
BatchNormalization are channels first (NCHW). An `Edge` names a tensor of the graph
and says which layout it is in, so a transpose goes in only where the next operator
needs the other layout: a conv block (Conv, Relu, MaxPool) stays in NCHW throughout.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import onnx
from onnx import helper, numpy_helper

from nnfunc._arrays import FloatArray, FloatDType
from nnfunc.layers.base import LocatedError

OPSET = 17
"""The ONNX opset of exported models (LayerNormalization needs 17)."""


@attrs.frozen(eq=False)
class Edge:
    """A tensor of the graph: its `name`, its `value` in nnfunc's layout for the example
    batch (what nnfunc computes there; it gives the shapes), and whether the graph holds it
    `channels_first` (the last axis moved to axis 1) rather than as nnfunc does."""

    name: str
    value: FloatArray
    channels_first: bool = False


class ExportError(LocatedError):
    """A layer nnfunc.onnx cannot export; `path` locates it inside the net."""

    def __str__(self) -> str:
        return f"cannot export {f'layer {self.path}' if self.path else 'the net'}: {self.detail}"


def _first_perm(rank: int) -> list[int]:
    return [0, rank - 1, *range(1, rank - 1)]


def _last_perm(rank: int) -> list[int]:
    return [0, *range(2, rank), 1]


class Graph:
    """The nodes and initializers of one model in the making, of one float `dtype`.

    Mutable, and private to one call of `export`: the exporters append to it.
    """

    def __init__(self, dtype: FloatDType) -> None:
        self.dtype = dtype
        self.elem_type = helper.np_dtype_to_tensor_dtype(dtype)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def _name(self, stem: str) -> str:
        return f"{stem}_{len(self.nodes) + len(self.initializers)}"

    def constant(self, value: Any, dtype: Any = None) -> str:
        """The name of a new initializer holding `value` (in the graph's dtype unless given)."""
        array = np.asarray(value, self.dtype if dtype is None else dtype)
        name = self._name("const")
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def indices(self, values: list[int]) -> str:
        """The name of a new int64 initializer holding `values` (shapes, axes, pads)."""
        return self.constant(values, np.int64)

    def node(self, op: str, inputs: list[str], **attributes: Any) -> str:
        """Append an `op` node of `inputs` and `attributes`; the name of its one output."""
        output = self._name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    def channels_last(self, x: Edge) -> Edge:
        """x in nnfunc's layout: a Transpose when the graph holds it channels first."""
        if not x.channels_first:
            return x
        return Edge(self.node("Transpose", [x.name], perm=_last_perm(x.value.ndim)), x.value)

    def channels_first(self, x: Edge) -> Edge:
        """x with its last axis at axis 1 (NCHW for images); a (batch, features) x as it is."""
        if x.channels_first or x.value.ndim <= 2:
            return x
        name = self.node("Transpose", [x.name], perm=_first_perm(x.value.ndim))
        return Edge(name, x.value, True)

    def model(self, x: Edge, y: Edge, doc: str) -> onnx.ModelProto:
        """The model from input x to output y (in nnfunc's layout), the batch axis dynamic."""
        y = self.channels_last(y)
        if y.name == x.name:  # a net that is the identity at inference
            y = Edge(self.node("Identity", [x.name]), y.value)
        output = next(node for node in self.nodes if y.name in node.output)
        output.output[0] = "y"
        graph = helper.make_graph(
            self.nodes,
            "nnfunc",
            [self._info(x.name, x.value)],
            [self._info("y", y.value)],
            self.initializers,
            doc_string=doc,
        )
        return helper.make_model_gen_version(
            graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="nnfunc"
        )

    def _info(self, name: str, value: FloatArray) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(name, self.elem_type, ["batch", *value.shape[1:]])


__all__ = [
    "OPSET",
    "Edge",
    "ExportError",
    "Graph",
]
