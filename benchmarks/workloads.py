"""The workloads of the benchmark, the data and initial weights every contender shares,
and one float64 evaluator of the training loss that checks every contender's result.

Every contender of a workload starts from the same float32 weights (nnfunc's Glorot
init from one key) and sees the same batches in the same order: the rows are shuffled
once, when the data are made, and each epoch walks them in that order as consecutive
views (no per-epoch reshuffle: scikit-learn's `shuffle=False` does the same), so no
contender times a shuffle, and after the same number of steps every contender that
trains correctly reaches the same loss up to float32 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

import nnfunc as nf

Floats = npt.NDArray[np.float32]
Labels = npt.NDArray[np.int64]
Targets = npt.NDArray[Any]
"""Labels (n,) int64 for softmax cross-entropy, or (n, 1) float32 0/1 for binary cross-entropy."""
Weights = list[tuple[Floats, Floats]]
"""One (w (in, out), b (out,)) pair per Dense layer, in order."""

SEED = 0
PIXELS = 784
CLASSES = 10


@dataclass(frozen=True)
class Workload:
    """A network, its training settings and how much training one timed run does.

    One timed run is `passes` passes over `rows // batch_size` batches; with `per_step`
    the result is reported in microseconds per step, else in seconds per run (an epoch).
    """

    name: str
    sizes: tuple[int, ...]
    activation: str
    learning_rate: float
    batch_size: int
    rows: int
    passes: int = 1
    per_step: bool = False

    @property
    def binary(self) -> bool:
        """True for one logit trained with binary cross-entropy, else softmax cross-entropy."""
        return self.sizes[-1] == 1

    @property
    def steps(self) -> int:
        """Training steps in one timed run."""
        return self.passes * (self.rows // self.batch_size)

    @property
    def unit(self) -> str:
        """The unit results are reported in."""
        return "us/step" if self.per_step else "s/epoch"

    def scale(self, seconds: float) -> float:
        """A timed run's seconds in this workload's unit."""
        return seconds / self.steps * 1e6 if self.per_step else seconds

    def describe(self) -> str:
        """One line: the net, the loss, the optimizer and the amount of work timed."""
        net = "-".join(str(size) for size in self.sizes)
        loss = "logits + binary CE" if self.binary else "softmax CE on logits"
        work = (
            f"{self.steps} steps on a full batch of {self.batch_size}"
            if self.per_step
            else f"one epoch of {self.rows} rows in batches of {self.batch_size}"
        )
        return (
            f"{self.name}: MLP {net}, {self.activation} hidden, {loss}, SGD lr "
            f"{self.learning_rate}, {work}"
        )


W1 = Workload("W1", (PIXELS, 256, 128, CLASSES), "relu", 0.05, 128, 16_384)
W2 = Workload("W2", (2, 4, 1), "sigmoid", 0.5, 4, 4, passes=2_000, per_step=True)
W3 = Workload("W3", (PIXELS, 1024, 1024, CLASSES), "relu", 0.05, 256, 8_192)
QUICK = {
    "W1": replace(W1, rows=4_096),
    "W2": replace(W2, passes=500),
    "W3": replace(W3, rows=1_024),
}
FULL = {"W1": W1, "W2": W2, "W3": W3}


def scaling_workload(width: int, batch_size: int, max_examples: int) -> Workload:
    """W1's shape with hidden widths (width, width // 2) and this batch size.

    One timed run covers min(64, max(4, max_examples // batch_size)) batches, so small
    batches still run enough steps to be timed and large ones stay affordable.
    """
    batches = min(64, max(4, max_examples // batch_size))
    sizes = (PIXELS, width, max(1, width // 2), CLASSES)
    return replace(
        W1,
        name=f"h{width}/b{batch_size}",
        sizes=sizes,
        batch_size=batch_size,
        rows=batches * batch_size,
    )


@dataclass(frozen=True)
class Problem:
    """A workload with its data: rows in the one order every contender uses, its batches
    (views of those rows), and the initial weights."""

    workload: Workload
    x: Floats
    labels: Labels
    targets: Targets
    batches: tuple[tuple[Floats, Targets], ...]
    init: Weights


def mnist_like(key: nf.Key, rows: int) -> tuple[Floats, Labels]:
    """Synthetic MNIST-shaped data: x (rows, 784) float32 in [0, 1], labels (rows,) in [0, 10).

    Class-dependent Gaussian blobs (centres uniform in [0, 1] per pixel, std 1 per
    pixel), clipped to the pixel range; the rows come in random order.
    """
    x, labels = nf.datasets.make_blobs(
        key, rows, centers=CLASSES, std=1.0, features=PIXELS, center_box=(0.0, 1.0)
    )
    return np.clip(x, 0.0, 1.0).astype(np.float32), np.array(labels, dtype=np.int64)


def net_of(workload: Workload) -> nf.Sequential:
    """The nnfunc net of a workload: Dense layers with its hidden activation, logits out."""
    return nf.mlp(list(workload.sizes), activation=workload.activation)


def loss_of(workload: Workload) -> nf.losses.Loss:
    """nnfunc's fused loss on logits for the workload."""
    if workload.binary:
        return nf.losses.sigmoid_binary_cross_entropy
    return nf.losses.softmax_cross_entropy


def make_problem(workload: Workload) -> Problem:
    """The data, batches and initial weights of `workload`, all fixed by `SEED`."""
    k_data, k_init = nf.random.split(nf.random.key(SEED))
    if workload.binary:
        x64, labels = nf.datasets.make_xor()
        x = x64.astype(np.float32)
        targets: Targets = nf.datasets.binary_targets(labels).astype(np.float32)
    else:
        x, labels = mnist_like(k_data, workload.rows)
        targets = labels
    if len(x) != workload.rows or workload.rows % workload.batch_size:
        raise ValueError(
            f"{workload.name}: rows must be a multiple of the batch size {workload.batch_size} "
            f"and match the data's {len(x)} rows, given {workload.rows}"
        )
    size = workload.batch_size
    batches = tuple(
        (x[start : start + size], targets[start : start + size])
        for start in range(0, workload.rows, size)
    )
    params = nf.init(net_of(workload), k_init)
    init = [(p.w, p.b) for p in params if isinstance(p, nf.DenseParams)]
    return Problem(workload, x, np.array(labels, dtype=np.int64), targets, batches, init)


def training_loss(problem: Problem, weights: Weights) -> float:
    """The mean training loss of `weights` on all of the problem's rows, in float64.

    Independent of every contender: plain NumPy, the same formula for all of them.
    """
    h = problem.x.astype(np.float64)
    for i, (w, b) in enumerate(weights):
        h = h @ w.astype(np.float64) + b.astype(np.float64)
        if i < len(weights) - 1:
            h = (
                np.maximum(h, 0.0)
                if problem.workload.activation == "relu"
                else 1 / (1 + np.exp(-h))
            )
    if problem.workload.binary:
        t = problem.targets.astype(np.float64)
        return float(np.mean(np.logaddexp(0.0, h) - t * h))
    shifted = h - h.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(h)), problem.labels].mean())
