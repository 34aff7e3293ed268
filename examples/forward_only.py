"""A forward pass through a network built from given weights: no init, no training.

The 2-3-4-2 network has a sigmoid after every dense layer, and its weights and
biases are written out below as literals. Its params are built by hand, one
`nf.DenseParams(w, b)` per dense layer and None for each sigmoid, and `nf.forward`
runs it. The same computation is then written out in plain NumPy, and the script
prints both outputs and how far apart they are. Nothing is random and nothing is
plotted (--seed and --out are accepted and unused).

Run: python examples/forward_only.py
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

import nnfunc as nf
from _cli import parser

Floats = npt.NDArray[np.float64]

WEIGHTS = (
    np.array([[1.0, -3.0, 5.0], [2.0, 4.0, -6.0]]),  # (2, 3)
    np.array([[-1.0, 1.0, 2.0, 7.0], [1.0, 2.0, 3.0, -3.0], [1.0, 2.0, 3.0, 4.0]]),  # (3, 4)
    np.array([[-1.0, 6.0], [1.0, -2.0], [1.0, 2.0], [1.0, 3.0]]),  # (4, 2)
)
BIASES = (
    np.array([-1.0, 1.0, 2.0]),
    np.array([1.0, 2.0, 3.0, 4.0]),
    np.array([1.0, 2.0]),
)
INPUTS = np.array([[200.0, 17.0], [0.5, -0.25], [-1.0, 1.0], [-2.0, -3.0]])
"""Four inputs of two features; the first is the classic one, which saturates every unit."""

NET = nf.Sequential(
    nf.Dense(2, 3), nf.Sigmoid(), nf.Dense(3, 4), nf.Sigmoid(), nf.Dense(4, 2), nf.Sigmoid()
)


def given_params() -> tuple[nf.DenseParams | None, ...]:
    """NET's params from WEIGHTS and BIASES: (DenseParams(w1, b1), None, ..., None)."""
    slots: list[nf.DenseParams | None] = []
    for w, b in zip(WEIGHTS, BIASES, strict=True):
        slots += [nf.DenseParams(w, b), None]
    return tuple(slots)


def plain_numpy(x: Floats) -> Floats:
    """The same forward pass by hand: a = 1 / (1 + exp(-(a @ w + b))) for each layer."""
    a = x
    for w, b in zip(WEIGHTS, BIASES, strict=True):
        a = 1.0 / (1.0 + np.exp(-(a @ w + b)))
    return a


def main() -> None:
    """Run both forward passes, print them and their largest difference."""
    parser(__file__, __doc__).parse_args()
    with_nnfunc = nf.forward(NET, given_params(), INPUTS)
    by_hand = plain_numpy(INPUTS)
    np.set_printoptions(precision=6, suppress=True)
    print(f"network: {NET!r}, float64 params built from literals")
    for row, out, ref in zip(INPUTS, with_nnfunc, by_hand, strict=True):
        print(f"  x = {row} -> nnfunc {out}, plain NumPy {ref}")
    difference = float(np.max(np.abs(with_nnfunc - by_hand)))
    agree = np.allclose(with_nnfunc, by_hand, rtol=1e-12, atol=1e-15)
    print(f"largest difference: {difference:.3g}; agree: {agree}")


if __name__ == "__main__":
    main()
