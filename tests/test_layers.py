"""One battery for every layer: finite differences in float64 in both modes, dtype kept,
purity (no argument written, scratch arrays only where the walk allows), frozen hashable
specs, init from the key, bad shapes, and a coverage test over the public layers.

Each case gives a layer and the shape of one example in and out; the battery wraps the
layer in a net with a layer before it (so its input gradient is checked) and a Dense
after it. Adding a case adds it to every test.
"""

from __future__ import annotations

import copy
import inspect
import math
import re
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc import _buffers
from nnfunc.layers import Context

F = npt.NDArray[Any]


@attrs.frozen
class Case:
    """A layer, and the shape of one example it takes and the one it gives."""

    layer: Any
    example_in: tuple[int, ...]
    example_out: tuple[int, ...]
    refused: tuple[tuple[int, ...], ...] = ()
    """Shapes of an example the layer must refuse (none for shape-agnostic layers)."""


FLAT = (4,)
IMAGE = (4, 4, 3)

LAYERS: dict[str, Case] = {
    "dense": Case(nf.Dense(4, 5), FLAT, (5,), ((5,), (4, 2))),
    "dense_he": Case(nf.Dense(4, 4, init="he_normal"), FLAT, FLAT, ((3,),)),
    "sigmoid": Case(nf.Sigmoid(), FLAT, FLAT),
    "tanh": Case(nf.Tanh(), FLAT, FLAT),
    "relu": Case(nf.ReLU(), FLAT, FLAT),
    "leaky_relu": Case(nf.LeakyReLU(0.1), FLAT, FLAT),
    "softmax": Case(nf.Softmax(), FLAT, FLAT),
    "identity": Case(nf.Identity(), FLAT, FLAT),
    "dropout": Case(nf.Dropout(0.4), FLAT, FLAT),
    "batchnorm": Case(nf.BatchNorm(4), FLAT, FLAT, ((5,), (3,))),
    "batchnorm_images": Case(nf.BatchNorm(3, momentum=0.3), IMAGE, IMAGE, ((4, 4, 2),)),
    "layernorm": Case(nf.LayerNorm(4), FLAT, FLAT, ((3,),)),
    "conv_valid": Case(nf.Conv2D(3, 4, 3), (5, 5, 3), (3, 3, 4), ((5, 5, 2), (2, 5, 3), (75,))),
    "conv_same_stride": Case(
        nf.Conv2D(3, 2, (2, 3), stride=2, padding="same"), (5, 6, 3), (3, 3, 2)
    ),
    "conv_he": Case(nf.Conv2D(3, 4, 3, padding="same", init="he_normal"), IMAGE, (4, 4, 4)),
    "max_pool": Case(nf.MaxPool2D(2), (4, 5, 3), (2, 2, 3), ((1, 5, 3), (60,))),
    "max_pool_same": Case(nf.MaxPool2D(3, stride=1, padding="same"), (4, 5, 3), (4, 5, 3)),
    "avg_pool": Case(nf.AvgPool2D(2), IMAGE, (2, 2, 3), ((4, 1, 3), (48,))),
    "avg_pool_same": Case(nf.AvgPool2D((2, 3), stride=2, padding="same"), (5, 5, 3), (3, 3, 3)),
    "flatten": Case(nf.Flatten(), IMAGE, (48,)),
    "reshape": Case(nf.Reshape((-1, 6)), (4, 3, 3), (6, 6), ((5,),)),
    "sequential": Case(nf.Sequential(nf.Dense(4, 3), nf.Tanh(), nf.Dense(3, 4)), FLAT, FLAT),
    "sequential_training": Case(
        nf.Sequential(nf.Dense(4, 6), nf.BatchNorm(6), nf.ReLU(), nf.Dropout(0.25)), FLAT, (6,)
    ),
    "sequential_cnn": Case(
        nf.Sequential(nf.Conv2D(3, 4, 3, padding="same"), nf.Tanh(), nf.MaxPool2D(2), nf.Flatten()),
        IMAGE,
        (16,),
    ),
}

NOT_REGISTERED: dict[str, str] = {
    "Layer": "the protocol itself, not a layer",
    "Stateless": "a base class without apply: its subclasses are registered",
    "Activation": "a base class without forward: its subclasses are registered",
}
"""Public names of nf.layers that look like layers but need no case, and why."""


