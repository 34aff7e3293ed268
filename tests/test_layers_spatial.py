"""The layer battery of test_layers.py for the layers on images (batch, height, width, channels):
finite differences in float64, dtype kept, purity, frozen hashable specs, init from the key.

Each case gives the shape of one example in and out, so the battery can wrap the layer
in a net and check the shapes it promises. Adding a case adds it to every test.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import attrs
import numpy as np
import pytest

import nnfunc as nf
from nnfunc.layers.conv import Conv2D
from nnfunc.layers.pooling import AvgPool2D, MaxPool2D
from nnfunc.layers.reshape import Flatten, Reshape


@attrs.frozen
class Case:
    """A layer, and the shape of one example it takes and the one it gives."""

    layer: Any
    example_in: tuple[int, ...]
    example_out: tuple[int, ...]


SPATIAL: dict[str, Case] = {
    "conv_valid": Case(Conv2D(3, 4, 3), (5, 5, 3), (3, 3, 4)),
    "conv_same_stride": Case(Conv2D(3, 2, (2, 3), stride=2, padding="same"), (5, 6, 3), (3, 3, 2)),
    "conv_he": Case(Conv2D(3, 4, 3, padding="same", init="he_normal"), (4, 4, 3), (4, 4, 4)),
    "max_pool": Case(MaxPool2D(2), (4, 5, 3), (2, 2, 3)),
    "max_pool_same": Case(MaxPool2D(3, stride=1, padding="same"), (4, 5, 3), (4, 5, 3)),
    "avg_pool": Case(AvgPool2D(2), (4, 4, 3), (2, 2, 3)),
    "avg_pool_same": Case(AvgPool2D((2, 3), stride=2, padding="same"), (5, 5, 3), (3, 3, 3)),
    "flatten": Case(Flatten(), (4, 4, 3), (48,)),
    "reshape": Case(Reshape((-1, 6)), (4, 3, 3), (6, 6)),
    "sequential_cnn": Case(
        nf.Sequential(Conv2D(3, 4, 3, padding="same"), nf.Tanh(), MaxPool2D(2), Flatten()),
        (4, 4, 3),
        (16,),
    ),
}


def _net_around(case: Case) -> nf.Sequential:
    """A conv before the layer (so its input gradient is checked) and a Dense after it."""
    *_, channels = case.example_in
    return nf.Sequential(
        Conv2D(2, channels, 2, padding="same"),
        case.layer,
        Flatten(),
        nf.Dense(math.prod(case.example_out), 2),
    )


def _data(case: Case, dtype: Any = np.float64) -> tuple[np.ndarray[Any, Any], ...]:
    k_x, k_y = nf.random.split(nf.random.key(42))
    x = nf.random.normal(k_x, (2, *case.example_in[:-1], 2), dtype)
    return x, nf.random.normal(k_y, (2, 2), dtype)


@pytest.mark.parametrize("name", SPATIAL)
def test_finite_differences_match_backprop_in_float64(name: str) -> None:
    net = _net_around(SPATIAL[name])
    params = nf.init(net, nf.random.key(1), dtype=np.float64)
    x, y = _data(SPATIAL[name])
    check = nf.check_grads(net, params, x, y, nf.losses.mse)
    assert check.num_checked == sum(p.size for p in nf.tree.leaves(params)) + x.size
    assert check.max_rel_error < 1e-5, check


@pytest.mark.parametrize("name", SPATIAL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_through_forward_and_grads(name: str, dtype: Any) -> None:
    net = _net_around(SPATIAL[name])
    params = nf.init(net, nf.random.key(2), dtype=dtype)
    x, y = _data(SPATIAL[name])
    assert nf.forward(net, params, x).dtype == dtype
    for leaf in nf.tree.leaves(nf.grads(net, params, x, y, nf.losses.mse)):
        assert leaf.dtype == dtype
        assert not leaf.flags.writeable


@pytest.mark.parametrize("name", SPATIAL)
def test_apply_and_backward_change_none_of_their_arguments(name: str) -> None:
    case = SPATIAL[name]
    params = case.layer.init_params(nf.random.key(3), np.dtype(np.float64))
    x = nf.random.normal(nf.random.key(4), (6, *case.example_in), np.float64)
    dy = nf.random.normal(nf.random.key(5), (6, *case.example_out), np.float64)
    before = copy.deepcopy((params, x, dy))
    y, cache, _ = case.layer.apply(params, None, x)
    cache_before = copy.deepcopy(cache)
    _, dx = case.layer.backward(params, cache, dy)
    assert nf.tree.equal((params, x, dy), before)
    assert nf.tree.equal(cache, cache_before)
    assert y.shape == (6, *case.example_out)
    assert dx.shape == x.shape


@pytest.mark.parametrize("name", SPATIAL)
def test_layer_specs_are_frozen_hashable_values(name: str) -> None:
    layer = SPATIAL[name].layer
    assert hash(layer) == hash(copy.deepcopy(layer))
    assert layer == copy.deepcopy(layer)
    assert not any(isinstance(leaf, np.ndarray) for leaf in nf.tree.leaves(layer))


@pytest.mark.parametrize("name", SPATIAL)
def test_init_is_a_function_of_the_key(name: str) -> None:
    net = _net_around(SPATIAL[name])
    a = nf.init(net, nf.random.key(9))
    assert nf.tree.equal(a, nf.init(net, nf.random.key(9)))
    assert not nf.tree.equal(a, nf.init(net, nf.random.key(10)))
