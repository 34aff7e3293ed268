"""Dropout, BatchNorm, LayerNorm, and how state and keys flow through training."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import checkpoint, optim

F64 = npt.NDArray[np.floating[Any]]


def _data(shape: tuple[int, ...], outputs: int = 2, seed: int = 0) -> tuple[F64, F64]:
    k_x, k_y = nf.random.split(nf.random.key(seed))
    x = nf.random.normal(k_x, shape, np.float64)
    return x, nf.random.normal(k_y, (shape[0], outputs), np.float64)


TRAINING_NETS: dict[str, Any] = {
    "batchnorm": nf.Sequential(nf.Dense(3, 6), nf.BatchNorm(6), nf.Tanh(), nf.Dense(6, 2)),
    "layernorm": nf.Sequential(nf.Dense(3, 6), nf.LayerNorm(6), nf.Tanh(), nf.Dense(6, 2)),
    "dropout": nf.Sequential(nf.Dense(3, 6), nf.Tanh(), nf.Dropout(0.4), nf.Dense(6, 2)),
    "all": nf.Sequential(
        nf.Dense(3, 8),
        nf.BatchNorm(8),
        nf.Tanh(),
        nf.Dropout(0.25),
        nf.LayerNorm(8),
        nf.Dense(8, 2),
    ),
}


@pytest.mark.parametrize("name", TRAINING_NETS)
def test_training_pass_matches_finite_differences_in_float64(name: str) -> None:
    net = TRAINING_NETS[name]
    params = nf.init(net, nf.random.key(1), np.float64)
    x, y = _data((7, 3))
    check = nf.check_grads(net, params, x, y, nf.losses.mse, training=True, key=nf.random.key(2))
    assert check.max_rel_error < 1e-5, check


def test_batchnorm_over_images_matches_finite_differences() -> None:
    net = nf.Sequential(nf.BatchNorm(3), nf.Tanh(), nf.LayerNorm(3))
    params = nf.init(net, nf.random.key(0), np.float64)
    params = (
        nf.NormParams(np.array([1.5, 0.5, 2.0]), np.array([0.1, -0.2, 0.3])),
        None,
        nf.NormParams(np.array([0.7, 1.1, 1.3]), np.array([0.0, 0.5, -0.5])),
    )
    x = nf.random.normal(nf.random.key(3), (2, 4, 4, 3), np.float64)
    y = nf.random.normal(nf.random.key(4), (2, 4, 4, 3), np.float64)
    check = nf.check_grads(net, params, x, y, nf.losses.mse, training=True)
    assert check.max_rel_error < 1e-5, check


def test_batchnorm_normalizes_with_batch_statistics_and_updates_running_ones() -> None:
    layer = nf.BatchNorm(2, momentum=0.1)
    params = nf.NormParams(np.array([2.0, 1.0]), np.array([0.5, -1.0]))
    state = layer.init_state(np.dtype(np.float64))
    x = np.array([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]])
    y, _, new_state = layer.apply(params, state, x, nf.layers.TRAINING)
    mean, var = x.mean(axis=0), x.var(axis=0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5) * [2.0, 1.0] + [0.5, -1.0])
    np.testing.assert_allclose(new_state.mean, 0.9 * 0.0 + 0.1 * mean)
    np.testing.assert_allclose(new_state.var, 0.9 * 1.0 + 0.1 * x.var(axis=0, ddof=1))
    inferred, _, same_state = layer.apply(params, new_state, x)
    assert same_state is new_state
    expected = (x - new_state.mean) / np.sqrt(new_state.var + 1e-5) * [2.0, 1.0] + [0.5, -1.0]
    np.testing.assert_allclose(inferred, expected)
    assert not new_state.mean.flags.writeable


def test_layernorm_normalizes_each_example() -> None:
    x = np.array([[1.0, 2.0, 3.0, 6.0], [-1.0, 0.0, 0.0, 1.0]])
    params = nf.NormParams(np.ones(4), np.zeros(4))
    y, _, _ = nf.LayerNorm(4).apply(params, None, x)
    np.testing.assert_allclose(y.mean(axis=1), [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(y.var(axis=1), x.var(axis=1) / (x.var(axis=1) + 1e-5))


def _training(seed: int) -> nf.layers.Context:
    return nf.layers.Context(training=True, key=nf.random.key(seed))


def test_dropout_masks_come_from_the_key_and_inference_is_the_identity() -> None:
    layer = nf.Dropout(0.3)
    x = np.ones((200, 50))
    y1, _, _ = layer.apply(None, None, x, _training(0))
    y2, _, _ = layer.apply(None, None, x, _training(0))
    y3, _, _ = layer.apply(None, None, x, _training(1))
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(y1, y3)
    assert set(np.unique(y1).tolist()) == {0.0, 1.0 / 0.7}
    assert abs((y1 == 0).mean() - 0.3) < 0.01
    np.testing.assert_array_equal(nf.forward(nf.Sequential(layer), (None,), x), x)


def test_a_stateless_net_trains_the_same_in_training_mode() -> None:
    net = nf.mlp([3, 5, 2], activation="tanh")
    params = nf.init(net, nf.random.key(0), np.float64)
    x, y = _data((6, 3))
    plain = nf.value_and_grads(net, params, x, y, nf.losses.mse)
    value, grads, state = nf.train_value_and_grads(
        net, params, nf.init_state(net), x, y, nf.losses.mse
    )
    assert value == plain[0] and nf.tree.equal(grads, plain[1])
    assert nf.tree.leaves(state) == []


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: nf.forward(
                TRAINING_NETS["batchnorm"],
                nf.init(TRAINING_NETS["batchnorm"], nf.random.key(0)),
                np.ones((4, 3)),
            ),
            r"state\[1\]: BatchNorm.* needs a BatchNormState, given NoneType: make it with",
        ),
        (
            lambda: nf.train_value_and_grads(
                TRAINING_NETS["dropout"],
                nf.init(TRAINING_NETS["dropout"], nf.random.key(0)),
                None,
                np.ones((4, 3)),
                np.ones((4, 2)),
                nf.losses.mse,
            ),
            r"layer \[2\]: Dropout.* needs a key",
        ),
        (
            lambda: nf.BatchNorm(3).apply(
                nf.BatchNorm(3).init_params(nf.random.key(0), np.dtype(np.float64)),
                nf.BatchNorm(3).init_state(np.dtype(np.float64)),
                np.ones((1, 3)),
                nf.layers.TRAINING,
            ),
            r"more than one value per feature .* given a batch of shape \(1, 3\)",
        ),
        (lambda: nf.Dropout(1.0), r"Dropout.rate must be a finite number >= 0 and < 1, given 1.0"),
        (
            lambda: nf.Dropout(-0.1),
            r"Dropout.rate must be a finite number >= 0 and < 1, given -0.1",
        ),
        (
            lambda: nf.forward(
                TRAINING_NETS["batchnorm"],
                nf.init(TRAINING_NETS["batchnorm"], nf.random.key(0)),
                np.ones((4, 3)),
                state=(None, None),
            ),
            "state of Sequential.* must be the tuple of 4 entries",
        ),
    ],
)
def test_training_mode_errors_are_clear(call: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


BN_NET = nf.Sequential(nf.Dense(3, 4), nf.BatchNorm(4), nf.LayerNorm(4))


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (
            lambda p, s: (
                p,
                (None, nf.BatchNormState(np.zeros((4, 3), np.float32), s[1].var), None),
            ),
            nf.layers.StateError,
            r"^state\[1\]\.mean: BatchNorm\(.*\) expects shape \(4,\), given \(4, 3\)",
        ),
        (
            lambda p, s: (p, (None, nf.BatchNormState(s[1].mean, np.ones(1, np.float32)), None)),
            nf.layers.StateError,
            r"^state\[1\]\.var: .* expects shape \(4,\), given \(1,\)",
        ),
        (
            lambda p, s: (p, nf.tree.astype(s, np.float64)),
            nf.layers.StateError,
            r"^state\[1\]\.mean: .* expects dtype float32, the input's .* given float64",
        ),
        (
            lambda p, s: ((p[0], p[1], nf.tree.astype(p[2], np.float64)), s),
            nf.ParamsError,
            r"^params\[2\]\.scale: LayerNorm.* expects dtype float32, the input's .* given float64",
        ),
        (
            lambda p, s: (
                (p[0], nf.NormParams(np.ones(4, np.float32), np.zeros(5, np.float32)), p[2]),
                s,
            ),
            nf.ParamsError,
            r"^params\[1\]\.shift: .* expects shape \(4,\), given \(5,\)",
        ),
    ],
)
def test_state_and_norm_params_are_checked_like_dense_params(
    change: Any, error: type[Exception], match: str
) -> None:
    params, state = nf.init(BN_NET, nf.random.key(0)), nf.init_state(BN_NET)
    bad_params, bad_state = change(params, state)
    x = np.ones((5, 3), np.float32)
    with pytest.raises(error, match=match):
        nf.forward(BN_NET, bad_params, x, state=bad_state)
    with pytest.raises(error, match=match):
        nf.train_value_and_grads(BN_NET, bad_params, bad_state, x, np.ones((5, 4)), nf.losses.mse)


def _blobs(n: int, seed: int) -> tuple[F64, npt.NDArray[np.int64]]:
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    x, labels = nf.datasets.make_blobs(nf.random.key(seed), n, centers=centres, std=1.0)
    return np.asarray(x, np.float64), np.asarray(labels)


NET = nf.Sequential(nf.Dense(2, 16), nf.BatchNorm(16), nf.ReLU(), nf.Dropout(0.2), nf.Dense(16, 3))


def _fit(**kwargs: Any) -> nf.train.FitResult[nf.SequentialParams, Any]:
    x, y = _blobs(300, 0)
    options: dict[str, Any] = {"key": nf.random.key(7), "epochs": 4, "batch_size": 32}
    options.update(kwargs)
    params = kwargs.pop("params", None) or nf.init(NET, nf.random.key(1))
    options.pop("params", None)
    return nf.fit(NET, params, x, y, nf.losses.softmax_cross_entropy, optim.adam(0.02), **options)


def test_fit_trains_a_net_with_batchnorm_and_dropout_reproducibly() -> None:
    first, second = _fit(), _fit()
    assert nf.tree.equal((first.params, first.state), (second.params, second.state))
    assert first.history == second.history
    assert isinstance(first.state, tuple) and isinstance(first.state[1], nf.BatchNormState)
    assert not nf.tree.equal(first.state, nf.init_state(NET))
    x_test, y_test = _blobs(300, 1)
    predictions = nf.forward(NET, first.params, x_test, first.state)
    assert nf.metrics.accuracy(predictions, y_test) >= 0.9


def test_fit_with_state_resumes_bit_identically_through_a_checkpoint(tmp_path: Path) -> None:
    whole = _fit(epochs=4)
    half = _fit(epochs=2)
    path = tmp_path / "half.npz"
    saved = {"params": half.params, "opt_state": half.opt_state, "state": half.state}
    checkpoint.save(path, saved)
    loaded = checkpoint.load(path, saved)
    rest = _fit(
        epochs=4,
        initial_epoch=2,
        params=loaded["params"],
        opt_state=loaded["opt_state"],
        state=loaded["state"],
        history=half.history,
    )
    assert nf.tree.equal((rest.params, rest.state), (whole.params, whole.state))
    assert rest.history == whole.history


def test_make_step_advance_equals_train_value_and_grads_then_update() -> None:
    x, y = _blobs(32, 3)
    params = nf.init(NET, nf.random.key(1))
    state = nf.init_state(NET)
    opt = optim.sgd(0.1, momentum=0.9)
    step = nf.train.make_step(NET, nf.losses.softmax_cross_entropy, opt)
    new_params, new_state, new_opt, value = step.advance(
        params, state, opt.init(params), x, y, nf.random.key(5)
    )
    expected_value, grads, expected_state = nf.train_value_and_grads(
        NET, params, state, x, y, nf.losses.softmax_cross_entropy, nf.random.key(5)
    )
    updates, expected_opt = opt.update(grads, opt.init(params), params)
    assert value == expected_value
    assert nf.tree.equal(new_params, optim.apply_updates(params, updates))
    assert nf.tree.equal((new_state, new_opt), (expected_state, expected_opt))