def _before(case: Case) -> Any:
    """A layer before the one tested, with params, so its input gradient is checked."""
    if len(case.example_in) == 1:
        return nf.Dense(3, case.example_in[0])
    return nf.Conv2D(2, case.example_in[-1], 2, padding="same")


def _net_around(case: Case) -> nf.Sequential:
    after = [nf.Flatten()] if len(case.example_out) > 1 else []
    return nf.Sequential(
        _before(case), case.layer, *after, nf.Dense(math.prod(case.example_out), 2)
    )


def _data(case: Case, dtype: Any = np.float64, batch: int = 3) -> tuple[F, F]:
    k_x, k_y = nf.random.split(nf.random.key(42))
    first = (3,) if len(case.example_in) == 1 else (*case.example_in[:-1], 2)
    return nf.random.normal(k_x, (batch, *first), dtype), nf.random.normal(k_y, (batch, 2), dtype)


MODES = ("inference", "training")


def _mode(case: Case, net: nf.Sequential, mode: str, dtype: Any) -> dict[str, Any]:
    """The keyword arguments of a pass in `mode`: the net's state, a key in training."""
    state = (
        nf.tree.astype(nf.init_state(net), dtype) if nf.tree.leaves(nf.init_state(net)) else None
    )
    if mode == "inference":
        return {"state": state}
    return {"state": state, "key": nf.random.key(7), "training": True}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", LAYERS)
def test_finite_differences_match_backprop_in_float64(name: str, mode: str) -> None:
    case = LAYERS[name]
    net = _net_around(case)
    params = nf.init(net, nf.random.key(1), dtype=np.float64)
    x, y = _data(case)
    kwargs = _mode(case, net, mode, np.float64)
    check = nf.check_grads(net, params, x, y, nf.losses.mse, **kwargs)
    assert check.num_checked == sum(p.size for p in nf.tree.leaves(params)) + x.size
    assert check.max_rel_error < 1e-5, check


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", LAYERS)
def test_dtype_is_kept_through_forward_grads_and_state(name: str, dtype: Any, mode: str) -> None:
    case = LAYERS[name]
    net = _net_around(case)
    params = nf.init(net, nf.random.key(2), dtype=dtype)
    x, y = _data(case)
    kwargs = _mode(case, net, mode, dtype)
    output, state = nf.apply(net, params, x, **kwargs)
    assert output.dtype == dtype
    found = nf.backprop(net, params, x, y, nf.losses.mse, input_grad=True, **kwargs)
    for leaf in [
        *nf.tree.leaves(found.grads),
        *nf.tree.leaves(found.state),
        *nf.tree.leaves(state),
    ]:
        assert leaf.dtype == dtype
        assert not leaf.flags.writeable
    assert found.input_grad is not None and found.input_grad.dtype == dtype


def _layer_arrays(case: Case, seed: int = 3) -> tuple[Any, Any, F, F]:
    layer = case.layer
    params = layer.init_params(nf.random.key(seed), np.dtype(np.float64))
    state = layer.init_state(np.dtype(np.float64))
    x = nf.random.normal(nf.random.key(4), (6, *case.example_in), np.float64)
    dy = nf.random.normal(nf.random.key(5), (6, *case.example_out), np.float64)
    return params, state, x, dy


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("name", LAYERS)
def test_apply_and_backward_change_none_of_their_arguments(name: str, training: bool) -> None:
    case = LAYERS[name]
    params, state, x, dy = _layer_arrays(case)
    before = copy.deepcopy((params, state, x, dy))
    ctx = Context(training=training, key=nf.random.key(6))
    y, cache, new_state = case.layer.apply(params, state, x, ctx)
    cache_before = copy.deepcopy(cache)
    grads, dx = case.layer.backward(params, cache, dy, ctx)
    assert nf.tree.equal((params, state, x, dy), before)
    assert nf.tree.equal(cache, cache_before)
    assert y.shape == (6, *case.example_out) and dx is not None and dx.shape == x.shape
    assert nf.tree.structure(grads) == nf.tree.structure(params)
    assert nf.tree.structure(new_state) == nf.tree.structure(state)


