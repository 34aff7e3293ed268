"""The demo behind `python -m nnfunc`: an MLP learns a synthetic 2-D classification task.

It needs nothing beyond numpy and attrs. It prints a header (data set, net,
optimizer), the progress of each epoch on stderr (a tqdm bar with the `progress`
extra, one plain line per epoch without), then `test accuracy: ...`; with matplotlib
(the `plot` extra) it also saves the loss curves, the decision regions and the test
confusion matrix as PNG files and prints their paths. `python -m nnfunc --help`
lists the options; a bad option is an argparse error (exit code 2).
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import data, losses, metrics, optim, random, train, tree
from nnfunc._arrays import FloatArray
from nnfunc.core import forward, init
from nnfunc.layers import Sequential, SequentialParams, mlp

Labels = npt.NDArray[np.int64]

FEATURES = 2
"""Every demo data set has two features, so its decision regions can be drawn."""

TEST_FRACTION = 0.2
"""The share of the points held out for the test accuracy."""

VALIDATION_FRACTION = 0.2
"""The share of the remaining points held out for the per-epoch validation."""

MIN_SAMPLES = 20
"""The fewest points the demo accepts, so that every split holds some."""


@attrs.frozen
class Length:
    """The default --samples and --epochs of a run."""

    samples: int
    epochs: int


FULL = Length(samples=2000, epochs=30)
FAST = Length(samples=400, epochs=8)

HIDDEN = (32, 32)
"""The hidden layer sizes when --sizes is not given."""

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")


@attrs.frozen
class DataSet:
    """A demo data set: how to draw n points of k classes from a key; k from 2 to max_classes."""

    make: Callable[[random.Key, int, int], tuple[FloatArray, Labels]]
    about: str
    max_classes: int = 2
    default_classes: int = 2


BLOB_GAP = 5.0
"""The distance between neighbouring blob centres, five times the blobs' std of 1."""


def _blobs(key: random.Key, n: int, classes: int) -> tuple[FloatArray, Labels]:
    """Gaussian blobs of std 1 whose centres sit evenly on a circle, BLOB_GAP apart."""
    angles = 2.0 * np.pi * np.arange(classes) / classes
    radius = BLOB_GAP / (2.0 * np.sin(np.pi / classes))
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    return data.make_blobs(key, n, centers=centres, std=1.0)


def _classification(key: random.Key, n: int, classes: int) -> tuple[FloatArray, Labels]:
    """make_classification in 2-D: 2 informative features, 4 // classes clusters per class."""
    return data.make_classification(
        key,
        n,
        FEATURES,
        informative=2,
        redundant=0,
        classes=classes,
        clusters_per_class=4 // classes,
    )


DATASETS = {
    "blobs": DataSet(
        _blobs, "Gaussian, std 1, centres 5 apart on a circle", max_classes=10, default_classes=3
    ),
    "moons": DataSet(lambda key, n, _: data.make_moons(key, n, noise=0.2), "two moons, noise 0.2"),
    "circles": DataSet(
        lambda key, n, _: data.make_circles(key, n, noise=0.1), "two circles, noise 0.1"
    ),
    "classification": DataSet(
        _classification, "Gaussian clusters on a square's corners", max_classes=4, default_classes=3
    ),
}


@attrs.frozen
class Options:
    """The demo's settings, checked: what the command line asked for, defaults resolved."""

    data: str
    classes: int
    sizes: tuple[int, ...]
    activation: str
    samples: int
    epochs: int
    batch_size: int
    learning_rate: float
    seed: int
    out: Path


def _sizes(text: str) -> tuple[int, ...]:
    """--sizes "2,32,32,3" as (2, 32, 32, 3): two or more comma-separated ints >= 1."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            "expected two or more comma-separated ints >= 1 (inputs, hidden..., classes) "
            f"such as 2,32,32,3; given {text!r}"
        )
    return sizes


def _int_from(low: int) -> Callable[[str], int]:
    """An argparse type: an int >= low."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an int >= {low}, given {text!r}")
        return value

    return parse


