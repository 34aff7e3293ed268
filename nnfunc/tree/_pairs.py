"""Trees paired leaf by leaf with equal shapes only: `map_many` and the arithmetic on trees."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc._arrays import LEAF, READONLY, freeze, leaf, readonly
from nnfunc._checks import real
from nnfunc.random import Key
from nnfunc.tree._nodes import (
    _ATTRS,
    _DICT,
    _KINDS,
    _LAYOUTS,
    _LEAF,
    _NONE,
    _TUPLE,
    _attrs_layout,
    _aux,
    _child_list,
    _kind,
    _rebuild,
)
from nnfunc.tree._walks import _Mismatch, _mismatch_path, leaves, leaves_with_path, map, structure

T = TypeVar("T")


# Leafwise maps with several outputs, pairing leaves of equal shapes only.


class _ShapeMismatch(Exception):
    """Raised inside the walk of `map_many` where paired leaves differ in shape."""


def _trusted(cls: type) -> bool:
    """True when making `cls` from fresh read-only arrays already of its leaves' shapes and
    dtypes may skip its __init__: no validator, no __attrs_post_init__, no converter but
    `readonly` or `leaf`, named or not (which keep such arrays as they are)."""
    trusted = _TRUSTED.get(cls)
    if trusted is None:
        trusted = _TRUSTED[cls] = not hasattr(cls, "__attrs_post_init__") and all(
            f.validator is None and f.converter in _KEEPING for f in attrs.fields(cls)
        )
    return trusted


_TRUSTED: dict[type, bool] = {}
_KEEPING = (None, readonly, leaf, READONLY, LEAF)


def _outputs(outputs: Sequence[Any], sinks: list[list[Any]]) -> Any:
    """The first of a leaf's outputs, the later ones appended to `sinks`, all read-only."""
    first = outputs[0]
    first.setflags(write=False)
    for sink, output in zip(sinks, outputs[1:], strict=True):
        output.setflags(write=False)
        sink.append(output)
    return first


def _pair_leaf(f: Callable[..., Any], node: Any, rest: tuple[Any, ...], sinks: list[Any]) -> Any:
    """`_pair` on a leaf that is not an array, or beside one that is not."""
    for other in rest:
        if _kind(other) != _LEAF:
            raise _Mismatch
    node = np.asarray(node)
    rest = tuple(np.asarray(other) for other in rest)
    for other in rest:
        if other.shape != node.shape:
            raise _ShapeMismatch
    return _outputs(f(node, *rest), sinks)


def _pair(f: Callable[..., Any], node: Any, rest: tuple[Any, ...], sinks: list[Any]) -> Any:
    """The walk of `map_many`: the tree of f's first outputs, its later outputs appended to
    `sinks` in flatten order; raises _Mismatch or _ShapeMismatch without a message where
    the trees differ. Lean, as it runs on every training step."""
    cls = type(node)
    if cls is _ARRAY:
        shape = node.shape
        for other in rest:
            if type(other) is not _ARRAY:
                return _pair_leaf(f, node, rest, sinks)
            if other.shape != shape:
                raise _ShapeMismatch
        outputs = f(node, *rest)
        if sinks:
            return _outputs(outputs, sinks)
        first = outputs[0]
        first.setflags(write=False)
        return first
    kind = _KINDS.get(cls)
    if kind is None:
        kind = _kind(node)
    if kind == _LEAF:
        return _pair_leaf(f, node, rest, sinks)
    if kind == _NONE:
        for other in rest:
            if other is not None:
                raise _Mismatch
        return None
    for other in rest:
        if type(other) is not cls:
            raise _Mismatch
    if kind == _ATTRS:
        return _pair_attrs(f, node, rest, sinks)
    if kind == _DICT:
        aux = _aux(node, kind)
        for other in rest:
            if _aux(other, kind) != aux:
                raise _Mismatch
        columns = zip(_child_list(node, kind), *(_child_list(o, kind) for o in rest), strict=True)
    else:
        for other in rest:
            if len(other) != len(node):
                raise _Mismatch
        if len(rest) == 1:  # the common case, two trees: no column tuples to slice
            mapped = [
                _pair(f, child, (other,), sinks) for child, other in zip(node, rest[0], strict=True)
            ]
            return tuple(mapped) if kind == _TUPLE else _rebuild(node, kind, mapped)
        columns = zip(node, *rest, strict=True)
    mapped = [_pair(f, column[0], column[1:], sinks) for column in columns]
    return _rebuild(node, kind, mapped)


def _pair_attrs(f: Callable[..., Any], node: Any, rest: tuple[Any, ...], sinks: list[Any]) -> Any:
    """`_pair` on an attrs node; its class is made without __init__ when `_trusted`."""
    cls = type(node)
    names, static = _LAYOUTS.get(cls) or _attrs_layout(cls)
    if static:
        for other in rest:
            for name in static:
                if getattr(other, name) != getattr(node, name):
                    raise _Mismatch
    trusted = _TRUSTED.get(cls)
    if trusted is None:
        trusted = _trusted(cls)
    made: Any = object.__new__(cls) if trusted else None
    children = []
    single = len(rest) == 1
    for name in names:
        if single:
            child = _pair(f, getattr(node, name), (getattr(rest[0], name),), sinks)
        else:
            child = _pair(f, getattr(node, name), tuple([getattr(o, name) for o in rest]), sinks)
        if trusted:
            object.__setattr__(made, name, child)
        else:
            children.append(child)
    if not trusted:
        return _rebuild(node, _ATTRS, children)
    for name in static:
        object.__setattr__(made, name, getattr(node, name))
    return made


