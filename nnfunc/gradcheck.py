"""Gradient checking by central finite differences in float64, for any net and loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import _checks, tree
from nnfunc._inputs import as_input
from nnfunc.core import apply, backprop, init_state
from nnfunc.layers.base import Layer
from nnfunc.losses import Loss, Penalty, check_loss
from nnfunc.random import Key

P = TypeVar("P")
S = TypeVar("S")
C = TypeVar("C")
F64 = npt.NDArray[np.float64]
"""A float64 array: what the check computes in."""


@attrs.frozen
class GradCheck:
    """The worst disagreement between backprop and finite differences.

    `max_rel_error` is |analytic - numeric| / max(|analytic|, |numeric|, floor) at
    `path` (such as "params[2].w[1, 0]" or "x[0, 3]"), where floor is 1e-6 times the
    largest gradient element checked, so elements too small for finite differences
    to resolve cannot dominate.
    """

    max_rel_error: float
    path: str
    max_abs_error: float
    num_checked: int


# The fourth-order central stencil: f'(x) ~ sum(w * f(x + k h)) / h, error O(h**4).
_STENCIL = ((-2.0, 1.0 / 12.0), (-1.0, -8.0 / 12.0), (1.0, 8.0 / 12.0), (2.0, -1.0 / 12.0))


def _numeric(f: Callable[[], float], array: F64, eps: float) -> F64:
    """Central differences of f() w.r.t. each element of `array`, which it changes and restores."""
    numeric = np.empty_like(array)
    for index in np.ndindex(array.shape):
        original = array[index]
        total = 0.0
        for offset, weight in _STENCIL:
            array[index] = original + offset * eps
            total += weight * f()
        array[index] = original
        numeric[index] = total / eps
    return numeric


def check_grads(
    net: Layer[P, S, C],
    params: P,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    *,
    penalty: Penalty | None = None,
    eps: float = 1e-4,
    inputs: bool = True,
    training: bool = False,
    state: S | None = None,
    key: Key | None = None,
) -> GradCheck:
    """Compare the backprop gradients of the loss with central finite differences, in float64.

    The differences use the fourth-order central stencil with step `eps`; keep inputs
    away from kinks (ReLU at 0) by more than 2 * eps.

    Params and x are cast to float64 whatever their dtype; with `inputs`, the gradient
    w.r.t. x is checked too (it catches a wrong input gradient in any layer). With
    `training`, the training pass is checked: batch statistics, and dropout masks from
    `key` (the same masks for every evaluation); `state` defaults to `init_state(net)`.
    """
    eps = _checks.real("eps", eps, 0.0, open_low=True)
    inputs, training = _checks.boolean("inputs", inputs), _checks.boolean("training", training)
    loss_fn = check_loss(loss_fn)
    params64 = tree.astype(params, np.float64)
    x64: F64 = np.array(as_input(x, np.dtype(np.float64)), dtype=np.float64)
    state64 = tree.astype(init_state(net) if state is None else state, np.float64)
    found = backprop(
        net, params64, x64, y, loss_fn, penalty=penalty, input_grad=inputs,
        state=state64, key=key, training=training,
    )  # fmt: skip
    analytic_params, analytic_x = found.grads, found.input_grad
    paths_and_leaves = tree.leaves_with_path(params64, "params")
    leaves, treedef = tree.flatten(params64)
    work: list[F64] = [np.array(leaf, dtype=np.float64) for leaf in leaves]

    def value(p: P) -> float:
        extra = 0.0 if penalty is None else penalty.value_and_grads(p)[0]
        output = apply(net, p, x64, state=state64, key=key, training=training)[0]
        return loss_fn(output, y) + extra

    def params_loss() -> float:
        return value(tree.unflatten(treedef, work))

    def input_loss() -> float:
        return value(params64)

    pairs: list[tuple[str, F64, F64]] = []
    for (path, _), leaf, grad in zip(
        paths_and_leaves, work, tree.leaves(analytic_params), strict=True
    ):
        pairs.append((path, np.asarray(grad, np.float64), _numeric(params_loss, leaf, eps)))
    if inputs:
        assert analytic_x is not None
        pairs.append(("x", analytic_x.astype(np.float64), _numeric(input_loss, x64, eps)))
    return _worst(pairs)


def _worst(
    pairs: list[tuple[str, F64, F64]],
) -> GradCheck:
    scale = max((float(np.abs(a).max(initial=0.0)) for _, a, _ in pairs), default=0.0)
    floor = max(1e-6 * scale, 1e-300)
    worst = GradCheck(0.0, "", 0.0, sum(a.size for _, a, _ in pairs))
    for path, analytic, numeric in pairs:
        if analytic.size == 0:
            continue
        abs_error = np.abs(analytic - numeric)
        rel_error = abs_error / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
        index = np.unravel_index(int(np.argmax(rel_error)), rel_error.shape)
        if float(rel_error[index]) >= worst.max_rel_error:
            where = f"{path}[{', '.join(str(int(i)) for i in index)}]"
            worst = attrs.evolve(
                worst,
                max_rel_error=float(rel_error[index]),
                path=where,
                max_abs_error=max(worst.max_abs_error, float(abs_error.max())),
            )
        else:
            worst = attrs.evolve(
                worst, max_abs_error=max(worst.max_abs_error, float(abs_error.max()))
            )
    return worst


__all__ = [
    "F64",
    "GradCheck",
    "check_grads",
]
