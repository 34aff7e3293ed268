"""Optimizers as values: gradient transformations with a pure `init` and a pure `update`.

A gradient transformation is a frozen, hashable, picklable spec with two methods:

    state = opt.init(params)                           # a frozen pytree of read-only arrays
    updates, state = opt.update(grads, state, params)  # updates: params' structure
    params = optim.apply_updates(params, updates)      # params + updates, leaf by leaf

Small transformations (`scale`, `scale_by_learning_rate`, `trace`, `scale_by_adam`,
`scale_by_rms`, `add_decayed_weights`, `clip_by_global_norm`, `clip`) compose with
`chain`, whose state is the tuple of its parts' states. The named optimizers `sgd`,
`rmsprop`, `adam` and `adamw` are chains of them that follow the update rules PyTorch
documents for torch.optim. A learning rate is a float or a schedule (`constant`,
`step_decay`, `exponential_decay`, `cosine_decay`, `linear_warmup`): a function of the
step count that `scale_by_learning_rate` keeps in its state, 0 at the first update.

A user-defined optimizer is one new pair of functions on a frozen class. Sign descent,
which steps against the sign of each gradient:

    @attrs.frozen
    class ScaleBySign:
        def init(self, params):
            return optim.EmptyState()

        def update(self, grads, state, params=None):
            return nf.tree.map(np.sign, grads), state

    sign_descent = optim.chain(ScaleBySign(), optim.scale_by_learning_rate(0.01))

Updates and states returned here hold read-only arrays of the grads' dtype (the params'
dtype after `apply_updates`), new ones but for grads already read-only that pass through
unchanged; no argument is changed. Grads, state and params must share one structure and
their leaves' shapes: a ValueError names the path where they do not.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import tree
from nnfunc._arrays import freeze, readonly
from nnfunc._parts import check_parts

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


# Validation of hyper-parameters, at construction.


def _real(value: float) -> float:
    """A real number as a Python float (so a NumPy scalar cannot promote float32 math to
    float64); anything else is returned as is, for the validator to refuse."""
    given: object = value  # as typed, value is always a float: look at what it really is
    if isinstance(given, bool) or not isinstance(given, numbers.Real):
        return value
    return float(given)


def _integer(value: int) -> int:
    """An integral number as a Python int; anything else as is, for the validator."""
    given: object = value
    if isinstance(given, bool) or not isinstance(given, numbers.Integral):
        return value
    return int(given)


@attrs.frozen
class _Range:
    """A Python float in an interval; as an attrs validator, its error names the field."""

    low: float
    high: float
    closed_low: bool = True
    closed_high: bool = False

    def __str__(self) -> str:
        left = "[" if self.closed_low else "("
        right = "]" if self.closed_high else ")"
        return f"{left}{self.low:g}, {self.high:g}{right}"

    def contains(self, value: float) -> bool:
        """True when `value` lies in the interval (never for NaN)."""
        above = value >= self.low if self.closed_low else value > self.low
        below = value <= self.high if self.closed_high else value < self.high
        return above and below

    def check(self, owner: str, name: str, value: object) -> None:
        """Raise TypeError for a non-number, ValueError for a number outside the interval."""
        if not isinstance(value, float):
            raise TypeError(
                f"{owner}: {name} must be a number in {self}, given {type(value).__name__} "
                f"{value!r}"
            )
        if not self.contains(value):
            raise ValueError(f"{owner}: {name} must be a number in {self}, given {value!r}")

    def __call__(self, instance: object, attribute: attrs.Attribute[float], value: float) -> None:
        self.check(type(instance).__name__, attribute.name, value)


_FINITE = _Range(-math.inf, math.inf, closed_low=False)
_NON_NEGATIVE = _Range(0.0, math.inf)
_POSITIVE = _Range(0.0, math.inf, closed_low=False)
_UNIT = _Range(0.0, 1.0)
_FRACTION = _Range(0.0, 1.0, closed_high=True)


def _steps(minimum: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    """An attrs validator: an int >= `minimum`, its error naming the field."""

    def validate(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(
                f"{type(instance).__name__}: {attribute.name} must be an int >= {minimum}, "
                f"given {value!r}"
            )

    return validate


# Schedules: frozen callables of the step count.


@attrs.frozen
class Constant:
    """lr(step) = value."""

    value: float = attrs.field(converter=_real, validator=_NON_NEGATIVE)

    def __call__(self, step: int) -> float:
        """`value`, at every step."""
        return self.value


@attrs.frozen
class StepDecay:
    """lr(step) = init * decay_rate ** (step // step_size): PyTorch's StepLR, in updates."""

    init: float = attrs.field(converter=_real, validator=_NON_NEGATIVE)
    decay_rate: float = attrs.field(converter=_real, validator=_NON_NEGATIVE)
    step_size: int = attrs.field(converter=_integer, validator=_steps(1))

    def __call__(self, step: int) -> float:
        """init, multiplied by decay_rate once every step_size steps."""
        return self.init * self.decay_rate ** (step // self.step_size)


@attrs.frozen
class ExponentialDecay:
    """lr(step) = init * decay_rate ** (step / decay_steps), smooth in the step."""

    init: float = attrs.field(converter=_real, validator=_NON_NEGATIVE)
    decay_rate: float = attrs.field(converter=_real, validator=_NON_NEGATIVE)
    decay_steps: int = attrs.field(converter=_integer, validator=_steps(1))

    def __call__(self, step: int) -> float:
        """init, multiplied by decay_rate every decay_steps steps, continuously."""
        return self.init * float(self.decay_rate ** (step / self.decay_steps))


@attrs.frozen
class CosineDecay:
    """lr(step) = init * ((1 - alpha) * (1 + cos(pi * min(step, decay_steps) / decay_steps)) / 2
    + alpha): from init at step 0 down to alpha * init at decay_steps, then constant."""

    init: float = attrs.field(converter=_real, validator=_NON_NEGATIVE)
    decay_steps: int = attrs.field(converter=_integer, validator=_steps(1))
    alpha: float = attrs.field(default=0.0, converter=_real, validator=_FRACTION)

    def __call__(self, step: int) -> float:
        """Half a cosine wave from init to alpha * init over decay_steps."""
        cosine = 0.5 * (1.0 + math.cos(math.pi * min(step, self.decay_steps) / self.decay_steps))
        return self.init * ((1.0 - self.alpha) * cosine + self.alpha)


@attrs.frozen
class LinearWarmup:
    """lr(step) = peak * step / warmup_steps below warmup_steps (0 at the first update), then
    after(step - warmup_steps), or peak when `after` is None."""

    peak: float = attrs.field(converter=_real, validator=_NON_NEGATIVE)
    warmup_steps: int = attrs.field(converter=_integer, validator=_steps(1))
    after: Schedule | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.is_callable())
    )

    def __call__(self, step: int) -> float:
        """The warmup ramp, then the `after` schedule restarted at 0, or peak."""
        if step < self.warmup_steps:
            return self.peak * step / self.warmup_steps
        if self.after is None:
            return self.peak
        return self.after(step - self.warmup_steps)


