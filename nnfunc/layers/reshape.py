"""Flatten and Reshape: the same values per example in another shape; no params."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import ClassVar

import attrs

from nnfunc import _checks
from nnfunc._arrays import FloatArray, FloatDType
from nnfunc.layers.base import (
    INFERENCE,
    Context,
    InputError,
    Stateless,
    Traits,
    expect_no_params,
)
from nnfunc.random import Key

Shape = tuple[int, ...]


@attrs.frozen
class _Reshaping(Stateless):
    """Shared plumbing: no params; the output is a view of x, dx a view of dy."""

    traits: ClassVar[Traits] = Traits(output="view", input_grad="view", grads="new")

    def init_params(self, key: Key, dtype: FloatDType) -> None:
        """None: a reshape has no params."""
        return None

    def apply(
        self, params: None, state: None, x: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[FloatArray, Shape, None]:
        """(x with each example reshaped, x's shape, None): x (batch, ...) to (batch, *target)."""
        expect_no_params(self, params)
        if x.ndim < 2:
            raise InputError("", f"{self!r} expects inputs of shape (batch, ...), given {x.shape}")
        return x.reshape(x.shape[0], *self.target(x.shape)), x.shape, None

    def backward(
        self, params: None, cache: Shape, dy: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[None, FloatArray | None]:
        """(None, dy in the input's shape) or (None, None) without `ctx.input_grad`."""
        return None, (dy.reshape(cache) if ctx.input_grad else None)

    def target(self, shape: Shape) -> Shape:
        """The shape of one example of the output, for an input of `shape`."""
        raise NotImplementedError


@attrs.frozen(repr=False)
class Flatten(_Reshaping):
    """(batch, d1, d2, ...) to (batch, d1 * d2 * ...), in row-major (C) order."""

    def __repr__(self) -> str:
        return "Flatten()"

    def target(self, shape: Shape) -> Shape:
        """(d1 * d2 * ...,)."""
        return (math.prod(shape[1:]),)


def _shape(value: int | Sequence[int]) -> Shape:
    """`value` as a tuple of ints >= 1 with at most one -1; ValueError otherwise."""
    given: object = value  # as typed an int or a sequence: look at what it really is
    entries = (given,) if isinstance(given, numbers.Integral) else given
    problem = f"shape must be a non-empty tuple of ints >= 1, with at most one -1, given {value!r}"
    if not isinstance(entries, tuple | list) or not entries:
        raise ValueError(problem)
    try:
        shape = tuple(_checks.integer("shape", d, -1) for d in entries)
    except TypeError:
        raise ValueError(problem) from None
    if 0 in shape or shape.count(-1) > 1:
        raise ValueError(problem)
    return shape


@attrs.frozen
class Reshape(_Reshaping):
    """(batch, ...) to (batch, *shape); one entry of `shape` may be -1, inferred from the size.

    Raises ValueError for a bad shape; InputError when an example's size does not fit it.
    """

    shape: Shape = attrs.field(converter=_shape)

    def __repr__(self) -> str:
        return f"Reshape({self.shape})"

    def target(self, shape: Shape) -> Shape:
        """`self.shape` with -1 resolved for examples of `shape[1:]`."""
        size = math.prod(shape[1:])
        known = math.prod(d for d in self.shape if d != -1)
        if -1 not in self.shape and size == known:
            return self.shape
        if -1 in self.shape and size % known == 0:
            return tuple(size // known if d == -1 else d for d in self.shape)
        expected = f"a multiple of {known}" if -1 in self.shape else str(known)
        raise InputError(
            "",
            f"{self!r} expects examples of {expected} values, given shape {shape} "
            f"({size} values per example)",
        )


__all__ = [
    "Flatten",
    "Reshape",
    "Shape",
]
