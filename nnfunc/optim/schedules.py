"""Learning-rate schedules: frozen callables of the step count (0 at the first update).

Each raises ValueError naming itself and the step when its value is not a finite number
(a decay_rate > 1 at a huge step), instead of an OverflowError or inf.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import attrs

from nnfunc import _checks
from nnfunc.optim._base import LearningRate, Schedule, checked


def _finite(owner: object, step: int, value: Callable[[], float]) -> float:
    """value() as a float, or ValueError naming `owner` and `step` when it overflows."""
    try:
        result = float(value())
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        raise ValueError(f"{owner}: the learning rate at step {step} is {result}, not finite")
    return result


def _rate(owner: str) -> Any:
    return checked(owner, _checks.real, 0.0)


def _steps(owner: str) -> Any:
    return checked(owner, _checks.integer, 1)


def _after(value: object) -> Schedule | None:
    """None, or a callable taken for the schedule after the warmup."""
    return None if value is None else cast(Schedule, _checks.function("linear_warmup.after", value))


@attrs.frozen
class Constant:
    """lr(step) = value."""

    value: float = _rate("constant")

    def __call__(self, step: int) -> float:
        """`value`, at every step."""
        return self.value


@attrs.frozen
class StepDecay:
    """lr(step) = init * decay_rate ** (step // step_size): PyTorch's StepLR, in updates."""

    init: float = _rate("step_decay")
    decay_rate: float = _rate("step_decay")
    step_size: int = _steps("step_decay")

    def __call__(self, step: int) -> float:
        """init, multiplied by decay_rate once every step_size steps."""
        return _finite(self, step, lambda: self.init * self.decay_rate ** (step // self.step_size))


@attrs.frozen
class ExponentialDecay:
    """lr(step) = init * decay_rate ** (step / decay_steps), smooth in the step."""

    init: float = _rate("exponential_decay")
    decay_rate: float = _rate("exponential_decay")
    decay_steps: int = _steps("exponential_decay")

    def __call__(self, step: int) -> float:
        """init, multiplied by decay_rate every decay_steps steps, continuously."""
        return _finite(
            self, step, lambda: self.init * float(self.decay_rate ** (step / self.decay_steps))
        )


@attrs.frozen
class CosineDecay:
    """lr(step) = init * ((1 - alpha) * (1 + cos(pi * min(step, decay_steps) / decay_steps)) / 2
    + alpha): from init at step 0 down to alpha * init at decay_steps, then constant."""

    init: float = _rate("cosine_decay")
    decay_steps: int = _steps("cosine_decay")
    alpha: float = checked("cosine_decay", _checks.real, 0.0, 1.0, default=0.0)

    def __call__(self, step: int) -> float:
        """Half a cosine wave from init to alpha * init over decay_steps."""
        cosine = 0.5 * (1.0 + math.cos(math.pi * min(step, self.decay_steps) / self.decay_steps))
        return self.init * ((1.0 - self.alpha) * cosine + self.alpha)


@attrs.frozen
class LinearWarmup:
    """lr(step) = peak * step / warmup_steps below warmup_steps (0 at the first update), then
    after(step - warmup_steps), or peak when `after` is None."""

    peak: float = _rate("linear_warmup")
    warmup_steps: int = _steps("linear_warmup")
    after: Schedule | None = attrs.field(default=None, converter=_after)

    def __call__(self, step: int) -> float:
        """The warmup ramp, then the `after` schedule restarted at 0, or peak."""
        if step < self.warmup_steps:
            return self.peak * step / self.warmup_steps
        if self.after is None:
            return self.peak
        return self.after(step - self.warmup_steps)


def as_schedule(name: str, learning_rate: LearningRate) -> Schedule:
    """A check in the style of `nnfunc._checks`: a schedule (any callable) as is, a number
    >= 0 as its `constant` schedule; `name` names the argument in the error."""
    if callable(learning_rate):
        return learning_rate
    return Constant(_checks.real(f"{name} (a number or a schedule)", learning_rate, 0.0))


constant = Constant
step_decay = StepDecay
exponential_decay = ExponentialDecay
cosine_decay = CosineDecay
linear_warmup = LinearWarmup

__all__ = [
    "Constant",
    "CosineDecay",
    "ExponentialDecay",
    "LinearWarmup",
    "StepDecay",
    "as_schedule",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "linear_warmup",
    "step_decay",
]
