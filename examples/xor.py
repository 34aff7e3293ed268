"""XOR with a 2-4-1 network: a tanh hidden layer, one logit trained with sigmoid cross-entropy.

Full-batch gradient descent on the four XOR points; prints the loss, each point's
probability and how many points are right, and saves the loss curve and the decision
regions as PNG files.

Run: python examples/xor.py [--steps N] [--learning-rate LR] [--seed S] [--out DIR] [--fast]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

import nnfunc as nf
from _cli import parser
from nnfunc import plot

NET = nf.mlp([2, 4, 1], activation="tanh")
LOSS = nf.losses.sigmoid_binary_cross_entropy
STEPS, FAST_STEPS = 2000, 500


def train(
    key: nf.Key, steps: int, learning_rate: float = 0.5
) -> tuple[nf.SequentialParams, list[float]]:
    """(params, loss before each step) after `steps` of gradient descent on the XOR points."""
    x, labels = nf.datasets.make_xor()
    targets = nf.datasets.binary_targets(labels)
    params = nf.init(NET, key)
    losses = []
    for _ in range(steps):
        value, grads = nf.value_and_grads(NET, params, x, targets, LOSS)
        params = nf.sgd_step(params, grads, learning_rate)
        losses.append(value)
    return params, losses


def logits(params: nf.SequentialParams, x: npt.ArrayLike) -> npt.NDArray[np.floating]:
    """The net's logit for each point: x (n, 2) -> (n, 1)."""
    return nf.forward(NET, params, x)


def report(params: nf.SequentialParams) -> int:
    """Print each XOR point's probability of class 1 and the count right; return that count."""
    x, labels = nf.datasets.make_xor()
    probs = nf.layers.sigmoid(logits(params, x))[:, 0]
    for point, label, prob in zip(x, labels, probs, strict=True):
        print(f"  {point.astype(int).tolist()} -> {prob:.3f}  (target {label})")
    correct = int(np.sum((probs > 0.5) == (labels == 1)))
    print(f"correct: {correct}/4")
    return correct


def plot_decision(params: nf.SequentialParams, path: Path) -> Path:
    """Save the net's two regions (logit above or below 0) over the four XOR points."""
    x, labels = nf.datasets.make_xor()
    return plot.decision_boundary(
        lambda points: logits(params, points),
        x,
        labels,
        path,
        threshold=0.0,
        title="2-4-1 tanh net on XOR",
    )


def main() -> None:
    """Train, print the result, save the plots."""
    options = parser(__file__, __doc__)
    options.add_argument("--steps", type=int, default=None, help=f"steps (default {STEPS})")
    options.add_argument("--learning-rate", type=float, default=0.5, help="step size (0.5)")
    args = options.parse_args()
    steps = args.steps if args.steps is not None else FAST_STEPS if args.fast else STEPS
    params, losses = train(nf.random.key(args.seed), steps, args.learning_rate)
    x, labels = nf.datasets.make_xor()
    final = nf.loss(NET, params, x, nf.datasets.binary_targets(labels), LOSS)
    print(f"XOR after {steps} steps (seed {args.seed}): loss {final:.4f}")
    report(params)
    saved = [
        plot.curves({"train": losses}, args.out / "loss.png", "step", "loss", log_y=True),
        plot_decision(params, args.out / "decision.png"),
    ]
    for path in saved:
        print(f"saved {path}")


if __name__ == "__main__":
    main()
