"""Optimizers: one battery over every named optimizer, PyTorch's update rules matched to a
NumPy reference in float64, schedules, chains, validation and a user-defined transform."""

from __future__ import annotations

import copy
import functools
import math
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import optim

P = TypeVar("P")
Params = dict[str, npt.NDArray[np.float64]]
Factory = Callable[[optim.LearningRate], optim.Chain]

# name: (the optimizer of a learning rate, learning rate on the parabola, on Rosenbrock)
REGISTRY: dict[str, tuple[Factory, float, float]] = {
    "sgd": (optim.sgd, 0.1, 0.0019),
    "sgd_momentum": (functools.partial(optim.sgd, momentum=0.9), 0.05, 0.001),
    "sgd_nesterov_weight_decay": (
        functools.partial(optim.sgd, momentum=0.9, nesterov=True, weight_decay=1e-5),
        0.05,
        0.001,
    ),
    "rmsprop": (optim.rmsprop, 0.01, 0.003),
    "rmsprop_momentum": (functools.partial(optim.rmsprop, momentum=0.9), 0.003, 0.0003),
    "adam": (optim.adam, 0.05, 0.02),
    "adamw": (functools.partial(optim.adamw, weight_decay=1e-4), 0.05, 0.02),
}
NAMES = sorted(REGISTRY)
# Plain SGD keeps no state shaped like the params, so there is nothing to mismatch.
WITH_PARAMS_STATE = [name for name in NAMES if name != "sgd"]


def make(name: str, target: str = "parabola") -> optim.Chain:
    factory, parabola_lr, rosenbrock_lr = REGISTRY[name]
    return factory(parabola_lr if target == "parabola" else rosenbrock_lr)


def run(
    opt: optim.GradientTransformation, grad_fn: Callable[[P], P], params: P, steps: int
) -> tuple[P, Any]:
    """`steps` updates of params by opt from its init: (final params, final state)."""
    state = opt.init(params)
    for _ in range(steps):
        updates, state = opt.update(grad_fn(params), state, params)
        params = optim.apply_updates(params, updates)
    return params, state


# Targets: 0.5 * sum(h * (x - c)^2) over a tree of two leaves, and Rosenbrock.

CURVATURE: Params = {"a": np.array([1.0, 4.0, 10.0]), "b": np.array([[2.0, 0.5], [3.0, 1.0]])}
CENTER: Params = {"a": np.array([1.0, -2.0, 0.5]), "b": np.array([[0.3, -1.0], [2.0, 0.0]])}


def parabola_grad(params: Params) -> Params:
    return nf.tree.map(lambda x, h, c: h * (x - c), params, CURVATURE, CENTER)


def rosenbrock_grad(params: Params) -> Params:
    """The gradient of (1 - x)^2 + 100 (y - x^2)^2, minimal at (1, 1)."""
    x, y = params["xy"]
    return {"xy": np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])}


