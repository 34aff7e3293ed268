"""One battery for every layer: finite differences in float64, dtype kept, purity, errors."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnfunc as nf

# Every layer nnfunc ships, in a net that gives it inputs of width 4 and checks its
# input gradient through the Dense before it. Adding a layer adds it to every test.
LAYERS: dict[str, Any] = {
    "dense": nf.Dense(4, 4),
    "dense_he": nf.Dense(4, 4, init="he_normal"),
    "sigmoid": nf.Sigmoid(),
    "tanh": nf.Tanh(),
    "relu": nf.ReLU(),
    "leaky_relu": nf.LeakyReLU(0.1),
    "softmax": nf.Softmax(),
    "identity": nf.Identity(),
    "sequential": nf.Sequential(nf.Dense(4, 3), nf.Tanh(), nf.Dense(3, 4)),
}


def _net_around(layer: Any) -> nf.Sequential:
    return nf.Sequential(nf.Dense(3, 4), layer, nf.Dense(4, 2))


def _data(dtype: Any = np.float64) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    k_x, k_y = nf.random.split(nf.random.key(42))
    return nf.random.normal(k_x, (5, 3), dtype), nf.random.normal(k_y, (5, 2), dtype)


@pytest.mark.parametrize("name", LAYERS)
def test_finite_differences_match_backprop_in_float64(name: str) -> None:
    net = _net_around(LAYERS[name])
    params = nf.init(net, nf.random.key(1), dtype=np.float64)
    x, y = _data()
    check = nf.check_grads(net, params, x, y, nf.losses.mse)
    assert check.num_checked == sum(p.size for p in nf.tree.leaves(params)) + x.size
    assert check.max_rel_error < 1e-5, check


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_through_forward_and_grads(name: str, dtype: Any) -> None:
    net = _net_around(LAYERS[name])
    params = nf.init(net, nf.random.key(2), dtype=dtype)
    x, y = _data(np.float64)
    assert nf.forward(net, params, x).dtype == dtype
    for leaf in nf.tree.leaves(nf.grads(net, params, x, y, nf.losses.mse)):
        assert leaf.dtype == dtype
        assert not leaf.flags.writeable


@pytest.mark.parametrize("name", LAYERS)
def test_apply_and_backward_change_none_of_their_arguments(name: str) -> None:
    layer = LAYERS[name]
    params = layer.init_params(nf.random.key(3), np.dtype(np.float64))
    x = nf.random.normal(nf.random.key(4), (6, 4), np.float64)
    dy = nf.random.normal(nf.random.key(5), (6, 4), np.float64)
    before = copy.deepcopy((params, x, dy))
    y, cache, _ = layer.apply(params, None, x)
    cache_before = copy.deepcopy(cache)
    layer.backward(params, cache, dy)
    assert nf.tree.equal((params, x, dy), before)
    assert nf.tree.equal(cache, cache_before)
    assert y.shape == (6, 4)


@pytest.mark.parametrize("name", LAYERS)
def test_layer_specs_are_frozen_hashable_values(name: str) -> None:
    layer = LAYERS[name]
    assert hash(layer) == hash(copy.deepcopy(layer))
    assert layer == copy.deepcopy(layer)
    assert not any(isinstance(leaf, np.ndarray) for leaf in nf.tree.leaves(layer))


@pytest.mark.parametrize("name", LAYERS)
def test_init_is_a_function_of_the_key(name: str) -> None:
    net = _net_around(LAYERS[name])
    a = nf.init(net, nf.random.key(9))
    assert nf.tree.equal(a, nf.init(net, nf.random.key(9)))
    assert not nf.tree.equal(a, nf.init(net, nf.random.key(10)))


@pytest.mark.parametrize(
    ("layer", "x", "expected"),
    [
        (nf.Sigmoid(), [[0.0, np.log(3.0), -np.log(3.0)]], [[0.5, 0.75, 0.25]]),
        (nf.Tanh(), [[0.0, np.log(2.0)]], [[0.0, 0.6]]),
        (nf.ReLU(), [[-2.0, 0.0, 3.0]], [[0.0, 0.0, 3.0]]),
        (nf.LeakyReLU(0.1), [[-2.0, 0.0, 3.0]], [[-0.2, 0.0, 3.0]]),
        (nf.Softmax(), [[0.0, np.log(2.0), np.log(3.0)]], [[1 / 6, 2 / 6, 3 / 6]]),
        (nf.Identity(), [[-1.5, 2.5]], [[-1.5, 2.5]]),
    ],
)
def test_activations_match_hand_computed_values(layer: Any, x: Any, expected: Any) -> None:
    y, _, _ = layer.apply(None, None, np.array(x))
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("layer", [nf.Sigmoid(), nf.Tanh(), nf.Softmax(), nf.LeakyReLU()])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_are_stable_at_plus_minus_1000(layer: Any, dtype: Any) -> None:
    x = np.array([[-1000.0, 0.0, 1000.0]], dtype)
    y, cache, _ = layer.apply(None, None, x)
    dx = layer.backward(None, cache, np.ones_like(x))[1]
    assert np.isfinite(y).all() and np.isfinite(dx).all()
    if isinstance(layer, nf.Sigmoid):
        np.testing.assert_array_equal(y, [[0.0, 0.5, 1.0]])
    if isinstance(layer, nf.Softmax):
        np.testing.assert_array_equal(y, [[0.0, 0.0, 1.0]])


def test_dense_forward_is_x_at_w_plus_b() -> None:
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b = np.array([0.5, -0.5, 1.0])
    y, _, _ = nf.Dense(2, 3).apply(nf.DenseParams(w, b), None, np.array([[1.0, 1.0], [2.0, 0.0]]))
    np.testing.assert_array_equal(y, [[5.5, 6.5, 10.0], [2.5, 3.5, 7.0]])


def test_dense_initializers_have_the_documented_spread() -> None:
    k = nf.random.key(0)
    glorot = nf.init(nf.Dense(300, 200), k, np.float64).w
    assert abs(glorot.max()) <= np.sqrt(6 / 500) and glorot.std() == pytest.approx(
        np.sqrt(2 / 500), rel=0.02
    )
    he = nf.init(nf.Dense(300, 200, init="he_normal"), k, np.float64).w
    assert he.std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)
    lecun = nf.init(nf.Dense(300, 200, init=nf.initializers.lecun_normal), k, np.float64).w
    assert lecun.std() == pytest.approx(np.sqrt(1 / 300), rel=0.02)
    assert nf.init(nf.Dense(300, 200, init=nf.initializers.Normal(0.5)), k).w.std() == (
        pytest.approx(0.5, rel=0.02)
    )
    assert not nf.init(nf.Dense(3, 2), k).b.any()


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: nf.Dense(0, 3), ValueError, "in_features must be an int >= 1, given 0"),
        (lambda: nf.Dense(2, 3, init="bogus"), ValueError, "unknown initializer 'bogus'"),
        (
            lambda: nf.LeakyReLU(1.5),
            ValueError,
            r"LeakyReLU.alpha must be a finite number >= 0 and < 1, given 1.5",
        ),
        (lambda: nf.Sequential(), ValueError, "at least one layer"),
        (
            lambda: nf.Sequential(nf.Dense(2, 2), "relu"),  # type: ignore[arg-type]
            TypeError,
            "Sequential: layer 1 must have init_params and init_state and apply and backward",
        ),
        (lambda: nf.mlp([3]), ValueError, "at least 2 sizes"),
    ],
)
def test_bad_specs_are_refused(make: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make()


@given(
    batch=st.integers(1, 9),
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    activation=st.sampled_from(sorted(nf.layers.activations.BY_NAME)),
    scale=st.floats(1e-3, 1e3),
)
def test_property_any_mlp_maps_shapes_and_stays_finite(
    batch: int, sizes: list[int], activation: str, scale: float
) -> None:
    net = nf.mlp(sizes, activation=activation)
    params = nf.init(net, nf.random.key(batch))
    x = nf.random.normal(nf.random.key(len(sizes)), (batch, sizes[0])) * np.float32(scale)
    y = nf.forward(net, params, x)
    assert y.shape == (batch, sizes[-1]) and y.dtype == np.float32
    assert np.isfinite(y).all()
    g = nf.grads(net, params, x, np.zeros_like(y), nf.losses.mse)
    assert nf.tree.structure(g) == nf.tree.structure(params)
