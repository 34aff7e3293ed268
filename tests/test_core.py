"""The public contract: init, forward, loss, grads, value_and_grads, sgd_step, check_grads."""

from __future__ import annotations

import copy
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc._arrays import FloatArray, FloatDType

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
ACTIVATIONS = sorted(nf.layers.activations.BY_NAME)


def test_design_contract_runs_as_written() -> None:
    key = nf.random.key(0)
    k_init, k_data = nf.random.split(key)
    net = nf.mlp([2, 4, 1], activation="tanh")
    assert net == nf.Sequential(nf.Dense(2, 4), nf.Tanh(), nf.Dense(4, 1))
    assert nf.mlp([2, 3]) == nf.Sequential(nf.Dense(2, 3))
    assert nf.mlp([2, 3, 1]).layers[1] == nf.ReLU()
    params = nf.init(net, k_init)
    x = nf.random.normal(k_data, (8, 2))
    y = (x[:, :1] > 0).astype(np.float32)
    y_hat = nf.forward(net, params, x)
    assert y_hat.shape == (8, 1) and y_hat.dtype == np.float32
    value = nf.loss(net, params, x, y, nf.losses.mse)
    g = nf.grads(net, params, x, y, nf.losses.mse)
    value2, g2 = nf.value_and_grads(net, params, x, y, nf.losses.mse)
    assert isinstance(value, float) and value == value2
    assert nf.tree.equal(g, g2)
    assert type(g) is tuple and isinstance(g[0], nf.DenseParams) and g[1] is None
    new = nf.sgd_step(params, g, 0.1)
    np.testing.assert_array_equal(new[0].w, params[0].w - np.float32(0.1) * g[0].w)
    assert not nf.tree.equal(new, params)


def test_params_and_grads_are_read_only() -> None:
    net = nf.mlp([2, 4, 1])
    params = nf.init(net, nf.random.key(0))
    with pytest.raises(ValueError, match="read-only"):
        params[0].w[0, 0] = 1
    g = nf.grads(net, params, XOR_X, XOR_Y, nf.losses.mse)
    stepped = nf.sgd_step(params, g, 0.1)
    for leaf in nf.tree.leaves((params, g, stepped)):
        assert not leaf.flags.writeable


def test_params_built_from_user_arrays_hold_read_only_copies() -> None:
    w = np.array([[1.0, 2.0]])
    b = np.array([0.5, 0.5])
    params = (nf.DenseParams(w, b),)
    w[0, 0] = 100.0
    assert params[0].w[0, 0] == 1.0
    assert w.flags.writeable and not params[0].w.flags.writeable
    view = np.arange(4.0)[:2]
    view.flags.writeable = False
    frozen_view_params = nf.DenseParams(np.ones((1, 2)), view)
    assert frozen_view_params.b is not view


def test_inputs_are_cast_to_the_params_dtype() -> None:
    net = nf.mlp([2, 3, 1])
    p32 = nf.init(net, nf.random.key(0))
    p64 = nf.init(net, nf.random.key(0), dtype=np.float64)
    ints = np.array([[1, 2], [3, 4]])
    assert nf.forward(net, p32, ints).dtype == np.float32
    assert nf.forward(net, p64, ints.astype(np.float32)).dtype == np.float64
    assert p64[0].w.dtype == np.float64
    np.testing.assert_allclose(p32[0].w, p64[0].w.astype(np.float32), rtol=1e-6)


def _with_random_biases(params: nf.SequentialParams) -> nf.SequentialParams:
    """Zero biases behind a dead ReLU put a pre-activation exactly on the kink at 0,
    where finite differences are meaningless; random biases keep every unit off it."""
    keys = nf.random.split(nf.random.key(99), len(params))
    return tuple(
        nf.DenseParams(p.w, 0.5 * nf.random.normal(k, p.b.shape, np.float64)) if p else None
        for p, k in zip(params, keys, strict=True)
    )


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_whole_networks_match_finite_differences(depth: int, activation: str) -> None:
    sizes = [3] + [4] * (depth - 1) + [2]
    net = nf.mlp(sizes, activation=activation, output_activation="sigmoid")
    params = _with_random_biases(nf.init(net, nf.random.key(depth), dtype=np.float64))
    x = nf.random.normal(nf.random.key(100 + depth), (6, 3), np.float64)
    y = nf.random.uniform(nf.random.key(200 + depth), (6, 2), 0.0, 1.0, np.float64)
    check = nf.check_grads(net, params, x, y, nf.losses.binary_cross_entropy)
    assert check.max_rel_error < 1e-5, check


