"""The perceptron learns OR and AND but never XOR; a 2-4-1 network with a hidden layer does.

Rosenblatt's rule (nf.perceptron, from zero weights) runs over the four points of
each truth table until an epoch makes no mistake. OR and AND are split by a line, so
it stops after a few epochs; XOR is not, so every epoch keeps making mistakes. Then
the 2-4-1 tanh net of examples/xor.py learns XOR. Saves the decision regions of
each model and the mistakes per epoch as PNG files.

Run: python examples/perceptron.py [--epochs N] [--seed S] [--out DIR] [--fast]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import xor

import nnfunc as nf
from _cli import add_epochs, parser
from _cli import epochs as chosen_epochs
from nnfunc import perceptron, plot

GATES = {"OR": (0, 1, 1, 1), "AND": (0, 0, 0, 1), "XOR": (0, 1, 1, 0)}
"""Each gate's label for the points (0, 0), (0, 1), (1, 0), (1, 1)."""

POINTS, _ = nf.datasets.make_xor()
"""The four points (0, 0), (0, 1), (1, 0), (1, 1), float64 (4, 2)."""

EPOCHS, FAST_EPOCHS = 50, 20
LEARNING_RATE = 1.0  # from zero weights the rate only scales w and b: any rate > 0 gives this run


def learn(
    labels: npt.NDArray[np.int64], epochs: int
) -> tuple[perceptron.PerceptronParams, tuple[int, ...]]:
    """(params, mistakes per epoch) of a perceptron trained from zeros on the gate's labels."""
    return perceptron.train(perceptron.init(2), POINTS, labels, LEARNING_RATE, epochs)


def counts(mistakes: tuple[int, ...], shown: int = 12) -> str:
    """The mistakes per epoch as text, the first `shown` of them when there are more."""
    text = " ".join(str(m) for m in mistakes[:shown])
    return text if len(mistakes) <= shown else f"{text} ... (the first {shown} of {len(mistakes)})"


def describe(
    name: str,
    labels: npt.NDArray[np.int64],
    params: perceptron.PerceptronParams,
    mistakes: tuple[int, ...],
) -> None:
    """Print whether the perceptron converged, its mistakes per epoch, its params and labels."""
    if mistakes[-1] == 0:
        print(
            f"{name}: converged in {len(mistakes)} epochs; mistakes per epoch: {counts(mistakes)}"
        )
    else:
        print(
            f"{name}: did not converge in {len(mistakes)} epochs; fewest mistakes in an "
            f"epoch: {min(mistakes)}; mistakes per epoch: {counts(mistakes)}"
        )
    print(f"  w = {params.w.tolist()}, b = {float(params.b)}")
    print(f"  predictions {perceptron.predict(params, POINTS).tolist()}, targets {labels.tolist()}")


def plot_perceptron(
    name: str, labels: npt.NDArray[np.int64], params: perceptron.PerceptronParams, out: Path
) -> Path:
    """Save the perceptron's two half-planes over the gate's points."""
    return plot.decision_boundary(
        lambda points: perceptron.predict(params, points),
        POINTS,
        labels,
        out / f"perceptron_{name.lower()}.png",
        title=f"perceptron on {name}",
    )


def main() -> None:
    """Train the perceptron on each gate, then the 2-4-1 net on XOR; print and plot."""
    options = parser(__file__, __doc__)
    add_epochs(options, EPOCHS, FAST_EPOCHS, "most epochs per gate")
    args = options.parse_args()
    epochs = chosen_epochs(args)
    saved = []
    all_mistakes = {}
    for name, gate in GATES.items():
        labels = np.array(gate, dtype=np.int64)
        params, mistakes = learn(labels, epochs)
        describe(name, labels, params, mistakes)
        saved.append(plot_perceptron(name, labels, params, args.out))
        all_mistakes[name] = mistakes
    steps = xor.FAST_STEPS if args.fast else xor.STEPS
    net_params, _ = xor.train(nf.random.key(args.seed), steps)
    print(f"2-4-1 tanh net on XOR after {steps} steps of gradient descent:")
    xor.report(net_params)
    saved.append(xor.plot_decision(net_params, args.out / "mlp_xor.png"))
    saved.append(
        plot.curves(
            all_mistakes, args.out / "mistakes.png", "epoch (from 0)", "mistakes in the epoch"
        )
    )
    for path in saved:
        print(f"saved {path}")


if __name__ == "__main__":
    main()
