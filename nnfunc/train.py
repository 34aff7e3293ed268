"""Training loops from pure pieces: `train_step`, `epoch`, and `fit` built from them.

`fit` is a fold over epochs and batches: every epoch's shuffle comes from
`random.fold_in(key, epoch)`, so the same key gives byte-identical params and
history, and a run stopped after epoch k resumes exactly (pass the params, the
optimizer state and `initial_epoch=k` back in).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, NoReturn, TypeVar, cast

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import data, fused, random, tree
from nnfunc._inputs import params_dtype
from nnfunc.core import (
    forward,
    init_state,
    train_value_and_grads,
    value_and_grads,
)
from nnfunc.layers.base import Layer, has_training_mode
from nnfunc.losses import Loss, Penalty
from nnfunc.optim import GradientTransformation, step
from nnfunc.optim._base import LearningRatePart, expect_states
from nnfunc.optim.transforms import learning_rate_split
from nnfunc.random import Key

if TYPE_CHECKING:
    from tqdm import tqdm

P = TypeVar("P")
C = TypeVar("C")
S = TypeVar("S")

Metric = Callable[[npt.NDArray[Any], npt.NDArray[Any]], float]
"""A metric on (net output, target), such as `nnfunc.metrics.accuracy`."""


def train_step(
    net: Layer[P, C],
    params: P,
    opt_state: S,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    optimizer: GradientTransformation,
    penalty: Penalty | None = None,
) -> tuple[P, S, float]:
    """One optimizer step on the batch (x, y): (new params, new optimizer state, loss before).

    value_and_grads, then optimizer.update, then optim.apply_updates, bit for bit; run as
    `make_step` runs it, so the nets `mlp` builds take the fused path."""
    return TrainStep(net, loss_fn, optimizer, penalty)(params, opt_state, x, y)


def _ends_with_rate(
    optimizer: object,
) -> tuple[tuple[GradientTransformation, ...], LearningRatePart] | None:
    """(the parts before, the last part) of a chain ending in scale_by_learning_rate, else None."""
    return learning_rate_split(optimizer)


def _chain_states(optimizer: object, opt_state: object, parts: int) -> tuple[Any, ...]:
    """`opt_state` as the tuple of `parts` states a chain's init makes, else ValueError."""
    return expect_states(optimizer, opt_state, parts)


