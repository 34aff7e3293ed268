"""XOR with a 2-4-1 network: tanh hidden layer, logits trained with sigmoid cross-entropy.

Run: python examples/xor.py [--steps N] [--seed S]
"""

from __future__ import annotations

import argparse

import numpy as np

import nnfunc as nf

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def train(
    seed: int, steps: int, learning_rate: float = 0.5
) -> tuple[nf.Sequential, nf.SequentialParams]:
    """Train the 2-4-1 net on the four XOR points with full-batch gradient descent."""
    net = nf.mlp([2, 4, 1], activation="tanh")
    params = nf.init(net, nf.random.key(seed))
    for _ in range(steps):
        grads = nf.grads(net, params, X, Y, nf.losses.sigmoid_binary_cross_entropy)
        params = nf.sgd_step(params, grads, learning_rate)
    return net, params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000, help="gradient descent steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of the init key")
    args = parser.parse_args()
    net, params = train(args.seed, args.steps)
    probs = nf.layers.sigmoid(nf.forward(net, params, X))
    loss = nf.loss(net, params, X, Y, nf.losses.sigmoid_binary_cross_entropy)
    print(f"XOR after {args.steps} steps (seed {args.seed}): loss {loss:.4f}")
    for point, target, prob in zip(X, Y[:, 0], probs[:, 0], strict=True):
        print(f"  {point.astype(int).tolist()} -> {prob:.3f}  (target {int(target)})")
    correct = int(np.sum((probs > 0.5) == (Y > 0.5)))
    print(f"correct: {correct}/4")


if __name__ == "__main__":
    main()
