"""What a contender is (a name, the module that builds its runner, the libraries it
needs) and the list of them, in the order they run."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, cast

from workloads import Problem, Weights, Workload


class Runner(Protocol):
    """A contender set up on one problem: its state (weights, optimizer) lives inside."""

    def run(self) -> None:
        """One timed run: `passes` passes over the problem's batches, finished when it returns."""
        ...

    def weights(self) -> Weights | None:
        """The trained weights as float32 NumPy (w (in, out), b (out,)) pairs; None if it
        does not train (the GEMM floor)."""
        ...

    def note(self) -> str:
        """Anything a reader must know about this run (such as a compile time), or ''."""
        ...


@dataclass(frozen=True)
class Contender:
    """A named way to train: `factory` in `module` builds its runner on a problem.

    The module is imported only when the contender is built, so a missing peer library
    costs nothing but a skipped row.
    """

    name: str
    module: str
    factory: str
    requires: tuple[str, ...] = ()
    peer: bool = False
    """True for the other libraries nnfunc must beat (torch, JAX, scikit-learn)."""
    epochs_only: bool = False
    """True when a run is whole epochs (fit): not run on a workload timed per step (W2)."""
    comparable_loss: bool = True
    """False when it trains on other batches than numpy-hand's (fit shuffles each epoch):
    its final loss is shown but not checked against numpy-hand's."""

    def unavailable(self, workload: Workload) -> str | None:
        """Why this contender does not run on `workload` here (a library not installed, or
        a workload timed per step for one that runs whole epochs), or None."""
        absent = [name for name in self.requires if importlib.util.find_spec(name) is None]
        if absent:
            return f"not installed: {', '.join(absent)} (pip install -e '.[bench]')"
        if self.epochs_only and workload.per_step:
            return f"runs whole epochs; {workload.name} is timed per step"
        return None

    def build(self, problem: Problem) -> Runner:
        """The contender's runner on `problem`, set up and ready to time."""
        factory = getattr(importlib.import_module(self.module), self.factory)
        return cast(Callable[[Problem], Runner], factory)(problem)


FLOOR = Contender("gemm-floor", "numpy_steps", "GemmFloor")
NUMPY_HAND = Contender("numpy-hand", "numpy_steps", "HandTuned")
NNFUNC_PLAIN = Contender("nnfunc-grads+sgd_step", "nnfunc_paths", "PlainLoop")
NNFUNC_STEP = Contender("nnfunc-make_step", "nnfunc_paths", "step_loop")
NNFUNC_SCAN = Contender("nnfunc-scan", "nnfunc_paths", "ScanRun")
NNFUNC_FIT = Contender(
    "nnfunc-fit", "nnfunc_paths", "FitEpochs", epochs_only=True, comparable_loss=False
)
NNFUNC_USER = Contender("nnfunc-user-activation", "nnfunc_paths", "user_activation")
NNFUNC_NESTED = Contender("nnfunc-nested", "nnfunc_paths", "nested")
NNFUNC_TRAIN_STEP = Contender("nnfunc-train_step", "nnfunc_paths", "train_step")
TORCH = Contender("torch-eager", "peer_torch", "TorchEager", ("torch",), peer=True)
JAX = Contender("jax-jit", "peer_jax", "JaxJit", ("jax",), peer=True)
SKLEARN = Contender("sklearn-mlp", "peer_sklearn", "SklearnMLP", ("sklearn",), peer=True)

ALL = (
    FLOOR,
    NUMPY_HAND,
    NNFUNC_PLAIN,
    NNFUNC_STEP,
    NNFUNC_SCAN,
    NNFUNC_FIT,
    NNFUNC_USER,
    NNFUNC_NESTED,
    NNFUNC_TRAIN_STEP,
    TORCH,
    JAX,
    SKLEARN,
)
"""Every contender, in the order each round runs them."""