def _positive_float(text: str) -> float:
    """An argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, given {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    """The demo's command-line options."""
    options = argparse.ArgumentParser(
        prog="python -m nnfunc",
        description="Train a small MLP (softmax cross-entropy on its logits, adam) on a "
        "synthetic 2-D data set and report its test accuracy; with matplotlib, also save "
        "the loss curves, the decision regions and the confusion matrix.",
    )
    add = options.add_argument
    add("--data", choices=list(DATASETS), default="blobs", help="the data set (default blobs)")
    add(
        "--classes",
        type=_int_from(2),
        help="number of classes: blobs 2-10, classification 2-4 (default 3); moons and "
        "circles have 2",
    )
    add(
        "--sizes",
        type=_sizes,
        help="layer sizes, inputs first and one logit per class last "
        f"(default 2,{','.join(map(str, HIDDEN))},<classes>)",
    )
    add(
        "--activation", choices=ACTIVATIONS, default="relu", help="hidden activation (default relu)"
    )
    add(
        "--samples",
        type=_int_from(MIN_SAMPLES),
        help=f"number of points (default {FULL.samples}, {FAST.samples} with --fast)",
    )
    add(
        "--epochs",
        type=_int_from(1),
        help=f"training epochs (default {FULL.epochs}, {FAST.epochs} with --fast)",
    )
    add("--batch-size", type=_int_from(1), default=32, help="mini-batch size (default 32)")
    add("--lr", type=_positive_float, default=0.003, help="adam's learning rate (default 0.003)")
    add("--seed", type=int, default=0, help="seed of the run's key (default 0)")
    add(
        "--out",
        type=Path,
        default=Path("out") / "demo",
        help="folder for the plots (default out/demo)",
    )
    add(
        "--fast",
        action="store_true",
        default=os.environ.get("NNFUNC_FAST") == "1",
        help="a short run: fewer points and epochs (also NNFUNC_FAST=1)",
    )
    return options


def parse(options: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> Options:
    """Options from argv (default sys.argv[1:]), checked against the data set.

    Exits through `options.error` (code 2, with the message) for a bad option, a class
    count the data set does not have, or sizes whose first is not the 2 features or
    whose last is not the number of classes.
    """
    args = options.parse_args(argv)
    chosen = DATASETS[args.data]
    classes = chosen.default_classes if args.classes is None else args.classes
    if classes > chosen.max_classes:
        has = "2 classes" if chosen.max_classes == 2 else f"2 to {chosen.max_classes} classes"
        options.error(f"--classes: --data {args.data} has {has}, given {classes}")
    sizes = (FEATURES, *HIDDEN, classes) if args.sizes is None else args.sizes
    if sizes[0] != FEATURES:
        options.error(
            f"--sizes: the first size is the input width, {FEATURES} (the data's features), "
            f"given {sizes[0]}"
        )
    if sizes[-1] != classes:
        hint = f" (or add --classes {sizes[-1]})" if 2 <= sizes[-1] <= chosen.max_classes else ""
        options.error(
            f"--sizes: the last size is one logit per class, {classes} for --data "
            f"{args.data} with {classes} classes, given {sizes[-1]}{hint}"
        )
    defaults = FAST if args.fast else FULL
    return Options(
        data=args.data,
        classes=classes,
        sizes=tuple(sizes),
        activation=args.activation,
        samples=defaults.samples if args.samples is None else args.samples,
        epochs=defaults.epochs if args.epochs is None else args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        seed=args.seed,
        out=args.out,
    )


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


def save_plots(outcome: Outcome, split: Split, out: Path) -> list[Path]:
    """Save history.png, decision_regions.png (test points) and confusion_matrix.png in out.

    Raises ImportError, saying how to install it, when matplotlib is missing.
    """
    from nnfunc import plot  # the `plot` extra: matplotlib

    x_test, y_test = split.test
    logits = outcome.logits(x_test)
    matrix = metrics.confusion_matrix(y_test, metrics.predicted_labels(logits), logits.shape[1])
    accuracy = metrics.accuracy(logits, y_test)
    return [
        plot.history(outcome.history, out / "history.png", title="loss and accuracy per epoch"),
        plot.decision_boundary(
            outcome.logits,
            x_test,
            y_test,
            out / "decision_regions.png",
            title="decision regions and test points",
        ),
        plot.confusion_matrix(
            matrix, out / "confusion_matrix.png", title=f"test confusion matrix ({accuracy:.3f})"
        ),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the demo with the command-line options argv (default sys.argv[1:])."""
    options_parser = parser()
    options = parse(options_parser, argv)
    split = split_data(options)
    if options.batch_size > len(split.train[0]):
        options_parser.error(
            f"--batch-size must be at most the {len(split.train[0])} training points, "
            f"given {options.batch_size}"
        )
    params = initial_params(options)
    print("\n".join(header(options, split, params)), flush=True)
    outcome = fit_net(options, split, params, progress=True)
    print(f"final train loss: {outcome.history['train_loss'][-1]:.4f}")
    print(f"validation accuracy: {outcome.history['val_accuracy'][-1]:.3f}")
    print(f"test accuracy: {outcome.accuracy(*split.test):.3f}")
    try:
        saved = save_plots(outcome, split, options.out)
    except ImportError as error:
        print(f"plots: none saved: {error}")
        return
    print("\n".join(f"saved {path}" for path in saved))


__all__ = [
    "DATASETS",
    "DataSet",
    "Options",
    "Outcome",
    "Split",
    "fit_net",
    "header",
    "initial_params",
    "main",
    "network",
    "parse",
    "parser",
    "save_plots",
    "split_data",
]
