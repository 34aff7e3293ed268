"""Gradient transformations: each a frozen spec with a pure `init` and a pure `update`.

Updates and states hold read-only arrays of the grads' dtype; grads, state and params
pair up leaf by leaf with equal shapes (`nnfunc.tree.map_many`), else a ValueError names
the path. `chain` composes them; its state is the tuple of its parts' states.
"""

from __future__ import annotations

import math
from typing import Any, Generic

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import _checks, tree
from nnfunc._parts import check_parts
from nnfunc.optim._base import (
    EmptyState,
    GradientTransformation,
    IntArray,
    LearningRate,
    OptState,
    P,
    Schedule,
    check_nesterov,
    checked,
    count,
    expect_state,
    expect_states,
)
from nnfunc.optim.schedules import as_schedule

F = npt.NDArray[Any]
"""An array of any dtype: a leaf of params, grads or updates."""


def _unit(owner: str, default: Any) -> Any:
    """A field in [0, 1): a decay."""
    return checked(owner, _checks.real, 0.0, 1.0, open_high=True, default=default)


@attrs.frozen
class Scale:
    """updates = factor * grads, for any finite factor."""

    factor: float = checked("scale", _checks.real)

    def init(self, params: object) -> EmptyState:
        """No state."""
        return EmptyState()

    def update(self, grads: P, state: EmptyState, params: P | None = None) -> tuple[P, EmptyState]:
        """(factor * grads, state)."""
        expect_state(self, state, EmptyState)
        return tree.scale(self.factor, grads), state


@attrs.frozen
class ScaleByLearningRateState:
    """The number of updates done: a read-only int64 array of shape ()."""

    count: IntArray


def _learning_rate(value: LearningRate) -> Schedule:
    return as_schedule("scale_by_learning_rate.learning_rate", value)


@attrs.frozen
class ScaleByLearningRate:
    """updates = -lr(step) * grads, step being the number of earlier updates.

    `learning_rate` is a number >= 0 (kept as a `constant` schedule) or a schedule;
    raises ValueError for a negative learning rate, at construction for a number and at
    the update for a schedule's value.
    """

    learning_rate: Schedule = attrs.field(converter=_learning_rate)

    def init(self, params: object) -> ScaleByLearningRateState:
        """A count of 0."""
        return ScaleByLearningRateState(count(0))

    def rate(self, state: ScaleByLearningRateState) -> tuple[float, ScaleByLearningRateState]:
        """(the learning rate of this update, count + 1), checking the schedule's value."""
        expect_state(self, state, ScaleByLearningRateState)
        step = int(state.count)
        rate = float(self.learning_rate(step))
        if not (math.isfinite(rate) and rate >= 0.0):
            raise ValueError(
                f"{self}: the schedule gave learning rate {rate} at step {step}; "
                f"a learning rate must be a finite number >= 0"
            )
        return rate, ScaleByLearningRateState(count(step + 1))

    def update(
        self, grads: P, state: ScaleByLearningRateState, params: P | None = None
    ) -> tuple[P, ScaleByLearningRateState]:
        """(-lr(count) * grads, count + 1)."""
        rate, state = self.rate(state)
        return tree.scale(-rate, grads), state


@attrs.frozen
class TraceState(Generic[P]):
    """The momentum buffer b, of the params' structure."""

    trace: P


def _nesterov(instance: Trace, attribute: attrs.Attribute[bool], value: bool) -> None:
    check_nesterov("trace", "decay", instance.decay, value)


@attrs.frozen
class Trace:
    """PyTorch's momentum buffer (dampening 0): b <- decay*b + g, with b_0 = 0 so b_1 = g;
    updates = b, or g + decay*b with nesterov.

    Raises ValueError for decay outside [0, 1) and for nesterov with decay 0.
    """

    decay: float = _unit("trace", attrs.NOTHING)
    nesterov: bool = attrs.field(default=False, validator=_nesterov)

    def init(self, params: P) -> TraceState[P]:
        """b = 0, of the params' shapes and dtypes."""
        return TraceState(tree.zeros_like(params))

    def update(
        self, grads: P, state: TraceState[P], params: P | None = None
    ) -> tuple[P, TraceState[P]]:
        """(b or g + decay*b, the new b)."""
        expect_state(self, state, TraceState)
        decay, nesterov = self.decay, self.nesterov

        def leaf(g: F, b: F) -> tuple[F, ...]:
            b = b * decay
            b += g
            if not nesterov:
                return (b,)
            u = b * decay
            u += g
            return b, u

        outputs = tree.map_many(
            leaf, 2 if nesterov else 1, grads, state.trace,
            names=("grads", "state.trace"), owner=self,
        )  # fmt: skip
        return outputs[-1], TraceState(outputs[0])


@attrs.frozen
class ScaleByRmsState(Generic[P]):
    """The running mean v of squared gradients, of the params' structure."""

    nu: P


