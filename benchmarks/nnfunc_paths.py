"""nnfunc through its public API: the plain `grads` + `sgd_step` loop, `train_step` with
`optim.sgd`, `train.make_step` in a loop, one `train.scan` call per run, one epoch of
`train.fit` per run, and make_step on the same net built two other ways: with a user's
own activation class (defined here, outside nnfunc) and as a nested Sequential, which
the one engine must run as fast as the `mlp` net."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import user_layers
from workloads import SEED, Floats, Problem, Targets, Weights, Workload, loss_of, net_of

import nnfunc as nf

Params = nf.SequentialParams
Step = Callable[[Params, Any, Floats, Targets], tuple[Params, Any, float]]
"""step(params, opt_state, x, y) -> (params, opt_state, loss), as `train.make_step` returns."""
MadeStep = nf.train.TrainStep[Params, Any, Any]
"""What `nf.train.make_step` returns for the workloads' nets: a Step that `scan` runs too."""


def params_of(problem: Problem) -> Params:
    """The problem's initial weights as nnfunc params for its net."""
    net = net_of(problem.workload)
    pairs = iter(problem.init)
    return tuple(
        nf.DenseParams(*next(pairs)) if isinstance(layer, nf.Dense) else None
        for layer in net.layers
    )


def weights_of(params: Any) -> Weights:
    """nnfunc params (flat or nested) as (w, b) pairs."""
    leaves = nf.tree.leaves(params)
    return [(leaves[i], leaves[i + 1]) for i in range(0, len(leaves), 2)]


def sgd(problem: Problem) -> nf.optim.GradientTransformation:
    """`nf.optim.sgd` with the workload's learning rate."""
    return nf.optim.sgd(problem.workload.learning_rate)


class Trained:
    """What every nnfunc runner keeps from one run to the next: the params (the problem's
    initial ones, or `params` for another layout of the same net) and their SGD state."""

    def __init__(self, problem: Problem, note: str, params: Any = None) -> None:
        self._problem = problem
        self._params = params_of(problem) if params is None else params
        self._state = sgd(problem).init(self._params)
        self._note = note

    def weights(self) -> Weights | None:
        """The current params."""
        return weights_of(self._params)

    def note(self) -> str:
        """What a reader must know about this runner, or ''."""
        return self._note


class PlainLoop(Trained):
    """`g = nf.grads(net, params, x, y, loss)`, then `params = nf.sgd_step(params, g, lr)`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem, "")
        self._net = net_of(problem.workload)
        self._loss = loss_of(problem.workload)

    def run(self) -> None:
        """`passes` passes of the loop over the batches."""
        net, loss, lr = self._net, self._loss, self._problem.workload.learning_rate
        params = self._params
        for _ in range(self._problem.workload.passes):
            for x, y in self._problem.batches:
                g = nf.grads(net, params, x, y, loss)
                params = nf.sgd_step(params, g, lr)
        self._params = params


def _train_step(problem: Problem) -> Step:
    net, loss, optimizer = net_of(problem.workload), loss_of(problem.workload), sgd(problem)

    def step(params: Params, state: Any, x: Floats, y: Targets) -> tuple[Params, Any, float]:
        return nf.train.train_step(net, params, state, x, y, loss, optimizer)

    return step


def made_step(problem: Problem, net: nf.Sequential | None = None) -> MadeStep:
    """`nf.train.make_step(net, loss, optim.sgd(lr))` for the problem's workload, on its
    `mlp` net unless another layout of it is given."""
    layers = net_of(problem.workload) if net is None else net
    return nf.train.make_step(layers, loss_of(problem.workload), sgd(problem))


class StepLoop(Trained):
    """`params, state, loss = step(params, state, x, y)` with `nf.optim.sgd(lr)`."""

    def __init__(
        self,
        problem: Problem,
        make: Callable[[Problem], Step],
        note: str,
        params: Any = None,
    ) -> None:
        super().__init__(problem, note, params)
        self._step = make(problem)

    def run(self) -> None:
        """`passes` passes of the step over the batches."""
        step, params, state = self._step, self._params, self._state
        for _ in range(self._problem.workload.passes):
            for x, y in self._problem.batches:
                params, state, _ = step(params, state, x, y)
        self._params, self._state = params, state


def step_loop(problem: Problem) -> StepLoop:
    """`nf.train.make_step(net, loss, optim.sgd(lr))`, called in a loop."""
    return StepLoop(problem, made_step, "make_step(net, loss, optim.sgd(lr))")


def train_step(problem: Problem) -> StepLoop:
    """`nf.train.train_step(net, params, state, x, y, loss, optim.sgd(lr))` in a loop."""
    return StepLoop(problem, _train_step, "")


def user_activation(problem: Problem) -> StepLoop:
    """make_step on the workload's net with its activation a user's own class."""
    net = nf.Sequential(
        *(user_layers.USER.get(type(layer), layer) for layer in net_of(problem.workload).layers)
    )
    return StepLoop(problem, partial(made_step, net=net), "make_step, a user's activation class")


def nested(problem: Problem) -> StepLoop:
    """make_step on the workload's net as a Sequential of (Dense, activation) Sequentials."""
    flat = net_of(problem.workload)
    layers, params = flat.layers, params_of(problem)
    blocks = [nf.Sequential(*layers[i : i + 2]) for i in range(0, len(layers) - 1, 2)]
    net = nf.Sequential(*blocks, layers[-1])
    nested_params = (*(params[i : i + 2] for i in range(0, len(layers) - 1, 2)), params[-1])
    return StepLoop(
        problem, partial(made_step, net=net), "make_step, nested Sequentials", nested_params
    )


