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


# Training mode. A layer may also have any of these optional methods:
#   init_state(dtype) -> state            values it keeps between steps (BatchNorm's
#                                         running statistics), not trained by gradients
#   apply_train(params, state, x, key)    the training forward pass: (y, cache, new state);
#                                         `key` feeds its randomness (Dropout's masks)
#   apply_infer(params, state, x) -> y    the inference forward pass with its state
# A layer without them has no state, and trains and infers with `apply`.


def layer_state(layer: object, dtype: FloatDType) -> object:
    """The layer's initial state, or None for a layer without state."""
    make = getattr(layer, "init_state", None)
    return None if make is None else make(dtype)


def apply_train(
    layer: Layer[P, C], params: P, state: object, x: FloatArray, key: Key | None
) -> tuple[FloatArray, C, object]:
    """The layer's training forward pass: (y, cache for backward, new state)."""
    train = getattr(layer, "apply_train", None)
    if train is None:
        y, cache = layer.apply(params, x)
        return y, cache, state
    result: tuple[FloatArray, C, object] = train(params, state, x, key)
    return result


def apply_infer(layer: Layer[P, C], params: P, state: object, x: FloatArray) -> FloatArray:
    """The layer's inference forward pass given its state."""
    infer = getattr(layer, "apply_infer", None)
    if infer is None:
        return layer.apply(params, x)[0]
    y: FloatArray = infer(params, state, x)
    return y


def has_training_mode(layer: object) -> bool:
    """True when the layer (or a layer inside it) trains differently from how it infers.

    A container answers through its own `has_training_mode()` method.
    """
    ask = getattr(layer, "has_training_mode", None)
    if callable(ask):
        return bool(ask())
    return callable(getattr(layer, "apply_train", None))


def require_key(layer: object, key: Key | None) -> Key:
    """`key`, or an InputError saying that `layer` draws random numbers in training."""
    if key is None:
        raise InputError(
            "",
            f"{layer!r} draws random numbers in training and needs a key: pass key= to "
            "nf.train_value_and_grads (fit passes one for every step)",
        )
    return key
