"""Pytrees: flatten/unflatten round trips, map over several trees, static fields, arithmetic."""

from __future__ import annotations

from typing import Any, NamedTuple

import attrs
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnfunc as nf


@nf.pytree
class Scaled:
    """A user pytree: one leaf and one static field."""

    value: npt.NDArray[np.float64]
    name: str = nf.static_field(default="s")


class Pair(NamedTuple):
    left: Any
    right: Any


def _sample_tree() -> Any:
    return {
        "dense": nf.DenseParams(np.ones((2, 3)), np.zeros(3)),
        "list": [np.arange(3.0), None, (np.float64(2.0), 4)],
        "pair": Pair(np.eye(2), Scaled(np.full(2, 5.0), name="five")),
        "key": nf.random.key(1),
    }


def test_leaves_and_paths_follow_flatten_order() -> None:
    paths = [path for path, _ in nf.tree.leaves_with_path(_sample_tree(), "t")]
    assert paths == [
        "t['dense'].w",
        "t['dense'].b",
        "t['key']",
        "t['list'][0]",
        "t['list'][2][0]",
        "t['list'][2][1]",
        "t['pair'][0]",
        "t['pair'][1].value",
    ]


def test_flatten_unflatten_round_trip_keeps_types_and_static_fields() -> None:
    tree = _sample_tree()
    leaves, treedef = nf.tree.flatten(tree)
    assert treedef.num_leaves == len(leaves) == 8
    rebuilt = nf.tree.unflatten(treedef, leaves)
    assert nf.tree.structure(rebuilt) == treedef
    assert isinstance(rebuilt["pair"], Pair)
    assert rebuilt["pair"].right.name == "five"
    assert rebuilt["key"] == nf.random.key(1)
    assert nf.tree.equal(rebuilt, tree)
    assert not nf.tree.equal(rebuilt, {**tree, "key": nf.random.key(2)})


def test_static_fields_are_not_leaves_and_differ_in_structure() -> None:
    assert nf.tree.leaves(Scaled(np.ones(1), name="a"))[0].shape == (1,)
    assert len(nf.tree.leaves(Scaled(np.ones(1)))) == 1
    assert nf.tree.structure(Scaled(np.ones(1), "a")) != nf.tree.structure(Scaled(np.ones(1), "b"))


def test_map_applies_function_first_over_several_trees() -> None:
    a = (nf.DenseParams(np.ones((2, 2)), np.ones(2)), None)
    b = (nf.DenseParams(np.full((2, 2), 2.0), np.full(2, 3.0)), None)
    total = nf.tree.map(lambda x, y: x + 10 * y, a, b)
    np.testing.assert_array_equal(total[0].w, np.full((2, 2), 21.0))
    np.testing.assert_array_equal(total[0].b, np.full(2, 31.0))
    assert total[1] is None


def test_structure_mismatch_names_where_the_trees_differ() -> None:
    a = (nf.DenseParams(np.ones((2, 2)), np.ones(2)), None, {"x": np.ones(1)})
    with pytest.raises(ValueError, match=r"differ at \[1\]: expected None, given leaf ndarray"):
        nf.tree.map(lambda x, y: x, a, (a[0], np.ones(1), a[2]))
    with pytest.raises(ValueError, match=r"differ at \[2\]: expected dict with keys \['x'\]"):
        nf.tree.map(lambda x, y: x, a, (a[0], None, {"y": np.ones(1)}))
    with pytest.raises(ValueError, match=r"differ at the root: expected tuple of length 3"):
        nf.tree.map(lambda x, y: x, a, a[:2])


def test_unflatten_refuses_the_wrong_number_of_leaves() -> None:
    _, treedef = nf.tree.flatten((np.ones(1), np.ones(2)))
    with pytest.raises(ValueError, match=r"needs 2 leaves .* given 3"):
        nf.tree.unflatten(treedef, [np.ones(1)] * 3)


def test_arithmetic_matches_numpy_and_returns_read_only_arrays() -> None:
    a = {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([1.0, -1.0])}
    b = {"w": np.array([[0.5, 0.5], [1.0, 2.0]]), "b": np.array([2.0, 2.0])}
    added, subbed, scaled = nf.tree.add(a, b), nf.tree.sub(a, b), nf.tree.scale(3.0, a)
    np.testing.assert_array_equal(added["w"], [[1.5, 2.5], [4.0, 6.0]])
    np.testing.assert_array_equal(subbed["b"], [-1.0, -3.0])
    np.testing.assert_array_equal(scaled["w"], [[3.0, 6.0], [9.0, 12.0]])
    assert nf.tree.vdot(a, b) == 0.5 + 1.0 + 3.0 + 8.0 + 2.0 - 2.0
    assert nf.tree.global_norm(a) == pytest.approx(np.sqrt(1 + 4 + 9 + 16 + 1 + 1))
    zeros = nf.tree.zeros_like(a)
    assert zeros["w"].shape == (2, 2) and not zeros["w"].any()
    for leaf in nf.tree.leaves((added, subbed, scaled, zeros)):
        assert not leaf.flags.writeable
    assert nf.tree.scale(0.5, {"x": np.ones(2, np.float32)})["x"].dtype == np.float32


def test_attrs_classes_with_init_false_fields_are_refused() -> None:
    @attrs.frozen
    class Derived:
        a: int
        b: int = attrs.field(init=False, default=0)

    with pytest.raises(TypeError, match="init=False"):
        nf.tree.leaves(Derived(1))