@pytest.mark.parametrize(
    ("loss_fn", "targets"),
    [
        (nf.losses.softmax_cross_entropy, np.array([0, 2, 1, 2, 0])),
        (nf.losses.sigmoid_binary_cross_entropy, (np.arange(15).reshape(5, 3) % 2).astype(float)),
        (nf.losses.mse, np.linspace(-1, 1, 15).reshape(5, 3)),
    ],
)
def test_fused_losses_train_deep_nets_with_correct_gradients(loss_fn: Any, targets: Any) -> None:
    net = nf.mlp([4, 6, 5, 3], activation="leaky_relu")
    params = nf.init(net, nf.random.key(3), dtype=np.float64)
    x = nf.random.normal(nf.random.key(4), (5, 4), np.float64)
    assert nf.check_grads(net, params, x, targets, loss_fn).max_rel_error < 1e-5


def test_check_grads_finds_a_wrong_gradient_and_names_its_path() -> None:
    @attrs.frozen
    class WrongTanh(nf.Tanh):
        def gradient(self, cache: FloatArray, dy: FloatArray, out: FloatArray | None) -> FloatArray:
            return dy * (1.0 - cache)  # wrong: should be 1 - cache**2

    net = nf.Sequential(nf.Dense(3, 4), WrongTanh(), nf.Dense(4, 2))
    params = nf.init(net, nf.random.key(0), np.float64)
    x = nf.random.normal(nf.random.key(1), (5, 3), np.float64)
    check = nf.check_grads(net, params, x, np.zeros((5, 2)), nf.losses.mse)
    assert check.max_rel_error > 0.1
    assert check.path.startswith(("params[0].", "x["))


def _train_hex(seed: int, steps: int = 100) -> str:
    net = nf.mlp([2, 8, 1], activation="tanh")
    params = nf.init(net, nf.random.key(seed))
    for _ in range(steps):
        g = nf.grads(net, params, XOR_X, XOR_Y, nf.losses.sigmoid_binary_cross_entropy)
        params = nf.sgd_step(params, g, 0.3)
    digest = hashlib.sha256()
    for leaf in nf.tree.leaves(params):
        digest.update(leaf.tobytes())
    return digest.hexdigest()


def test_training_is_byte_identical_for_a_key_in_this_and_a_fresh_process() -> None:
    here = _train_hex(7)
    assert here == _train_hex(7)
    assert here != _train_hex(8)
    code = "from tests.test_core import _train_hex; print(_train_hex(7))"
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == here


def test_xor_is_learned_by_a_2_4_1_net_from_a_fixed_key() -> None:
    net = nf.mlp([2, 4, 1], activation="tanh")
    params = nf.init(net, nf.random.key(0))
    for _ in range(2000):
        g = nf.grads(net, params, XOR_X, XOR_Y, nf.losses.sigmoid_binary_cross_entropy)
        params = nf.sgd_step(params, g, 0.5)
    probs = nf.layers.sigmoid(nf.forward(net, params, XOR_X))
    np.testing.assert_array_equal(probs > 0.5, XOR_Y > 0.5)
    assert nf.loss(net, params, XOR_X, XOR_Y, nf.losses.sigmoid_binary_cross_entropy) < 0.01


def test_forward_of_a_three_layer_sigmoid_net_from_given_weights() -> None:
    w1 = np.array([[0.2, -0.4, 0.1], [0.7, 0.3, -0.5]])
    b1 = np.array([0.1, 0.0, -0.2])
    w2 = np.array([[0.5, -0.3], [-0.6, 0.8], [0.9, 0.1]])
    b2 = np.array([0.05, -0.05])
    w3 = np.array([[1.2], [-0.7]])
    b3 = np.array([0.3])
    net = nf.Sequential(
        nf.Dense(2, 3), nf.Sigmoid(), nf.Dense(3, 2), nf.Sigmoid(), nf.Dense(2, 1), nf.Sigmoid()
    )
    params = (
        nf.DenseParams(w1, b1),
        None,
        nf.DenseParams(w2, b2),
        None,
        nf.DenseParams(w3, b3),
        None,
    )
    x = np.array([[1.0, 0.5], [-0.3, 2.0]])

    def sig(z: FloatArray) -> FloatArray:
        out: FloatArray = 1.0 / (1.0 + np.exp(-z))
        return out

    expected = sig(sig(sig(x @ w1 + b1) @ w2 + b2) @ w3 + b3)
    np.testing.assert_allclose(nf.forward(net, params, x), expected, rtol=1e-14)


