"""Optimizers' rules: PyTorch's update rules matched to a NumPy reference in float64,
schedules, chains, clipping, masks and weight decay, `descend`, validation, and a
user-defined transform."""

from __future__ import annotations

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
from tests.test_optim import net_problem, run
from tests.test_tree import Declared

P = TypeVar("P")


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


REFERENCE_CASES: dict[
    str, tuple[optim.GradientTransformation, Callable[..., npt.NDArray[np.float64]]]
] = {
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
class _Doubling(optim.constant):
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
        (optim.add_decayed_weights(0.1, mask={"g": True}), [-1.0, 2.3, -2.3]),
        (optim.add_decayed_weights(0.1), [-2.0, 0.3, 0.7]),  # a 1-D leaf: not decayed
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


# Validation: errors name owner.argument, the expected and the given.

INVALID: list[tuple[Callable[[], object], str]] = [
    (lambda: optim.sgd(-0.1), r"scale_by_learning_rate.learning_rate .* >= 0, given -0.1"),
    (lambda: optim.adam(math.nan), r"learning_rate .* given nan"),
    (lambda: optim.sgd(0.1, momentum=1.0), r"sgd.momentum must be a finite number >= 0 and < 1"),
    (lambda: optim.sgd(0.1, momentum=-0.5), r"sgd.momentum .* given -0.5"),
    (lambda: optim.sgd(0.1, nesterov=True), r"sgd: nesterov=True needs momentum > 0"),
    (lambda: optim.sgd(0.1, weight_decay=-1.0), r"sgd.weight_decay .* given -1.0"),
    (lambda: optim.rmsprop(0.1, decay=1.0), r"scale_by_rms.decay .* given 1.0"),
    (lambda: optim.rmsprop(0.1, eps=0.0), r"scale_by_rms.eps must be a finite number > 0, given 0"),
    (lambda: optim.rmsprop(0.1, momentum=1.5), r"rmsprop.momentum .* given 1.5"),
    (lambda: optim.adam(0.1, b1=1.0), r"scale_by_adam.b1 must be a finite number >= 0 and < 1"),
    (lambda: optim.adam(0.1, b2=-0.1), r"scale_by_adam.b2 .* given -0.1"),
    (lambda: optim.adam(0.1, eps=-1e-8), r"scale_by_adam.eps .* given -1e-08"),
    (lambda: optim.adamw(0.1, weight_decay=-0.01), r"adamw.weight_decay .* given -0.01"),
    (lambda: optim.trace(0.0, nesterov=True), r"trace: nesterov=True needs decay > 0"),
    (lambda: optim.trace(1.0), r"trace.decay .* given 1.0"),
    (lambda: optim.clip_by_global_norm(0.0), r"clip_by_global_norm.max_norm .* > 0, given 0.0"),
    (lambda: optim.clip(-1.0), r"clip.max_delta .* given -1.0"),
    (lambda: optim.scale(math.inf), r"scale.factor .* given inf"),
    (lambda: optim.step_decay(1.0, 0.5, 0), r"step_decay.step_size must be an int >= 1, given 0"),
    (lambda: optim.cosine_decay(1.0, 10, alpha=2.0), r"cosine_decay.alpha .* <= 1, given 2.0"),
    (lambda: optim.linear_warmup(-1.0, 5), r"linear_warmup.peak .* given -1.0"),
    (lambda: optim.add_decayed_weights(-1.0), r"add_decayed_weights.weight_decay .* given -1.0"),
    (lambda: nf.losses.L2(-1.0), r"L2.strength .* given -1.0"),
    (lambda: optim.chain(), r"at least one transformation"),
]


@pytest.mark.parametrize(("build", "message"), INVALID)
def test_invalid_hyper_parameters_raise_naming_them(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build()


NOT_AN_INT: Any = 2.5
TEXT: Any = "0.1"

NOT_NUMBERS: list[tuple[Callable[[], object], str]] = [
    (lambda: optim.adam(TEXT), r"learning_rate .* given '0.1'"),
    (lambda: optim.adam(0.1, b1=TEXT), "scale_by_adam.b1 must be a finite number"),
    (lambda: optim.adam(0.1, b1=True), "scale_by_adam.b1 must be a finite number .* given True"),
    (lambda: optim.exponential_decay(1.0, 0.5, NOT_AN_INT), r"decay_steps must be an int >= 1"),
    (lambda: optim.sgd(0.1, momentum=0.5, nesterov=TEXT), "sgd.nesterov must be True or False"),
    (lambda: optim.chain(optim.scale(1.0), TEXT), "transformation 1 must have init and update"),
    (lambda: optim.masked(TEXT, True), "masked: transformation 0 must have init and update"),
    (lambda: optim.linear_warmup(1.0, 2, after=TEXT), "linear_warmup.after must be callable"),
]


@pytest.mark.parametrize(("build", "message"), NOT_NUMBERS)
def test_wrong_types_raise_type_error_naming_them(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        build()


def test_numpy_scalars_are_taken_and_stored_as_python_numbers() -> None:
    eighth: Any = np.float32(0.125)
    opt = optim.adam(eighth, b1=np.float64(0.5))
    assert opt == optim.adam(0.125, b1=0.5)
    one: Any = np.float32(1.0)
    two: Any = np.int64(2)
    half: Any = np.float32(0.5)
    yes: Any = np.True_
    schedule = optim.step_decay(one, np.float64(0.5), two)
    assert schedule == optim.step_decay(1.0, 0.5, 2) and type(schedule.step_size) is int
    assert optim.trace(half, nesterov=yes) == optim.trace(0.5, nesterov=True)
    params = {"w": np.ones(3, dtype=np.float32)}
    updates, _ = opt.update(params, opt.init(params), params)
    assert updates["w"].dtype == np.float32


@pytest.mark.parametrize(
    ("schedule", "step"),
    [
        (optim.exponential_decay(1.0, 2.0, 1), 10**6),
        (optim.exponential_decay(1.0, 1e300, 1), 2),
        (optim.step_decay(1.0, 2.0, 1), 5000),
        (optim.linear_warmup(1.0, 1, after=optim.step_decay(1.0, 10.0, 1)), 400),
    ],
)
def test_a_schedule_that_overflows_raises_naming_itself_and_the_step(
    schedule: optim.Schedule, step: int
) -> None:
    name = "ExponentialDecay" if "Exponential" in repr(schedule) else "StepDecay"
    with pytest.raises(ValueError, match=rf"{name}\(.*\): the learning rate at step \d+ is inf"):
        schedule(step)


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


# Masks and weight decay: declared, not guessed.


def test_decay_mask_takes_declared_fields_else_two_or_more_dimensions() -> None:
    params = nf.init(nf.mlp([2, 3, 1]), nf.random.key(0))
    mask = optim.decay_mask(params)
    assert [bool(leaf) for leaf in nf.tree.leaves(mask)] == [True, False, True, False]
    declared = Declared(np.ones((2, 2)), np.ones(2), np.ones((3, 3)))
    assert optim.decay_mask(declared) == Declared(False, True, True)


def test_l2_and_add_decayed_weights_agree_on_what_they_decay() -> None:
    params = Declared(np.full((2, 2), 2.0), np.array([3.0, -1.0]), np.array([[1.0, 4.0]]))
    zeros = nf.tree.zeros_like(params)
    _, penalty_grads = nf.losses.L2(0.5).value_and_grads(params)
    decay = optim.add_decayed_weights(0.5)
    updates, _ = decay.update(zeros, decay.init(params), params)
    assert nf.tree.equal(penalty_grads, updates)
    np.testing.assert_array_equal(updates.kernel, np.zeros((2, 2)))
    np.testing.assert_array_equal(updates.gain, [1.5, -0.5])
    np.testing.assert_array_equal(updates.other, [[0.5, 2.0]])
    value, _ = nf.losses.L2(0.5).value_and_grads(params)
    assert value == 0.25 * (9.0 + 1.0 + 1.0 + 16.0)


def test_a_mask_given_as_a_tree_or_a_function_selects_the_leaves() -> None:
    params = {"w": np.ones((2, 2)), "b": np.ones(2)}
    only_b = {"w": False, "b": True}
    for mask in (only_b, lambda p: {"w": False, "b": True}):
        _, grads = nf.losses.L2(1.0, mask=mask).value_and_grads(params)
        np.testing.assert_array_equal(grads["b"], [1.0, 1.0])
        np.testing.assert_array_equal(grads["w"], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="mask must have the structure of the params"):
        optim.add_decayed_weights(0.1, mask={"w": True}).update(params, optim.EmptyState(), params)


def test_sgd_and_adamw_decay_every_param_as_pytorch_does() -> None:
    params = {"w": np.ones((2, 2)), "b": np.ones(2)}
    zero_grads = nf.tree.zeros_like(params)
    for opt in (optim.sgd(1.0, weight_decay=0.1), optim.adamw(1.0, weight_decay=0.1)):
        new, _ = optim.step(opt, zero_grads, opt.init(params), params)
        np.testing.assert_allclose(new["b"], [0.9, 0.9])
        np.testing.assert_allclose(new["w"], np.full((2, 2), 0.9))


def test_masked_applies_the_inner_transform_to_the_selected_leaves_only() -> None:
    params = {"w": np.ones((2, 2)), "b": np.ones(2)}
    grads = {"w": np.full((2, 2), 2.0), "b": np.array([1.0, -1.0])}
    opt = optim.masked(optim.trace(0.5), optim.decay_mask)
    state = opt.init(params)
    assert isinstance(state, optim.TraceState) and len(state.trace) == 1  # only w
    for expected_w in (2.0, 3.0, 3.5):
        updates, state = opt.update(grads, state, params)
        np.testing.assert_array_equal(updates["w"], np.full((2, 2), expected_w))
        np.testing.assert_array_equal(updates["b"], [1.0, -1.0])  # passed through
    assert not updates["b"].flags.writeable and grads["b"].flags.writeable


def test_descend_with_owned_grads_writes_the_new_params_into_them() -> None:
    params = {"w": np.array([1.0, 2.0], dtype=np.float32)}
    grads = {"w": np.array([10.0, 20.0], dtype=np.float32)}
    expected = optim.descend(params, grads, 0.1)
    new = optim.descend(params, grads, 0.1, owned=True)
    assert new["w"] is grads["w"] and not grads["w"].flags.writeable
    assert nf.tree.equal(new, expected)
    # Owned read-only grads (as the layers freeze them) are written too: the promise is
    # that nobody else holds them. A view of other memory never is.
    frozen = {"w": np.array([10.0, 20.0], dtype=np.float32)}
    frozen["w"].setflags(write=False)
    again = optim.descend(params, frozen, 0.1, owned=True)
    assert again["w"] is frozen["w"] and nf.tree.equal(again, expected)
    base = np.array([10.0, 20.0, 30.0], dtype=np.float32)
    view = {"w": base[:2]}
    third = optim.descend(params, view, 0.1, owned=True)
    assert third["w"] is not view["w"] and nf.tree.equal(third, expected)
    np.testing.assert_array_equal(base, [10.0, 20.0, 30.0])
    np.testing.assert_array_equal(expected["w"], np.float32(-0.1) * base[:2] + params["w"])


def test_train_step_takes_any_optimizer_through_optim_step() -> None:
    net = nf.mlp([2, 3, 1], activation="tanh")
    params = nf.init(net, nf.random.key(4))
    x, y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    optimizers: list[optim.GradientTransformation] = [
        optim.scale_by_learning_rate(0.1),
        optim.sgd(0.1),
        optim.adam(0.01),
    ]
    for opt in optimizers:
        state = opt.init(params)
        new, new_state, _ = nf.train_step(net, params, state, x, y, nf.losses.mse, opt)
        updates, expected_state = opt.update(
            nf.grads(net, params, x, y, nf.losses.mse), state, params
        )
        assert nf.tree.equal(new, optim.apply_updates(params, updates))
        assert nf.tree.equal(new_state, expected_state)
