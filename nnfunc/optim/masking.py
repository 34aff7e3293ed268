"""Masks: which leaves a transformation touches. `decay_mask` says which params weight
decay applies to by default, `masked` applies a transformation to some leaves only, and
`add_decayed_weights` decays the leaves its mask selects.

A mask is a tree of bools of the params' structure, or a function of a tree (the params,
or the grads, of one structure) returning one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import _checks, tree
from nnfunc._arrays import readonly
from nnfunc._parts import check_parts
from nnfunc.optim._base import (
    EmptyState,
    GradientTransformation,
    OptState,
    P,
    checked,
    expect_state,
)

F = npt.NDArray[Any]
"""An array of any dtype: a leaf of params, grads or updates."""

Mask = Any | Callable[[Any], Any]
"""A tree of bools of the params' structure, or a function from params to one."""


def _is_weight(leaf: npt.ArrayLike) -> bool:
    """The fallback rule: weights are the leaves of two or more dimensions."""
    return bool(np.ndim(leaf) >= 2)


def decay_mask(params: P) -> P:
    """A tree of bools of `params`' structure: True where weight decay applies by default.

    A leaf under a field made with `nnfunc.tree.param_field(decay=...)` takes the declared
    value; any other leaf is decayed when it has two or more dimensions (a weight, not a
    bias or a scale)."""
    mask: P = tree.declared(params, tree.DECAY, _is_weight)
    return mask


def every_leaf(params: P) -> P:
    """A tree of bools of `params`' structure, all True: decay every param (PyTorch's rule)."""
    mask: P = tree.map(lambda _: True, params)
    return mask


def _mask(value: Mask) -> Mask:
    """None as `decay_mask`; a function or a tree as is."""
    return decay_mask if value is None else value


def flags(owner: object, mask: Mask, like: object) -> list[bool]:
    """The mask's value for each leaf of `like`, in flatten order (a function mask is
    called on `like`). Raises ValueError naming the path where the mask's structure
    differs from `like`'s."""
    resolved = mask(like) if callable(mask) else mask
    if tree.structure(resolved) != tree.structure(like):
        try:
            tree.map(lambda leaf, _: leaf, like, resolved)
        except ValueError as error:
            raise ValueError(
                f"{owner}: the mask must have the structure of the params; {error}"
            ) from None
    return [bool(leaf) for leaf in tree.leaves(resolved)]


@attrs.frozen
class AddDecayedWeights:
    """updates = grads + weight_decay * params on the leaves `mask` selects (by default
    `decay_mask`: weights, not biases), grads elsewhere; needs the params.

    Raises ValueError for weight_decay < 0, and at the update when params are not given.
    """

    weight_decay: float = checked("add_decayed_weights", _checks.real, 0.0)
    mask: Mask = attrs.field(default=None, kw_only=True, converter=_mask)

    def init(self, params: object) -> EmptyState:
        """No state."""
        return EmptyState()

    def update(self, grads: P, state: EmptyState, params: P | None = None) -> tuple[P, EmptyState]:
        """(grads + weight_decay * params where the mask is True, state)."""
        expect_state(self, state, EmptyState)
        if params is None:
            raise ValueError(f"{self} needs the params: call update(grads, state, params)")
        weight_decay = self.weight_decay
        selected = iter(flags(self, self.mask, params))

        def leaf(g: F, p: F) -> tuple[F, ...]:
            if not next(selected):
                return (readonly(g),)
            u = p * weight_decay
            u += g
            return (u,)

        (updates,) = tree.map_many(leaf, 1, grads, params, names=("grads", "params"), owner=self)
        return updates, state


@attrs.frozen
class Masked:
    """`inner` applied to the leaves where `mask` is True (a function mask is called on
    the params at init and on the grads at each update); the other grads pass through
    unchanged. The inner transformation sees the list of the selected leaves, in flatten
    order, and keeps its state for them only."""

    inner: GradientTransformation = attrs.field(validator=lambda _, __, value: _inner(value))
    mask: Mask

    def init(self, params: object) -> OptState:
        """The inner state for the selected leaves."""
        selected = flags(self, self.mask, params)
        return self.inner.init(_chosen(selected, params))

    def update(self, grads: P, state: OptState, params: P | None = None) -> tuple[P, OptState]:
        """(the inner updates on the selected leaves and grads elsewhere, the inner state)."""
        selected = flags(self, self.mask, grads)
        chosen_params = None if params is None else _chosen(selected, params)
        inner, state = self.inner.update(_chosen(selected, grads), state, chosen_params)
        supply = iter(inner)
        choices = iter(selected)

        def leaf(g: F) -> tuple[F, ...]:
            return (next(supply) if next(choices) else readonly(g),)

        (updates,) = tree.map_many(leaf, 1, grads, names=("grads",), owner=self)
        return updates, state


def _inner(value: object) -> None:
    check_parts("masked", "transformation", (value,), ("init", "update"))


def _chosen(selected: list[bool], values: object) -> list[Any]:
    """The leaves of `values` where `selected` is True, in flatten order."""
    return [leaf for leaf, chosen in zip(tree.leaves(values), selected, strict=True) if chosen]


add_decayed_weights = AddDecayedWeights
masked = Masked

__all__ = [
    "AddDecayedWeights",
    "F",
    "Mask",
    "Masked",
    "add_decayed_weights",
    "decay_mask",
    "every_leaf",
    "flags",
    "masked",
]