arrays = st.integers(1, 4).flatmap(
    lambda n: st.lists(st.floats(-1e6, 1e6), min_size=n, max_size=n).map(np.array)
)
trees: st.SearchStrategy[Any] = st.recursive(
    arrays | st.none(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(st.text("abc", min_size=1, max_size=2), children, max_size=3)
    ),
    max_leaves=10,
)


@given(trees)
def test_property_flatten_then_unflatten_is_identity(tree: Any) -> None:
    leaves, treedef = nf.tree.flatten(tree)
    assert nf.tree.equal(nf.tree.unflatten(treedef, leaves), tree)
    assert len(leaves) == treedef.num_leaves


@given(trees)
def test_property_map_identity_and_sub_self_is_zero(tree: Any) -> None:
    assert nf.tree.equal(nf.tree.map(lambda x: x, tree), tree)
    assert nf.tree.global_norm(nf.tree.sub(tree, tree)) == 0.0
    assert nf.tree.vdot(tree, tree) == pytest.approx(nf.tree.global_norm(tree) ** 2)


# One pairing rule: leaves pair up only with equal shapes, else the path is named.

PAIRED_CALLS: list[tuple[str, Any]] = [
    ("tree.add", lambda a, b: nf.tree.add(a, b)),
    ("tree.sub", lambda a, b: nf.tree.sub(a, b)),
    ("tree.vdot", lambda a, b: nf.tree.vdot(a, b)),
    ("descend", lambda a, b: nf.sgd_step(a, b, 0.1)),
    ("apply_updates", lambda a, b: nf.optim.apply_updates(a, b)),
]


@pytest.mark.parametrize(("owner", "call"), PAIRED_CALLS)
@pytest.mark.parametrize(
    ("given", "shape"),
    [(np.ones((2, 4)), r"\(2, 4\)"), (np.float64(1.0), r"\(\)"), (np.ones((1, 4)), r"\(1, 4\)")],
)
def test_leaves_of_other_shapes_are_never_broadcast(
    owner: str, call: Any, given: Any, shape: str
) -> None:
    params = (nf.DenseParams(np.ones((3, 4)), np.zeros(4)), None)
    other = (nf.DenseParams(np.ones((3, 4)), given), None)
    with pytest.raises(ValueError, match=rf"{owner}: .*\[0\]\.b has shape .*{shape}.*\(4,\)"):
        call(params, other)


def test_sgd_step_refuses_a_gradient_of_another_shape_or_a_scalar_one() -> None:
    params = {"w": np.ones(4)}
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape \(2, 4\) but params\['w'\]"):
        nf.sgd_step(params, {"w": np.ones((2, 4))}, 0.1)
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape \(\) but params\['w'\]"):
        nf.sgd_step(params, {"w": 0.5}, 0.1)


def test_map_many_makes_several_trees_in_one_walk_read_only() -> None:
    a: Any = {"x": np.array([1.0, 2.0]), "y": (np.array([[3.0]]), None)}
    b = nf.tree.map(lambda v: v * 10.0, a)
    total, product = nf.tree.map_many(lambda u, v: (u + v, u * v), 2, a, b, names=("a", "b"))
    np.testing.assert_array_equal(total["x"], [11.0, 22.0])
    np.testing.assert_array_equal(product["y"][0], [[90.0]])
    assert product["y"][1] is None
    assert not any(leaf.flags.writeable for leaf in nf.tree.leaves((total, product)))
    with pytest.raises(ValueError, match=r"in owner, mapping over a, b"):
        nf.tree.map_many(lambda u, v: (u,), 1, a, {"x": a["x"]}, names=("a", "b"), owner="owner")


@attrs.frozen
class Mixed:
    """A plain attrs class of the user's, without converters: its leaves can be anything."""

    weight: Any
    bias: Any
    label: str = nf.static_field(default="m")


def test_map_builds_trees_of_any_leaves() -> None:
    params: Any = (Mixed(np.ones((2, 3)), np.zeros(3)), None, {"scale": np.ones(1)})
    flags = nf.tree.map(lambda a: a.ndim > 1, params)
    assert flags == (Mixed(True, False), None, {"scale": False})
    shapes = nf.tree.map(lambda a: a.shape, params)
    assert shapes[0].weight == (2, 3) and shapes[2]["scale"] == (1,)
    assert nf.tree.map(lambda flag, a: a if flag else None, flags, params)[0].bias is None


@nf.pytree
class Declared:
    """Params whose fields declare whether weight decay applies to them."""

    kernel: Any = nf.tree.param_field(decay=False)
    gain: Any = nf.tree.param_field(decay=True)
    other: Any = None


def test_param_field_declares_decay_in_the_metadata() -> None:
    declared_class: Any = Declared
    fields = attrs.fields(declared_class)
    assert fields.kernel.metadata["nnfunc_decay"] is False
    assert fields.gain.metadata["nnfunc_decay"] is True
    assert "nnfunc_decay" not in fields.other.metadata
    tree = Declared(np.ones((2, 2)), np.ones(2), {"inner": np.ones(3), "m": np.ones((3, 3))})
    flags = nf.tree.declared(tree, "nnfunc_decay", lambda leaf: leaf.ndim >= 2)
    assert flags == Declared(False, True, {"inner": False, "m": True})