@pytest.mark.parametrize("name", NAMES)
def test_converges_on_a_parabola_in_500_steps(name: str) -> None:
    start = nf.tree.zeros_like(CENTER)
    final, _ = run(make(name), parabola_grad, start, 500)
    for leaf, center in zip(nf.tree.leaves(final), nf.tree.leaves(CENTER), strict=True):
        np.testing.assert_allclose(leaf, center, atol=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_converges_on_rosenbrock_in_5000_steps(name: str) -> None:
    final, _ = run(make(name, "rosenbrock"), rosenbrock_grad, {"xy": np.zeros(2)}, 5000)
    np.testing.assert_allclose(final["xy"], [1.0, 1.0], atol=3e-2)


NET = nf.mlp([3, 4, 2], activation="tanh")


def net_problem(
    dtype: type[np.floating[Any]], sizes: tuple[int, ...] = (3, 4, 2)
) -> tuple[nf.layers.sequential.SequentialParams, Callable[[Any], Any]]:
    """(params of an mlp of `sizes`, the gradient of its mse on fixed data) in `dtype`."""
    net = nf.mlp(list(sizes), activation="tanh")
    k_init, k_x, k_y = nf.random.split(nf.random.key(3), 3)
    x = nf.random.normal(k_x, (8, sizes[0]), dtype)
    y = nf.random.normal(k_y, (8, sizes[-1]), dtype)
    params = nf.init(net, k_init, dtype)
    return params, lambda p: nf.grads(net, p, x, y, nf.losses.mse)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_keeps_the_params_dtype(name: str, dtype: type[np.floating[Any]]) -> None:
    params, grad_fn = net_problem(dtype)
    opt = make(name)
    state = opt.init(params)
    updates, state = opt.update(grad_fn(params), state, params)
    new_params = optim.apply_updates(params, updates)
    for leaf in nf.tree.leaves((updates, new_params)):
        assert leaf.dtype == dtype
    for leaf in nf.tree.leaves(state):
        assert leaf.dtype in (dtype, np.int64)
    assert not nf.tree.equal(new_params, params)


@pytest.mark.parametrize("name", NAMES)
def test_state_structure_is_stable_and_counts_updates(name: str) -> None:
    params, grad_fn = net_problem(np.float64)
    opt = make(name)
    first = opt.init(params)
    _, final = run(opt, grad_fn, params, 3)
    assert nf.tree.structure(final) == nf.tree.structure(first)
    for before, after in zip(nf.tree.leaves(first), nf.tree.leaves(final), strict=True):
        assert (before.shape, before.dtype) == (after.shape, after.dtype)
    counts = [leaf for leaf in nf.tree.leaves(final) if leaf.dtype == np.int64]
    assert counts and all(count.shape == () and int(count) == 3 for count in counts)


@pytest.mark.parametrize("name", NAMES)
def test_updates_and_state_are_read_only(name: str) -> None:
    params, grad_fn = net_problem(np.float64)
    opt = make(name)
    state = opt.init(params)
    updates, new_state = opt.update(grad_fn(params), state, params)
    leaves = nf.tree.leaves((state, updates, new_state, optim.apply_updates(params, updates)))
    assert leaves and not any(leaf.flags.writeable for leaf in leaves)
    with pytest.raises(ValueError, match="read-only"):
        updates[0].w[0, 0] = 1.0


@pytest.mark.parametrize("name", NAMES)
def test_arguments_are_not_changed(name: str) -> None:
    params = {"w": np.linspace(-1.0, 1.0, 6).reshape(2, 3), "b": np.array([0.5, -0.5])}
    grads = {"w": np.cos(params["w"]), "b": np.array([2.0, -3.0])}
    opt = make(name)
    state = opt.init(params)
    state = opt.update(grads, state, params)[1]
    originals = copy.deepcopy((params, grads, state))
    updates, _ = opt.update(grads, state, params)
    optim.apply_updates(params, updates)
    assert nf.tree.equal((params, grads, state), originals)
    # The user's own arrays are neither changed nor frozen.
    assert all(leaf.flags.writeable for leaf in nf.tree.leaves((params, grads)))


@pytest.mark.parametrize("name", WITH_PARAMS_STATE)
def test_state_for_other_params_raises_naming_the_path(name: str) -> None:
    opt = make(name)
    params, _ = net_problem(np.float64)
    state = opt.init(params)
    wider, wider_grad = net_problem(np.float64, (3, 5, 2))
    with pytest.raises(ValueError, match=r"\[0\]\.w has shape \(3, 4\) but grads\[0\]\.w has"):
        opt.update(wider_grad(wider), state, wider)
    deeper, deeper_grad = net_problem(np.float64, (3, 4, 4, 2))
    with pytest.raises(ValueError, match="tree structures differ at the root"):
        opt.update(deeper_grad(deeper), state, deeper)


@pytest.mark.parametrize("name", NAMES)
def test_specs_are_hashable_values_that_pickle(name: str) -> None:
    opt = make(name)
    assert opt == make(name) and hash(opt) == hash(make(name))
    restored = pickle.loads(pickle.dumps(opt))
    assert restored == opt
    params, grad_fn = net_problem(np.float64)
    ours, _ = run(opt, grad_fn, params, 2)
    theirs, _ = run(restored, grad_fn, params, 2)
    assert nf.tree.equal(ours, theirs)


# PyTorch's documented update rules, written out on one flat float64 vector.


def reference_grad(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    result: npt.NDArray[np.float64] = np.sin(3.0 * p) + 0.1 * p
    return result


LrFn = Callable[[int], float]


def torch_sgd(
    p: npt.NDArray[np.float64],
    steps: int,
    lr: LrFn,
    momentum: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
) -> npt.NDArray[np.float64]:
    b = None
    for t in range(steps):
        g = reference_grad(p) + weight_decay * p
        if momentum:
            b = g if b is None else momentum * b + g
            g = g + momentum * b if nesterov else b
        p = p - lr(t) * g
    return p


def torch_rmsprop(
    p: npt.NDArray[np.float64],
    steps: int,
    lr: LrFn,
    alpha: float = 0.99,
    eps: float = 1e-8,
    momentum: float = 0.0,
) -> npt.NDArray[np.float64]:
    v = np.zeros_like(p)
    b = np.zeros_like(p)
    for t in range(steps):
        g = reference_grad(p)
        v = alpha * v + (1 - alpha) * g**2
        step = g / (np.sqrt(v) + eps)
        if momentum:
            b = momentum * b + step
            step = b
        p = p - lr(t) * step
    return p


def torch_adam(
    p: npt.NDArray[np.float64],
    steps: int,
    lr: LrFn,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    decoupled_weight_decay: float = 0.0,
) -> npt.NDArray[np.float64]:
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t in range(1, steps + 1):
        g = reference_grad(p)
        p = p * (1 - lr(t - 1) * decoupled_weight_decay)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p = p - lr(t - 1) * m_hat / (np.sqrt(v_hat) + eps)
    return p


def fixed(value: float) -> LrFn:
    return lambda t: value


REFERENCE_CASES: dict[str, tuple[optim.Chain, Callable[..., npt.NDArray[np.float64]]]] = {
    "sgd": (optim.sgd(0.1), functools.partial(torch_sgd, lr=fixed(0.1))),
    "sgd_momentum": (
        optim.sgd(0.1, momentum=0.9),
        functools.partial(torch_sgd, lr=fixed(0.1), momentum=0.9),
    ),
    "sgd_nesterov_weight_decay": (
        optim.sgd(0.1, momentum=0.8, nesterov=True, weight_decay=0.05),
        functools.partial(torch_sgd, lr=fixed(0.1), momentum=0.8, nesterov=True, weight_decay=0.05),
    ),
    "sgd_warmup_then_cosine": (
        optim.sgd(optim.linear_warmup(0.2, 3, optim.cosine_decay(0.2, 4)), momentum=0.5),
        functools.partial(
            torch_sgd,
            lr=lambda t: (
                0.2 * t / 3 if t < 3 else 0.1 * (1 + math.cos(math.pi * min(t - 3, 4) / 4))
            ),
            momentum=0.5,
        ),
    ),
    "rmsprop": (optim.rmsprop(0.01), functools.partial(torch_rmsprop, lr=fixed(0.01))),
    "rmsprop_momentum": (
        optim.rmsprop(0.01, decay=0.9, eps=1e-6, momentum=0.5),
        functools.partial(torch_rmsprop, lr=fixed(0.01), alpha=0.9, eps=1e-6, momentum=0.5),
    ),
    "adam": (optim.adam(0.05), functools.partial(torch_adam, lr=fixed(0.05))),
    "adam_betas_step_decay": (
        optim.adam(optim.step_decay(0.05, 0.5, 3), b1=0.5, b2=0.9, eps=1e-3),
        functools.partial(
            torch_adam, lr=lambda t: 0.05 * 0.5 ** (t // 3), b1=0.5, b2=0.9, eps=1e-3
        ),
    ),
    "adamw": (
        optim.adamw(0.05, weight_decay=0.1),
        functools.partial(torch_adam, lr=fixed(0.05), decoupled_weight_decay=0.1),
    ),
}


@pytest.mark.parametrize("case", sorted(REFERENCE_CASES))
def test_matches_pytorchs_update_rule_over_8_steps(case: str) -> None:
    opt, reference = REFERENCE_CASES[case]
    params, _ = net_problem(np.float64)
    final, _ = run(opt, functools.partial(nf.tree.map, reference_grad), params, 8)
    start = np.concatenate([leaf.ravel() for leaf in nf.tree.leaves(params)])
    got = np.concatenate([leaf.ravel() for leaf in nf.tree.leaves(final)])
    expected = reference(start, 8)
    assert np.max(np.abs(expected - start)) > 0.05  # the steps moved the params
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


# Schedules.

SCHEDULE_VALUES: list[tuple[optim.Schedule, list[float]]] = [
    (optim.constant(0.3), [0.3, 0.3, 0.3]),
    (optim.step_decay(1.0, 0.5, 2), [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125]),
    (optim.exponential_decay(2.0, 0.5, 2), [2.0, 1.4142135623730951, 1.0, 0.7071067811865476]),
    (
        optim.cosine_decay(1.0, 4, alpha=0.1),
        [1.0, 0.8681980515339464, 0.55, 0.2318019484660536, 0.1, 0.1, 0.1],
    ),
    (optim.linear_warmup(0.4, 4), [0.0, 0.1, 0.2, 0.3, 0.4, 0.4]),
    (
        optim.linear_warmup(0.4, 2, after=optim.step_decay(0.4, 0.5, 1)),
        [0.0, 0.2, 0.4, 0.2, 0.1, 0.05],
    ),
]


@pytest.mark.parametrize(("schedule", "values"), SCHEDULE_VALUES)
def test_schedule_values(schedule: optim.Schedule, values: list[float]) -> None:
    got = [schedule(step) for step in range(len(values))]
    np.testing.assert_allclose(got, values, rtol=1e-15)
    assert all(isinstance(value, float) for value in got)
    assert pickle.loads(pickle.dumps(schedule)) == schedule and hash(schedule) is not None


def test_a_schedule_sets_the_rate_of_each_update_from_the_state_count() -> None:
    opt = optim.scale_by_learning_rate(optim.step_decay(1.0, 0.5, 2))
    grads = {"g": np.array([1.0, -2.0])}
    state = opt.init(grads)
    assert state.count.dtype == np.int64 and state.count.shape == ()
    assert not state.count.flags.writeable
    steps = []
    for _ in range(5):
        updates, state = opt.update(grads, state)
        steps.append(updates["g"].tolist())
    assert steps == [[-1.0, 2.0], [-1.0, 2.0], [-0.5, 1.0], [-0.5, 1.0], [-0.25, 0.5]]
    assert int(state.count) == 5


@attrs.frozen
class _Doubling(optim.Constant):
    """A subclass of Constant with its own rule: the step's rate is not `value`."""

    def __call__(self, step: int) -> float:
        return self.value * 2.0**step


def test_a_constant_gives_its_value_and_a_subclass_of_it_is_called() -> None:
    grads = {"g": np.array([1.0])}
    for schedule, rates in [
        (optim.constant(0.25), [0.25] * 3),
        (_Doubling(0.25), [0.25, 0.5, 1.0]),
    ]:
        opt = optim.scale_by_learning_rate(schedule)
        state = opt.init(grads)
        seen = []
        for _ in range(3):
            updates, state = opt.update(grads, state)
            seen.append(-float(updates["g"][0]))
        assert seen == rates and int(state.count) == 3


def test_a_schedule_giving_a_negative_rate_raises_at_that_step() -> None:
    opt = optim.sgd(lambda step: 0.1 - 0.1 * step)
    params = {"x": np.array([1.0])}
    state = opt.init(params)
    updates, state = opt.update(params, state, params)
    updates, state = opt.update(params, state, params)
    np.testing.assert_array_equal(updates["x"], [-0.0])
    with pytest.raises(ValueError, match=r"gave learning rate -0.1\d* at step 2"):
        opt.update(params, state, params)


# Small transforms, chains and a user-defined transform.


def test_chain_clips_then_steps() -> None:
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.sgd(0.5))
    params = {"a": np.array([1.0, 1.0])}
    state = opt.init(params)
    assert isinstance(state[0], optim.EmptyState) and isinstance(state[1], tuple)
    big, state = opt.update({"a": np.array([3.0, 4.0])}, state, params)  # norm 5 -> 1
    np.testing.assert_allclose(big["a"], [-0.3, -0.4], rtol=1e-15)
    small, state = opt.update({"a": np.array([0.3, 0.4])}, state, params)  # norm 0.5 kept
    np.testing.assert_array_equal(small["a"], [-0.15, -0.2])
    assert int(state[1][0].count) == 2


def test_clip_scale_decayed_weights_and_global_norm_below_the_limit() -> None:
    grads = {"g": np.array([-2.0, 0.3, 0.7])}
    params = {"g": np.array([10.0, 20.0, -30.0])}
    cases: list[tuple[optim.GradientTransformation, list[float]]] = [
        (optim.clip(0.5), [-0.5, 0.3, 0.5]),
        (optim.scale(-2.0), [4.0, -0.6, -1.4]),
        (optim.add_decayed_weights(0.1), [-1.0, 2.3, -2.3]),
        (optim.clip_by_global_norm(2.5), [-2.0, 0.3, 0.7]),  # norm 2.14: kept as is
    ]
    for transform, expected in cases:
        updates, _ = transform.update(grads, transform.init(params), params)
        np.testing.assert_allclose(updates["g"], expected, rtol=1e-15)
        assert not updates["g"].flags.writeable
    assert grads["g"].flags.writeable and params["g"].flags.writeable


def test_add_decayed_weights_needs_the_params() -> None:
    opt = optim.adamw(0.1)
    grads = {"g": np.ones(2)}
    with pytest.raises(ValueError, match="needs the params"):
        opt.update(grads, opt.init(grads))


@attrs.frozen
class ScaleBySign:
    """Sign descent's scaling, as in the module docstring: one new pair of functions."""

    def init(self, params: object) -> optim.EmptyState:
        return optim.EmptyState()

    def update(
        self, grads: P, state: optim.EmptyState, params: P | None = None
    ) -> tuple[P, optim.EmptyState]:
        return nf.tree.map(np.sign, grads), state


def test_a_user_defined_transform_composes_in_a_chain() -> None:
    sign_descent = optim.chain(ScaleBySign(), optim.scale_by_learning_rate(0.01))
    params = {"x": np.array([2.0, -3.0, 0.0])}
    final, state = run(sign_descent, lambda p: nf.tree.map(lambda x: 4 * x**3, p), params, 10)
    np.testing.assert_allclose(final["x"], [1.9, -2.9, 0.0], rtol=1e-14)
    assert state[0] == optim.EmptyState() and int(state[1].count) == 10
    assert pickle.loads(pickle.dumps(sign_descent)) == sign_descent


def test_apply_updates_keeps_the_dtype_and_refuses_other_shapes() -> None:
    params = {"w": np.array([1.0, 2.0], dtype=np.float32)}
    new = optim.apply_updates(params, {"w": np.array([0.5, 0.25])})
    assert new["w"].dtype == np.float32 and new["w"].tolist() == [1.5, 2.25]
    with pytest.raises(ValueError, match=r"updates\['w'\] has shape \(1,\) but params\['w'\]"):
        optim.apply_updates(params, {"w": np.array([0.5])})


def test_state_of_another_transform_or_length_raises() -> None:
    params = {"w": np.ones(2)}
    grads = {"w": np.ones(2)}
    with pytest.raises(ValueError, match="expected the TraceState its init makes"):
        optim.sgd(0.1, momentum=0.9).update(grads, optim.adam(0.1).init(params), params)
    with pytest.raises(ValueError, match=r"chain of 2 transformations needs .* given tuple of 3"):
        optim.adam(0.1).update(grads, optim.adamw(0.1).init(params), params)


# Validation.

NOT_AN_INT: Any = 2.5

INVALID: list[tuple[Callable[[], object], str]] = [
    (lambda: optim.sgd(-0.1), r"learning_rate .* \[0, inf\), given -0.1"),
    (lambda: optim.adam(math.nan), r"learning_rate .* given nan"),
    (
        lambda: optim.sgd(0.1, momentum=1.0),
        r"sgd: momentum must be a number in \[0, 1\), given 1.0",
    ),
    (lambda: optim.sgd(0.1, momentum=-0.5), r"momentum .* given -0.5"),
    (lambda: optim.sgd(0.1, nesterov=True), r"sgd: nesterov=True needs momentum > 0"),
    (lambda: optim.sgd(0.1, weight_decay=-1.0), r"weight_decay .* given -1.0"),
    (lambda: optim.rmsprop(0.1, decay=1.0), r"ScaleByRms: decay .* given 1.0"),
    (lambda: optim.rmsprop(0.1, eps=0.0), r"eps must be a number in \(0, inf\), given 0.0"),
    (lambda: optim.rmsprop(0.1, momentum=1.5), r"rmsprop: momentum .* given 1.5"),
    (lambda: optim.adam(0.1, b1=1.0), r"b1 must be a number in \[0, 1\), given 1.0"),
    (lambda: optim.adam(0.1, b2=-0.1), r"b2 .* given -0.1"),
    (lambda: optim.adam(0.1, eps=-1e-8), r"eps .* given -1e-08"),
    (lambda: optim.adamw(0.1, weight_decay=-0.01), r"weight_decay .* given -0.01"),
    (lambda: optim.trace(0.0, nesterov=True), r"Trace: nesterov=True needs decay > 0"),
    (lambda: optim.trace(1.0), r"Trace: decay .* given 1.0"),
    (lambda: optim.clip_by_global_norm(0.0), r"max_norm .* \(0, inf\), given 0.0"),
    (lambda: optim.clip(-1.0), r"max_delta .* given -1.0"),
    (lambda: optim.scale(math.inf), r"factor .* given inf"),
    (lambda: optim.step_decay(1.0, 0.5, 0), r"step_size must be an int >= 1, given 0"),
    (lambda: optim.cosine_decay(1.0, 10, alpha=2.0), r"alpha .* \[0, 1\], given 2.0"),
    (lambda: optim.linear_warmup(-1.0, 5), r"peak .* given -1.0"),
    (
        lambda: optim.exponential_decay(1.0, 0.5, NOT_AN_INT),
        r"decay_steps must be an int >= 1, given 2.5",
    ),
    (lambda: optim.chain(), r"at least one transformation"),
]


@pytest.mark.parametrize(("build", "message"), INVALID)
def test_invalid_hyper_parameters_raise_naming_them(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_non_numbers_and_non_transformations_raise_type_error() -> None:
    text: Any = "0.1"
    with pytest.raises(TypeError, match=r"learning_rate .* given str '0.1'"):
        optim.adam(text)
    with pytest.raises(TypeError, match="b1 must be a number"):
        optim.adam(0.1, b1=text)
    with pytest.raises(TypeError, match="transformation 1 must have init and update"):
        optim.chain(optim.scale(1.0), text)


def test_numpy_scalars_are_stored_as_python_numbers() -> None:
    opt = optim.adam(np.float64(0.1), b1=np.float64(0.5))
    assert opt == optim.adam(0.1, b1=0.5)
    params = {"w": np.ones(3, dtype=np.float32)}
    updates, _ = opt.update(params, opt.init(params), params)
    assert updates["w"].dtype == np.float32


# A whole network.

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def test_adam_trains_an_mlp_on_xor_below_loss_0_005_in_200_steps() -> None:
    net = nf.mlp([2, 8, 1], activation="tanh")
    loss_fn = nf.losses.sigmoid_binary_cross_entropy
    params, state = run(
        optim.adam(0.05),
        lambda p: nf.grads(net, p, XOR_X, XOR_Y, loss_fn),
        nf.init(net, nf.random.key(0)),
        200,
    )
    assert nf.loss(net, params, XOR_X, XOR_Y, loss_fn) < 0.005
    np.testing.assert_array_equal(nf.forward(net, params, XOR_X) > 0, XOR_Y == 1)
    assert params[0].w.dtype == np.float32 and int(state[0].count) == 200