constant = Constant
step_decay = StepDecay
exponential_decay = ExponentialDecay
cosine_decay = CosineDecay
linear_warmup = LinearWarmup

LearningRate = float | Schedule
"""A learning rate: a number >= 0, or a schedule of the step count."""


# Leafwise maps with shape checks.


class _ShapeMismatch(Exception):
    """Raised by a leaf function of `_map_leaves` on arrays of different shapes."""


LeafFunction = Callable[..., tuple[npt.ArrayLike, ...]]
"""Arrays of one shape in, a tuple of arrays it made out."""


def _map_leaves(
    owner: object, f: LeafFunction, n_out: int, trees: tuple[P, ...], names: tuple[str, ...]
) -> list[P]:
    """The `n_out` trees of f's outputs on the leaves of `trees`, frozen, as a list.

    One pass over `trees` computes all outputs of a leaf together; the outputs after the
    first are then placed in trees of the same structure. f must return arrays it made.
    Raises ValueError naming the path where the trees differ in structure or in the shape
    of a leaf (with `owner` in the message or a note): arrays are never broadcast.
    """
    later: list[list[npt.NDArray[Any]]] = [[] for _ in range(n_out - 1)]

    def leaf(first: npt.NDArray[Any], *others: npt.NDArray[Any]) -> npt.NDArray[Any]:
        for other in others:
            if other.shape != first.shape:
                raise _ShapeMismatch
        outputs = f(first, *others)
        for sink, output in zip(later, outputs[1:], strict=True):
            sink.append(freeze(np.asarray(output)))
        return freeze(np.asarray(outputs[0]))

    try:
        head = tree.map(leaf, *trees)
    except _ShapeMismatch:
        raise _shape_error(owner, trees, names) from None
    except ValueError as error:  # from tree.map: the structures differ, at the path it names
        error.add_note(f"in {owner}, mapping over {', '.join(names)}")
        raise
    return [head, *(_placed(head, leaves) for leaves in later)]


