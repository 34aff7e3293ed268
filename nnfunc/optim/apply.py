"""Moving params: `apply_updates`, `descend` (p - lr * g, written here once, `moved`) and
`step`, an optimizer's update and its application in one call."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from nnfunc import _checks, tree
from nnfunc._arrays import FloatArray
from nnfunc.optim._base import GradientTransformation, OptState, P, expect_states
from nnfunc.optim.transforms import ScaleByLearningRate, learning_rate_split


def moved(
    p: FloatArray, g: FloatArray, learning_rate: float, out: FloatArray | None = None
) -> FloatArray:
    """p - learning_rate * g as a fresh array of p's dtype (or in `out`, such as g), rounded
    as (-learning_rate * g) + p, the order of scale_by_learning_rate then apply_updates."""
    if g.dtype == p.dtype:  # the same rounding as dtype=p.dtype, with less work
        step = np.multiply(g, -learning_rate, out=out)
    else:
        step = np.multiply(g, -learning_rate, out=out, dtype=p.dtype)
    step += p
    return step


def apply_updates(params: P, updates: P) -> P:
    """params + updates, leaf by leaf: new read-only arrays, each of its param's dtype.

    Raises ValueError naming the path where updates differ from params in structure or
    in a leaf's shape.
    """

    def leaf(p: npt.NDArray[Any], u: npt.NDArray[Any]) -> tuple[npt.NDArray[Any]]:
        return (np.add(p, u, dtype=p.dtype),)

    names = ("params", "updates")
    return tree.map_many(leaf, 1, params, updates, names=names, owner="apply_updates")[0]


def descend(params: P, grads: P, learning_rate: float, *, owned: bool = False) -> P:
    """params - learning_rate * grads, leaf by leaf, as new read-only arrays of the params'
    dtypes, rounded as (-learning_rate * grads) + params.

    With `owned`, the caller promises that the grads' arrays are fresh and held by nobody
    else (read-only or not): the new params are written into those that own their memory.
    Raises ValueError for a learning rate that is not a finite number, and naming the path
    where grads differ from params in structure or in a leaf's shape.
    """
    rate = learning_rate
    if type(rate) is not float or not math.isfinite(rate):  # else already a finite float
        rate = _checks.real("learning_rate", learning_rate)

    if owned:

        def leaf(p: FloatArray, g: FloatArray) -> tuple[FloatArray]:
            if g.base is None and g.dtype == p.dtype:  # its own memory: it may be written
                g.setflags(write=True)
                return (moved(p, g, rate, g),)
            return (moved(p, g, rate),)

    else:

        def leaf(p: FloatArray, g: FloatArray) -> tuple[FloatArray]:
            return (moved(p, g, rate),)

    return tree.map_many(leaf, 1, params, grads, names=("params", "grads"), owner="descend")[0]


def step(
    optimizer: GradientTransformation,
    grads: P,
    state: OptState,
    params: P,
    *,
    owned: bool = False,
) -> tuple[P, OptState]:
    """(new params, new state): bit for bit `updates, state = optimizer.update(grads, state,
    params)` then `apply_updates(params, updates)`.

    For a chain ending in scale_by_learning_rate (every named optimizer), the last part and
    the addition are one walk, `descend`. With `owned`, the caller promises that the grads'
    arrays are fresh and held by nobody else, so the new params may be written into them.
    """
    if isinstance(optimizer, ScaleByLearningRate):
        rate, state = optimizer.rate(state)
        return descend(params, grads, rate, owned=owned), state
    split = learning_rate_split(optimizer)
    if split is None:
        updates, state = optimizer.update(grads, state, params)
        return apply_updates(params, updates), state
    head, last = split
    parts = expect_states(optimizer, state, len(head) + 1)
    states = []
    for part, part_state in zip(head, parts, strict=False):
        grads, part_state = part.update(grads, part_state, params)
        states.append(part_state)
    rate, rate_state = last.rate(parts[-1])
    new_params = descend(params, grads, rate, owned=owned and not head)
    return new_params, (*states, rate_state)


__all__ = [
    "apply_updates",
    "descend",
    "moved",
    "step",
]
