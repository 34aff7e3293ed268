"""Binary classifiers on three synthetic sets: a small and a deeper MLP on each.

The sets: a make_classification problem (20 features, of which 2 informative and
2 redundant), two moons (noise 0.2) and two concentric circles (noise 0.1), 2000
points each, a fifth held out for testing. Each net ends in one logit trained with
sigmoid cross-entropy on logits, by Adam on mini-batches of 32 with a validation
split and early stopping on the validation loss. For each set and net the script
prints the train and test accuracy and saves the learning curves and, on the 2-D
sets, the decision regions over the test points; a summary table ends the run.

Run: python examples/classification.py [--seed S] [--out DIR] [--fast]

The full run from seed 0 takes about 10 s on 2 cores and reaches these test
accuracies (small [n, 4, 3, 1] / deep [n, 16, 16, 16, 1] net): classification
0.940 / 0.953, moons 0.975 / 0.978, circles 0.988 / 0.988. --fast trains on 400
points for at most 30 epochs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

import nnfunc as nf
from _cli import parser
from nnfunc import optim, plot

FloatArray = npt.NDArray[np.floating[Any]]
Labels = npt.NDArray[np.int64]
Maker = Callable[[nf.Key, int], tuple[FloatArray, Labels]]

DATA_SETS: dict[str, Maker] = {
    "classification": lambda key, n: nf.datasets.make_classification(key, n),
    "moons": lambda key, n: nf.datasets.make_moons(key, n, noise=0.2),
    "circles": lambda key, n: nf.datasets.make_circles(key, n, noise=0.1, factor=0.5),
}
"""Each set by name: (key, n) -> (x float64 (n, features), labels int64 (n,) in {0, 1})."""

NETS: dict[str, tuple[int, ...]] = {"small": (4, 3), "deep": (16, 16, 16)}
"""The hidden layer sizes of each net; the input size is the set's feature count."""

TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.2
BATCH_SIZE = 32
LEARNING_RATE = 0.01


@attrs.frozen
class Settings:
    """How much to train: points per set, the epoch limit and the early-stopping patience."""

    points: int
    epochs: int
    patience: int


FULL = Settings(points=2000, epochs=200, patience=30)
FAST = Settings(points=400, epochs=30, patience=10)


@attrs.frozen
class Split:
    """A set split into train and test parts, features standardized with the train part's
    statistics; y are (n, 1) float 0/1 targets for a one-logit net."""

    scaler: nf.data.Standardizer
    x_train: FloatArray
    y_train: FloatArray
    x_test: FloatArray
    y_test: FloatArray


@attrs.frozen
class Outcome:
    """One row of the summary: a net's accuracies on a set, the epochs it ran and the epoch
    whose params early stopping kept (counted from 0, as the plots count them)."""

    data_set: str
    net: str
    sizes: tuple[int, ...]
    train_accuracy: float
    test_accuracy: float
    epochs_run: int
    best_epoch: int


def logit_accuracy(logits: npt.ArrayLike, target: npt.ArrayLike) -> float:
    """Accuracy of one-logit outputs (n, 1) against 0/1 targets (n, 1): class 1 where logit > 0."""
    return nf.metrics.accuracy(logits, target, threshold=0.0)


def split(key: nf.Key, x: FloatArray, labels: Labels) -> Split:
    """Hold out TEST_FRACTION of (x, labels) and standardize x with the train part's statistics."""
    x_train, x_test, y_train, y_test = nf.data.train_test_split(
        key, x, nf.datasets.binary_targets(labels), TEST_FRACTION
    )
    scaler = nf.data.Standardizer.fit(x_train)
    return Split(scaler, scaler.transform(x_train), y_train, scaler.transform(x_test), y_test)


def train(
    net: nf.Sequential, data: Split, key: nf.Key, settings: Settings
) -> nf.train.FitResult[nf.SequentialParams, Any]:
    """Adam on mini-batches with a validation split; early stopping restores the best epoch."""
    k_init, k_fit = nf.random.split(key)
    return nf.fit(
        net,
        nf.init(net, k_init),
        data.x_train,
        data.y_train,
        nf.losses.sigmoid_binary_cross_entropy,
        optim.adam(LEARNING_RATE),
        key=k_fit,
        epochs=settings.epochs,
        batch_size=BATCH_SIZE,
        validation_split=VALIDATION_FRACTION,
        metrics={"accuracy": logit_accuracy},
        early_stopping=nf.train.EarlyStopping(patience=settings.patience),
    )


