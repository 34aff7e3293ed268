"""`fit`: epochs of `scan` with validation, metrics, early stopping and a history."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import _checks, data, random, tree
from nnfunc._buffers import Buffers
from nnfunc._inputs import params_dtype
from nnfunc._progress import Progress
from nnfunc.core import forward, init_state
from nnfunc.layers.base import Layer
from nnfunc.losses import Loss, Penalty
from nnfunc.optim import GradientTransformation
from nnfunc.train._loop import Snapshot, run_epoch
from nnfunc.train._step import make_step

P = TypeVar("P")
C = TypeVar("C")
S = TypeVar("S")
Opt = TypeVar("Opt")

Metric = Callable[[npt.NDArray[Any], npt.NDArray[Any]], float]
"""A metric on (net output, target), such as `nnfunc.metrics.accuracy`."""


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

    def __attrs_post_init__(self) -> None:
        """Check the names (distinct strings) and that every row has one value per name,
        each a number (or a 0-d array, as tree functions make of float leaves)."""
        names: object = self.names
        if not isinstance(names, tuple) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"History.names must be a tuple of strings, given {names!r:.80}")
        if len(set(names)) != len(names):
            raise ValueError(f"History.names must be distinct, given {names!r:.80}")
        for index, row in enumerate(self.rows):
            if not isinstance(row, tuple) or len(row) != len(names):
                raise ValueError(
                    f"History.rows[{index}] must be a tuple of {len(names)} values (one for "
                    f"each of {list(names)}), given {row!r:.80}"
                )
            if not all(isinstance(v, numbers.Real | np.ndarray) for v in row):
                raise TypeError(f"History.rows[{index}] must hold numbers, given {row!r:.80}")

    def __getitem__(self, name: str) -> npt.NDArray[np.float64]:
        """The column `name` as a float64 array of shape (epochs,)."""
        if name not in self.names:
            raise KeyError(f"history has no column {name!r}; its columns: {list(self.names)}")
        index = self.names.index(name)
        return np.array([row[index] for row in self.rows], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, name: object) -> bool:
        """True when `name` is one of the columns."""
        return name in self.names

    def append(self, row: Mapping[str, float]) -> History:
        """A new history with `row` (a value for every column) added at the end."""
        return History(self.names, (*self.rows, tuple(float(row[name]) for name in self.names)))


@attrs.frozen
class EarlyStopping:
    """Stop when `monitor` has not improved by `min_delta` for `patience` epochs.

    With `restore_best`, `fit` returns the params (and optimizer state) of the best epoch.
    """

    monitor: str = attrs.field(
        default="val_loss",
        converter=_checks.canonical,
        validator=_checks.validate(_checks.instance, str, "a column name"),
    )
    patience: int = attrs.field(
        default=5, converter=_checks.canonical, validator=_checks.validate(_checks.integer, 1)
    )
    min_delta: float = attrs.field(
        default=0.0, converter=_checks.canonical, validator=_checks.validate(_checks.real, 0.0)
    )
    mode: Literal["min", "max"] = attrs.field(
        default="min",
        converter=_checks.canonical,
        validator=_checks.validate(_checks.choice, ("min", "max")),
    )
    restore_best: bool = attrs.field(
        default=True, converter=_checks.canonical, validator=_checks.validate(_checks.boolean)
    )

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
    split = _checks.real("validation_split", validation_split, 0.0, 1.0, open_high=True)
    if validation_data is not None and split:
        raise ValueError("give validation_data or validation_split, not both")
    if split:
        x, x_val, y, y_val = data.train_test_split(key, x, y, split)
        return x, y, (x_val, y_val)
    if validation_data is None:
        return x, y, None
    if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
        raise TypeError(
            "validation_data must be a pair (x_val, y_val), given "
            f"{type(validation_data).__name__} of length {len(validation_data)}"
            if isinstance(validation_data, tuple | list)
            else f"validation_data must be a pair (x_val, y_val), given {validation_data!r:.80}"
        )
    x_val, y_val = data.as_pair(*validation_data)
    if x_val.shape[1:] != x.shape[1:]:
        raise ValueError(
            f"validation_data's x must have the training x's shape per example {x.shape[1:]}, "
            f"given {x_val.shape[1:]} (shape {x_val.shape})"
        )
    data.check_finite("validation x", x_val)
    data.check_finite("validation y", y_val)
    return x, y, (x_val, y_val)


def _callbacks(callbacks: object) -> tuple[Callable[[EpochEnd[Any, Any]], None], ...]:
    """`callbacks` as a tuple of callables; TypeError naming the first that is not."""
    if callable(callbacks) or not isinstance(callbacks, Sequence | tuple):
        raise TypeError(
            f"callbacks must be a sequence of functions (wrap one in a list), given "
            f"{type(callbacks).__name__}: {callbacks!r:.80}"
        )
    for i, callback in enumerate(callbacks):
        _checks.function(f"callbacks[{i}]", callback)
    return tuple(callbacks)


def _metrics(metrics: object) -> dict[str, Metric]:
    """`metrics` as a dict of names to callables; TypeError naming what is not."""
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"metrics must be a mapping of names to functions such as "
            f"{{'accuracy': nf.metrics.accuracy}}, given {type(metrics).__name__}"
        )
    for name, metric in metrics.items():
        _checks.instance("a metric's name", name, str, "a str")
        _checks.function(f"metrics[{name!r}]", metric)
    return dict(metrics)


def _evaluate(
    net: Layer[P, S, C],
    params: P,
    state: S | None,
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


def _show(bar: Progress, row: Mapping[str, float]) -> None:
    """Show the row of the epoch that just ended."""
    summary = "  ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "epoch")
    line = f"epoch {int(row['epoch']) + 1}/{bar.total}  {summary}  ({bar.seconds():.2f}s)"
    bar.step(summary, line)


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
    net: Layer[P, S, C],
    at: Snapshot[P, S, Any],
    index: int,
    train_loss: float,
    train: tuple[npt.NDArray[Any], npt.NDArray[Any]],
    validation: tuple[npt.NDArray[Any], npt.NDArray[Any]] | None,
    loss_fn: Loss,
    metrics: Mapping[str, Metric],
) -> dict[str, float]:
    """The history row of an epoch ending `at`: its mean batch loss, then validation loss
    and metrics."""
    params, state = at.params, at.state
    row = {"epoch": float(index), "train_loss": train_loss}
    if metrics:
        row.update(_evaluate(net, params, state, "train", *train, loss_fn, metrics))
        row["train_loss"] = train_loss
    if validation is not None:
        row.update(_evaluate(net, params, state, "val", *validation, loss_fn, metrics))
    return row


def _epoch_end(index: int, at: Snapshot[P, Any, Any], history: History) -> EpochEnd[P, Any]:
    """What a callback sees of the epoch `index` ending `at`."""
    return EpochEnd(index, at.params, at.opt_state, history, at.state)


@attrs.frozen
class _Best(Generic[P, S]):
    """The best epoch so far under early stopping, with its params and states."""

    value: float
    epoch: int
    at: Snapshot[P, S, Any]


def fit(
    net: Layer[P, S, C],
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
    state: S | None = None,
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
    step = make_step(net, loss_fn, optimizer, penalty)
    epochs = _checks.integer("epochs", epochs, 1)
    initial_epoch = _checks.integer("initial_epoch", initial_epoch, 0, epochs - 1)
    if initial_epoch > 0 and opt_state is None:
        raise ValueError(
            f"fit resuming at initial_epoch={initial_epoch} needs the opt_state of the run it "
            "resumes (a fresh one would restart the optimizer's moments and step count)"
        )
    progress = _checks.boolean("progress", progress)
    drop_last = _checks.boolean("drop_last", drop_last)
    callbacks = _callbacks(callbacks)
    xs, ys = data.as_pair(x, y)
    data.check_finite("x", xs)
    data.check_finite("y", ys)
    k_split, k_epochs, k_steps = random.split(key, 3)
    xs, ys, validation = _validation(k_split, xs, ys, validation_data, validation_split)
    data.num_batches(len(xs), batch_size, drop_last)
    metrics = _metrics(metrics)
    names = _columns(metrics, validation is not None)
    history = History(names) if history is None else _checks.instance("history", history, History)
    if history.names != names:
        raise ValueError(f"history columns {list(history.names)} do not match this fit's {names}")
    if early_stopping is not None:
        _checks.instance("early_stopping", early_stopping, EarlyStopping)
        if early_stopping.monitor not in names:
            raise ValueError(
                f"early stopping monitors {early_stopping.monitor!r}, expected one of the "
                f"recorded columns {list(names[1:])}"
            )
    if state is None:
        state = init_state(net, params_dtype(params) or np.float32)
    if not tree.leaves(state):
        state = None  # a net without state: nothing to carry
    opt_state = optimizer.init(params) if opt_state is None else opt_state
    random_net = net.traits.random
    carried = [Snapshot(params, opt_state, state)] * 2  # [current, last good]: see _scan
    best: _Best[P, S] | None = None
    bar = Progress(epochs, done=initial_epoch, unit="epoch", enabled=progress)
    with Buffers() as buffers:  # the steps' buffers serve every epoch
        try:
            for index in range(initial_epoch, epochs):
                shuffle = random.fold_in(k_epochs, index)
                batches = data.batches(shuffle, xs, ys, batch_size, drop_last)
                step_keys = random.fold_in(k_steps, index) if random_net else None
                train_loss = run_epoch(step, carried, batches, step_keys, index, buffers)
                row = _epoch_row(
                    net, carried[0], index, train_loss, (xs, ys), validation, loss_fn, metrics
                )
                history = history.append(row)
                _show(bar, row)
                for callback in callbacks:
                    callback(_epoch_end(index, carried[0], history))
                if early_stopping is None:
                    continue
                value = row[early_stopping.monitor]
                if best is None or early_stopping.improved(value, best.value):
                    best = _Best(value, index, carried[0])
                elif index - best.epoch >= early_stopping.patience:
                    break
        finally:
            bar.close()
    stopped_early = best is not None and history.rows[-1][0] < epochs - 1
    current = carried[0]
    if best is not None and early_stopping is not None and early_stopping.restore_best:
        current = best.at
    params, opt_state, state = current.params, current.opt_state, current.state
    best_epoch = None if best is None else best.epoch
    return FitResult(params, opt_state, history, best_epoch, stopped_early, state)


__all__ = ["EarlyStopping", "EpochEnd", "FitResult", "History", "Metric", "fit"]
