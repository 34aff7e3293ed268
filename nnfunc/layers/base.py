"""The layer protocol, one for inference and training, and the errors a layer raises.

A layer spec is a frozen, hashable value with four functions side by side:

- `init_params(key, dtype) -> params` and `init_state(dtype) -> state` (None for a
  layer without state, such as every layer but BatchNorm);
- `apply(params, state, x, ctx) -> (y, cache, new state)`: the forward pass, in
  training or inference as `ctx.training` says, with `ctx.key` for its randomness;
- `backward(params, cache, dy, ctx) -> (param grads, dx or None)`: the gradients from
  dy, the gradient of the loss w.r.t. y; dx only when `ctx.input_grad`.

and a `traits` value saying what the walk may do with the arrays it hands over (below).
`Sequential` composes layers with one loop each way; a new layer is one class with
these functions and its gradient check. `Stateless` is the base of layers without
state: it supplies `init_state` and conservative `traits`.

Scratch arrays. `ctx.overwrite` tells a layer that the walk alone holds x (in `apply`)
or dy (in `backward`), so the layer may compute its result in place there. The walk
knows this from the `traits` of the layer before: `Traits.output` is "new" when `apply`
returns an array it has just made and does not keep (Dense), "view" when it returns x
itself or a view of x and keeps neither (Flatten), "kept" otherwise (an activation
keeps its output for its gradient); `Traits.input_grad` says the same of `backward`'s
dx ("view" meaning dy or a view of it), and `Traits.grads` of its param grads.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Protocol, TypeVar

import attrs
import numpy as np

from nnfunc._arrays import FloatArray, FloatDType
from nnfunc._buffers import Buffers
from nnfunc.random import Key

P = TypeVar("P")
S = TypeVar("S")
C = TypeVar("C")

Kind = Literal["new", "view", "kept"]
"""Who may hold an array a layer returns: see the module docstring."""


@attrs.frozen
class Traits:
    """What a layer declares about the arrays it returns and the randomness it needs."""

    output: Kind = "kept"
    input_grad: Kind = "kept"
    random: bool = False
    """True when the training pass draws from `ctx.key` (Dropout)."""
    grads: Literal["new", "kept"] = "kept"
    """"new" when `backward`'s param grads are arrays it has just made and keeps no
    reference to (or None, for a layer without params): a training step may then write
    the new params into them."""


@attrs.frozen
class Context:
    """How a pass runs: training or inference, the key of a layer's randomness, whether
    the layer may overwrite its input array (x or dy), whether backward makes dx, and
    the buffers of a scan its layers' results may go into (`out`)."""

    training: bool = False
    key: Key | None = None
    overwrite: bool = False
    input_grad: bool = True
    buffers: Buffers | None = attrs.field(default=None, eq=False, repr=False)

    def with_flags(self, overwrite: bool, input_grad: bool = True) -> Context:
        """This context with other scratch flags (shared instances: no allocation)."""
        if self.key is not None:
            return Context(self.training, self.key, overwrite, input_grad, self.buffers)
        flags = (self.training, overwrite, input_grad)
        if self.buffers is None:
            return _CONTEXTS[flags]
        try:
            return self.buffers.contexts[flags]
        except KeyError:
            made = Context(self.training, None, overwrite, input_grad, self.buffers)
            self.buffers.contexts[flags] = made
            return made

    def out(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> FloatArray | None:
        """Where a layer may write a result of `shape` and `dtype`: None (make it fresh),
        or in a scan an array of its buffers that nobody else holds."""
        return None if self.buffers is None else self.buffers.take(shape, dtype)


_CONTEXTS = {
    (training, overwrite, input_grad): Context(training, None, overwrite, input_grad)
    for training in (False, True)
    for overwrite in (False, True)
    for input_grad in (False, True)
}

INFERENCE = _CONTEXTS[False, False, True]
"""Inference, nothing overwritten, the input gradient made: the default of direct calls."""

TRAINING = _CONTEXTS[True, False, True]
"""Training without a key, nothing overwritten, the input gradient made."""


class Layer(Protocol[P, S, C]):
    """A layer spec with params P and state S whose forward pass keeps a cache C."""

    @property
    def traits(self) -> Traits:
        """What the walk may do with the arrays this layer returns."""
        ...

    def init_params(self, key: Key, dtype: FloatDType) -> P:
        """Fresh params drawn from `key`, with read-only arrays of `dtype`."""
        ...

    def init_state(self, dtype: FloatDType) -> S:
        """The state before the first training step (None for a layer without state)."""
        ...

    def apply(self, params: P, state: S, x: FloatArray, ctx: Context) -> tuple[FloatArray, C, S]:
        """(output, cache for backward, new state): x (batch, ...) in the params' dtype."""
        ...

    def backward(
        self, params: P, cache: C, dy: FloatArray, ctx: Context
    ) -> tuple[P, FloatArray | None]:
        """(param grads, input grad), the input grad None unless `ctx.input_grad`."""
        ...


AnyLayer = Layer[Any, Any, Any]
"""A layer of any params, state and cache: what a container holds."""


@attrs.frozen
class Stateless:
    """Base of layers without state: `init_state` gives None and `apply` keeps it None."""

    traits: ClassVar[Traits] = Traits()

    def init_state(self, dtype: FloatDType) -> None:
        """None: no state."""
        return None


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
    """Params (or state) that do not fit the net; `path` locates them under the net's."""

    def __str__(self) -> str:
        return f"params{self.path}: {self.detail}"


class StateError(LocatedError):
    """A state that does not fit the net; `path` locates it under the net's state."""

    def __str__(self) -> str:
        return f"state{self.path}: {self.detail}"


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


def expect_arrays(
    layer: object,
    owner: object,
    error: type[LocatedError],
    fields: tuple[tuple[str, tuple[int, ...]], ...],
    dtype: np.dtype[Any],
) -> None:
    """Raise `error` unless each named field of `owner` is an array of its shape and `dtype`
    (the input's): params and state are checked alike, named by their path."""
    for name, shape in fields:
        array = getattr(owner, name)
        if not isinstance(array, np.ndarray):
            raise error(f".{name}", f"{layer!r} expects an array, given {type(array).__name__}")
        if array.shape != shape:
            raise error(f".{name}", f"{layer!r} expects shape {shape}, given {array.shape}")
        if array.dtype != dtype:
            raise error(
                f".{name}",
                f"{layer!r} expects dtype {dtype}, the input's (one float dtype through the "
                f"net), given {array.dtype}",
            )


def require_key(layer: object, ctx: Context) -> Key:
    """`ctx.key`, or an InputError saying that `layer` draws random numbers in training."""
    if ctx.key is None:
        raise InputError(
            "",
            f"{layer!r} draws random numbers in training and needs a key: pass key= to "
            "nf.train_value_and_grads (fit passes one for every step)",
        )
    return ctx.key


__all__ = [
    "INFERENCE",
    "TRAINING",
    "AnyLayer",
    "Context",
    "InputError",
    "Kind",
    "Layer",
    "LocatedError",
    "ParamsError",
    "StateError",
    "Stateless",
    "Traits",
    "expect_arrays",
    "expect_no_params",
    "require_key",
]