def predictor(
    net: nf.Sequential, params: nf.SequentialParams, scaler: nf.data.Standardizer
) -> Callable[[FloatArray], FloatArray]:
    """The net's logits (m, 1) for raw points (m, features), standardized as in training."""
    return lambda points: nf.forward(net, params, scaler.transform(points))


def save_plots(
    name: str,
    title: str,
    history: nf.train.History,
    predict: Callable[[FloatArray], FloatArray],
    data: Split,
    out: Path,
) -> list[Path]:
    """The learning curves, and on a 2-D set the decision regions over the raw test points."""
    saved = [plot.history(history, out / f"{name}_history.png", title=title)]
    if data.x_test.shape[1] == 2:
        test_points = data.scaler.inverse_transform(data.x_test)
        path = out / f"{name}_boundary.png"
        saved.append(
            plot.decision_boundary(
                predict, test_points, data.y_test, path, threshold=0.0, title=title
            )
        )
    return saved


def run(
    data_set: str, net_name: str, data: Split, key: nf.Key, settings: Settings, out: Path
) -> Outcome:
    """Train and score one net on one split set, print its accuracies and save its plots."""
    sizes = (data.x_train.shape[1], *NETS[net_name], 1)
    net = nf.mlp(sizes, activation="tanh")
    result = train(net, data, key, settings)
    assert result.best_epoch is not None  # early stopping always records its best epoch
    outcome = Outcome(
        data_set,
        net_name,
        sizes,
        logit_accuracy(nf.forward(net, result.params, data.x_train), data.y_train),
        logit_accuracy(nf.forward(net, result.params, data.x_test), data.y_test),
        len(result.history),
        result.best_epoch,
    )
    title = f"{data_set}, {net_name} net {list(sizes)}: test accuracy {outcome.test_accuracy:.3f}"
    print(
        f"{data_set} / {net_name} {list(sizes)}: train accuracy {outcome.train_accuracy:.3f}, "
        f"test accuracy {outcome.test_accuracy:.3f} (epochs 0-{outcome.epochs_run - 1} run, "
        f"params of epoch {outcome.best_epoch} kept)"
    )
    predict = predictor(net, result.params, data.scaler)
    for path in save_plots(f"{data_set}_{net_name}", title, result.history, predict, data, out):
        print(f"  saved {path}")
    return outcome


def summary(outcomes: Sequence[Outcome]) -> str:
    """The outcomes as a text table: set, net, sizes, epochs run, kept epoch, accuracies."""
    header = f"{'data set':<16}{'net':<7}{'sizes':<22}{'epochs':>7}{'kept':>6}"
    lines = [f"{header}{'train':>8}{'test':>8}"]
    lines += [
        f"{o.data_set:<16}{o.net:<7}{list(o.sizes)!s:<22}{o.epochs_run:>7}{o.best_epoch:>6}"
        f"{o.train_accuracy:>8.3f}{o.test_accuracy:>8.3f}"
        for o in outcomes
    ]
    return "\n".join(lines)


def main() -> None:
    """Train both nets on each set, print their accuracies and the summary, save the plots."""
    args = parser(__file__, __doc__).parse_args()
    settings = FAST if args.fast else FULL
    key = nf.random.key(args.seed)
    outcomes = []
    for index, (data_set, make) in enumerate(DATA_SETS.items()):
        k_data, k_split, k_nets = nf.random.split(nf.random.fold_in(key, index), 3)
        data = split(k_split, *make(k_data, settings.points))
        for net_index, net_name in enumerate(NETS):
            k_net = nf.random.fold_in(k_nets, net_index)
            outcomes.append(run(data_set, net_name, data, k_net, settings, args.out))
    print()
    print(summary(outcomes))


if __name__ == "__main__":
    main()