_ARRAY = np.ndarray


def map_many(
    f: Callable[..., Sequence[npt.NDArray[Any]]],
    n_out: int,
    tree: T,
    *rest: T,
    names: Sequence[str] = (),
    owner: object = "map_many",
) -> list[T]:
    """The `n_out` >= 1 trees of f's outputs, leaf by leaf, over `tree` and the trees in
    `rest`, as a list.

    f takes one array per tree, all of one shape, and returns a sequence of `n_out` arrays
    it has just made (nobody else holds them): they are marked read-only and placed in
    trees of `tree`'s structure. Leaves pair up only with equal shapes: arrays are never
    broadcast. Raises ValueError naming `owner`, the path, the expected shape and the
    given one (trees named by `names`, default "tree", "rest[0]", ...), or the path where
    the structures differ.
    """
    sinks: list[list[Any]] = [[] for _ in range(n_out - 1)] if n_out > 1 else []
    try:
        first: T = _pair(f, tree, rest, sinks)
    except (_ShapeMismatch, _Mismatch) as mismatch:
        labels = tuple(names) or ("tree", *(f"rest[{i}]" for i in range(len(rest))))
        if isinstance(mismatch, _ShapeMismatch):
            raise _shape_error(owner, (tree, *rest), labels) from None
        error = _mismatch_path(tree, rest, "", labels)
        assert error is not None
        error.add_note(f"in {owner}, mapping over {', '.join(labels)}")
        raise error from None
    return [first, *(_placed(first, leaves) for leaves in sinks)]


def _placed(like: T, leaves: list[Any]) -> T:
    """A tree of the structure of `like` holding `leaves` in flatten order."""
    supply = iter(leaves)
    return map(lambda _: next(supply), like)


def _shape_error(owner: object, trees: Sequence[object], names: Sequence[str]) -> ValueError:
    """The error for the first leaf whose shape differs between `trees` (structures match
    up to there, as the walk checked them on its way)."""
    columns = [leaves_with_path(t) for t in trees]
    path, first, name, other = next(
        (path, first, name, other)
        for (path, first), *others in zip(*columns, strict=False)
        for name, (_, other) in zip(names[1:], others, strict=True)
        if np.shape(other) != np.shape(first)
    )
    return ValueError(
        f"{owner}: {name}{path} has shape {np.shape(other)} but {names[0]}{path} has shape "
        f"{np.shape(first)}; they must be equal (arrays are never broadcast)"
    )


# Arithmetic on trees of arrays: leaves paired by `map_many`, results fresh read-only arrays.


def add(a: T, b: T) -> T:
    """Leafwise a + b; a ValueError names the path where shapes differ."""
    return map_many(lambda x, y: (np.add(x, y),), 1, a, b, names=("a", "b"), owner="tree.add")[0]


def sub(a: T, b: T) -> T:
    """Leafwise a - b; a ValueError names the path where shapes differ."""
    pair = map_many(lambda x, y: (np.subtract(x, y),), 1, a, b, names=("a", "b"), owner="tree.sub")
    return pair[0]


def scale(factor: float, tree: T) -> T:
    """Every leaf multiplied by the scalar `factor` (a real number, not NaN), keeping its
    dtype."""
    factor = real("factor", factor, finite=False)
    return map_many(lambda x: (np.multiply(x, factor, dtype=x.dtype),), 1, tree)[0]


def zeros_like(tree: T) -> T:
    """A tree of the same structure with zero arrays of the same shapes and dtypes."""
    return map_many(lambda x: (np.zeros_like(x),), 1, tree)[0]


def _fresh(array: Any) -> np.ndarray[Any, Any]:
    return freeze(np.asarray(array))


def astype(tree: T, dtype: np.dtype[Any] | type[np.generic]) -> T:
    """Every array leaf cast to `dtype` (a fresh read-only array each)."""
    return map(lambda x: _fresh(np.array(x, dtype=dtype)), tree)


def vdot(a: object, b: object) -> float:
    """The sum over all leaves of the elementwise products, as a Python float; a ValueError
    names the path where shapes differ."""

    def leaf(x: npt.NDArray[Any], y: npt.NDArray[Any]) -> tuple[npt.NDArray[Any]]:
        return (np.asarray(np.vdot(x, y)),)

    products = map_many(leaf, 1, a, b, names=("a", "b"), owner="tree.vdot")[0]
    return float(builtins.sum((x[()] for x in leaves(products)), 0.0))


def global_norm(tree: object) -> float:
    """sqrt of the sum of squares of every element of every leaf, as a Python float."""
    return float(np.sqrt(builtins.sum((float(np.vdot(x, x)) for x in leaves(tree)), 0.0)))


def _leaf_equal(x: object, y: object) -> bool:
    if isinstance(x, Key) or isinstance(y, Key):
        return x == y
    x_arr, y_arr = np.asarray(x), np.asarray(y)
    return (
        x_arr.dtype == y_arr.dtype
        and x_arr.shape == y_arr.shape
        and x_arr.tobytes() == y_arr.tobytes()
    )


def equal(a: object, b: object) -> bool:
    """True when both trees have one structure and leaves of equal dtype, shape and bytes
    (keys: equal words)."""
    if structure(a) != structure(b):
        return False
    return all(_leaf_equal(x, y) for x, y in zip(leaves(a), leaves(b), strict=True))
