"""nnfunc in scikit-learn: a Pipeline of StandardScaler and nnfunc.sklearn.MLPClassifier,
tuned by GridSearchCV over the hidden sizes and alpha on the 8x8 digits.

A fifth of the 1797 images is held out (stratified, from --seed); 3-fold
cross-validation on the rest picks the hidden layer sizes and the L2 strength alpha,
GridSearchCV refits the best pipeline on all of the rest, and it is scored once on the
held-out fifth. The estimator is the one-import switch from
sklearn.neural_network.MLPClassifier: the same parameter names, trained by nnfunc.

Run: python examples/sklearn_pipeline.py [--seed S] [--out DIR] [--fast]
It needs scikit-learn: pip install "nnfunc[sklearn]". Prints the grid's mean
cross-validation accuracies, the best parameters and the test accuracy; writes the
grid as a CSV table to DIR/grid_search.csv. From seed 0 the full run picks
hidden_layer_sizes=(64,), alpha=1 (cv accuracy 0.974) and scores 0.978 on the test
images, in about 50 s of CPU. --fast: a 2 x 2 grid, 2 folds, 15 epochs of a
learning rate 0.01 (0.001 otherwise, scikit-learn's default).
"""

from __future__ import annotations

import csv
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from _cli import parser

try:
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from nnfunc.sklearn import MLPClassifier
except ImportError:
    print(
        'examples/sklearn_pipeline.py needs scikit-learn: pip install "nnfunc[sklearn]"',
        file=sys.stderr,
    )
    raise SystemExit(2) from None

TEST_FRACTION = 0.2
GRID = {"mlp__hidden_layer_sizes": [(32,), (64,), (128,)], "mlp__alpha": [1e-4, 1e-2, 1.0]}
FAST_GRID = {"mlp__hidden_layer_sizes": [(16,), (32,)], "mlp__alpha": [1e-4, 1.0]}
FOLDS, FAST_FOLDS = 3, 2
EPOCHS, FAST_EPOCHS = 200, 15
LEARNING_RATE, FAST_LEARNING_RATE = 0.001, 0.01


def search(fast: bool, seed: int) -> Any:
    """The unfitted GridSearchCV over the pipeline (all cores; one process with --fast,
    whose 15 epochs take steps 10 times longer than scikit-learn's default 0.001)."""
    mlp = MLPClassifier(
        learning_rate_init=FAST_LEARNING_RATE if fast else LEARNING_RATE,
        max_iter=FAST_EPOCHS if fast else EPOCHS,
        random_state=seed,
    )
    pipeline = Pipeline([("scale", StandardScaler()), ("mlp", mlp)])
    grid, folds = (FAST_GRID, FAST_FOLDS) if fast else (GRID, FOLDS)
    return GridSearchCV(pipeline, grid, cv=folds, n_jobs=1 if fast else -1)


def write_grid(results: dict[str, Any], path: Path) -> Path:
    """The grid's parameters, mean and std of the fold accuracies and rank, one row each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = ["param_mlp__hidden_layer_sizes", "param_mlp__alpha"]
    columns += ["mean_test_score", "std_test_score", "rank_test_score"]
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["hidden_layer_sizes", "alpha", "mean_accuracy", "std", "rank"])
        for row in zip(*(results[column] for column in columns), strict=True):
            writer.writerow(row)
    return path


def main() -> None:
    args = parser(__file__, __doc__).parse_args()
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, stratify=y, random_state=args.seed
    )
    print(f"digits: {len(x_train)} images to tune and train on, {len(x_test)} to test")
    grid = search(args.fast, args.seed)
    with warnings.catch_warnings():  # scikit-learn hands the filter to its workers too
        # max_iter ends most fits while the loss still falls by more than tol: expected
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(x_train, y_train)
    results = grid.cv_results_
    for params, score in zip(results["params"], results["mean_test_score"], strict=True):
        sizes, alpha = params["mlp__hidden_layer_sizes"], params["mlp__alpha"]
        print(f"hidden {sizes!s:7} alpha {alpha:<7g} cv accuracy {score:.3f}")
    best = grid.best_params_
    print(
        f"best: hidden_layer_sizes={best['mlp__hidden_layer_sizes']}, "
        f"alpha={best['mlp__alpha']:g} (cv accuracy {grid.best_score_:.3f})"
    )
    accuracy = float(np.mean(grid.predict(x_test) == y_test))
    print(f"test accuracy: {accuracy:.3f}")
    print(f"saved {write_grid(results, args.out / 'grid_search.csv')}")


if __name__ == "__main__":
    main()