@attrs.frozen
class TrainStep(Generic[P, C]):
    """`train_step` as a value with its arguments fixed: `step(params, opt_state, x, y)`.

    value_and_grads, then optimizer.update, then optim.apply_updates, bit for bit, with
    less work: for a chain ending in scale_by_learning_rate (every named optimizer) the
    last part and the addition to the params are one walk over the params instead of two;
    and for plain SGD on a net `mlp` builds, with no penalty, the new params are computed
    in the gradients' own arrays, fresh from `nnfunc.fused.run`, which never left the
    step. `advance` is the same step in training mode, for nets with state or randomness.

    `fold_learning_rate=True` (plain SGD on a net `mlp` builds) scales the loss's
    gradient at the net's output by the learning rate, so the backward pass yields
    lr * grads and each param moves by one subtraction: the same update up to float
    rounding (a few ulps a step, not train_step's bits), still the same bits from run to
    run. Elsewhere it changes nothing.
    """

    net: Layer[P, C]
    loss_fn: Loss
    optimizer: GradientTransformation
    penalty: Penalty | None = None
    fold_learning_rate: bool = attrs.field(
        default=False, kw_only=True, validator=attrs.validators.instance_of(bool)
    )
    in_place: LearningRatePart | None = attrs.field(init=False, repr=False, eq=False)
    """Derived from the fields above: the only part of plain SGD (a chain of
    scale_by_learning_rate alone) on a net `mlp` builds, with no penalty; the step then
    moves the params into the fresh gradients of `nnfunc.fused.run`. Else None."""
    plan: fused.Plan | None = attrs.field(init=False, repr=False, eq=False)
    """Derived: the fused path's plan of the net when `in_place` is set, else None."""

    def __attrs_post_init__(self) -> None:
        split = _ends_with_rate(self.optimizer)
        plain_sgd = split is not None and not split[0] and self.penalty is None
        plan = fused.plan(self.net) if plain_sgd else None
        object.__setattr__(self, "in_place", split[1] if split and plan else None)
        object.__setattr__(self, "plan", plan)

    def __call__(
        self, params: P, opt_state: S, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[P, S, float]:
        """(new params, new optimizer state, the loss at the params given)."""
        plan, rate_part = self.plan, self.in_place
        if plan is not None and rate_part is not None:
            (rate_state,) = _chain_states(self.optimizer, opt_state, 1)
            rate, rate_state = rate_part.rate(rate_state)
            fold = self.fold_learning_rate
            found = fused.run(plan, params, x, y, self.loss_fn, False, rate, fold)
            if found is not None:
                return cast("tuple[P, S, float]", (found[1], (rate_state,), found[0]))
        value, grads = value_and_grads(self.net, params, x, y, self.loss_fn, self.penalty)
        new_params, new_opt_state = self.update(params, opt_state, grads)
        return new_params, new_opt_state, value

    def gradients(
        self, params: P, state: object, x: npt.ArrayLike, y: npt.ArrayLike, key: Key | None
    ) -> tuple[float, P, object]:
        """(loss, grads, new state): the training pass when the net has one, else the plain one."""
        if not has_training_mode(self.net):
            value, grads = value_and_grads(self.net, params, x, y, self.loss_fn, self.penalty)
            return value, grads, state
        return train_value_and_grads(self.net, params, state, x, y, self.loss_fn, key, self.penalty)

    def advance(
        self,
        params: P,
        state: object,
        opt_state: S,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        key: Key | None,
    ) -> tuple[P, object, S, float]:
        """(new params, new layer state, new optimizer state, loss): one training-mode step."""
        if not has_training_mode(self.net):
            new_params, new_opt_state, value = self(params, opt_state, x, y)
            return new_params, state, new_opt_state, value
        value, grads, state = self.gradients(params, state, x, y, key)
        new_params, new_opt_state = self.update(params, opt_state, grads)
        return new_params, state, new_opt_state, value

    def update(self, params: P, opt_state: S, grads: P) -> tuple[P, S]:
        """(params moved by the optimizer's updates, its new state): `optim.step`."""
        return step(self.optimizer, grads, opt_state, params)


def make_step(
    net: Layer[P, C],
    loss_fn: Loss,
    optimizer: GradientTransformation,
    penalty: Penalty | None = None,
    *,
    fold_learning_rate: bool = False,
) -> TrainStep[P, C]:
    """The fastest public training step: `step(params, opt_state, x, y) -> (params,
    opt_state, loss)`, equal to train_step(net, params, opt_state, x, y, loss_fn,
    optimizer, penalty); with `fold_learning_rate=True`, equal up to float rounding and
    faster for plain SGD (see `TrainStep`)."""
    return TrainStep(net, loss_fn, optimizer, penalty, fold_learning_rate=fold_learning_rate)


class DivergenceError(ValueError):
    """The loss became NaN or infinite; carries the last finite params and where it happened."""

    def __init__(
        self, params: object, opt_state: object, epoch: int, step: int, path: str, loss: float
    ) -> None:
        super().__init__(
            f"training diverged at epoch {epoch}, step {step}: the loss is {loss}; the first "
            f"non-finite value is in {path}. The last finite params are on this error's "
            ".params; lower the learning rate or clip the gradients"
        )
        self.params = params
        self.opt_state = opt_state
        self.epoch = epoch
        self.step = step
        self.path = path
        self.loss = loss


def _first_non_finite(named_trees: Sequence[tuple[str, object]]) -> str | None:
    """The path of the first leaf holding NaN or infinity, searching the trees in order."""
    for root, subtree in named_trees:
        for path, leaf in tree.leaves_with_path(subtree, root):
            if not np.isfinite(leaf).all():
                return path
    return None


def _diverged(
    step: TrainStep[P, C],
    current: tuple[P, object],
    previous: tuple[P, object],
    batch: tuple[npt.NDArray[Any], npt.NDArray[Any], object, Key | None],
    where: tuple[int, int],
    loss: float,
) -> DivergenceError:
    """The error for a non-finite loss on the `current` (params, optimizer state) of a batch
    (x, y, layer state, key).

    If the current params hold a non-finite leaf, the last update broke them and the
    `previous` ones are the last finite params; otherwise the gradients are computed
    once more (only on this failure path) to name the first non-finite leaf.
    """
    bad_param = _first_non_finite([("params", current[0])])
    if bad_param is not None:
        return DivergenceError(*previous, *where, bad_param, loss)
    _, grads, _ = step.gradients(current[0], batch[2], batch[0], batch[1], batch[3])
    path = _first_non_finite([("grads", grads)]) or "the loss (the net's output overflowed)"
    return DivergenceError(*current, *where, path, loss)


def epoch(
    net: Layer[P, C],
    params: P,
    opt_state: S,
    batches: Iterable[tuple[npt.NDArray[Any], npt.NDArray[Any]]],
    loss_fn: Loss,
    optimizer: GradientTransformation,
    penalty: Penalty | None = None,
    epoch_index: int = 0,
) -> tuple[P, S, float]:
    """One pass of `train_step` over `batches`: (params, opt_state, mean loss over examples).

    Raises DivergenceError, with the last finite params, when a batch loss is not finite.
    For nets with state or randomness, `fit` runs the training-mode pass instead.
    """
    step = make_step(net, loss_fn, optimizer, penalty)
    params, _, opt_state, mean = _epoch(step, params, None, opt_state, batches, None, epoch_index)
    return params, opt_state, mean


def _epoch(
    step: TrainStep[P, C],
    params: P,
    state: object,
    opt_state: S,
    batches: Iterable[tuple[npt.NDArray[Any], npt.NDArray[Any]]],
    key: Key | None,
    epoch_index: int,
) -> tuple[P, object, S, float]:
    """`epoch` in training mode: step i gets the i-th child of `key` (when a key is given)."""
    total, count = 0.0, 0
    previous = (params, opt_state)
    for index, (xb, yb) in enumerate(batches):
        step_key = None if key is None else random.fold_in(key, index)
        new_params, new_state, new_opt_state, value = step.advance(
            params, state, opt_state, xb, yb, step_key
        )
        if not math.isfinite(value):
            current = (params, opt_state)
            batch = (xb, yb, state, step_key)
            raise _diverged(step, current, previous, batch, (epoch_index, index), value)
        previous = (params, opt_state)
        params, state, opt_state = new_params, new_state, new_opt_state
        total += value * len(xb)
        count += len(xb)
    if count == 0:
        raise ValueError("epoch needs at least one batch, given none")
    return params, state, opt_state, total / count


@tree.pytree
class History:
    """Per-epoch records as an immutable table: `names` are the columns, one row per epoch.

    Columns are "epoch", "train_loss", then "val_loss" with validation data, then
    "train_<metric>" and "val_<metric>" for each metric. The names are static and the
    values are float leaves, so a history checkpoints like any tree (the template for
    loading one of n epochs is `History(names, ((0.0,) * len(names),) * n)`).
    """

    names: tuple[str, ...] = tree.static_field()
    rows: tuple[tuple[float, ...], ...] = ()

    def __getitem__(self, name: str) -> npt.NDArray[np.float64]:
        """The column `name` as a float64 array of shape (epochs,)."""
        if name not in self.names:
            raise KeyError(f"history has no column {name!r}; its columns: {list(self.names)}")
        index = self.names.index(name)
        return np.array([row[index] for row in self.rows], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.rows)

    def append(self, row: Mapping[str, float]) -> History:
        """A new history with `row` (a value for every column) added at the end."""
        return History(self.names, (*self.rows, tuple(float(row[name]) for name in self.names)))


@attrs.frozen
class EarlyStopping:
    """Stop when `monitor` has not improved by `min_delta` for `patience` epochs.

    With `restore_best`, `fit` returns the params (and optimizer state) of the best epoch.
    """

    monitor: str = "val_loss"
    patience: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    min_delta: float = attrs.field(default=0.0, validator=attrs.validators.ge(0.0))
    mode: Literal["min", "max"] = "min"
    restore_best: bool = True

    def improved(self, value: float, best: float) -> bool:
        """True when `value` beats `best` by more than min_delta in this mode."""
        if self.mode == "min":
            return value < best - self.min_delta
        return value > best + self.min_delta


@attrs.frozen
class EpochEnd(Generic[P, S]):
    """What a callback sees after each epoch: values only, nothing it could change."""

    epoch: int
    params: P
    opt_state: S
    history: History
    state: object = None


@attrs.frozen
class FitResult(Generic[P, S]):
    """The outcome of `fit`: final (or best) params, optimizer state and layer state
    (None for a net without state), history, and how it ended."""

    params: P
    opt_state: S
    history: History
    best_epoch: int | None
    stopped_early: bool
    state: object = None


def _validation(
    key: random.Key,
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None,
    validation_split: float,
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], tuple[npt.NDArray[Any], npt.NDArray[Any]] | None]:
    """(x_train, y_train, validation pair or None) after checking every array is finite."""
    if validation_data is not None and validation_split:
        raise ValueError("give validation_data or validation_split, not both")
    if validation_split:
        if not 0.0 < validation_split < 1.0:
            raise ValueError(f"validation_split must be in (0, 1), given {validation_split}")
        x, x_val, y, y_val = data.train_test_split(key, x, y, validation_split)
        return x, y, (x_val, y_val)
    if validation_data is None:
        return x, y, None
    x_val, y_val = (np.asarray(a) for a in validation_data)
    data.check_finite("validation x", x_val)
    data.check_finite("validation y", y_val)
    return x, y, (x_val, y_val)


