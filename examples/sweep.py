"""A hyper-parameter sweep: learning rate x hidden width x 5 seeds on the two moons.

Each run trains a [2, width, width, 1] tanh net with Adam on 800 moons points (noise
0.2; the same points for every run) and scores it on 200 held-out points; its seed
alone gives its init and shuffling keys. `nf.sweep.run` runs the grid on the
"processes" backend (one spawned process per core, one BLAS thread each) and returns
the results table; the script prints the aggregate (mean, std, min, max over the
seeds of each config), the best config, and plots the test accuracy against the
learning rate, one line per width, with the standard deviation over seeds as error
bars (out/sweep/accuracy_vs_learning_rate.png).

Run: python examples/sweep.py [--seed S] [--out DIR] [--fast] [--backend B]
     [--workers N] [--results FILE]

--seed S runs the seeds S to S + 4; --results FILE keeps every finished run in FILE,
so that an interrupted sweep started again runs only what is missing. The full run
(6 learning rates x 2 widths x 5 seeds = 60 runs of 40 epochs) takes about 10 s on 2
cores (19 s with --backend serial). From seed 0, both widths stay near 0.88 test
accuracy at a rate of 0.001; width 4 reaches 0.973 to 0.974 from 0.01 to 0.1; the best
is width 16 at 0.003, 0.975 on all 5 seeds; at 0.3 the spread over seeds grows
(width 16: 0.937 +- 0.044).
--fast sweeps 2 rates x 1 width x 2 seeds for 10 epochs.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

import nnfunc as nf
from _cli import parser
from nnfunc import optim, sweep

FloatArray = npt.NDArray[np.floating[Any]]

DATA_SEED = 2024
"""The key of the moons points: every run of every sweep sees the same data."""

TEST_FRACTION = 0.2
BATCH_SIZE = 32
SEEDS = 5
METRIC = "test_accuracy"


@attrs.frozen
class Settings:
    """The grid and how long each run trains."""

    learning_rates: tuple[float, ...]
    widths: tuple[int, ...]
    seeds: int
    points: int
    epochs: int


FULL = Settings((0.001, 0.003, 0.01, 0.03, 0.1, 0.3), (4, 16), SEEDS, points=1000, epochs=40)
FAST = Settings((0.01, 0.1), (8,), seeds=2, points=200, epochs=10)


def logit_accuracy(logits: npt.ArrayLike, target: npt.ArrayLike) -> float:
    """Accuracy of one-logit outputs (n, 1) against 0/1 targets (n, 1): class 1 where logit > 0."""
    return nf.metrics.accuracy(logits, target, threshold=0.0)


def train_moons(
    seed: int, *, learning_rate: float, width: int, points: int, epochs: int
) -> sweep.RunOutput:
    """One run of the sweep: train on the moons from the run's seed, score on the test points.

    The data come from DATA_SEED, the init and shuffling keys from `seed`. Metrics:
    test_accuracy, train_accuracy and the last epoch's train_loss.
    """
    x, labels = nf.datasets.make_moons(nf.random.key(DATA_SEED), points, noise=0.2)
    x_train, x_test, y_train, y_test = nf.data.train_test_split(
        nf.random.key(DATA_SEED), x, nf.datasets.binary_targets(labels), TEST_FRACTION
    )
    k_init, k_fit = nf.random.split(nf.random.key(seed))
    net = nf.mlp([2, width, width, 1], activation="tanh")
    result = nf.fit(
        net,
        nf.init(net, k_init),
        x_train,
        y_train,
        nf.losses.sigmoid_binary_cross_entropy,
        optim.adam(learning_rate),
        key=k_fit,
        epochs=epochs,
        batch_size=BATCH_SIZE,
    )
    metrics = {
        METRIC: logit_accuracy(nf.forward(net, result.params, x_test), y_test),
        "train_loss": result.history["train_loss"][-1],
    }
    return sweep.RunOutput(metrics, result.history)


def number(value: sweep.Value) -> float:
    """A numeric config value as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, given {value!r}")
    return float(value)


def best(summaries: Sequence[sweep.Summary]) -> sweep.Summary:
    """The config of highest mean test accuracy (the first of equals)."""
    scored = [s for s in summaries if METRIC in s.metrics]
    return max(scored, key=lambda s: s.metrics[METRIC].mean)


def plot_accuracy(summaries: Sequence[sweep.Summary], seeds: int, path: Path) -> Path:
    """Test accuracy against learning rate (log axis), a line per width, mean +- std bars."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0, 4.0), dpi=100.0, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    widths = dict.fromkeys(int(number(s.config["width"])) for s in summaries)
    for width in widths:
        rows = [s for s in summaries if s.config["width"] == width and METRIC in s.metrics]
        axes.errorbar(
            [number(s.config["learning_rate"]) for s in rows],
            [s.metrics[METRIC].mean for s in rows],
            yerr=[s.metrics[METRIC].std for s in rows],
            marker="o",
            capsize=4,
            label=f"width {width}",
        )
    axes.set_xscale("log")
    axes.set_xlabel("learning rate (Adam)")
    axes.set_ylabel("test accuracy")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.suptitle(f"two moons: mean and standard deviation over {seeds} seeds")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def main() -> None:
    """Run the sweep, print the aggregate table and the best config, save the plot."""
    options = parser(__file__, __doc__)
    options.add_argument("--backend", choices=sweep.BACKENDS, default="processes")
    options.add_argument("--workers", type=int, default=None, help="default: one per core")
    options.add_argument("--results", type=Path, default=None, help="a JSON file to resume from")
    args = options.parse_args()
    settings = FAST if args.fast else FULL
    job = functools.partial(train_moons, points=settings.points, epochs=settings.epochs)
    grid = {"learning_rate": settings.learning_rates, "width": settings.widths}
    seeds = range(args.seed, args.seed + settings.seeds)
    results = sweep.run(
        job,
        grid,
        seeds,
        backend=args.backend,
        workers=args.workers,
        results_path=args.results,
        progress=True,
    )
    summaries = results.aggregate()
    print(results)
    top = best(summaries)
    stats = top.metrics[METRIC]
    config = " ".join(f"{name}={value}" for name, value in top.config.items())
    print(
        f"best: {config}: test accuracy {stats.mean:.3f} +- {stats.std:.3f} "
        f"(min {stats.min:.3f}, max {stats.max:.3f}) over {stats.count} seeds"
    )
    path = plot_accuracy(summaries, settings.seeds, args.out / "accuracy_vs_learning_rate.png")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
