"""nnfunc through its public API: the plain `grads` + `sgd_step` loop, `train_step` with
`optim.sgd`, `train.make_step` (the fastest public path), and make_step on the same net
built two other ways: with a user's own activation class (defined here, outside nnfunc)
and as a nested Sequential, which the one engine must run as fast as the `mlp` net."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import user_layers
from workloads import Floats, Problem, Targets, Weights, loss_of, net_of

import nnfunc as nf

Params = nf.SequentialParams
Step = Callable[[Params, Any, Floats, Targets], tuple[Params, Any, float]]
"""step(params, opt_state, x, y) -> (params, opt_state, loss), as `train.make_step` returns."""


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


class PlainLoop:
    """`g = nf.grads(net, params, x, y, loss)`, then `params = nf.sgd_step(params, g, lr)`."""

    def __init__(self, problem: Problem) -> None:
        self._problem = problem
        self._net = net_of(problem.workload)
        self._loss = loss_of(problem.workload)
        self._params = params_of(problem)

    def run(self) -> None:
        """`passes` passes of the loop over the batches."""
        net, loss, lr = self._net, self._loss, self._problem.workload.learning_rate
        params = self._params
        for _ in range(self._problem.workload.passes):
            for x, y in self._problem.batches:
                g = nf.grads(net, params, x, y, loss)
                params = nf.sgd_step(params, g, lr)
        self._params = params

    def weights(self) -> Weights | None:
        """The current params."""
        return weights_of(self._params)

    def note(self) -> str:
        """Nothing to add."""
        return ""


def _train_step(problem: Problem) -> Step:
    net, loss = net_of(problem.workload), loss_of(problem.workload)
    optimizer = nf.optim.sgd(problem.workload.learning_rate)

    def step(params: Params, state: Any, x: Floats, y: Targets) -> tuple[Params, Any, float]:
        return nf.train.train_step(net, params, state, x, y, loss, optimizer)

    return step


def _made_step(problem: Problem, **options: bool) -> Step:
    """`nf.train.make_step(net, loss, optim.sgd(lr), **options)`; only called when nnfunc
    has it."""
    make_step = getattr(nf.train, "make_step", None)
    assert make_step is not None, "nf.train.make_step is missing"
    optimizer = nf.optim.sgd(problem.workload.learning_rate)
    net, loss = net_of(problem.workload), loss_of(problem.workload)
    return cast(Step, make_step(net, loss, optimizer, **options))


class StepLoop:
    """`params, state, loss = step(params, state, x, y)` with `nf.optim.sgd(lr)`."""

    def __init__(
        self,
        problem: Problem,
        make: Callable[[Problem], Step],
        note: str,
        params: Any = None,
    ) -> None:
        self._problem = problem
        self._step = make(problem)
        self._params = params_of(problem) if params is None else params
        self._state = nf.optim.sgd(problem.workload.learning_rate).init(self._params)
        self._note = note
        self.last_loss = float("nan")

    def run(self) -> None:
        """`passes` passes of the step over the batches."""
        step, params, state = self._step, self._params, self._state
        loss = self.last_loss
        for _ in range(self._problem.workload.passes):
            for x, y in self._problem.batches:
                params, state, loss = step(params, state, x, y)
        self._params, self._state, self.last_loss = params, state, loss

    def weights(self) -> Weights | None:
        """The current params."""
        return weights_of(self._params)

    def note(self) -> str:
        """Which function the loop calls."""
        return self._note


def fastest(problem: Problem) -> StepLoop:
    """The fastest public path: `nf.train.make_step(net, loss, optim.sgd(lr))`."""
    return StepLoop(problem, _made_step, "make_step(net, loss, optim.sgd(lr))")


def train_step(problem: Problem) -> StepLoop:
    """`nf.train.train_step(net, params, state, x, y, loss, optim.sgd(lr))` in a loop."""
    return StepLoop(problem, _train_step, "")


def _stepping(net: Any, problem: Problem) -> Callable[[Problem], Step]:
    def make(problem: Problem) -> Step:
        optimizer = nf.optim.sgd(problem.workload.learning_rate)
        return cast(Step, nf.train.make_step(net, loss_of(problem.workload), optimizer))

    return make


def user_activation(problem: Problem) -> StepLoop:
    """make_step on the workload's net with its activation a user's own class."""
    net = nf.Sequential(
        *(user_layers.USER.get(type(layer), layer) for layer in net_of(problem.workload).layers)
    )
    return StepLoop(problem, _stepping(net, problem), "make_step, a user's activation class")


def nested(problem: Problem) -> StepLoop:
    """make_step on the workload's net as a Sequential of (Dense, activation) Sequentials."""
    flat = net_of(problem.workload)
    layers, params = flat.layers, params_of(problem)
    blocks = [nf.Sequential(*layers[i : i + 2]) for i in range(0, len(layers) - 1, 2)]
    net = nf.Sequential(*blocks, layers[-1])
    nested_params = (*(params[i : i + 2] for i in range(0, len(layers) - 1, 2)), params[-1])
    return StepLoop(
        problem, _stepping(net, problem), "make_step, nested Sequentials", nested_params
    )