def _placed(like: P, leaves: list[npt.NDArray[Any]]) -> P:
    """A tree of the structure of `like` holding `leaves` in flatten order."""
    supply = iter(leaves)
    return tree.map(lambda _: next(supply), like)


def _shape_error(owner: object, trees: Sequence[object], names: Sequence[str]) -> ValueError:
    """The error for the first leaf whose shape differs between `trees` (structures match
    up to there, as `tree.map` checked them on its way)."""
    columns = [tree.leaves_with_path(t) for t in trees]
    path, first, name, other = next(
        (path, first, name, other)
        for (path, first), *rest in zip(*columns, strict=False)
        for name, (_, other) in zip(names[1:], rest, strict=True)
        if np.shape(other) != np.shape(first)
    )
    return ValueError(
        f"{owner}: {name}{path} has shape {np.shape(other)} but {names[0]}{path} has shape "
        f"{np.shape(first)}; they must be equal (arrays are never broadcast)"
    )


def _expect_state(owner: object, state: object, kind: type) -> None:
    """Raise ValueError unless `state` is a `kind`, the state `owner.init` makes."""
    if not isinstance(state, kind):
        raise ValueError(
            f"{owner}: expected the {kind.__name__} its init makes, given {type(state).__name__}"
        )


def _count(value: int) -> IntArray:
    """A step count as a read-only int64 array of shape ()."""
    return freeze(np.array(value, dtype=np.int64))


# Gradient transformations.


@attrs.frozen
class EmptyState:
    """The state of a transformation that keeps none."""


@attrs.frozen
class Scale:
    """updates = factor * grads, for any finite factor."""

    factor: float = attrs.field(converter=_real, validator=_FINITE)

    def init(self, params: object) -> EmptyState:
        """No state."""
        return EmptyState()

    def update(self, grads: P, state: EmptyState, params: P | None = None) -> tuple[P, EmptyState]:
        """(factor * grads, state)."""
        _expect_state(self, state, EmptyState)
        return tree.scale(self.factor, grads), state


def _as_schedule(learning_rate: LearningRate) -> Schedule:
    """A schedule as is; a number >= 0 as its Constant schedule."""
    if callable(learning_rate):
        return learning_rate
    rate = _real(learning_rate)
    _NON_NEGATIVE.check("ScaleByLearningRate", "learning_rate (a number or a schedule)", rate)
    return Constant(rate)


@attrs.frozen
class ScaleByLearningRateState:
    """The number of updates done: a read-only int64 array of shape ()."""

    count: IntArray


@attrs.frozen
class ScaleByLearningRate:
    """updates = -lr(step) * grads, step being the number of earlier updates.

    `learning_rate` is a number >= 0 (kept as a `Constant` schedule) or a schedule;
    raises ValueError for a negative learning rate, at construction for a number and at
    the update for a schedule's value.
    """

    learning_rate: Schedule = attrs.field(converter=_as_schedule)

    def init(self, params: object) -> ScaleByLearningRateState:
        """A count of 0."""
        return ScaleByLearningRateState(_count(0))

    def rate(self, state: ScaleByLearningRateState) -> tuple[float, ScaleByLearningRateState]:
        """(the learning rate of this update, count + 1), checking the schedule's value."""
        _expect_state(self, state, ScaleByLearningRateState)
        step = int(state.count)
        rate = float(self.learning_rate(step))
        if not _NON_NEGATIVE.contains(rate):
            raise ValueError(
                f"{self}: the schedule gave learning rate {rate} at step {step}; "
                f"a learning rate must be in {_NON_NEGATIVE}"
            )
        return rate, ScaleByLearningRateState(_count(step + 1))

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


def _check_nesterov(owner: str, name: str, momentum: float, nesterov: bool) -> None:
    if nesterov and momentum == 0.0:
        raise ValueError(f"{owner}: nesterov=True needs {name} > 0, given {name}={momentum}")


