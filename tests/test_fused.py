"""The fused path of backprop (`nnfunc.fused`): which nets take it, and that it gives the
general path's results bit for bit, in place only on arrays it made itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import fused, optim

ACTIVATIONS = sorted(nf.layers.ACTIVATIONS)


def _reals(n: int) -> npt.NDArray[np.float64]:
    return np.linspace(-1, 1, 3 * n).reshape(n, 3)


def _labels(n: int) -> npt.NDArray[np.int64]:
    return np.arange(n) % 3


def _bits(n: int) -> npt.NDArray[np.float64]:
    return (np.arange(3 * n).reshape(n, 3) % 2).astype(np.float64)


LOSSES: dict[str, tuple[nf.losses.Loss, Callable[[int], npt.NDArray[Any]]]] = {
    "mse": (nf.losses.mse, _reals),
    "softmax_ce": (nf.losses.softmax_cross_entropy, _labels),
    "sigmoid_bce": (nf.losses.sigmoid_binary_cross_entropy, _bits),
}


def _general(net: nf.Sequential) -> nf.Sequential:
    """The same net behind one more Sequential: not fusable, so the general path."""
    return nf.Sequential(net)


def _backprop_both(
    net: nf.Sequential, dtype: Any, loss_name: str, input_grad: bool
) -> tuple[tuple[float, Any, Any], tuple[float, Any, Any]]:
    loss_fn, targets = LOSSES[loss_name]
    params = nf.init(net, nf.random.key(1), dtype=dtype)
    x = nf.random.normal(nf.random.key(2), (7, 4), np.float64) * 3
    y = targets(7)
    fast = nf.backprop(net, params, x, y, loss_fn, input_grad=input_grad)
    general = nf.backprop(_general(net), (params,), x, y, loss_fn, input_grad=input_grad)
    value, (grads,), dx = general
    return fast, (value, grads, dx)


@pytest.mark.parametrize("input_grad", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_fused_backprop_equals_the_general_path_bit_for_bit(
    activation: str, loss_name: str, dtype: Any, input_grad: bool
) -> None:
    net = nf.mlp([4, 6, 5, 3], activation=activation)
    assert fused.plan(net) is not None
    (value, grads, dx), (value_ref, grads_ref, dx_ref) = _backprop_both(
        net, dtype, loss_name, input_grad
    )
    assert value == value_ref
    assert nf.tree.equal(grads, grads_ref)
    assert all(leaf.dtype == dtype and not leaf.flags.writeable for leaf in nf.tree.leaves(grads))
    if input_grad:
        assert dx is not None and dx_ref is not None
        assert dx.tobytes() == dx_ref.tobytes()
    else:
        assert dx is None and dx_ref is None


@pytest.mark.parametrize(
    "net",
    [
        # activations back to back, before the first Dense, and after the last one
        nf.Sequential(nf.Tanh(), nf.Dense(4, 6), nf.ReLU(), nf.Sigmoid(), nf.Dense(6, 3)),
        nf.Sequential(nf.Dense(4, 6), nf.Identity(), nf.LeakyReLU(0.1), nf.Dense(6, 3), nf.Tanh()),
        nf.Sequential(nf.Dense(4, 3), nf.Softmax()),
    ],
    ids=["leading_and_stacked", "identity_and_output_activation", "softmax_output"],
)
@pytest.mark.parametrize("input_grad", [False, True])
def test_unusual_orders_of_layers_match_too(net: nf.Sequential, input_grad: bool) -> None:
    (value, grads, dx), (value_ref, grads_ref, dx_ref) = _backprop_both(
        net, np.float64, "mse", input_grad
    )
    assert value == value_ref
    assert nf.tree.equal(grads, grads_ref)
    assert (dx is None and dx_ref is None) or (
        dx is not None and dx_ref is not None and dx.tobytes() == dx_ref.tobytes()
    )


def test_the_fused_path_changes_no_argument() -> None:
    net = nf.mlp([4, 6, 3], activation="relu", output_activation="sigmoid")
    params = nf.init(net, nf.random.key(0))
    x = np.linspace(-2, 2, 20, dtype=np.float32).reshape(5, 4)
    y = np.linspace(0, 1, 15, dtype=np.float32).reshape(5, 3)
    x_before, y_before = x.copy(), y.copy()
    params_before = nf.tree.map(np.copy, params)
    nf.backprop(net, params, x, y, nf.losses.mse, input_grad=True)
    opt = optim.sgd(0.1)
    nf.train.make_step(net, nf.losses.mse, opt)(params, opt.init(params), x, y)
    assert np.array_equal(x, x_before) and np.array_equal(y, y_before)
    assert nf.tree.equal(params, params_before)


@attrs.frozen
class MyTanh(nf.Tanh):
    """A subclass may change what a method does: it never takes the fused path."""


@pytest.mark.parametrize(
    "net",
    [
        nf.Sequential(nf.mlp([2, 3, 1])),
        nf.Sequential(nf.Dense(2, 3), MyTanh(), nf.Dense(3, 1)),
        nf.Sequential(nf.Dense(2, 3), nf.Dropout(0.5), nf.Dense(3, 1)),
        nf.Sequential(nf.Tanh(), nf.ReLU()),
        nf.Dense(2, 3),
    ],
    ids=["nested", "subclass", "dropout", "no_dense", "bare_dense"],
)
def test_only_flat_sequentials_of_built_in_layers_are_fusable(net: Any) -> None:
    assert fused.plan(net) is None


def test_mlp_nets_are_fusable() -> None:
    for activation in ACTIVATIONS:
        net = nf.mlp([3, 4, 4, 2], activation=activation, output_activation="softmax")
        assert fused.plan(net) is not None


@pytest.mark.parametrize(
    ("params_of", "message"),
    [
        (lambda p: (p[0], None, nf.DenseParams(np.zeros((3, 1)), p[2].b)), r"params\[2\]\.w: "),
        (lambda p: (p[0], None), "expected a tuple of 3 entries"),
        (lambda p: (p[0], p[0], p[2]), r"params\[1\]"),
        (lambda p: [p[0], None, p[2]], "expected a tuple of 3 entries"),
        (lambda p: (None, None, p[2]), r"params\[0\]: .* needs DenseParams"),
        (lambda p: (nf.DenseParams(p[0].w, np.zeros(3, np.float32)), None, p[2]), r"\.b: "),
        (lambda p: (nf.DenseParams(p[0].w, p[0].b.astype(np.float64)), None, p[2]), "b float64"),
        (
            lambda p: (p[0], None, nf.DenseParams(*(a.astype(np.float64) for a in (p[2].w, p[2].b)))),
            r"params\[2\]: .* one float dtype",
        ),
        (
            lambda p: tuple(
                q if q is None else nf.DenseParams(q.w.astype(np.float16), q.b.astype(np.float16))
                for q in p
            ),
            "float32 or float64, given float16",
        ),
    ],
    ids=[
        "w_shape",
        "too_few",
        "params_for_an_activation",
        "a_list",
        "none_for_a_dense",
        "b_shape",
        "w_and_b_dtypes",
        "layers_in_two_dtypes",
        "float16",
    ],
)
def test_bad_params_get_the_general_paths_error(params_of: Any, message: str) -> None:
    net = nf.mlp([2, 4, 1], activation="tanh")
    params = params_of(nf.init(net, nf.random.key(0)))
    x, y = np.zeros((3, 2), np.float32), np.zeros((3, 1), np.float32)
    with pytest.raises(ValueError, match=message):
        nf.grads(net, params, x, y, nf.losses.mse)
    opt = optim.sgd(0.1)
    for fold in (False, True):
        step = nf.train.make_step(net, nf.losses.mse, opt, fold_learning_rate=fold)
        with pytest.raises(ValueError, match=message):
            step(params, opt.init(params), x, y)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activations_computed_in_place_give_the_same_bits(activation: str) -> None:
    layer = nf.layers.activations.get(activation)
    x = nf.random.normal(nf.random.key(3), (6, 5), np.float32) * 4
    dy = nf.random.normal(nf.random.key(4), (6, 5), np.float32)
    y, cache = layer.forward(x, None)
    dx = layer.gradient(cache, dy, None)
    x_buffer, dy_buffer = x.copy(), dy.copy()
    y_in_place, cache_in_place = layer.forward(x_buffer, x_buffer)
    dx_in_place = layer.gradient(cache_in_place, dy_buffer, dy_buffer)
    assert y_in_place.tobytes() == y.tobytes()
    assert dx_in_place.tobytes() == dx.tobytes()
    assert y_in_place is x_buffer and dx_in_place is dy_buffer