@attrs.frozen
class ScaleByRms:
    """PyTorch's RMSprop scaling (centered=False): v <- decay*v + (1 - decay)*g^2 with
    v_0 = 0; updates = g / (sqrt(v) + eps), eps outside the root (Optax puts it inside).

    Raises ValueError for decay outside [0, 1) and for eps <= 0.
    """

    decay: float = _unit("scale_by_rms", default=0.99)
    eps: float = checked("scale_by_rms", _checks.real, 0.0, open_low=True, default=1e-8)

    def init(self, params: P) -> ScaleByRmsState[P]:
        """v = 0, of the params' shapes and dtypes."""
        return ScaleByRmsState(tree.zeros_like(params))

    def update(
        self, grads: P, state: ScaleByRmsState[P], params: P | None = None
    ) -> tuple[P, ScaleByRmsState[P]]:
        """(g / (sqrt(v) + eps), the new v)."""
        expect_state(self, state, ScaleByRmsState)
        decay, eps = self.decay, self.eps

        def leaf(g: F, v: F) -> tuple[F, ...]:
            v = v * decay
            v += (1.0 - decay) * np.square(g)
            denominator = np.sqrt(v)
            denominator += eps
            return v, g / denominator

        nu, updates = tree.map_many(
            leaf, 2, grads, state.nu, names=("grads", "state.nu"), owner=self
        )
        return updates, ScaleByRmsState(nu)


@attrs.frozen
class ScaleByAdamState(Generic[P]):
    """The update count (int64, shape ()) and the moments m and v, of the params' structure."""

    count: IntArray
    mu: P
    nu: P


@attrs.frozen
class ScaleByAdam:
    """PyTorch's Adam scaling: at update t = 1, 2, ..., with m_0 = v_0 = 0,
    m <- b1*m + (1 - b1)*g, v <- b2*v + (1 - b2)*g^2, and
    updates = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).

    Raises ValueError for b1 or b2 outside [0, 1) and for eps <= 0.
    """

    b1: float = _unit("scale_by_adam", default=0.9)
    b2: float = _unit("scale_by_adam", default=0.999)
    eps: float = checked("scale_by_adam", _checks.real, 0.0, open_low=True, default=1e-8)

    def init(self, params: P) -> ScaleByAdamState[P]:
        """count 0 and m = v = 0, of the params' shapes and dtypes."""
        zeros = tree.zeros_like(params)
        return ScaleByAdamState(count(0), zeros, zeros)

    def update(
        self, grads: P, state: ScaleByAdamState[P], params: P | None = None
    ) -> tuple[P, ScaleByAdamState[P]]:
        """(the bias-corrected step, count + 1 and the new moments)."""
        expect_state(self, state, ScaleByAdamState)
        step = int(state.count) + 1
        b1, b2, eps = self.b1, self.b2, self.eps
        m_correction = 1.0 / (1.0 - b1**step)
        v_correction = 1.0 / math.sqrt(1.0 - b2**step)

        def leaf(g: F, m: F, v: F) -> tuple[F, ...]:
            m = m * b1
            m += (1.0 - b1) * g
            v = v * b2
            v += (1.0 - b2) * np.square(g)
            denominator = np.sqrt(v)
            denominator *= v_correction
            denominator += eps
            u = m / denominator
            u *= m_correction
            return m, v, u

        mu, nu, updates = tree.map_many(
            leaf, 3, grads, state.mu, state.nu,
            names=("grads", "state.mu", "state.nu"), owner=self,
        )  # fmt: skip
        return updates, ScaleByAdamState(count(step), mu, nu)


@attrs.frozen(init=False)
class Chain:
    """The transformations one after the other; its state is the tuple of theirs."""

    transforms: tuple[GradientTransformation, ...]

    def __init__(self, *transforms: GradientTransformation) -> None:
        check_parts("chain", "transformation", transforms, ("init", "update"))
        self.__attrs_init__(tuple(transforms))

    def init(self, params: P) -> tuple[OptState, ...]:
        """The tuple of every part's initial state."""
        return tuple(transform.init(params) for transform in self.transforms)

    def update(
        self, grads: P, state: tuple[OptState, ...], params: P | None = None
    ) -> tuple[P, tuple[OptState, ...]]:
        """(the last part's updates, each fed the one before's, the tuple of new states)."""
        states = []
        parts = expect_states(self, state, len(self.transforms))
        for transform, part in zip(self.transforms, parts, strict=True):
            grads, part = transform.update(grads, part, params)
            states.append(part)
        return grads, tuple(states)


def learning_rate_split(
    optimizer: object,
) -> tuple[tuple[GradientTransformation, ...], ScaleByLearningRate] | None:
    """(the parts before, the last part) of a chain ending in scale_by_learning_rate, else
    None."""
    if isinstance(optimizer, Chain) and isinstance(optimizer.transforms[-1], ScaleByLearningRate):
        return optimizer.transforms[:-1], optimizer.transforms[-1]
    return None


scale = Scale
scale_by_learning_rate = ScaleByLearningRate
trace = Trace
scale_by_rms = ScaleByRms
scale_by_adam = ScaleByAdam
chain = Chain

__all__ = [
    "Chain",
    "F",
    "Scale",
    "ScaleByAdam",
    "ScaleByAdamState",
    "ScaleByLearningRate",
    "ScaleByLearningRateState",
    "ScaleByRms",
    "ScaleByRmsState",
    "Trace",
    "TraceState",
    "chain",
    "learning_rate_split",
    "scale",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_rms",
    "trace",
]