def _nesterov_needs_decay(instance: Trace, attribute: attrs.Attribute[bool], value: bool) -> None:
    _check_nesterov(type(instance).__name__, "decay", instance.decay, value)


@attrs.frozen
class Trace:
    """PyTorch's momentum buffer (dampening 0): b <- decay*b + g, with b_0 = 0 so b_1 = g;
    updates = b, or g + decay*b with nesterov.

    Raises ValueError for decay outside [0, 1) and for nesterov with decay 0.
    """

    decay: float = attrs.field(converter=_real, validator=_UNIT)
    nesterov: bool = attrs.field(
        default=False, validator=[attrs.validators.instance_of(bool), _nesterov_needs_decay]
    )

    def init(self, params: P) -> TraceState[P]:
        """b = 0, of the params' shapes and dtypes."""
        return TraceState(tree.zeros_like(params))

    def update(
        self, grads: P, state: TraceState[P], params: P | None = None
    ) -> tuple[P, TraceState[P]]:
        """(b or g + decay*b, the new b)."""
        _expect_state(self, state, TraceState)
        decay, nesterov = self.decay, self.nesterov

        def leaf(g: npt.NDArray[Any], b: npt.NDArray[Any]) -> tuple[npt.ArrayLike, ...]:
            b = b * decay
            b += g
            if not nesterov:
                return (b,)
            u = b * decay
            u += g
            return b, u

        names = ("grads", "state.trace")
        outputs = _map_leaves(self, leaf, 2 if nesterov else 1, (grads, state.trace), names)
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

    decay: float = attrs.field(default=0.99, converter=_real, validator=_UNIT)
    eps: float = attrs.field(default=1e-8, converter=_real, validator=_POSITIVE)

    def init(self, params: P) -> ScaleByRmsState[P]:
        """v = 0, of the params' shapes and dtypes."""
        return ScaleByRmsState(tree.zeros_like(params))

    def update(
        self, grads: P, state: ScaleByRmsState[P], params: P | None = None
    ) -> tuple[P, ScaleByRmsState[P]]:
        """(g / (sqrt(v) + eps), the new v)."""
        _expect_state(self, state, ScaleByRmsState)
        decay, eps = self.decay, self.eps

        def leaf(g: npt.NDArray[Any], v: npt.NDArray[Any]) -> tuple[npt.ArrayLike, ...]:
            v = v * decay
            v += (1.0 - decay) * np.square(g)
            denominator = np.sqrt(v)
            denominator += eps
            return v, g / denominator

        nu, updates = _map_leaves(self, leaf, 2, (grads, state.nu), ("grads", "state.nu"))
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

    b1: float = attrs.field(default=0.9, converter=_real, validator=_UNIT)
    b2: float = attrs.field(default=0.999, converter=_real, validator=_UNIT)
    eps: float = attrs.field(default=1e-8, converter=_real, validator=_POSITIVE)

    def init(self, params: P) -> ScaleByAdamState[P]:
        """count 0 and m = v = 0, of the params' shapes and dtypes."""
        zeros = tree.zeros_like(params)
        return ScaleByAdamState(_count(0), zeros, zeros)

    def update(
        self, grads: P, state: ScaleByAdamState[P], params: P | None = None
    ) -> tuple[P, ScaleByAdamState[P]]:
        """(the bias-corrected step, count + 1 and the new moments)."""
        _expect_state(self, state, ScaleByAdamState)
        step = int(state.count) + 1
        b1, b2, eps = self.b1, self.b2, self.eps
        m_correction = 1.0 / (1.0 - b1**step)
        v_correction = 1.0 / math.sqrt(1.0 - b2**step)

        def leaf(
            g: npt.NDArray[Any], m: npt.NDArray[Any], v: npt.NDArray[Any]
        ) -> tuple[npt.ArrayLike, ...]:
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

        names = ("grads", "state.mu", "state.nu")
        mu, nu, updates = _map_leaves(self, leaf, 3, (grads, state.mu, state.nu), names)
        return updates, ScaleByAdamState(_count(step), mu, nu)


