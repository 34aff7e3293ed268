"""Regression on the tutorials' tabular set, down to its noise floor, in 20 epochs.

The data (`nf.datasets.make_regression_tabular`): a, b, c ~ N(0, 1), d uniform in
{0, 1, 2, 3}, e ~ Bernoulli(0.5), and the target 50 + 0.8a + 0.4b - 0.2c + 10d + 20e
plus N(0, 10^2) noise, so no model can beat an MSE of about 100 on fresh data. Of
100 000 rows a fifth is held out for testing and a fifth of the rest for validation.
Features and target are standardized with the training part's statistics; a
[5, 10, 10, 1] ReLU net learns the standardized target with the MSE loss, by Adam on
mini-batches of 64 with the learning rate decayed to 0 along half a cosine wave.
Predictions are mapped back to the target's units, where every MSE is reported.

Run: python examples/regression.py [--seed S] [--out DIR] [--fast]

Prints the train and validation MSE of each epoch, then the test MSE, R^2 and MAE,
and saves the learning curves and a binned predicted-vs-true plot. The full run
from seed 0 takes about 10 s on 2 cores and reaches a test MSE of 100.27 (R^2 0.691,
MAE 7.98), against the tutorial's 105.4 after 20 epochs, the noise floor of 100 and
the 100.16 that the true function itself scores on these 20 000 test rows.
--fast uses 5 000 rows and 5 epochs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

import nnfunc as nf
from _cli import parser
from nnfunc import optim, plot

FloatArray = npt.NDArray[np.floating[Any]]

SIZES = (5, 10, 10, 1)
TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.2
BATCH_SIZE = 64
LEARNING_RATE = 0.01
NOISE_FLOOR = 100.0
"""The variance of the target's noise: the expected MSE of the true function."""
TUTORIAL_MSE = 105.4
"""The test MSE the tutorial reached after 20 epochs."""
CALIBRATION_BINS = 20


@attrs.frozen
class Settings:
    """How much data and training: rows generated and epochs."""

    rows: int
    epochs: int


FULL = Settings(rows=100_000, epochs=20)
FAST = Settings(rows=5_000, epochs=5)


@attrs.frozen
class Split:
    """Train, validation and test rows in the data's own units, with the standardizers of
    the features and of the target fitted on the train rows. x: (n, 5), y: (n, 1)."""

    x_train: FloatArray
    y_train: FloatArray
    x_val: FloatArray
    y_val: FloatArray
    x_test: FloatArray
    y_test: FloatArray
    x_scaler: nf.data.Standardizer
    y_scaler: nf.data.Standardizer


@attrs.frozen
class Scores:
    """How well predictions fit the targets, in the target's units."""

    mse: float
    r2: float
    mae: float


def load(key: nf.Key, rows: int) -> Split:
    """`rows` rows of the tabular set, split into train, validation and test rows."""
    k_data, k_test, k_val = nf.random.split(key, 3)
    x, y = nf.datasets.make_regression_tabular(k_data, rows)
    x_rest, x_test, y_rest, y_test = nf.data.train_test_split(k_test, x, y, TEST_FRACTION)
    x_train, x_val, y_train, y_val = nf.data.train_test_split(
        k_val, x_rest, y_rest, VALIDATION_FRACTION
    )
    x_scaler, y_scaler = nf.data.Standardizer.fit(x_train), nf.data.Standardizer.fit(y_train)
    return Split(x_train, y_train, x_val, y_val, x_test, y_test, x_scaler, y_scaler)


def target_mse(y_scaler: nf.data.Standardizer) -> Callable[[FloatArray, FloatArray], float]:
    """A metric for `nf.fit`: the MSE in the target's units of standardized (pred, target)."""

    def metric(pred: FloatArray, target: FloatArray) -> float:
        return nf.metrics.mse(y_scaler.inverse_transform(pred), y_scaler.inverse_transform(target))

    return metric


def print_epoch(end: nf.train.EpochEnd[nf.SequentialParams, Any]) -> None:
    """A callback for `nf.fit`: the epoch's train and validation MSE in the target's units."""
    history = end.history
    print(
        f"epoch {end.epoch + 1:>2}: train MSE {history['train_mse'][-1]:.2f}, "
        f"validation MSE {history['val_mse'][-1]:.2f}"
    )


