"""Handwritten digits with a small convolutional net: over 98 % test accuracy on the 8x8 images.

The 1797 digit images of scikit-learn (loaded as examples/digits.py does; nothing is
downloaded) become (n, 8, 8, 1) arrays: batch, height, width, channels. A fifth of
them is held out as the test set. Two blocks of a 3x3 'same' convolution, ReLU and
2x2 max pooling take each image from 8x8x1 to 4x4x32 to 2x2x64; Flatten and a Dense
layer give the logits of the ten classes. `nf.fit` trains it with adam, its learning
rate on a cosine decay to zero, for softmax cross-entropy. Prints the train and test
accuracy and the most confused pair of digits; saves the loss curve and the test
confusion matrix.

Run: python examples/cnn_digits.py [--epochs N] [--seed S] [--out DIR] [--fast]
It needs scikit-learn: pip install "nnfunc[examples]".
"""

from __future__ import annotations

from pathlib import Path

from digits import CLASSES, PIXEL_MAX, TEST_FRACTION, Labels, Pixels, load_digits, most_confused

import nnfunc as nf
from _cli import add_epochs, parser
from _cli import epochs as chosen_epochs
from nnfunc import optim, plot

SIDE = 8
"""The images are SIDE x SIDE pixels, one channel."""

LEARNING_RATE = 2e-3
BATCH_SIZE = 32
EPOCHS = 30
FAST_EPOCHS = 3


def images(pixels: Pixels) -> Pixels:
    """Rows of 64 pixels in [0, 16] as images (n, 8, 8, 1) in [0, 1]: NHWC, one channel."""
    return (pixels / PIXEL_MAX).reshape(-1, SIDE, SIDE, 1)


def split_images(key: nf.Key) -> tuple[Pixels, Pixels, Labels, Labels]:
    """The digits as images (n, 8, 8, 1), split by key: (x_train, x_test, y_train, y_test),
    TEST_FRACTION of them held out."""
    pixels, labels = load_digits()
    return nf.data.train_test_split(key, images(pixels), labels, TEST_FRACTION)


def conv_net() -> nf.Sequential:
    """Two conv blocks (3x3 'same' convolution, ReLU, 2x2 max pool), then a linear layer."""
    return nf.Sequential(
        nf.Conv2D(1, 32, 3, padding="same", init="he_normal"),
        nf.ReLU(),
        nf.MaxPool2D(2),
        nf.Conv2D(32, 64, 3, padding="same", init="he_normal"),
        nf.ReLU(),
        nf.MaxPool2D(2),
        nf.Flatten(),
        nf.Dense(2 * 2 * 64, CLASSES),
    )


def shapes(net: nf.Sequential, params: nf.SequentialParams, x: Pixels) -> list[str]:
    """One line per layer: the layer and the shape of one example after it, for inputs x."""
    lines = [f"  input {x.shape[1:]}"]
    for end, layer in enumerate(net.layers, start=1):
        head = nf.Sequential(*net.layers[:end])
        lines.append(f"  {layer!r} -> {nf.forward(head, params[:end], x).shape[1:]}")
    return lines


def train(
    net: nf.Sequential, params: nf.SequentialParams, x: Pixels, y: Labels, key: nf.Key, epochs: int
) -> nf.train.FitResult[nf.SequentialParams, object]:
    """Fit net from params to images x (n, 8, 8, 1) and labels y (n,) for softmax
    cross-entropy: adam, its learning rate on a cosine decay to 0, shuffling with key."""
    steps = epochs * nf.data.num_batches(len(x), BATCH_SIZE)
    return nf.fit(
        net,
        params,
        x,
        y,
        nf.losses.softmax_cross_entropy,
        optim.adam(optim.cosine_decay(LEARNING_RATE, steps)),
        key=key,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        metrics={"accuracy": nf.metrics.accuracy},
    )


def main() -> None:
    options = parser(__file__, __doc__)
    add_epochs(options, EPOCHS, FAST_EPOCHS)
    args = options.parse_args()
    epochs = chosen_epochs(args)
    out: Path = args.out

    k_split, k_init, k_fit = nf.random.split(nf.random.key(args.seed), 3)
    x_train, x_test, y_train, y_test = split_images(k_split)
    net = conv_net()
    params = nf.init(net, k_init)
    steps = epochs * nf.data.num_batches(len(x_train), BATCH_SIZE)
    print(
        f"digits: {len(x_train) + len(x_test)} images (8, 8, 1), {CLASSES} classes; "
        f"{len(x_train)} to train on, {len(x_test)} to test"
    )
    print(f"net: {sum(p.size for p in nf.tree.leaves(params))} params; one example's shape:")
    print("\n".join(shapes(net, params, x_train[:1])))
    print(
        f"training: softmax cross-entropy, adam with a cosine decay from {LEARNING_RATE:g} "
        f"to 0 over {steps} steps, batch {BATCH_SIZE}"
    )
    result = train(net, params, x_train, y_train, k_fit, epochs)
    history = result.history
    print(f"trained {epochs} epochs: final train loss {history['train_loss'][-1]:.4f}")
    print(f"train accuracy: {history['train_accuracy'][-1]:.3f}")
    test_logits = nf.forward(net, result.params, x_test)
    print(f"test accuracy: {nf.metrics.accuracy(test_logits, y_test):.3f}")
    matrix = nf.metrics.confusion_matrix(y_test, nf.metrics.predicted_labels(test_logits), CLASSES)
    true, guess, count = most_confused(matrix)
    print(f"most confused: {true} taken for {guess} ({count} of {matrix[true].sum()} test {true}s)")
    saved = [
        plot.history(
            history, out / "loss_curves.png", loss_scale="log", title="conv net on the digits"
        ),
        plot.confusion_matrix(matrix, out / "confusion_matrix.png", title="conv net: test set"),
    ]
    print("\n".join(f"saved {path}" for path in saved))


if __name__ == "__main__":
    main()
