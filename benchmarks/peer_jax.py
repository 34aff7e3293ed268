"""JAX on CPU: value_and_grad and the SGD update in one jitted step; compile time apart."""

from __future__ import annotations

import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from workloads import Problem, Weights, Workload

JaxWeights = list[tuple[jax.Array, jax.Array]]
JaxStep = Callable[[JaxWeights, jax.Array, jax.Array], tuple[JaxWeights, jax.Array]]


def _loss_fn(workload: Workload) -> Callable[[JaxWeights, jax.Array, jax.Array], jax.Array]:
    """The workload's mean loss on logits, as a function of (weights, x, targets)."""
    hidden = jax.nn.relu if workload.activation == "relu" else jax.nn.sigmoid

    def loss(weights: JaxWeights, x: jax.Array, y: jax.Array) -> jax.Array:
        h = x
        for i, (w, b) in enumerate(weights):
            h = h @ w + b
            if i < len(weights) - 1:
                h = hidden(h)
        if workload.binary:
            return jnp.mean(jnp.logaddexp(0.0, h) - y * h)
        log_p = jax.nn.log_softmax(h, axis=1)
        return -jnp.mean(jnp.take_along_axis(log_p, y[:, None], axis=1))

    return loss


def _step(workload: Workload) -> JaxStep:
    """One jitted SGD step; the old weights are donated to the new ones."""
    grad_fn = jax.value_and_grad(_loss_fn(workload))
    lr = workload.learning_rate

    def step(weights: JaxWeights, x: jax.Array, y: jax.Array) -> tuple[JaxWeights, jax.Array]:
        loss, grads = grad_fn(weights, x, y)
        new = [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(weights, grads, strict=True)]
        return new, loss

    jitted: JaxStep = jax.jit(step, donate_argnums=0)
    return jitted


def _ready(weights: JaxWeights) -> None:
    """Wait until every array of `weights` is computed (JAX dispatches asynchronously)."""
    for w, b in weights:
        w.block_until_ready()
        b.block_until_ready()


class JaxJit:
    """A jitted step called once per batch; a run ends with block_until_ready.

    The step is compiled when the runner is built, by a first call on a throwaway copy
    of the weights: that time is reported as the compile time, never timed with the
    runs. Batches are device arrays made once, before timing.
    """

    def __init__(self, problem: Problem) -> None:
        self._problem = problem
        self._step = _step(problem.workload)
        self._weights: JaxWeights = [(jnp.array(w), jnp.array(b)) for w, b in problem.init]
        self._batches = [(jnp.asarray(x), jnp.asarray(y)) for x, y in problem.batches]
        throwaway = [(jnp.array(w), jnp.array(b)) for w, b in problem.init]
        start = time.perf_counter()
        _ready(self._step(throwaway, *self._batches[0])[0])
        self._compile_seconds = time.perf_counter() - start

    def run(self) -> None:
        """`passes` passes of the jitted step over the batches."""
        step, weights = self._step, self._weights
        for _ in range(self._problem.workload.passes):
            for x, y in self._batches:
                weights, _ = step(weights, x, y)
        _ready(weights)
        self._weights = weights

    def weights(self) -> Weights | None:
        """The trained weights as NumPy arrays."""
        return [(np.asarray(w), np.asarray(b)) for w, b in self._weights]

    def note(self) -> str:
        """The compile time of the first call."""
        return f"first call (trace + compile) {self._compile_seconds:.3f} s, not timed"
