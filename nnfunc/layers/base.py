"""The layer protocol and the errors a layer raises when its params or input do not fit.

A layer spec is a frozen, hashable value with three functions side by side:
`init_params` makes its params from a key, `apply` runs it and returns what its backward
needs, and `backward` turns the gradient of its output into the gradients of its
params and of its input. A new layer is one class with these three functions.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import numpy as np

from nnfunc._arrays import FloatArray, FloatDType
from nnfunc.random import Key

P = TypeVar("P")
C = TypeVar("C")


class Layer(Protocol[P, C]):
    """A layer spec with params of type P whose forward pass keeps a cache of type C."""

    def init_params(self, key: Key, dtype: FloatDType) -> P:
        """Fresh params drawn from `key`, with read-only arrays of `dtype`."""
        ...

    def apply(self, params: P, x: FloatArray) -> tuple[FloatArray, C]:
        """(output, cache): x of shape (batch, in) in the params' dtype, output (batch, out)."""
        ...

    def backward(
        self, params: P, cache: C, dy: FloatArray, input_grad: bool
    ) -> tuple[P, FloatArray | None]:
        """(param grads, input grad) from dy, the loss gradient w.r.t. the output.

        The input grad is None when `input_grad` is False (the first layer needs none).
        """
        ...


class LocatedError(ValueError):
    """A ValueError at a `path` inside a net, which grows as containers re-raise it."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(path, detail)
        self.path = path
        self.detail = detail

    def nested(self, step: str) -> LocatedError:
        """The same error seen from a container one step (such as `[2]`) up."""
        return type(self)(step + self.path, self.detail)


class ParamsError(LocatedError):
    """Params that do not fit the net; `path` locates them under the net's params."""

    def __str__(self) -> str:
        return f"params{self.path}: {self.detail}"


class InputError(LocatedError):
    """An input that does not fit a layer; `path` locates the layer inside the net."""

    def __str__(self) -> str:
        where = f"layer {self.path}" if self.path else "the net"
        return f"{where}: {self.detail}"


def expect_no_params(layer: object, params: object) -> None:
    """Raise ParamsError unless `params` is None, as for every layer without params."""
    if params is not None:
        raise ParamsError(
            "", f"{layer!r} has no params, so its slot must be None; given {type(params).__name__}"
        )


def expect_dtype(layer: object, params_dtype: np.dtype[np.generic], x: FloatArray) -> None:
    """Raise InputError if the input's dtype is not the layer's params dtype."""
    if x.dtype != params_dtype:
        raise InputError(
            "",
            f"{layer!r} has params of dtype {params_dtype} but receives input of {x.dtype}; "
            "keep one dtype through the net",
        )
