"""Losses: hand-computed values, finite differences, fused against unfused, stability, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnfunc as nf

IDENTITY = nf.Sequential(nf.Identity())
NO_PARAMS = (None,)

# name -> (loss, prediction, target): predictions where each loss is smooth.
CASES: dict[str, tuple[Any, Any, Any]] = {
    "mse": (nf.losses.mse, [[0.5, -1.0], [2.0, 0.0]], [[1.0, 1.0], [0.0, 0.5]]),
    "bce": (nf.losses.binary_cross_entropy, [[0.2], [0.9], [0.6]], [[0.0], [1.0], [1.0]]),
    "sigmoid_bce": (nf.losses.sigmoid_binary_cross_entropy, [[-1.0, 2.0]], [[0.0, 1.0]]),
    "softmax_ce_labels": (
        nf.losses.softmax_cross_entropy,
        [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]],
        np.array([1, 2]),
    ),
    "softmax_ce_onehot": (
        nf.losses.softmax_cross_entropy,
        [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]],
        [[0.0, 1.0, 0.0], [0.2, 0.0, 0.8]],
    ),
}


def _log_softmax(z: Any) -> Any:
    z = np.asarray(z)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


EXPECTED = {
    "mse": (0.25 + 4.0 + 4.0 + 0.25) / 4,
    "bce": -(np.log(0.8) + np.log(0.9) + np.log(0.6)) / 3,
    "sigmoid_bce": (np.log1p(np.exp(-1.0)) + np.log1p(np.exp(-2.0))) / 2,
    "softmax_ce_labels": -(
        _log_softmax([[1.0, 2.0, 0.5]])[0, 1] + _log_softmax([[0.0, -1.0, 3.0]])[0, 2]
    )
    / 2,
    "softmax_ce_onehot": -(
        _log_softmax([[1.0, 2.0, 0.5]])[0, 1]
        + 0.2 * _log_softmax([[0.0, -1.0, 3.0]])[0, 0]
        + 0.8 * _log_softmax([[0.0, -1.0, 3.0]])[0, 2]
    )
    / 2,
}


@pytest.mark.parametrize("name", CASES)
def test_value_matches_hand_computation(name: str) -> None:
    loss_fn, pred, target = CASES[name]
    value = loss_fn(np.array(pred, np.float64), target)
    assert isinstance(value, float)
    assert value == pytest.approx(EXPECTED[name], rel=1e-12)
    assert loss_fn.value_and_grad(np.array(pred, np.float64), target)[0] == value


@pytest.mark.parametrize("name", CASES)
def test_gradient_matches_finite_differences_in_float64(name: str) -> None:
    loss_fn, pred, target = CASES[name]
    check = nf.check_grads(IDENTITY, NO_PARAMS, np.array(pred), target, loss_fn)
    assert check.num_checked == np.size(pred)
    assert check.max_rel_error < 1e-6, check


@pytest.mark.parametrize("name", CASES)
def test_float32_in_float32_out_and_inputs_untouched(name: str) -> None:
    loss_fn, pred, target = CASES[name]
    pred32 = np.array(pred, np.float32)
    before = pred32.copy()
    value, grad = loss_fn.value_and_grad(pred32, target)
    assert grad.dtype == np.float32 and grad.shape == pred32.shape
    np.testing.assert_array_equal(pred32, before)
    assert value == pytest.approx(EXPECTED[name], rel=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_built_in_gradients_are_new_arrays_that_the_backward_pass_may_overwrite(name: str) -> None:
    loss_fn, pred, target = CASES[name]
    z, t = np.array(pred, np.float64), np.asarray(target)
    assert isinstance(loss_fn, nf.losses.LossBase)
    _, first = loss_fn.value_and_grad(z, t)
    _, second = loss_fn.value_and_grad(z, t)
    assert first.base is None and first.flags.writeable
    assert not np.shares_memory(first, second) and not np.shares_memory(first, z)
    np.testing.assert_array_equal(first, second)


def test_fused_sigmoid_bce_equals_sigmoid_then_bce() -> None:
    z = np.linspace(-6, 6, 12).reshape(4, 3)
    t = (np.arange(12).reshape(4, 3) % 2).astype(float)
    fused_net = nf.Sequential(nf.Identity())
    unfused_net = nf.Sequential(nf.Sigmoid())
    fused = nf.backprop(
        fused_net, NO_PARAMS, z, t, nf.losses.sigmoid_binary_cross_entropy, input_grad=True
    )
    unfused = nf.backprop(
        unfused_net, NO_PARAMS, z, t, nf.losses.binary_cross_entropy, input_grad=True
    )
    assert fused.loss == pytest.approx(unfused.loss, rel=1e-9)
    assert fused.input_grad is not None and unfused.input_grad is not None
    np.testing.assert_allclose(fused.input_grad, unfused.input_grad, rtol=1e-7)


def test_fused_softmax_ce_equals_softmax_then_log_loss() -> None:
    z = nf.random.normal(nf.random.key(0), (6, 4), np.float64) * 3
    labels = np.array([0, 3, 1, 2, 2, 0])
    onehot = np.eye(4)[labels]
    probs = nf.layers.softmax(z)
    assert nf.losses.softmax_cross_entropy(z, labels) == pytest.approx(
        -np.mean(np.log(probs[np.arange(6), labels])), rel=1e-12
    )
    _, grad = nf.losses.softmax_cross_entropy.value_and_grad(z, labels)
    np.testing.assert_allclose(grad, (probs - onehot) / 6, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        nf.losses.softmax_cross_entropy.value_and_grad(z, onehot)[1], grad, rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logit_losses_are_stable_for_logits_of_plus_minus_1000(dtype: Any) -> None:
    z = np.array([[-1000.0], [1000.0], [1000.0]], dtype)
    t = np.array([[0.0], [1.0], [0.0]], dtype)
    value, grad = nf.losses.sigmoid_binary_cross_entropy.value_and_grad(z, t)
    assert value == pytest.approx(1000.0 / 3)
    np.testing.assert_allclose(grad, [[0.0], [0.0], [1 / 3]], atol=1e-7)
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]], dtype)
    value, grad = nf.losses.softmax_cross_entropy.value_and_grad(logits, np.array([1, 2]))
    assert value == pytest.approx(1000.0)
    assert np.isfinite(grad).all()
    probs = np.array([[0.0], [1.0]], dtype)
    value, grad = nf.losses.binary_cross_entropy.value_and_grad(probs, [[1.0], [0.0]])
    assert np.isfinite(value) and np.isfinite(grad).all() and (grad != 0).all()


@pytest.mark.parametrize(
    ("loss_fn", "pred", "target", "error", "match"),
    [
        (
            nf.losses.mse,
            np.zeros((4, 1)),
            np.zeros(4),
            ValueError,
            r"\(4, 1\), given \(4,\).*reshape",
        ),
        (nf.losses.mse, np.zeros((3, 2)), np.zeros((2, 3)), ValueError, "never broadcast"),
        (nf.losses.mse, np.zeros((0, 1)), np.zeros((0, 1)), ValueError, "empty prediction"),
        (
            nf.losses.binary_cross_entropy,
            np.full((2, 1), 0.5),
            [[0.0], [2.0]],
            ValueError,
            r"in \[0, 1\]",
        ),
        (
            nf.losses.softmax_cross_entropy,
            np.zeros((2, 3)),
            [0, 3],
            ValueError,
            r"in \[0, 3\).*given label 3",
        ),
        (nf.losses.softmax_cross_entropy, np.zeros((2, 3)), [0, -1], ValueError, "given label -1"),
        (
            nf.losses.softmax_cross_entropy,
            np.zeros((2, 3)),
            [0.0, 1.0],
            TypeError,
            "must be integers",
        ),
        (
            nf.losses.softmax_cross_entropy,
            np.zeros((2, 3)),
            np.zeros((2, 2)),
            ValueError,
            r"\(2, 3\)",
        ),
        (nf.losses.softmax_cross_entropy, np.zeros(3), [0, 1, 2], ValueError, r"shape \(n, k\)"),
        *(
            (nf.losses.softmax_cross_entropy, np.zeros((2, 3)), rows, ValueError, match)
            for rows, match in [
                ([[1.0, 0.0, 0.0], [-0.5, 1.0, 0.5]], "smallest entry -0.5"),
                ([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]], "row 1 summing to 2.0"),
                ([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]], "row 0 summing to 0.0"),
                ([[np.nan, 0.0, 1.0], [0.0, 1.0, 0.0]], "rows of probabilities"),
            ]
        ),
    ],
)
def test_bad_targets_are_refused_with_a_clear_message(
    loss_fn: Any, pred: Any, target: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        loss_fn(np.asarray(pred, np.float64), target)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "bad", ["one_ulp_above_1", "tiniest_negative", "nan", "huge", "minus_huge", "inf"]
)
def test_binary_targets_just_outside_0_1_are_refused_without_a_warning(
    bad: str, dtype: Any
) -> None:
    values = {
        "one_ulp_above_1": np.nextafter(dtype(1), dtype(2)),
        "tiniest_negative": -np.finfo(dtype).smallest_subnormal,
        "nan": dtype(np.nan),
        "huge": np.finfo(dtype).max,
        "minus_huge": -np.finfo(dtype).max,
        "inf": dtype(np.inf),
    }
    target = np.array([[0.5], [values[bad]]], dtype)
    for loss_fn in (nf.losses.sigmoid_binary_cross_entropy, nf.losses.binary_cross_entropy):
        with pytest.raises(ValueError, match=r"targets must be in \[0, 1\]"):
            loss_fn.value_and_grad(np.full((2, 1), 0.25, dtype), target)


def test_binary_targets_at_the_ends_of_0_1_are_taken() -> None:
    target = np.array([[-0.0], [0.0], [1.0], [0.5]])
    value, grad = nf.losses.sigmoid_binary_cross_entropy.value_and_grad(np.zeros((4, 1)), target)
    assert value == pytest.approx(np.log(2.0))
    np.testing.assert_allclose(grad.ravel(), [0.125, 0.125, -0.125, 0.0])


def test_l2_penalty_value_and_grads_leave_biases_alone() -> None:
    params = (nf.DenseParams([[1.0, 2.0]], [5.0, 5.0]), None, nf.DenseParams([[3.0], [0.0]], [7.0]))
    value, grads = nf.losses.L2(0.1).value_and_grads(params)
    assert value == pytest.approx(0.05 * (1 + 4 + 9))
    np.testing.assert_allclose(grads[0].w, [[0.1, 0.2]])
    np.testing.assert_array_equal(grads[0].b, [0.0, 0.0])
    np.testing.assert_allclose(grads[2].w, [[0.3], [0.0]])
    assert grads[1] is None


def test_l2_penalty_gradient_matches_finite_differences() -> None:
    net = nf.mlp([3, 4, 2], activation="tanh")
    params = nf.init(net, nf.random.key(8), np.float64)
    x = nf.random.normal(nf.random.key(1), (5, 3), np.float64)
    y = nf.random.normal(nf.random.key(2), (5, 2), np.float64)
    penalty = nf.losses.L2(0.3)
    check = nf.check_grads(net, params, x, y, nf.losses.mse, penalty=penalty)
    assert check.max_rel_error < 1e-6, check
    plain = nf.loss(net, params, x, y, nf.losses.mse)
    assert nf.loss(net, params, x, y, nf.losses.mse, penalty) == pytest.approx(
        plain + penalty.value_and_grads(params)[0]
    )


@given(
    rows=st.integers(1, 8),
    cols=st.integers(2, 5),
    scale=st.floats(1e-3, 1e3),
    seed=st.integers(0, 1000),
)
def test_property_losses_are_nonnegative_with_finite_gradients(
    rows: int, cols: int, scale: float, seed: int
) -> None:
    k_z, k_t, k_l = nf.random.split(nf.random.key(seed), 3)
    z = nf.random.normal(k_z, (rows, cols), np.float64) * scale
    t01 = nf.random.uniform(k_t, (rows, cols), 0.0, 1.0, np.float64)
    labels = nf.random.randint(k_l, rows, 0, cols)
    for loss_fn, pred, target in [
        (nf.losses.mse, z, t01),
        (nf.losses.sigmoid_binary_cross_entropy, z, t01.round()),
        (nf.losses.binary_cross_entropy, nf.layers.sigmoid(z), t01),
        (nf.losses.softmax_cross_entropy, z, labels),
    ]:
        value, grad = loss_fn.value_and_grad(pred, target)
        assert value >= -1e-12 and np.isfinite(value)
        assert np.isfinite(grad).all() and grad.shape == pred.shape


@nf.pytree
class Huber:
    """A user's own loss: the mean Huber loss with threshold delta, written only against
    the shape nnfunc expects of a loss (a call and value_and_grad)."""

    delta: float = 1.0

    def __call__(self, pred: Any, target: Any) -> float:
        return self.value_and_grad(pred, target)[0]

    def value_and_grad(self, pred: Any, target: Any) -> tuple[float, Any]:
        diff = pred - np.asarray(target, pred.dtype)
        small = np.abs(diff) <= self.delta
        value = np.where(small, 0.5 * diff**2, self.delta * (np.abs(diff) - 0.5 * self.delta))
        grad = np.where(small, diff, self.delta * np.sign(diff)) / diff.size
        return float(value.mean()), grad


def test_a_user_loss_plugs_into_grads_fit_and_check_grads() -> None:
    net = nf.mlp([3, 4, 2], activation="tanh")
    params = nf.init(net, nf.random.key(0), np.float64)
    x = nf.random.normal(nf.random.key(1), (6, 3), np.float64)
    y = 3.0 * nf.random.normal(nf.random.key(2), (6, 2), np.float64)
    loss_fn = Huber(0.5)
    assert nf.check_grads(net, params, x, y, loss_fn).max_rel_error < 1e-6
    result = nf.fit(
        net,
        params,
        x,
        y,
        loss_fn,
        nf.optim.adam(0.05),
        key=nf.random.key(3),
        epochs=60,
        batch_size=6,
    )
    assert result.history["train_loss"][-1] < 0.5 * result.history["train_loss"][0]


class KeepsItsGradient:
    """A user's loss (mse) that keeps the gradient array it returns, as a cache would."""

    def __init__(self) -> None:
        self.kept: list[npt.NDArray[Any]] = []

    def __call__(self, pred: npt.NDArray[Any], target: npt.ArrayLike) -> float:
        return self.value_and_grad(pred, target)[0]

    def value_and_grad(
        self, pred: npt.NDArray[Any], target: npt.ArrayLike
    ) -> tuple[float, npt.NDArray[Any]]:
        value, grad = nf.losses.mse.value_and_grad(pred, target)
        self.kept.append(grad)
        return value, grad


def test_the_backward_pass_never_writes_into_a_users_loss_gradient() -> None:
    net = nf.Sequential(nf.Dense(3, 2), nf.Tanh())  # Tanh's gradient could go in place
    params = nf.init(net, nf.random.key(0), np.float64)
    x = nf.random.normal(nf.random.key(1), (4, 3), np.float64)
    y = nf.random.normal(nf.random.key(2), (4, 2), np.float64)
    own = KeepsItsGradient()
    grads = nf.grads(net, params, x, y, own)
    kept = own.kept[0].copy()
    assert nf.tree.equal(grads, nf.grads(net, params, x, y, nf.losses.mse))
    np.testing.assert_array_equal(own.kept[0], kept)
    np.testing.assert_array_equal(
        kept, nf.losses.mse.value_and_grad(nf.forward(net, params, x), y)[1]
    )