@pytest.mark.parametrize("name", LAYERS)
def test_scratch_arrays_give_the_same_bits_and_are_written_only_where_declared(name: str) -> None:
    """With ctx.overwrite, a layer may compute in x (apply) or dy (backward): the results
    equal those of a pass without it, bit for bit; a layer declaring "new" outputs never
    hands on an array it keeps."""
    case = LAYERS[name]
    params, state, x, dy = _layer_arrays(case)
    ctx = Context(training=True, key=nf.random.key(6))
    y, cache, _ = case.layer.apply(params, state, x, ctx)
    grads, dx = case.layer.backward(params, cache, dy, ctx)
    x2, dy2 = x.copy(), dy.copy()
    y2, cache2, _ = case.layer.apply(params, state, x2, ctx.with_flags(True))
    assert y2.tobytes() == y.tobytes()
    grads2, dx2 = case.layer.backward(params, cache2, dy2, ctx.with_flags(True))
    assert nf.tree.equal(grads2, grads) and dx2 is not None and dx is not None
    assert dx2.tobytes() == dx.tobytes()
    if case.layer.traits.output == "new":
        assert not np.shares_memory(y, x) and y.flags.writeable
        assert not any(np.shares_memory(y, leaf) for leaf in _arrays(cache))
    if case.layer.traits.input_grad == "new":
        assert not np.shares_memory(dx, dy)


