"""The two NumPy references: the GEMM floor and the hand-tuned imperative training step.

Both work on buffers allocated once, before timing, and mutate them in place: they
are the speed limits a pure library is measured against, not models to imitate.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from workloads import Floats, Problem, Targets, Weights


def _empty(*shape: int) -> Floats:
    return np.empty(shape, dtype=np.float32)


class GemmFloor:
    """Only the matrix multiplies of a step: forward x @ w per layer, backward x.T @ dy
    per layer and dy @ w.T for every layer but the first, into preallocated arrays
    (`ndarray.dot` with out: the same BLAS call as `np.matmul`, at a third of its cost per
    call). Nothing trains: the deltas are constant and the weights never change."""

    def __init__(self, problem: Problem) -> None:
        self._problem = problem
        self._w = [np.array(w) for w, _ in problem.init]
        rows = problem.workload.batch_size
        self._out = [_empty(rows, w.shape[1]) for w in self._w]
        self._delta = [np.full((rows, w.shape[1]), 1e-3, dtype=np.float32) for w in self._w]
        self._dx = [_empty(rows, w.shape[0]) for w in self._w]
        self._gw = [np.empty_like(w) for w in self._w]

    def run(self) -> None:
        """`passes` passes of the multiplies over the batches."""
        layers = range(len(self._w))
        out, delta, dx, gw, w = self._out, self._delta, self._dx, self._gw, self._w
        for _ in range(self._problem.workload.passes):
            for x, _ in self._problem.batches:
                h = x
                for i in layers:
                    h.dot(w[i], out[i])
                    h = out[i]
                for i in reversed(layers):
                    (x.T if i == 0 else out[i - 1].T).dot(delta[i], gw[i])
                    if i > 0:
                        delta[i].dot(w[i].T, dx[i])

    def weights(self) -> Weights | None:
        """None: the floor does not train."""
        return None

    def note(self) -> str:
        """Nothing to add."""
        return ""


class HandTuned:
    """A hand-tuned imperative SGD step on preallocated buffers, as a NumPy expert writes it.

    Per step: matrix multiplies into the layer buffers (`ndarray.dot` with out, as the
    floor does), bias added in place, activation in place, the loss value and its
    gradient at the logits fused on the logits buffer (already scaled by the learning
    rate, so each param update is one in-place subtraction), x.T / w.T as views (no
    transposed copies), the activation derivative applied in place through a mask or a
    scratch buffer, reductions as ufunc methods with out= (no Python wrappers, no keepdims
    temporaries). It computes the loss of every step (as `train_step` returns it).
    """

    def __init__(self, problem: Problem) -> None:
        self._problem = problem
        workload = problem.workload
        rows = workload.batch_size
        self._lr = workload.learning_rate
        self._w = [np.array(w) for w, _ in problem.init]
        self._b = [np.array(b) for _, b in problem.init]
        self._a = [_empty(rows, w.shape[1]) for w in self._w]
        self._delta = [_empty(rows, w.shape[1]) for w in self._w]
        self._scratch = [_empty(rows, w.shape[1]) for w in self._w]
        self._mask = [np.empty((rows, w.shape[1]), dtype=np.bool_) for w in self._w]
        self._gw = [np.empty_like(w) for w in self._w]
        self._gb = [np.empty_like(b) for b in self._b]
        self._row_max = _empty(rows, 1)
        self._row_sum = _empty(rows, 1)
        self._rows = np.arange(rows)
        self._relu = workload.activation == "relu"
        self._binary = workload.binary
        self.last_loss = float("nan")

    def _sigmoid(self, a: Floats) -> None:
        np.negative(a, out=a)
        np.exp(a, out=a)
        a += 1.0
        np.reciprocal(a, out=a)

    def _softmax_cross_entropy(self, z: Floats, labels: npt.NDArray[np.int64]) -> float:
        """The mean cross-entropy; z becomes lr times its gradient, lr (softmax(z) - onehot) / n."""
        n = len(z)
        row_max, row_sum = self._row_max, self._row_sum
        np.maximum.reduce(z, axis=1, keepdims=True, out=row_max)
        z -= row_max
        picked = z[self._rows, labels]
        np.exp(z, out=z)
        np.add.reduce(z, axis=1, keepdims=True, out=row_sum)
        np.log(row_sum, out=row_max)
        loss = float(np.add.reduce(row_max, axis=None) - np.add.reduce(picked)) / n
        row_sum *= n / self._lr
        np.reciprocal(row_sum, out=row_sum)
        z *= row_sum
        z[self._rows, labels] -= np.float32(self._lr / n)
        return loss

    def _sigmoid_cross_entropy(self, z: Floats, t: Floats, scratch: Floats) -> float:
        """The mean binary cross-entropy on logits; z becomes lr (sigmoid(z) - t) / size."""
        size = z.size
        np.logaddexp(0.0, z, out=scratch)
        loss = float(np.add.reduce(scratch, axis=None) - np.vdot(t, z)) / size
        self._sigmoid(z)
        z -= t
        z *= np.float32(self._lr / size)
        return loss

    def step(self, x: Floats, target: Targets) -> float:
        """One SGD step on (x, target) in place; the loss before it."""
        w, b, a, delta, gw, gb = self._w, self._b, self._a, self._delta, self._gw, self._gb
        last = len(w) - 1
        h = x
        for i in range(last + 1):
            h.dot(w[i], a[i])
            a[i] += b[i]
            if i < last:
                if self._relu:
                    np.maximum(a[i], 0.0, out=a[i])
                else:
                    self._sigmoid(a[i])
            h = a[i]
        if self._binary:
            loss = self._sigmoid_cross_entropy(a[last], target, self._scratch[last])
        else:
            loss = self._softmax_cross_entropy(a[last], target)
        d = a[last]
        for i in range(last, -1, -1):
            (x.T if i == 0 else a[i - 1].T).dot(d, gw[i])
            np.add.reduce(d, axis=0, out=gb[i])
            if i > 0:
                below = delta[i - 1]
                d.dot(w[i].T, below)
                self._derivative(a[i - 1], below, i - 1)
                d = below
            w[i] -= gw[i]
            b[i] -= gb[i]
        return loss

    def _derivative(self, activation: Floats, d: Floats, i: int) -> None:
        """d *= f'(input of layer i), from its output: 1 where relu > 0, or y (1 - y)."""
        if self._relu:
            np.greater(activation, 0.0, out=self._mask[i])
            np.multiply(d, self._mask[i], out=d)
        else:
            scratch = self._scratch[i]
            np.subtract(1.0, activation, out=scratch)
            scratch *= activation
            d *= scratch

    def run(self) -> None:
        """`passes` passes of SGD steps over the batches."""
        step = self.step
        for _ in range(self._problem.workload.passes):
            for x, target in self._problem.batches:
                self.last_loss = step(x, target)

    def weights(self) -> Weights | None:
        """Copies of the current weights."""
        return [(w.copy(), b.copy()) for w, b in zip(self._w, self._b, strict=True)]

    def note(self) -> str:
        """Nothing to add."""
        return ""
