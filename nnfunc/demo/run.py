"""The demo's run: split the data, train the MLP, describe it; all from the options' seed."""

from __future__ import annotations

import attrs
import numpy.typing as npt

from nnfunc import data, losses, metrics, optim, random, train, tree
from nnfunc._arrays import FloatArray
from nnfunc.core import forward, init
from nnfunc.demo.cli import Options
from nnfunc.demo.sets import DATASETS, Labels
from nnfunc.layers import Sequential, SequentialParams, mlp

TEST_FRACTION = 0.2
"""The share of the points held out for the test accuracy."""

VALIDATION_FRACTION = 0.2
"""The share of the remaining points held out for the per-epoch validation."""


@attrs.frozen
class Split:
    """The points of a run, split: inputs (n, 2) float64 and int64 labels (n,) of each part."""

    train: tuple[FloatArray, Labels]
    validation: tuple[FloatArray, Labels]
    test: tuple[FloatArray, Labels]


def _keys(options: Options) -> tuple[random.Key, ...]:
    """The three keys of a run, from its seed: data, init, fit."""
    return random.split(random.key(options.seed), 3)


def split_data(options: Options) -> Split:
    """Draw the options' data set from the seed, then hold out the test and validation points."""
    k_data, k_test, k_val = random.split(_keys(options)[0], 3)
    x, y = DATASETS[options.data].make(k_data, options.samples, options.classes)
    x_rest, x_test, y_rest, y_test = data.train_test_split(k_test, x, y, TEST_FRACTION)
    x_train, x_val, y_train, y_val = data.train_test_split(
        k_val, x_rest, y_rest, VALIDATION_FRACTION
    )
    return Split((x_train, y_train), (x_val, y_val), (x_test, y_test))


def network(options: Options) -> Sequential:
    """The options' MLP: its sizes and hidden activation, a linear (logit) last layer."""
    return mlp(options.sizes, activation=options.activation)


def initial_params(options: Options) -> SequentialParams:
    """The network's float32 params before training, from the seed."""
    return init(network(options), _keys(options)[1])


@attrs.frozen
class Outcome:
    """A trained demo net: spec, params, the input scaling it was trained with, its history."""

    net: Sequential
    params: SequentialParams
    scaler: data.Standardizer
    history: train.History

    def logits(self, x: npt.ArrayLike) -> FloatArray:
        """The net's logits (n, classes) for raw points x (n, 2), scaled as in training."""
        return forward(self.net, self.params, self.scaler.transform(x))

    def accuracy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> float:
        """The fraction of raw points x (n, 2) whose predicted class is their label y (n,)."""
        return metrics.accuracy(self.logits(x), y)


def fit_net(options: Options, split: Split, params: SequentialParams, progress: bool) -> Outcome:
    """Train the options' MLP from params on the standardized training points with adam.

    Validation loss and accuracy are recorded after each epoch; progress shows them.
    """
    scaler = data.Standardizer.fit(split.train[0])
    net = network(options)
    result = train.fit(
        net,
        params,
        scaler.transform(split.train[0]),
        split.train[1],
        losses.softmax_cross_entropy,
        optim.adam(options.learning_rate),
        key=_keys(options)[2],
        epochs=options.epochs,
        batch_size=options.batch_size,
        validation_data=(scaler.transform(split.validation[0]), split.validation[1]),
        metrics={"accuracy": metrics.accuracy},
        progress=progress,
    )
    return Outcome(net, result.params, scaler, result.history)


def header(options: Options, split: Split, params: SequentialParams) -> list[str]:
    """The lines printed before training: data set, net and optimizer."""
    counts = [len(part[0]) for part in (split.train, split.validation, split.test)]
    leaves = tree.leaves(params)
    weights = sum(leaf.size for leaf in leaves)
    return [
        f"data: {options.data} ({DATASETS[options.data].about}), {options.classes} classes, "
        f"{options.samples} points: {counts[0]} train, {counts[1]} validation, {counts[2]} test "
        f"(seed {options.seed})",
        f"net: mlp {'-'.join(map(str, options.sizes))}, {options.activation}, logits into "
        f"softmax cross-entropy; {weights} params ({leaves[0].dtype})",
        f"optimizer: adam(learning_rate={options.learning_rate:g}), batch size "
        f"{options.batch_size}, {options.epochs} epochs",
    ]


__all__ = [
    "TEST_FRACTION",
    "VALIDATION_FRACTION",
    "Outcome",
    "Split",
    "fit_net",
    "header",
    "initial_params",
    "network",
    "split_data",
]