def train(
    data: Split, key: nf.Key, epochs: int
) -> tuple[nf.Sequential, nf.train.FitResult[nf.SequentialParams, Any]]:
    """The [5, 10, 10, 1] ReLU net fitted to the standardized train rows for `epochs` epochs."""
    k_init, k_fit = nf.random.split(key)
    net = nf.mlp(SIZES, activation="relu")
    steps = epochs * nf.data.num_batches(len(data.x_train), BATCH_SIZE)
    validation = (data.x_scaler.transform(data.x_val), data.y_scaler.transform(data.y_val))
    result = nf.fit(
        net,
        nf.init(net, k_init),
        data.x_scaler.transform(data.x_train),
        data.y_scaler.transform(data.y_train),
        nf.losses.mse,
        optim.adam(optim.cosine_decay(LEARNING_RATE, steps)),
        key=k_fit,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation_data=validation,
        metrics={"mse": target_mse(data.y_scaler)},
        callbacks=[print_epoch],
    )
    return net, result


def predict(
    net: nf.Sequential, params: nf.SequentialParams, data: Split, x: FloatArray
) -> FloatArray:
    """The net's predictions (n, 1) in the target's units for rows x (n, 5) in the data's."""
    return data.y_scaler.inverse_transform(nf.forward(net, params, data.x_scaler.transform(x)))


def score(pred: FloatArray, target: FloatArray) -> Scores:
    """MSE, R^2 and MAE of predictions (n, 1) against targets (n, 1)."""
    return Scores(
        nf.metrics.mse(pred, target), nf.metrics.r2(pred, target), nf.metrics.mae(pred, target)
    )


def true_function(x: FloatArray) -> FloatArray:
    """The noiseless target 50 + 0.8a + 0.4b - 0.2c + 10d + 20e of rows x (n, 5), as (n, 1)."""
    weights = np.array(nf.datasets.TABULAR_COEFFICIENTS).reshape(-1, 1)
    target: FloatArray = x @ weights + nf.datasets.TABULAR_INTERCEPT
    return target


def calibration(pred: FloatArray, target: FloatArray, bins: int) -> tuple[FloatArray, FloatArray]:
    """(mean prediction, mean target) of each of `bins` groups of rows of near-equal size,
    grouped by prediction from lowest to highest: two arrays (bins,)."""
    order = np.argsort(pred[:, 0], kind="stable")
    groups = np.array_split(order, bins)
    means = [(pred[g, 0].mean(), target[g, 0].mean()) for g in groups]
    predicted, observed = np.array(means).T
    return predicted, observed


def save_plots(
    history: nf.train.History, pred: FloatArray, target: FloatArray, out: Path
) -> list[Path]:
    """The learning curves (MSE in the target's units) and the binned predicted-vs-true plot."""
    curves = plot.history(
        history,
        out / "learning_curves.png",
        columns=["train_mse", "val_mse"],
        title="[5, 10, 10, 1] ReLU net: MSE per epoch",
    )
    predicted, observed = calibration(pred, target, CALIBRATION_BINS)
    fit = plot.curves(
        {"mean target": observed, "ideal: target = prediction": predicted},
        out / "predicted_vs_true.png",
        xlabel="mean prediction of the bin",
        ylabel="mean target of the bin",
        x=predicted,
        title=f"test rows in {CALIBRATION_BINS} bins of equal size, by prediction",
    )
    return [curves, fit]


def main() -> None:
    """Train the net, print the epochs and the test scores, save the plots."""
    args = parser(__file__, __doc__).parse_args()
    settings = FAST if args.fast else FULL
    k_data, k_train = nf.random.split(nf.random.key(args.seed))
    data = load(k_data, settings.rows)
    print(f"rows: {len(data.x_train)} train, {len(data.x_val)} validation, {len(data.x_test)} test")
    net, result = train(data, k_train, settings.epochs)
    pred = predict(net, result.params, data, data.x_test)
    test = score(pred, data.y_test)
    floor = nf.metrics.mse(true_function(data.x_test), data.y_test)
    print(
        f"test MSE: {test.mse:.2f} (noise floor {NOISE_FLOOR:.0f}, tutorial {TUTORIAL_MSE}; "
        f"the true function scores {floor:.2f} on these rows)"
    )
    print(f"test R^2: {test.r2:.4f}")
    print(f"test MAE: {test.mae:.3f}")
    for path in save_plots(result.history, pred, data.y_test, args.out):
        print(f"saved {path}")


if __name__ == "__main__":
    main()
