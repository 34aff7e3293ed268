"""Peak memory of one training epoch, measured with tracemalloc (NumPy reports its array
buffers to it), against what the step needs on paper.

The data set is made before tracing starts: it exists whatever the trainer does, and
the batches are views of it. Tracing starts before the contender is built, so its
params, optimizer state and scratch buffers all count.
"""

from __future__ import annotations

import gc
import itertools
import tracemalloc
from dataclasses import dataclass

from contender import Contender
from workloads import Problem, Workload

FLOAT32 = 4
INT64 = 8


@dataclass(frozen=True)
class Need:
    """Bytes a step of a workload needs on paper, by part; every array float32."""

    params: int
    batch: int
    activations: int
    gradients: int

    @property
    def total(self) -> int:
        """The sum of the parts."""
        return self.params + self.batch + self.activations + self.gradients


def need(workload: Workload) -> Need:
    """The params, one batch (x and its targets), one set of activations (the output of
    every layer: each Dense layer and each hidden activation) and one set of gradients
    (of every param and of every layer's output)."""
    sizes = workload.sizes
    rows = workload.batch_size
    params = sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))
    hidden = sizes[1:-1]
    outputs = rows * (sum(sizes[1:]) + sum(hidden))
    target = rows * FLOAT32 if workload.binary else rows * INT64
    return Need(
        params=params * FLOAT32,
        batch=rows * sizes[0] * FLOAT32 + target,
        activations=outputs * FLOAT32,
        gradients=(params + outputs) * FLOAT32,
    )


@dataclass(frozen=True)
class Peak:
    """A contender's traced peak over one epoch, and its ratio to the need on paper."""

    contender: str
    peak_bytes: int
    need: Need

    @property
    def ratio(self) -> float:
        """peak / need."""
        return self.peak_bytes / self.need.total


def peak(problem: Problem, contender: Contender) -> Peak:
    """The traced peak of building `contender` on `problem` and running one epoch."""
    gc.collect()
    tracemalloc.start()
    try:
        runner = contender.build(problem)
        runner.run()
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Peak(contender.name, peak_bytes, need(problem.workload))