@pytest.mark.parametrize("name", LAYERS)
def test_results_in_a_scans_buffers_give_the_bits_of_fresh_arrays(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A layer writing its results into `ctx.out` (a scan's buffers; every size here) gives
    the bits of fresh arrays, pass after pass, as the buffers come back."""
    monkeypatch.setattr(_buffers, "SMALL", 0)
    case = LAYERS[name]
    params, state, x, dy = _layer_arrays(case)
    key = nf.random.key(6)
    y, cache, _ = case.layer.apply(params, state, x, Context(training=True, key=key))
    expected = (y, *case.layer.backward(params, cache, dy, Context(training=True, key=key)))
    buffers, made = _buffers.Buffers(), []
    for _ in range(4):
        ctx = Context(training=True, key=key, buffers=buffers)
        y, cache, _ = case.layer.apply(params, state, x, ctx)
        assert nf.tree.equal((y, *case.layer.backward(params, cache, dy, ctx)), expected)
        made.append(buffers.made)
    # a pass runs while the one before still holds its output: no array made after two
    assert made[1] == made[2] == made[3] >= made[0]


def _arrays(tree: object) -> list[F]:
    """Every array inside a cache, attrs records and tuples included."""
    found: list[F] = []
    for leaf in nf.tree.leaves(tree):
        if isinstance(leaf, np.ndarray):
            found.append(leaf)
        elif attrs.has(type(leaf)):
            found.extend(_arrays(attrs.astuple(leaf, recurse=False)))
    return found


@pytest.mark.parametrize("name", LAYERS)
def test_layer_specs_are_frozen_hashable_values(name: str) -> None:
    layer = LAYERS[name].layer
    assert hash(layer) == hash(copy.deepcopy(layer))
    assert layer == copy.deepcopy(layer)
    assert not any(isinstance(leaf, np.ndarray) for leaf in nf.tree.leaves(layer))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        layer.traits = nf.layers.Traits()


@pytest.mark.parametrize("name", LAYERS)
def test_init_is_a_function_of_the_key(name: str) -> None:
    net = _net_around(LAYERS[name])
    a = nf.init(net, nf.random.key(9))
    assert nf.tree.equal(a, nf.init(net, nf.random.key(9)))
    assert not nf.tree.equal(a, nf.init(net, nf.random.key(10)))


@pytest.mark.parametrize("name", LAYERS)
def test_bad_shapes_are_refused_naming_the_layer(name: str) -> None:
    case = LAYERS[name]
    net = nf.Sequential(nf.Identity(), case.layer)
    params = nf.init(net, nf.random.key(0), np.float64)
    state = nf.init_state(net, np.float64)
    for example in case.refused:
        with pytest.raises(nf.InputError, match=r"^layer \[1\]"):
            nf.forward(net, params, np.zeros((6, *example)), state=state)
    leaves = nf.tree.leaves_with_path(params)
    if leaves:
        path, leaf = leaves[0]
        bad = nf.tree.map(lambda a: np.zeros((*a.shape, 2)) if a is leaf else a, params)
        with pytest.raises(nf.ParamsError, match="^params" + re.escape(path)):
            nf.forward(net, bad, np.zeros((6, *case.example_in)), state=state)


def test_every_public_layer_is_in_the_battery_or_excused() -> None:
    registered = {type(case.layer) for case in LAYERS.values()}
    for case in LAYERS.values():
        if isinstance(case.layer, nf.Sequential):
            registered |= {type(layer) for layer in case.layer.layers}
    for name in nf.layers.__all__:
        value = getattr(nf.layers, name)
        if not inspect.isclass(value) or (not hasattr(value, "backward") and name != "Layer"):
            continue
        if name in NOT_REGISTERED:
            continue
        assert value in registered, f"nf.layers.{name} is neither in LAYERS nor in NOT_REGISTERED"


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


@attrs.frozen(repr=False)
class Swish(nf.layers.Activation):
    """A user's activation: y = x sigmoid(x); it keeps x, so it computes out of place."""

    def forward(self, x: F, out: F | None) -> tuple[F, F]:
        y = nf.layers.sigmoid(x)
        y *= x
        return y, x

    def gradient(self, cache: F, dy: F, out: F | None) -> F:
        s = nf.layers.sigmoid(cache)
        slope = s * (1.0 + cache * (1.0 - s))
        dx: F = np.multiply(dy, slope, out=out)
        return dx


@attrs.frozen(repr=False)
class Square(nf.layers.Activation):
    """A user's activation that records whether the walk let it compute in place."""

    seen: list[bool] = attrs.field(factory=list, eq=False, hash=False)

    def forward(self, x: F, out: F | None) -> tuple[F, F]:
        self.seen.append(out is x)
        return np.multiply(x, 1.0, out=out), x.copy()

    def gradient(self, cache: F, dy: F, out: F | None) -> F:
        return np.multiply(dy, 2.0 * cache, out=out)


def test_a_users_activation_joins_the_battery_by_subclassing_activation() -> None:
    case = Case(Swish(), FLAT, FLAT)
    net = _net_around(case)
    params = nf.init(net, nf.random.key(1), np.float64)
    x, y = _data(case)
    assert nf.check_grads(net, params, x, y, nf.losses.mse).max_rel_error < 1e-6


def test_activations_compute_in_place_on_the_arrays_the_walk_owns_only() -> None:
    user = Square()
    net = nf.Sequential(
        nf.Dense(3, 4), user, nf.Sequential(user, nf.Dense(4, 4), user), nf.Flatten(), user
    )
    params = nf.init(net, nf.random.key(0), np.float64)
    x = nf.random.normal(nf.random.key(1), (5, 3), np.float64)
    kept = x.copy()
    nf.forward(net, params, x)
    # after a Dense: in place; after an activation (which keeps its output): not; through
    # a nested Sequential and a Flatten (a view) the same rules hold
    assert user.seen == [True, False, True, False]
    np.testing.assert_array_equal(x, kept)
    user.seen.clear()
    nf.forward(nf.Sequential(user), (None,), x)  # the caller's x: never written
    assert user.seen == [False]


def test_nested_and_flat_nets_give_the_same_bits() -> None:
    flat = nf.mlp([3, 6, 5, 2], activation="tanh")
    nested = nf.Sequential(nf.Sequential(*flat.layers[:2]), nf.Sequential(*flat.layers[2:]))
    params = nf.init(flat, nf.random.key(0))
    nested_params = (params[:2], params[2:])
    x, y = _data(Case(nf.Identity(), FLAT, FLAT), np.float32)
    a = nf.value_and_grads(flat, params, x, y, nf.losses.mse)
    b = nf.value_and_grads(nested, nested_params, x, y, nf.losses.mse)
    assert a[0] == b[0]
    assert nf.tree.equal(a[1], b[1][0] + b[1][1])


def test_a_net_of_views_returns_no_alias_of_the_callers_input() -> None:
    x = np.ones((2, 3, 2))
    for net in (nf.Sequential(nf.Identity()), nf.Sequential(nf.Flatten(), nf.Dropout(0.5))):
        y = nf.forward(net, (None,) * len(net.layers), x)
        assert not np.shares_memory(y, x)
        y[...] = 5.0
        assert (x == 1.0).all()
