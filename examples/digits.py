"""Handwritten digits: a softmax MLP on scikit-learn's 8x8 images reaches 97 % test accuracy.

The 1797 images (8x8 pixels of 0 to 16, ten classes) ship inside the scikit-learn
wheel: nothing is downloaded. A fifth of them is held out as the test set. Pixels are
scaled to [0, 1]; a 64-256-10 ReLU net gives logits for softmax cross-entropy (plus a
small L2 penalty) and adam trains it on the rest, keeping 15 % of those for validation:
early stopping ends the run when the validation loss stops improving and keeps the
best epoch's params. Prints the test accuracy and the most confused pair of digits;
saves the loss curves and the test confusion matrix.

Run: python examples/digits.py [--epochs N] [--seed S] [--out DIR] [--fast]
It needs scikit-learn: pip install "nnfunc[examples]".
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

import nnfunc as nf
from _cli import add_epochs, parser
from _cli import epochs as chosen_epochs
from nnfunc import optim, plot

Pixels = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]

PIXEL_MAX = 16.0
"""The largest pixel value of the 8x8 digits (a count of set pixels in a 4x4 block)."""

CLASSES = 10
HIDDEN = 256
LEARNING_RATE = 1e-3
L2_STRENGTH = 5e-4
BATCH_SIZE = 32
TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.15
EPOCHS = 150
FAST_EPOCHS = 10
PATIENCE = 15
"""Epochs without a better validation loss before early stopping ends the run."""


def load_digits() -> tuple[Pixels, Labels]:
    """The 1797 digit images: pixels float64 (1797, 64) in [0, 16], labels int64 (1797,).

    Exits with code 2 and the command that installs scikit-learn when it is missing.
    """
    try:
        from sklearn.datasets import load_digits as bundled
    except ImportError:
        print(
            "examples/digits.py needs scikit-learn, whose wheel bundles the digit images "
            '(nothing is downloaded); install it with: pip install "nnfunc[examples]"',
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    digits = bundled()
    return np.asarray(digits.data, dtype=np.float64), np.asarray(digits.target, dtype=np.int64)


def most_confused(matrix: Labels) -> tuple[int, int, int]:
    """(true class, predicted class, count) of the largest off-diagonal cell of a (k, k) matrix."""
    errors = matrix - np.diag(np.diag(matrix))
    true, guess = np.unravel_index(int(np.argmax(errors)), errors.shape)
    return int(true), int(guess), int(errors[true, guess])


def command_line() -> tuple[int, int, Path]:
    """(seed, most epochs, plot folder) from the command line; --epochs must be >= 1."""
    options = parser(__file__, __doc__)
    add_epochs(options, EPOCHS, FAST_EPOCHS, "most epochs to train")
    args = options.parse_args()
    return args.seed, chosen_epochs(args), args.out


def train(
    net: nf.Sequential, x: Pixels, y: Labels, keys: tuple[nf.Key, nf.Key], epochs: int
) -> nf.train.FitResult[nf.SequentialParams, object]:
    """Fit net from the params of keys[0] to the scaled images x (n, 64) and labels y (n,),
    shuffling with keys[1] and keeping VALIDATION_FRACTION of them to stop early on; the
    returned params are those of the best validation loss."""
    k_init, k_fit = keys
    return nf.fit(
        net,
        nf.init(net, k_init),
        x,
        y,
        nf.losses.softmax_cross_entropy,
        optim.adam(LEARNING_RATE),
        key=k_fit,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation_split=VALIDATION_FRACTION,
        metrics={"accuracy": nf.metrics.accuracy},
        penalty=nf.losses.L2(L2_STRENGTH),
        early_stopping=nf.train.EarlyStopping(patience=PATIENCE),
    )


def describe_stop(history: nf.train.History, best: int | None, epochs: int) -> str:
    """How many epochs ran and the validation scores of the one whose params were kept."""
    kept = len(history) - 1 if best is None else best
    early = " (stopped early)" if len(history) < epochs else ""
    return (
        f"trained {len(history)} of {epochs} epochs{early}; kept epoch {kept + 1}: "
        f"validation loss {history['val_loss'][kept]:.4f}, "
        f"validation accuracy {history['val_accuracy'][kept]:.3f}"
    )


def main() -> None:
    seed, epochs, out = command_line()
    pixels, labels = load_digits()
    k_split, k_init, k_fit = nf.random.split(nf.random.key(seed), 3)
    x_train, x_test, y_train, y_test = nf.data.train_test_split(
        k_split, pixels / PIXEL_MAX, labels, TEST_FRACTION
    )
    sizes = [pixels.shape[1], HIDDEN, CLASSES]
    net = nf.mlp(sizes, activation="relu")
    print(
        f"digits: {len(pixels)} images of 8x8 pixels, {CLASSES} classes; {len(x_train)} to "
        f"train on ({VALIDATION_FRACTION:.0%} of them for validation), {len(x_test)} to test"
    )
    print(
        f"net: mlp {'-'.join(map(str, sizes))}, relu, softmax cross-entropy on the logits "
        f"+ L2({L2_STRENGTH:g}); adam({LEARNING_RATE:g}), batch {BATCH_SIZE}"
    )
    result = train(net, x_train, y_train, (k_init, k_fit), epochs)
    print(describe_stop(result.history, result.best_epoch, epochs))
    test_logits = nf.forward(net, result.params, x_test)
    train_accuracy = nf.metrics.accuracy(nf.forward(net, result.params, x_train), y_train)
    print(f"train accuracy: {train_accuracy:.3f}")
    print(f"test accuracy: {nf.metrics.accuracy(test_logits, y_test):.3f}")
    matrix = nf.metrics.confusion_matrix(y_test, nf.metrics.predicted_labels(test_logits), CLASSES)
    true, guess, count = most_confused(matrix)
    print(f"most confused: {true} taken for {guess} ({count} of {matrix[true].sum()} test {true}s)")
    saved = [
        plot.history(
            result.history,
            out / "loss_curves.png",
            loss_scale="log",
            title="digits: loss, accuracy",
        ),
        plot.confusion_matrix(matrix, out / "confusion_matrix.png", title="digits: test set"),
    ]
    print("\n".join(f"saved {path}" for path in saved))


if __name__ == "__main__":
    main()