def _evaluate(
    net: Layer[P, C],
    params: P,
    state: object,
    split: str,
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    loss_fn: Loss,
    metrics: Mapping[str, Metric],
) -> dict[str, float]:
    """{split_loss, split_<metric>...} from one inference pass over (x, y)."""
    output = forward(net, params, x, state)
    row = {f"{split}_loss": loss_fn(output, y)}
    row.update((f"{split}_{name}", float(metric(output, y))) for name, metric in metrics.items())
    return row


class _Progress:
    """Shows each finished epoch: a tqdm bar when tqdm is installed (the `progress` extra),
    else one plain line per epoch on stderr; nothing when disabled. Lives inside `fit`."""

    def __init__(self, first: int, stop: int, enabled: bool) -> None:
        self._stop = stop
        self._enabled = enabled
        self._started = time.perf_counter()
        self._bar: tqdm[NoReturn] | None = None
        if enabled:
            try:
                from tqdm import tqdm as make_bar
            except ImportError:
                return
            self._bar = make_bar(total=stop, initial=first, unit="epoch", file=sys.stderr)

    def epoch_done(self, row: Mapping[str, float]) -> None:
        """Show the row of the epoch that just ended."""
        summary = "  ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "epoch")
        if self._bar is not None:
            self._bar.set_postfix_str(summary)
            self._bar.update(1)
        elif self._enabled:
            seconds = time.perf_counter() - self._started
            print(
                f"epoch {int(row['epoch']) + 1}/{self._stop}  {summary}  ({seconds:.2f}s)",
                file=sys.stderr,
            )
        self._started = time.perf_counter()

    def close(self) -> None:
        """Close the bar, if any."""
        if self._bar is not None:
            self._bar.close()