@attrs.frozen
class AddDecayedWeights:
    """updates = grads + weight_decay * params; needs the params.

    Raises ValueError for weight_decay < 0, and at the update when params are not given.
    """

    weight_decay: float = attrs.field(converter=_real, validator=_NON_NEGATIVE)

    def init(self, params: object) -> EmptyState:
        """No state."""
        return EmptyState()

    def update(self, grads: P, state: EmptyState, params: P | None = None) -> tuple[P, EmptyState]:
        """(grads + weight_decay * params, state)."""
        _expect_state(self, state, EmptyState)
        if params is None:
            raise ValueError(f"{self} needs the params: call update(grads, state, params)")
        weight_decay = self.weight_decay

        def leaf(g: npt.NDArray[Any], p: npt.NDArray[Any]) -> tuple[npt.ArrayLike, ...]:
            u = p * weight_decay
            u += g
            return (u,)

        (updates,) = _map_leaves(self, leaf, 1, (grads, params), ("grads", "params"))
        return updates, state


@attrs.frozen
class ClipByGlobalNorm:
    """updates = grads * max_norm / max(norm, max_norm), norm being the l2 norm of all leaves
    together (no epsilon, unlike torch.nn.utils.clip_grad_norm_'s 1e-6).

    Raises ValueError for max_norm <= 0.
    """

    max_norm: float = attrs.field(converter=_real, validator=_POSITIVE)

    def init(self, params: object) -> EmptyState:
        """No state."""
        return EmptyState()

    def update(self, grads: P, state: EmptyState, params: P | None = None) -> tuple[P, EmptyState]:
        """(grads scaled down to global norm max_norm if above it, state)."""
        _expect_state(self, state, EmptyState)
        norm = tree.global_norm(grads)
        if norm <= self.max_norm:
            return tree.map(readonly, grads), state
        return tree.scale(self.max_norm / norm, grads), state


@attrs.frozen
class Clip:
    """updates = grads clipped elementwise to [-max_delta, max_delta].

    Raises ValueError for max_delta <= 0.
    """

    max_delta: float = attrs.field(converter=_real, validator=_POSITIVE)

    def init(self, params: object) -> EmptyState:
        """No state."""
        return EmptyState()

    def update(self, grads: P, state: EmptyState, params: P | None = None) -> tuple[P, EmptyState]:
        """(clip(grads, -max_delta, max_delta), state)."""
        _expect_state(self, state, EmptyState)
        low, high = -self.max_delta, self.max_delta

        def leaf(g: npt.NDArray[Any]) -> tuple[npt.ArrayLike, ...]:
            return (np.clip(g, low, high),)

        (updates,) = _map_leaves(self, leaf, 1, (grads,), ("grads",))
        return updates, state


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
        if not isinstance(state, tuple) or len(state) != len(self.transforms):
            given = f"tuple of {len(state)}" if isinstance(state, tuple) else type(state).__name__
            raise ValueError(
                f"chain of {len(self.transforms)} transformations needs the tuple of "
                f"{len(self.transforms)} states its init makes, given {given}"
            )
        states = []
        for transform, part in zip(self.transforms, state, strict=True):
            grads, part = transform.update(grads, part, params)
            states.append(part)
        return grads, tuple(states)


scale = Scale
scale_by_learning_rate = ScaleByLearningRate
trace = Trace
scale_by_rms = ScaleByRms
scale_by_adam = ScaleByAdam
add_decayed_weights = AddDecayedWeights
clip_by_global_norm = ClipByGlobalNorm
clip = Clip
chain = Chain


def apply_updates(params: P, updates: P) -> P:
    """params + updates, leaf by leaf: new read-only arrays, each of its param's dtype.

    Raises ValueError naming the path where updates differ from params in structure or
    in a leaf's shape.
    """

    def leaf(p: npt.NDArray[Any], u: npt.NDArray[Any]) -> tuple[npt.ArrayLike, ...]:
        return (np.add(p, u, dtype=p.dtype),)

    (new_params,) = _map_leaves("apply_updates", leaf, 1, (params, updates), ("params", "updates"))
    return new_params


def check_optimizer(optimizer: object) -> GradientTransformation:
    """`optimizer` if it has `init` and `update` methods; TypeError otherwise."""
    for name in ("init", "update"):
        if isinstance(optimizer, type) or not callable(getattr(optimizer, name, None)):
            raise TypeError(
                "optimizer must be a gradient transformation such as optim.sgd(0.1) (with "
                f"init and update), given {type(optimizer).__name__}: {optimizer!r:.80}"
            )
    return optimizer  # type: ignore[return-value]


