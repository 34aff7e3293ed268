"""Optimizers: one registry of every public optimizer and transform, one battery over it
(convergence, dtypes, state structure, purity, read-only outputs, shape errors, `step`),
and a coverage test that fails when a public name is neither registered nor excluded."""

from __future__ import annotations

import copy
import functools
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import optim

P = TypeVar("P")
Params = dict[str, npt.NDArray[np.float64]]
Factory = Callable[[optim.LearningRate], optim.GradientTransformation]


def every_leaf(params: Any) -> Any:
    """A mask selecting every leaf (a module-level function, so specs stay picklable)."""
    return nf.tree.map(lambda _: True, params)


def _then_rate(*parts: optim.GradientTransformation) -> Factory:
    """The factory of chain(*parts, scale_by_learning_rate(lr))."""
    return lambda lr: optim.chain(*parts, optim.scale_by_learning_rate(lr))


# name: (the transformation of a learning rate, learning rate on the parabola, on
# Rosenbrock or None where it is not meaningful). A name is the public name exercised.
REGISTRY: dict[str, tuple[Factory, float, float | None]] = {
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
    "scale_by_learning_rate": (optim.scale_by_learning_rate, 0.1, 0.0019),
    "scale": (_then_rate(optim.scale(0.5)), 0.2, 0.0038),
    "trace": (_then_rate(optim.trace(0.9)), 0.05, 0.001),
    "scale_by_rms": (_then_rate(optim.scale_by_rms(decay=0.9)), 0.01, None),
    "scale_by_adam": (_then_rate(optim.scale_by_adam(b1=0.8)), 0.05, 0.02),
    "add_decayed_weights": (_then_rate(optim.add_decayed_weights(1e-5)), 0.1, 0.0019),
    "clip": (_then_rate(optim.clip(2.0)), 0.05, None),
    "clip_by_global_norm": (_then_rate(optim.clip_by_global_norm(10.0)), 0.1, None),
    "masked": (_then_rate(optim.masked(optim.trace(0.9), every_leaf)), 0.05, 0.001),
    "chain": (_then_rate(optim.clip(100.0), optim.trace(0.5)), 0.1, 0.0019),
}
NAMES = sorted(REGISTRY)
# Without state shaped like the params, there is nothing in the state to mismatch.
WITHOUT_PARAMS_STATE = {
    "sgd", "scale_by_learning_rate", "scale", "add_decayed_weights", "clip",
    "clip_by_global_norm",
}  # fmt: skip
WITH_PARAMS_STATE = [name for name in NAMES if name not in WITHOUT_PARAMS_STATE]

# Public names of nnfunc.optim that are not in REGISTRY, each with the reason.
EXCLUDED: dict[str, str] = {
    "EmptyState": "a state record, checked through the transforms that return it",
    "ScaleByAdamState": "a state record, checked through scale_by_adam and adam",
    "ScaleByLearningRateState": "a state record, checked through scale_by_learning_rate",
    "ScaleByRmsState": "a state record, checked through scale_by_rms and rmsprop",
    "TraceState": "a state record, checked through trace and the momentum optimizers",
    "GradientTransformation": "the protocol every entry satisfies",
    "LearningRate": "a type: a number or a schedule",
    "OptState": "a type: any transformation's state",
    "Schedule": "the protocol of schedules, tested in test_optim_rules",
    "constant": "a schedule, not a transformation: test_optim_rules",
    "step_decay": "a schedule, not a transformation: test_optim_rules",
    "exponential_decay": "a schedule, not a transformation: test_optim_rules",
    "cosine_decay": "a schedule, not a transformation: test_optim_rules",
    "linear_warmup": "a schedule, not a transformation: test_optim_rules",
    "apply_updates": "a function on params, run by every entry of the battery",
    "step": "a function on an optimizer, compared with update + apply_updates in the battery",
    "descend": "the arithmetic of step and sgd_step, tested in test_optim_rules",
    "decay_mask": "a function on params, tested in test_optim_rules",
    "check_optimizer": "an argument check, tested through fit and make_step in test_train",
}