def _columns(metrics: Mapping[str, Metric], validation: bool) -> tuple[str, ...]:
    """The history columns of a fit with these metrics, with or without validation data."""
    splits = ("train", "val") if validation else ("train",)
    return (
        "epoch",
        "train_loss",
        *(["val_loss"] if validation else []),
        *(f"{split}_{name}" for split in splits for name in metrics),
    )


def _epoch_row(
    net: Layer[P, C],
    params: P,
    state: object,
    index: int,
    train_loss: float,
    train: tuple[npt.NDArray[Any], npt.NDArray[Any]],
    validation: tuple[npt.NDArray[Any], npt.NDArray[Any]] | None,
    loss_fn: Loss,
    metrics: Mapping[str, Metric],
) -> dict[str, float]:
    """The history row of an epoch: its mean batch loss, then validation loss and metrics."""
    row = {"epoch": float(index), "train_loss": train_loss}
    if metrics:
        row.update(_evaluate(net, params, state, "train", *train, loss_fn, metrics))
        row["train_loss"] = train_loss
    if validation is not None:
        row.update(_evaluate(net, params, state, "val", *validation, loss_fn, metrics))
    return row


@attrs.frozen
class _Best(Generic[P]):
    """The best epoch so far under early stopping, with its params and optimizer state."""

    value: float
    epoch: int
    params: P
    opt_state: Any
    state: object


