"""A training loop written by hand: no `fit`, only the pure pieces it is made of.

A 2-16-16-1 tanh net learns the two moons from `nf.init`, `nf.value_and_grads`, an
optimizer's `init` / `update` and `optim.apply_updates`. Each epoch visits the
training set in mini-batches shuffled by `nf.random.fold_in(key, epoch)`. The
optimizer clips the gradient to global norm 1 before Adam:
`optim.chain(optim.clip_by_global_norm(1.0), optim.adam(lr))`. Prints the train and
test loss every few epochs, how often clipping acted, the final accuracies, and saves
the loss curves and the decision regions as PNG files.

Run: python examples/custom_loop.py [--epochs N] [--seed S] [--out DIR] [--fast]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

import nnfunc as nf
from _cli import add_epochs, parser
from _cli import epochs as chosen_epochs
from nnfunc import optim, plot

NET = nf.mlp([2, 16, 16, 1], activation="tanh")
LOSS = nf.losses.sigmoid_binary_cross_entropy
MAX_NORM = 1.0
LEARNING_RATE = 0.01
BATCH_SIZE = 32
POINTS, FAST_POINTS = 1000, 300
EPOCHS, FAST_EPOCHS = 60, 8
PRINT_EVERY = 10
OPTIMIZER = optim.chain(optim.clip_by_global_norm(MAX_NORM), optim.adam(LEARNING_RATE))

Array = npt.NDArray[Any]
Batch = tuple[Array, Array]
State = tuple[optim.OptState, ...]


@attrs.frozen
class Split:
    """The moons, split: x (n, 2) and float 0/1 targets (n, 1) for training and testing."""

    x_train: Array
    y_train: Array
    x_test: Array
    y_test: Array


def moons(key: nf.Key, n: int) -> Split:
    """n noisy moon points, a quarter of them held out for testing."""
    k_make, k_split = nf.random.split(key)
    x, labels = nf.datasets.make_moons(k_make, n, noise=0.2)
    x_train, x_test, y_train, y_test = nf.data.train_test_split(k_split, x, labels, 0.25)
    return Split(
        x_train, nf.datasets.binary_targets(y_train), x_test, nf.datasets.binary_targets(y_test)
    )


def train_epoch(
    params: nf.SequentialParams, state: State, batches: Iterable[Batch]
) -> tuple[nf.SequentialParams, State, float, int]:
    """One pass over `batches`: (params, optimizer state, mean loss, steps that were clipped).

    The loss is the mean over the examples of the loss before each step.
    """
    total, count, clipped = 0.0, 0, 0
    for xb, yb in batches:
        value, grads = nf.value_and_grads(NET, params, xb, yb, LOSS)
        clipped += nf.tree.global_norm(grads) > MAX_NORM
        updates, state = OPTIMIZER.update(grads, state, params)
        params = optim.apply_updates(params, updates)
        total += value * len(xb)
        count += len(xb)
    return params, state, total / count, clipped


def accuracy(params: nf.SequentialParams, x: Array, y: Array) -> float:
    """The fraction of points whose logit has the sign of their 0/1 target."""
    return nf.metrics.accuracy(nf.forward(NET, params, x), y, threshold=0.0)


def train(
    key: nf.Key, data: Split, epochs: int
) -> tuple[nf.SequentialParams, dict[str, list[float]]]:
    """(params, {"train": [...], "test": [...]} loss per epoch) after `epochs` epochs."""
    k_init, k_shuffle = nf.random.split(key)
    params = nf.init(NET, k_init)
    state = OPTIMIZER.init(params)
    losses: dict[str, list[float]] = {"train": [], "test": []}
    steps = clipped = 0
    for epoch in range(epochs):
        batches = nf.data.batches(
            nf.random.fold_in(k_shuffle, epoch), data.x_train, data.y_train, BATCH_SIZE
        )
        params, state, train_loss, epoch_clipped = train_epoch(params, state, batches)
        test_loss = nf.loss(NET, params, data.x_test, data.y_test, LOSS)
        losses["train"].append(train_loss)
        losses["test"].append(test_loss)
        steps += nf.data.num_batches(len(data.x_train), BATCH_SIZE)
        clipped += epoch_clipped
        if (epoch + 1) % PRINT_EVERY == 0 or epoch + 1 == epochs:
            print(f"epoch {epoch + 1:3d}: train loss {train_loss:.4f}, test loss {test_loss:.4f}")
    print(f"gradient clipped to norm {MAX_NORM} in {clipped} of {steps} steps")
    return params, losses


def main() -> None:
    """Train by hand, print the accuracies, save the plots."""
    options = parser(__file__, __doc__)
    add_epochs(options, EPOCHS, FAST_EPOCHS)
    args = options.parse_args()
    epochs = chosen_epochs(args)
    k_data, k_train = nf.random.split(nf.random.key(args.seed))
    data = moons(k_data, FAST_POINTS if args.fast else POINTS)
    params, losses = train(k_train, data, epochs)
    print(f"train accuracy: {accuracy(params, data.x_train, data.y_train):.3f}")
    print(f"test accuracy: {accuracy(params, data.x_test, data.y_test):.3f}")
    epoch_numbers = np.arange(1, epochs + 1)
    saved = [
        plot.curves(losses, args.out / "loss.png", "epoch", "loss", x=epoch_numbers),
        plot.decision_boundary(
            lambda points: nf.forward(NET, params, points),
            data.x_test,
            data.y_test,
            args.out / "decision.png",
            threshold=0.0,
            title="test points",
        ),
    ]
    for path in saved:
        print(f"saved {path}")


if __name__ == "__main__":
    main()