def step(
    optimizer: GradientTransformation, grads: P, state: OptState, params: P
) -> tuple[P, OptState]:
    """(params moved by the optimizer's updates, its new state)."""
    updates, state = optimizer.update(grads, state, params)
    return apply_updates(params, updates), state


# The named optimizers: chains of the transformations above.


def _weight_decay(weight_decay: float) -> tuple[GradientTransformation, ...]:
    """add_decayed_weights(weight_decay) when weight_decay > 0, else nothing (it is checked)."""
    part = AddDecayedWeights(weight_decay)
    return (part,) if part.weight_decay > 0.0 else ()


def _momentum(owner: str, momentum: float, nesterov: bool = False) -> tuple[Trace, ...]:
    """trace(momentum, nesterov) when momentum > 0, else nothing; errors name `momentum`."""
    momentum = _real(momentum)
    _UNIT.check(owner, "momentum", momentum)
    _check_nesterov(owner, "momentum", momentum, nesterov)
    return (Trace(momentum, nesterov),) if momentum > 0.0 else ()


def sgd(
    learning_rate: LearningRate,
    momentum: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
) -> Chain:
    """torch.optim.SGD with dampening 0, at each update:
    g <- g + weight_decay*p; b <- momentum*b + g (b_1 = g); g <- g + momentum*b with
    nesterov, else g <- b; p <- p - lr*g.

    Raises ValueError for a negative learning_rate or weight_decay, momentum outside
    [0, 1), and nesterov without momentum.
    """
    return Chain(
        *_weight_decay(weight_decay),
        *_momentum("sgd", momentum, nesterov),
        ScaleByLearningRate(learning_rate),
    )


def rmsprop(
    learning_rate: LearningRate, decay: float = 0.99, eps: float = 1e-8, momentum: float = 0.0
) -> Chain:
    """torch.optim.RMSprop (alpha = decay, centered=False), at each update:
    v <- decay*v + (1 - decay)*g^2 (v_0 = 0); g <- g / (sqrt(v) + eps);
    b <- momentum*b + g (b_0 = 0) and g <- b when momentum > 0; p <- p - lr*g.

    Raises ValueError for a negative learning_rate, decay or momentum outside [0, 1),
    and eps <= 0.
    """
    return Chain(
        ScaleByRms(decay, eps), *_momentum("rmsprop", momentum), ScaleByLearningRate(learning_rate)
    )


def adam(
    learning_rate: LearningRate, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> Chain:
    """torch.optim.Adam, at update t = 1, 2, ... (m_0 = v_0 = 0):
    m <- b1*m + (1 - b1)*g; v <- b2*v + (1 - b2)*g^2;
    p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).

    Raises ValueError for a negative learning_rate, b1 or b2 outside [0, 1), and eps <= 0.
    """
    return Chain(ScaleByAdam(b1, b2, eps), ScaleByLearningRate(learning_rate))


def adamw(
    learning_rate: LearningRate,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.01,
) -> Chain:
    """torch.optim.AdamW (decoupled weight decay): Adam's step, plus the decay of the
    params before the step, both scaled by lr:
    p <- p - lr * ((m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + weight_decay*p).

    Raises ValueError for a negative learning_rate or weight_decay, b1 or b2 outside
    [0, 1), and eps <= 0.
    """
    return Chain(
        ScaleByAdam(b1, b2, eps),
        *_weight_decay(weight_decay),
        ScaleByLearningRate(learning_rate),
    )


__all__ = [
    "AddDecayedWeights",
    "Chain",
    "Clip",
    "ClipByGlobalNorm",
    "Constant",
    "CosineDecay",
    "EmptyState",
    "ExponentialDecay",
    "GradientTransformation",
    "LearningRate",
    "LinearWarmup",
    "OptState",
    "Scale",
    "ScaleByAdam",
    "ScaleByAdamState",
    "ScaleByLearningRate",
    "ScaleByLearningRateState",
    "ScaleByRms",
    "ScaleByRmsState",
    "Schedule",
    "StepDecay",
    "Trace",
    "TraceState",
    "adam",
    "adamw",
    "add_decayed_weights",
    "apply_updates",
    "chain",
    "clip",
    "clip_by_global_norm",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "linear_warmup",
    "rmsprop",
    "scale",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_rms",
    "sgd",
    "step_decay",
    "trace",
]