def fit(
    net: Layer[P, C],
    params: P,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: Loss,
    optimizer: GradientTransformation,
    *,
    key: random.Key,
    epochs: int,
    batch_size: int = 32,
    opt_state: Any = None,
    state: object = None,
    initial_epoch: int = 0,
    validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    validation_split: float = 0.0,
    metrics: Mapping[str, Metric] | None = None,
    penalty: Penalty | None = None,
    early_stopping: EarlyStopping | None = None,
    callbacks: Sequence[Callable[[EpochEnd[P, Any]], None]] = (),
    history: History | None = None,
    drop_last: bool = False,
    progress: bool = False,
) -> FitResult[P, Any]:
    """Train `net` from `params` for epochs [initial_epoch, epochs) with mini-batches.

    x: (n, features); y: targets for `loss_fn`. The data are checked once, up front, to
    be finite. Epoch e shuffles with `random.fold_in(key, e)`; a validation split is
    drawn from the key too, so the same key gives byte-identical results. Pass the
    params, opt_state, state and history of an earlier run with initial_epoch to resume
    it (early stopping then starts its count afresh). Metrics are computed on the whole
    training and validation sets after each epoch: one inference pass over each.

    Nets with state or randomness (BatchNorm, Dropout) train in training mode: `state`
    defaults to `init_state(net)`, step i of epoch e draws from a key derived from
    (key, e, i), and evaluation uses the running state; the result carries the state.

    Raises ValueError for bad sizes, non-finite data or an unknown monitored column;
    DivergenceError when the loss stops being finite.
    """
    random.check_key(key)
    if initial_epoch < 0 or epochs <= initial_epoch:
        raise ValueError(
            f"fit needs 0 <= initial_epoch < epochs, given initial_epoch={initial_epoch}, "
            f"epochs={epochs}"
        )
    xs, ys = data.as_pair(x, y)
    data.check_finite("x", xs)
    data.check_finite("y", ys)
    k_split, k_epochs, k_steps = random.split(key, 3)
    xs, ys, validation = _validation(k_split, xs, ys, validation_data, validation_split)
    data.num_batches(len(xs), batch_size, drop_last)
    metrics = dict(metrics or {})
    names = _columns(metrics, validation is not None)
    history = History(names) if history is None else history
    if history.names != names:
        raise ValueError(f"history columns {list(history.names)} do not match this fit's {names}")
    if early_stopping is not None and early_stopping.monitor not in names:
        raise ValueError(
            f"early stopping monitors {early_stopping.monitor!r}, expected one of the "
            f"recorded columns {list(names[1:])}"
        )
    training = has_training_mode(net)
    if training and state is None:
        state = init_state(net, params_dtype(params) or np.float32)
    opt_state = optimizer.init(params) if opt_state is None else opt_state
    step = make_step(net, loss_fn, optimizer, penalty)
    best: _Best[P] | None = None
    bar = _Progress(initial_epoch, epochs, progress)
    try:
        for index in range(initial_epoch, epochs):
            shuffle = random.fold_in(k_epochs, index)
            batches = data.batches(shuffle, xs, ys, batch_size, drop_last)
            step_keys = random.fold_in(k_steps, index) if training else None
            params, state, opt_state, train_loss = _epoch(
                step, params, state, opt_state, batches, step_keys, index
            )
            row = _epoch_row(
                net, params, state, index, train_loss, (xs, ys), validation, loss_fn, metrics
            )
            history = history.append(row)
            bar.epoch_done(row)
            for callback in callbacks:
                callback(EpochEnd(index, params, opt_state, history, state))
            if early_stopping is None:
                continue
            value = row[early_stopping.monitor]
            if best is None or early_stopping.improved(value, best.value):
                best = _Best(value, index, params, opt_state, state)
            elif index - best.epoch >= early_stopping.patience:
                break
    finally:
        bar.close()
    stopped_early = best is not None and history.rows[-1][0] < epochs - 1
    if best is not None and early_stopping is not None and early_stopping.restore_best:
        params, opt_state, state = best.params, best.opt_state, best.state
    best_epoch = None if best is None else best.epoch
    return FitResult(params, opt_state, history, best_epoch, stopped_early, state)