def test_every_public_optimizer_and_transform_is_registered_or_excluded_with_a_reason() -> None:
    public = set(optim.__all__)
    missing = public - set(REGISTRY) - set(EXCLUDED)
    assert not missing, f"register these in REGISTRY or exclude them with a reason: {missing}"
    assert set(EXCLUDED) <= public and all(reason.strip() for reason in EXCLUDED.values())
    assert not set(EXCLUDED) & set(REGISTRY)


def make(name: str, target: str = "parabola") -> optim.GradientTransformation:
    factory, parabola_lr, rosenbrock_lr = REGISTRY[name]
    rate = parabola_lr if target == "parabola" else rosenbrock_lr
    assert rate is not None
    return factory(rate)


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


@pytest.mark.parametrize("name", [name for name in NAMES if REGISTRY[name][2] is not None])
def test_converges_on_rosenbrock_in_5000_steps(name: str) -> None:
    final, _ = run(make(name, "rosenbrock"), rosenbrock_grad, {"xy": np.zeros(2)}, 5000)
    np.testing.assert_allclose(final["xy"], [1.0, 1.0], atol=3e-2)


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
    optim.step(opt, grads, state, params)
    assert nf.tree.equal((params, grads, state), originals)
    # The user's own arrays are neither changed nor frozen.
    assert all(leaf.flags.writeable for leaf in nf.tree.leaves((params, grads)))


@pytest.mark.parametrize("name", NAMES)
def test_step_equals_update_then_apply_updates_bit_for_bit(name: str) -> None:
    params, grad_fn = net_problem(np.float32)
    opt = make(name)
    state = opt.init(params)
    for _ in range(3):
        grads = grad_fn(params)
        updates, expected_state = opt.update(grads, state, params)
        expected = optim.apply_updates(params, updates)
        got, got_state = optim.step(opt, grads, state, params)
        owned_grads = nf.tree.map(np.array, grads)  # fresh, writable, held by nobody else
        owned, owned_state = optim.step(opt, owned_grads, state, params, owned=True)
        for result in (got, owned):
            assert nf.tree.equal(result, expected)
            assert not any(leaf.flags.writeable for leaf in nf.tree.leaves(result))
        assert nf.tree.equal(got_state, expected_state) and nf.tree.equal(owned_state, got_state)
        params, state = got, got_state


@pytest.mark.parametrize("name", WITH_PARAMS_STATE)
def test_state_for_other_params_raises_naming_the_path(name: str) -> None:
    opt = make(name)
    params, _ = net_problem(np.float64)
    state = opt.init(params)
    wider, wider_grad = net_problem(np.float64, (3, 5, 2))
    # masked hands its inner transform the list of the selected leaves.
    path = r"\[0\]" if name == "masked" else r"\[0\]\.w"
    with pytest.raises(ValueError, match=path + r" has shape \(3, 4\) but grads" + path + " has"):
        opt.update(wider_grad(wider), state, wider)
    deeper, deeper_grad = net_problem(np.float64, (3, 4, 4, 2))
    with pytest.raises(ValueError, match="differ"):
        opt.update(deeper_grad(deeper), state, deeper)


@pytest.mark.parametrize("name", NAMES)
def test_grads_of_another_shape_raise_naming_the_path(name: str) -> None:
    params: Params = {"w": np.ones((2, 3)), "b": np.zeros(3)}
    opt = make(name)
    state = opt.init(params)
    grads = {"w": np.ones((2, 3)), "b": np.ones((2, 3))}
    with pytest.raises(ValueError, match="has shape") as raised:
        optim.step(opt, grads, state, params)
    message = str(raised.value)
    # masked hands its inner transform the list of the selected leaves: b is the first.
    assert ("[0]" if name == "masked" else "['b']") in message
    assert "(2, 3)" in message and "(3,)" in message


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
