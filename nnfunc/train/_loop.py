"""Many steps in one call: `scan` and `epoch`, and the divergence they report."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeGuard, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import _checks, random, tree
from nnfunc._arrays import freeze
from nnfunc._buffers import Buffers
from nnfunc.layers.base import Layer
from nnfunc.losses import Loss, Penalty
from nnfunc.optim import GradientTransformation
from nnfunc.random import Key
from nnfunc.train._step import TrainStep, advance_in, make_step, training

P = TypeVar("P")
C = TypeVar("C")
S = TypeVar("S")
Opt = TypeVar("Opt")


class DivergenceError(ValueError):
    """The loss or the params stopped being finite; carries the last params whose loss was
    finite (with their optimizer and layer state), where it happened and what went wrong."""

    def __init__(
        self, good: Snapshot[Any, Any, Any], epoch: int, step: int, path: str, loss: float
    ) -> None:
        super().__init__(
            f"training diverged at epoch {epoch}, step {step}: the loss is {loss}; the first "
            f"non-finite value is in {path}. The last params whose loss was finite are on "
            "this error's .params; lower the learning rate or clip the gradients"
        )
        self.params = good.params
        self.opt_state = good.opt_state
        self.state = good.state
        self.epoch = epoch
        self.step = step
        self.path = path
        self.loss = loss


def _first_non_finite(named_trees: Sequence[tuple[str, object]]) -> str | None:
    """The path of the first leaf holding NaN or infinity, searching the trees in order."""
    for root, subtree in named_trees:
        for path, leaf in tree.leaves_with_path(subtree, root):
            if np.asarray(leaf).dtype.kind in "fc" and not np.isfinite(leaf).all():
                return path
    return None


@attrs.frozen
class Snapshot(Generic[P, S, Opt]):
    """Params whose loss was finite, with the optimizer and layer state that go with them."""

    params: P
    opt_state: Opt
    state: S | None


def _non_finite_path(
    step: TrainStep[P, S, C],
    current: Snapshot[P, S, Opt],
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    key: Key | None,
) -> str:
    """Where the loss at `current` stops being finite: the first non-finite leaf of the
    params or, computed again only on this failure path, of the grads; else the output."""
    bad = _first_non_finite([("params", current.params)])
    if bad is not None:
        return bad
    _, grads, _ = step.gradients(current.params, current.state, x, y, key)
    return _first_non_finite([("grads", grads)]) or "the loss (the net's output overflowed)"


@attrs.frozen
class ScanResult(Generic[P, S, Opt]):
    """What `scan` gives: the params, optimizer state and layer state (None for a net
    without state) after the last step, and the loss of each step, a read-only float64
    array of shape (steps,) (the loss at the params each step started from)."""

    params: P
    opt_state: Opt
    losses: npt.NDArray[np.float64]
    state: S | None = None


def _is_batches(value: object) -> TypeGuard[Sequence[npt.ArrayLike]]:
    """True for a sequence of batches (a list or tuple of arrays), not a string."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _steps_of(xs: object, ys: object) -> list[tuple[npt.ArrayLike, npt.ArrayLike]]:
    """The (x, y) batch of each step: from arrays whose first axis is the step (views,
    x cast once), or from two sequences of batches of one length."""
    if isinstance(xs, np.ndarray) and isinstance(ys, np.ndarray):
        if xs.ndim < 3 or ys.ndim < 2:
            raise ValueError(
                "scan: xs must have shape (steps, batch, features...) and ys (steps, batch, "
                f"...), given {xs.shape} and {ys.shape}; reshape one epoch's rows with "
                "x.reshape(steps, batch, -1)"
            )
        pairs: list[tuple[npt.ArrayLike, npt.ArrayLike]] = list(zip(xs, ys, strict=False))
        counts = (len(xs), len(ys))
    elif _is_batches(xs) and _is_batches(ys):
        pairs = list(zip(xs, ys, strict=False))
        counts = (len(xs), len(ys))
    else:
        raise TypeError(
            "scan: xs and ys must be arrays whose first axis is the step, or sequences of "
            f"batches, given {type(xs).__name__} and {type(ys).__name__}"
        )
    if counts[0] != counts[1] or not pairs:
        raise ValueError(
            f"scan: xs and ys must hold one batch per step, at least one, given {counts[0]} "
            f"and {counts[1]}"
        )
    return pairs