class _CountingDense(nf.Dense):
    calls: list[int] = []  # noqa: RUF012 - test instrumentation, shared on purpose

    def apply(self, params: nf.DenseParams, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        _CountingDense.calls.append(1)
        return super().apply(params, x)


def test_value_and_grads_runs_the_forward_pass_once() -> None:
    net = nf.Sequential(_CountingDense(2, 1))
    params = nf.init(net, nf.random.key(0))
    _CountingDense.calls.clear()
    nf.value_and_grads(net, params, XOR_X, XOR_Y, nf.losses.mse)
    assert len(_CountingDense.calls) == 1


@nf.pytree
class ScaleParams:
    """Params of the user-defined layer below: one learnable scale per feature."""

    s: npt.NDArray[np.floating[Any]]


@nf.pytree
class Scale:
    """A user-defined layer: y = x * s. Written only against the layer protocol."""

    features: int = nf.static_field()

    def init_params(self, key: nf.Key, dtype: FloatDType) -> ScaleParams:
        return ScaleParams(nf.random.uniform(key, self.features, 0.5, 1.5, dtype))

    def apply(self, params: ScaleParams, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        return x * params.s, x

    def backward(
        self, params: ScaleParams, cache: FloatArray, dy: FloatArray, input_grad: bool
    ) -> tuple[ScaleParams, FloatArray | None]:
        return ScaleParams((dy * cache).sum(axis=0)), (dy * params.s) if input_grad else None


def test_a_user_layer_keeps_its_params_type_through_grads_and_sgd_step() -> None:
    layer = Scale(3)
    params: ScaleParams = nf.init(layer, nf.random.key(0), np.float64)
    x = nf.random.normal(nf.random.key(1), (4, 3), np.float64)
    y = np.ones((4, 3))
    g: ScaleParams = nf.grads(layer, params, x, y, nf.losses.mse)
    stepped: ScaleParams = nf.sgd_step(params, g, 0.1)
    assert isinstance(g, ScaleParams) and isinstance(stepped, ScaleParams)
    assert nf.check_grads(layer, params, x, y, nf.losses.mse).max_rel_error < 1e-6
    inside = nf.Sequential(nf.Dense(2, 3), Scale(3), nf.Dense(3, 1))
    p = nf.init(inside, nf.random.key(2), np.float64)
    check = nf.check_grads(inside, p, x[:, :2], np.zeros((4, 1)), nf.losses.mse)
    assert check.max_rel_error < 1e-6


def _public_calls() -> list[tuple[str, Any, tuple[Any, ...]]]:
    net = nf.mlp([2, 3, 1], activation="sigmoid")
    params = nf.init(net, nf.random.key(0))
    x = XOR_X.copy()
    y = XOR_Y.copy()
    g = nf.grads(net, params, x, y, nf.losses.mse)
    labels = np.array([0, 1, 1, 0])
    return [
        ("forward", nf.forward, (net, params, x)),
        ("loss", nf.loss, (net, params, x, y, nf.losses.mse)),
        ("grads", nf.grads, (net, params, x, y, nf.losses.mse)),
        ("value_and_grads", nf.value_and_grads, (net, params, x, y, nf.losses.mse)),
        ("sgd_step", nf.sgd_step, (params, g, 0.1)),
        ("check_grads", nf.check_grads, (net, params, x, y, nf.losses.mse)),
        ("softmax_ce", nf.losses.softmax_cross_entropy.value_and_grad, (np.ones((4, 2)), labels)),
        ("bce", nf.losses.binary_cross_entropy.value_and_grad, (np.full((4, 1), 0.3), y)),
        ("sbce", nf.losses.sigmoid_binary_cross_entropy.value_and_grad, (x[:, :1], y)),
        ("l2", nf.losses.L2(0.1).value_and_grads, (params,)),
        ("tree.add", nf.tree.add, (params, g)),
        ("tree.scale", nf.tree.scale, (2.0, x)),
    ]


@pytest.mark.parametrize("index", range(len(_public_calls())))
def test_public_functions_change_none_of_their_arguments(index: int) -> None:
    name, function, args = _public_calls()[index]
    before = copy.deepcopy(args)
    flags = [leaf.flags.writeable for leaf in nf.tree.leaves(args) if isinstance(leaf, np.ndarray)]
    function(*args)
    assert nf.tree.equal(args, before), name
    assert flags == [
        leaf.flags.writeable for leaf in nf.tree.leaves(args) if isinstance(leaf, np.ndarray)
    ], name


NET = nf.mlp([2, 4, 1], activation="tanh")
PARAMS = nf.init(NET, nf.random.key(0))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: nf.forward(NET, PARAMS, np.ones((3, 5))),
            ValueError,
            r"layer \[0\]: Dense\(2, 4\) expects inputs of shape \(batch, 2\), given \(3, 5\)",
        ),
        (lambda: nf.forward(NET, PARAMS, np.ones(2)), ValueError, r"given shape \(2,\); reshape"),
        (lambda: nf.forward(NET, PARAMS, np.ones((0, 2))), ValueError, "empty batch"),
        (
            lambda: nf.loss(NET, PARAMS, XOR_X, XOR_Y[:, 0], nf.losses.mse),
            ValueError,
            r"prediction's \(4, 1\), given \(4,\)",
        ),
        (
            lambda: nf.forward(NET, PARAMS[:2], XOR_X),
            ValueError,
            "params: expected a tuple of 3 entries, one per layer .* given tuple of length 2",
        ),
        (
            lambda: nf.forward(
                NET, (*PARAMS[:2], nf.DenseParams(np.ones((4, 2)), np.ones(1))), XOR_X
            ),
            ValueError,
            r"params\[2\].w: Dense\(4, 1\) expects shape \(4, 1\), given \(4, 2\)",
        ),
        (
            lambda: nf.forward(NET, (*PARAMS[:2], nf.DenseParams(PARAMS[2].w, np.ones(3))), XOR_X),
            ValueError,
            r"params\[2\].b: Dense\(4, 1\) expects shape \(1,\), given \(3,\)",
        ),
        (
            lambda: nf.forward(NET, (PARAMS[0], PARAMS[0], PARAMS[2]), XOR_X),
            ValueError,
            r"params\[1\]: Tanh\(\) has no params, so its slot must be None",
        ),
        (
            lambda: nf.forward(NET, (PARAMS[0].w, None, PARAMS[2]), XOR_X),
            ValueError,
            r"params\[0\]: Dense\(2, 4\) needs DenseParams\(w, b\), given ndarray",
        ),
        (
            lambda: nf.mlp([2, 3], activation="swish"),
            ValueError,
            "unknown activation 'swish'; valid names: \\['identity'",
        ),
        (
            lambda: nf.init(NET, 0),  # type: ignore[arg-type]
            TypeError,
            "key must be an nnfunc.random.Key .* given int",
        ),
        (
            lambda: nf.init(NET, nf.random.key(0), dtype=np.float16),
            ValueError,
            "float32 or float64, given float16",
        ),
        (lambda: nf.forward(NET, PARAMS, np.array([["a", "b"]])), TypeError, "x must be numeric"),
        (
            lambda: nf.sgd_step(PARAMS, PARAMS[:2], 0.1),
            ValueError,
            "tree structures differ at the root",
        ),
        (
            lambda: nf.sgd_step(PARAMS, PARAMS, float("nan")),
            ValueError,
            "learning_rate must be a finite number",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_a_nested_sequential_reports_the_full_path() -> None:
    net = nf.Sequential(nf.Dense(2, 3), nf.Sequential(nf.Tanh(), nf.Dense(3, 1)))
    params = nf.init(net, nf.random.key(0))
    bad = (params[0], (None, nf.DenseParams(np.ones((2, 1)), np.ones(1))))
    with pytest.raises(
        ValueError, match=r"params\[1\]\[1\].w: Dense\(3, 1\) expects shape \(3, 1\)"
    ):
        nf.forward(net, bad, XOR_X)
