"""What every part of `nnfunc.optim` shares: the protocols, the empty state, the step count
and the checks of a state and of a learning rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import _checks
from nnfunc._arrays import freeze

P = TypeVar("P")

OptState = Any
"""A transformation's state: a frozen pytree of read-only arrays, its type set by the
transformation (`TraceState`, `ScaleByAdamState`, a tuple for a chain...)."""

IntArray = npt.NDArray[np.int64]


class Schedule(Protocol):
    """A learning rate as a function of the step count (0 at the first update)."""

    def __call__(self, step: int) -> float:
        """The learning rate for the update after `step` earlier ones."""
        ...


class GradientTransformation(Protocol):
    """A frozen spec with a pure `init` and a pure `update`; params keep their type P."""

    def init(self, params: P) -> OptState:
        """The state before the first update, made for `params`."""
        ...

    def update(self, grads: P, state: OptState, params: P | None = None) -> tuple[P, OptState]:
        """(updates, new state): updates have the grads' structure, shapes and dtype."""
        ...


class LearningRatePart(Protocol):
    """The last part of a chain that scales by -lr: it gives the rate of each update."""

    def rate(self, state: Any) -> tuple[float, Any]:
        """(the learning rate of this update, the new state), checking the rate."""
        ...


LearningRate = float | Schedule
"""A learning rate: a number >= 0, or a schedule of the step count."""


@attrs.frozen
class EmptyState:
    """The state of a transformation that keeps none."""


def expect_state(owner: object, state: object, kind: type) -> None:
    """Raise ValueError unless `state` is a `kind`, the state `owner.init` makes."""
    if not isinstance(state, kind):
        raise ValueError(
            f"{owner}: expected the {kind.__name__} its init makes, given {type(state).__name__}"
        )


def expect_states(owner: object, state: object, parts: int) -> tuple[OptState, ...]:
    """`state` as the tuple of `parts` states a chain's init makes, else ValueError."""
    if not isinstance(state, tuple) or len(state) != parts:
        given = f"tuple of {len(state)}" if isinstance(state, tuple) else type(state).__name__
        raise ValueError(
            f"{owner}: a chain of {parts} transformations needs the tuple of {parts} states "
            f"its init makes, given {given}"
        )
    return state


def count(value: int) -> IntArray:
    """A step count as a read-only int64 array of shape ()."""
    return freeze(np.array(value, dtype=np.int64))


def check_optimizer(optimizer: object) -> GradientTransformation:
    """`optimizer` if it is a gradient transformation (an instance with `init` and
    `update`); TypeError otherwise."""
    for name in ("init", "update"):
        if isinstance(optimizer, type) or not callable(getattr(optimizer, name, None)):
            raise TypeError(
                "optimizer must be a gradient transformation such as optim.sgd(0.1) (with "
                f"init and update), given {type(optimizer).__name__}: {optimizer!r:.80}"
            )
    return cast(GradientTransformation, optimizer)


def check_nesterov(owner: str, name: str, momentum: float, nesterov: object) -> bool:
    """`nesterov` as a bool; ValueError when it is True and `momentum` is 0."""
    flag = _checks.boolean(f"{owner}.nesterov", nesterov)
    if flag and momentum == 0.0:
        raise ValueError(f"{owner}: nesterov=True needs {name} > 0, given {name}={momentum}")
    return flag


def checked(
    owner: str,
    check: Callable[..., object],
    *args: Any,
    default: Any = attrs.NOTHING,
    **kwargs: Any,
) -> Any:
    """An attrs field converted by `check(name, value, *args, **kwargs)` (a check of
    `nnfunc._checks`), its errors naming `owner.field` (owner: the spec's public name)."""
    converter = _checks.named_field(owner, check, *args, **kwargs)
    return attrs.field(default=default, converter=converter)