def scan(
    step: TrainStep[P, S, C],
    params: P,
    opt_state: Opt,
    xs: npt.ArrayLike | Sequence[npt.ArrayLike],
    ys: npt.ArrayLike | Sequence[npt.ArrayLike],
    *,
    state: S | None = None,
    key: Key | None = None,
) -> ScanResult[P, S, Opt]:
    """`len(xs)` training steps of `step` (from `make_step`) in one pure call: step i on
    (xs[i], ys[i]), with the i-th child of `key` (`random.fold_in(key, i)`, for nets that
    draw random numbers) and the layer state carried from step to step. The same bits as
    calling `step.advance` in a loop; in between, the layers' results (arrays of 64 KiB
    and more) live in buffers this call owns and reuses, and the result holds read-only
    arrays nobody else has seen.

    xs, ys: arrays whose first axis is the step (`x.reshape(steps, batch, features)`
    works, as a view) or sequences of batches. Raises TypeError or ValueError for inputs
    that do not fit, before any step; DivergenceError, carrying the last params whose loss
    was finite, when a loss or the final params are not finite.
    """
    _checks.instance("step", step, TrainStep, "a training step made by nf.train.make_step")
    if key is not None:
        random.check_key(key)
    if step.net.traits.random and key is None:
        raise ValueError(f"scan: the net {step.net!r} draws random numbers: pass key=")
    batches = _steps_of(xs, ys)
    start: Snapshot[P, S, Opt] = Snapshot(params, opt_state, state)
    carried = [start, start]
    with Buffers() as buffers:
        losses, _ = _scan(step, carried, batches, key, 0, buffers)
    end = carried[0]
    return ScanResult(end.params, end.opt_state, freeze(np.array(losses)), end.state)


def epoch(
    net: Layer[P, S, C],
    params: P,
    opt_state: Opt,
    batches: Iterable[tuple[npt.NDArray[Any], npt.NDArray[Any]]],
    loss_fn: Loss,
    optimizer: GradientTransformation,
    penalty: Penalty | None = None,
    epoch_index: int = 0,
) -> tuple[P, Opt, float]:
    """One pass of `train_step` over `batches`: (params, opt_state, mean loss over examples).

    Raises DivergenceError, with the last params whose loss was finite, when a batch loss
    or the params at the end are not finite. Nets with state or randomness: use `fit`.
    """
    step = make_step(net, loss_fn, optimizer, penalty)
    start: Snapshot[P, Any, Opt] = Snapshot(params, opt_state, None)
    epoch_index = _checks.integer("epoch_index", epoch_index, 0)
    carried = [start, start]
    with Buffers() as buffers:
        mean = run_epoch(step, carried, batches, None, epoch_index, buffers)
    return carried[0].params, carried[0].opt_state, mean


def run_epoch(
    step: TrainStep[P, S, C],
    carried: list[Snapshot[P, S, Opt]],
    batches: Iterable[tuple[npt.NDArray[Any], npt.NDArray[Any]]],
    key: Key | None,
    epoch_index: int,
    buffers: Buffers,
) -> float:
    """The mean loss over the examples of `_scan` over the batches; `carried` and
    `buffers` carry over epochs."""
    losses, sizes = _scan(step, carried, batches, key, epoch_index, buffers)
    total, count = 0.0, 0
    for value, size in zip(losses, sizes, strict=True):
        total += value * size
        count += size
    return total / count


class _NonFinite(Exception):
    """A step's loss (args[0]) is not finite: raised before its backward pass, caught by
    `_scan`."""


def _scan(
    step: TrainStep[P, S, C],
    carried: list[Snapshot[P, S, Opt]],
    batches: Iterable[tuple[npt.ArrayLike, npt.ArrayLike]],
    key: Key | None,
    epoch_index: int,
    buffers: Buffers,
) -> tuple[list[float], list[int]]:
    """(each step's loss, each batch's rows): the steps from `carried`, [the params to
    start from, the last params whose loss was finite], which this call takes over while
    it steps (no caller's frame then holds params whose memory a step may reuse) and
    refills with the params after the steps and the last good ones. Step i gets the
    i-th child of `key` (when a key is given).

    The layers' results go into `buffers`, which the caller owns: activations come
    back each step, and the params a step writes into its gradient arrays take the
    memory of the params two steps before, freed once the loss of those after them is
    found finite (before the backward pass). Raises DivergenceError carrying `good` when
    a loss is not finite, or when the params after the last step are not (their loss is
    not computed here)."""
    current, good = carried
    carried.clear()
    keyless = training(None, buffers)
    losses: list[float] = []
    sizes: list[int] = []

    def finite(value: float) -> None:
        nonlocal good
        if not math.isfinite(value):
            raise _NonFinite(value)
        good = current  # the params before `current` may go: their memory is reused

    index = -1
    for index, (xb, yb) in enumerate(batches):
        step_key = None if key is None else random.fold_in(key, index)
        ctx = keyless if step_key is None else training(step_key, buffers)
        try:
            params, state, opt_state, value = advance_in(
                step, current.params, current.state, current.opt_state, xb, yb, ctx, finite
            )
        except _NonFinite as stop:
            path = _non_finite_path(step, current, xb, yb, step_key)
            raise DivergenceError(good, epoch_index, index, path, stop.args[0]) from None
        current = Snapshot(params, opt_state, state)
        losses.append(value)
        sizes.append(np.shape(xb)[0])
    if not losses:
        raise ValueError("epoch needs at least one batch, given none")
    broken = _first_non_finite([("params", current.params)])
    if broken is not None:
        raise DivergenceError(good, epoch_index, index, broken, math.nan)
    carried.extend((current, good))
    return losses, sizes


__all__ = ["DivergenceError", "ScanResult", "epoch", "scan"]
