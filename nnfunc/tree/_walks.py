"""Walks over trees: map, leaves and paths, structure, flatten and unflatten."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, TypeVar

import attrs
import numpy as np

from nnfunc._checks import function, instance
from nnfunc.tree._nodes import (
    _ATTRS,
    _DICT,
    _KINDS,
    _LEAF,
    _LIST,
    _NAMEDTUPLE,
    _NONE,
    _TUPLE,
    _attrs_layout,
    _aux,
    _child_list,
    _describe,
    _kind,
    _rebuild,
    _steps,
)

T = TypeVar("T")


class _Mismatch(Exception):
    """Raised inside the fast walk of `map`; the error message is built afterwards."""


def _same_node(node: object, kind: int, other: object) -> bool:
    """True when `other` is a container like `node` (or both are leaves)."""
    if kind == _LEAF:
        return _kind(other) == _LEAF
    if type(other) is not type(node):
        return False
    return kind == _NONE or _aux(node, kind) == _aux(other, kind)


def _map(f: Callable[..., Any], node: Any, rest: tuple[Any, ...]) -> Any:
    """The fast walk of `map`: raises _Mismatch without a message where the trees differ.

    Written per kind, without paths, because it runs on every training step.
    """
    kind = _KINDS.get(type(node))
    if kind is None:
        kind = _kind(node)
    if kind == _LEAF:
        for other in rest:
            if _kind(other) != _LEAF:
                raise _Mismatch
        return f(node, *rest)
    if kind == _NONE:
        for other in rest:
            if other is not None:
                raise _Mismatch
        return None
    cls = type(node)
    for other in rest:
        if type(other) is not cls:
            raise _Mismatch
    if kind == _ATTRS:
        names, static = _attrs_layout(cls)
        for other in rest:
            for name in static:
                if getattr(other, name) != getattr(node, name):
                    raise _Mismatch
        kwargs = {
            name: _map(f, getattr(node, name), tuple(getattr(other, name) for other in rest))
            for name in names
        }
        for name in static:
            kwargs[name] = getattr(node, name)
        return cls(**kwargs)
    if kind == _DICT:
        return _rebuild(node, kind, _map_children(f, node, kind, rest))
    size = len(node)
    for other in rest:
        if len(other) != size:
            raise _Mismatch
    if not rest:
        mapped = [_map(f, child, ()) for child in node]
    else:
        mapped = [_map(f, column[0], column[1:]) for column in zip(node, *rest, strict=True)]
    return mapped if kind == _LIST else tuple(mapped) if kind == _TUPLE else cls(*mapped)


def _map_children(f: Callable[..., Any], node: Any, kind: int, rest: tuple[Any, ...]) -> list[Any]:
    """`_map` over the children of a container whose `rest` have the same aux data."""
    aux = _aux(node, kind)
    for other in rest:
        if _aux(other, kind) != aux:
            raise _Mismatch
    columns = zip(_child_list(node, kind), *(_child_list(o, kind) for o in rest), strict=True)
    return [_map(f, column[0], column[1:]) for column in columns]


def _mismatch_path(
    node: Any, rest: tuple[Any, ...], path: str, names: Sequence[str] = ()
) -> ValueError | None:
    """The error naming the first place, in flatten order, where a tree in `rest` differs,
    and the trees compared when `names` (of node's tree, then of each in rest) are given."""
    kind = _kind(node)
    for index, other in enumerate(rest):
        if not _same_node(node, kind, other):
            where = f" between {names[0]} and {names[index + 1]}" if names else ""
            return ValueError(
                f"tree structures differ at {path or 'the root'}{where}: "
                f"expected {_describe(node)}, given {_describe(other)}"
            )
    if kind in (_LEAF, _NONE):
        return None
    columns = zip(
        _steps(node, kind),
        _child_list(node, kind),
        *(_child_list(other, kind) for other in rest),
        strict=True,
    )
    for step, child, *others in columns:
        error = _mismatch_path(child, tuple(others), path + step, names)
        if error is not None:
            return error
    return None


def map(f: Callable[..., Any], tree: T, *rest: T) -> T:
    """Apply `f` leaf by leaf to `tree` and the trees in `rest`, which must share its structure.

    Raises ValueError naming the path where a tree in `rest` differs from `tree`.
    """
    function("f", f)
    try:
        result: T = _map(f, tree, rest)
    except _Mismatch:
        error = _mismatch_path(tree, rest, "")
        assert error is not None
        raise error from None
    return result


def _declared(node: Any, key: str, fallback: Callable[[Any], bool], value: bool | None) -> Any:
    kind = _kind(node)
    if kind == _LEAF:
        return fallback(node) if value is None else value
    if kind == _NONE:
        return None
    if kind != _ATTRS:
        children = [_declared(child, key, fallback, value) for child in _child_list(node, kind)]
        return _rebuild(node, kind, children)
    cls = type(node)
    metadata = {field.name: field.metadata for field in attrs.fields(cls)}
    children = [
        _declared(getattr(node, name), key, fallback, metadata[name].get(key, value))
        for name in _attrs_layout(cls)[0]
    ]
    return _rebuild(node, kind, children)


def declared(tree: Any, key: str, fallback: Callable[[Any], bool]) -> Any:
    """A tree of bools of `tree`'s structure: for a leaf under an attrs field whose metadata
    holds `key`, the value of the nearest such field; for any other leaf, fallback(leaf)."""
    return _declared(tree, key, fallback, None)


def _walk(node: object, path: str) -> Iterator[tuple[str, object]]:
    kind = _kind(node)
    if kind == _NONE:
        return
    if kind == _LEAF:
        yield path, node
        return
    for step, child in zip(_steps(node, kind), _child_list(node, kind), strict=True):
        yield from _walk(child, path + step)


def leaves_with_path(tree: object, root: str = "") -> list[tuple[str, Any]]:
    """The leaves of `tree` in flatten order, each with its path, prefixed by `root`."""
    return list(_walk(tree, instance("root", root, str, "a string")))


def _collect(node: object, out: list[Any]) -> None:
    kind = _kind(node)
    if kind == _LEAF:
        out.append(node)
    elif kind != _NONE:
        for child in _child_list(node, kind):
            _collect(child, out)


def first_leaf(tree: object) -> Any:
    """The first leaf of `tree` in flatten order, or None when it has none (stops there).
    An array is found without a look-up, a tuple's children without a copy: the engine
    asks on every call."""
    if type(tree) is _ARRAY:
        return tree
    kind = _kind(tree)
    if kind == _LEAF:
        return tree
    if kind == _NONE:
        return None
    children = tree if isinstance(tree, tuple) else _child_list(tree, kind)
    for child in children:
        leaf = first_leaf(child)
        if leaf is not None:
            return leaf
    return None


_ARRAY = np.ndarray


def leaves(tree: object) -> list[Any]:
    """The leaves of `tree` in flatten order (None subtrees have none)."""
    out: list[Any] = []
    _collect(tree, out)
    return out


@attrs.frozen
class TreeDef:
    """The structure of a tree without its leaves; equal structures compare equal."""

    spec: Hashable = attrs.field(repr=False)
    num_leaves: int

    def __repr__(self) -> str:
        return f"TreeDef({_spec_repr(self.spec)}, num_leaves={self.num_leaves})"


def _spec(node: object) -> Hashable:
    """A hashable description of the structure: None, "*" for a leaf, or a nested tuple."""
    kind = _kind(node)
    if kind == _NONE:
        return None
    if kind == _LEAF:
        return "*"
    children = tuple(_spec(child) for child in _child_list(node, kind))
    return (type(node), _aux(node, kind), children)


def _spec_repr(spec: Hashable) -> str:
    if not isinstance(spec, tuple):
        return str(spec)
    node_type, _, children = spec
    return f"{node_type.__name__}({', '.join(_spec_repr(c) for c in children)})"


def structure(tree: object) -> TreeDef:
    """The TreeDef of `tree`."""
    return TreeDef(_spec(tree), len(leaves(tree)))


def flatten(tree: object) -> tuple[list[Any], TreeDef]:
    """(leaves, treedef) such that `unflatten(treedef, leaves)` rebuilds `tree`."""
    return leaves(tree), structure(tree)


def _fill(spec: Hashable, supply: Iterator[Any]) -> Any:
    if spec is None:
        return None
    if not isinstance(spec, tuple):
        return next(supply)
    node_type, aux, child_specs = spec
    children = [_fill(child, supply) for child in child_specs]
    kind = _KINDS[node_type]
    if kind == _TUPLE:
        return tuple(children)
    if kind == _LIST:
        return children
    if kind == _NAMEDTUPLE:
        return node_type(*children)
    if kind == _DICT:
        return dict(zip(aux, children, strict=True))
    names, static = _attrs_layout(node_type)
    kwargs = dict(zip(names, children, strict=True))
    kwargs.update(zip(static, aux, strict=True))
    return node_type(**kwargs)


def unflatten(treedef: TreeDef, leaves: Sequence[Any]) -> Any:
    """The tree of structure `treedef` holding `leaves` in flatten order."""
    instance("treedef", treedef, TreeDef, "a TreeDef (from tree.structure)")
    if not isinstance(leaves, Sequence):
        raise TypeError(f"leaves must be a sequence of leaves, given {type(leaves).__name__}")
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"unflatten needs {treedef.num_leaves} leaves for {treedef!r}, given {len(leaves)}"
        )
    return _fill(treedef.spec, iter(leaves))