def by_step(values: npt.NDArray[Any], workload: Workload) -> npt.NDArray[Any]:
    """values (rows, ...) as (steps, batch_size, ...): step i's batch is the one the other
    contenders train on at step i (`passes` passes over the batches in order).

    A read-only view, no copy: the passes repeat with stride 0 (`np.broadcast_to`), which
    stays a view when there is one pass (W1, W3: `x.reshape(batches, batch_size, 784)`)
    or one batch (W2: the batch broadcast to (passes, 4, 2)); ValueError otherwise.
    """
    batch_size = workload.batch_size
    batches = values.reshape(workload.rows // batch_size, batch_size, *values.shape[1:])
    passes = np.broadcast_to(batches, (workload.passes, *batches.shape))
    return np.reshape(passes, (workload.steps, *batches.shape[1:]), copy=False)


class ScanRun(Trained):
    """One `nf.train.scan(step, params, opt_state, xs, ys)` per run, covering all its steps,
    with `step = nf.train.make_step(net, loss, optim.sgd(lr))`; xs and ys are views of the
    problem's data made before timing (`by_step`)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem, "one scan(make_step(net, loss, optim.sgd(lr)), ...) per run")
        self._step = made_step(problem)
        self._xs = by_step(problem.x, problem.workload)
        self._ys = by_step(problem.targets, problem.workload)

    def run(self) -> None:
        """All the run's steps in one call."""
        result = nf.train.scan(self._step, self._params, self._state, self._xs, self._ys)
        self._params, self._state = result.params, result.opt_state


class FitEpochs(Trained):
    """`nf.train.fit(net, params, x, y, loss, optim.sgd(lr), key=..., batch_size=...)`
    resumed for `passes` more epochs per run (initial_epoch = the epochs done so far, the
    opt_state and history carried), so each run times what fit does for an epoch: its
    checks of the data, its shuffle (a permuted copy of x and y, from the key and the
    epoch index), make_step, the steps and the history row. The batches differ from the
    other contenders', so its final loss is not compared."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(
            problem, "fit(..., initial_epoch=e): shuffles each epoch, its loss is not comparable"
        )
        self._net, self._loss = net_of(problem.workload), loss_of(problem.workload)
        self._key = nf.random.key(SEED)
        self._epochs = 0
        self._history: nf.train.History | None = None

    def run(self) -> None:
        """`passes` epochs of fit, resumed where the last run stopped."""
        problem, done = self._problem, self._epochs
        result = nf.train.fit(
            self._net,
            self._params,
            problem.x,
            problem.targets,
            self._loss,
            sgd(problem),
            key=self._key,
            epochs=done + problem.workload.passes,
            initial_epoch=done,
            batch_size=problem.workload.batch_size,
            opt_state=self._state,
            history=self._history,
        )
        self._params, self._state, self._history = result.params, result.opt_state, result.history
        self._epochs = done + problem.workload.passes
