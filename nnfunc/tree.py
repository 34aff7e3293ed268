"""Pytrees: nested attrs classes, tuples, lists, dicts and None, with arrays at the leaves.

Containers are tuples (named tuples too), lists, dicts (keys in sorted order),
`None` (an empty subtree) and attrs instances, whose fields are children unless
marked static with `static_field()`. Everything else, `random.Key` included, is a
leaf. Paths name a leaf the way Python would reach it: `[2].w`, `["lr"]`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, TypeVar, dataclass_transform, overload

import attrs
import numpy as np

from nnfunc._arrays import freeze
from nnfunc.random import Key

T = TypeVar("T")
C = TypeVar("C", bound=type)

_STATIC = "nnfunc_static"


@overload
def static_field(*, default: T) -> T: ...
@overload
def static_field() -> Any: ...
def static_field(**kwargs: Any) -> Any:
    """An attrs field that holds configuration, not a leaf: kept as is by every tree function."""
    return attrs.field(metadata={_STATIC: True}, **kwargs)


@dataclass_transform(frozen_default=True, field_specifiers=(attrs.field, static_field))
def pytree(cls: C) -> C:
    """Make `cls` a frozen attrs class that type checkers read with `static_field` understood."""
    frozen: C = attrs.frozen(cls)
    return frozen


_LAYOUTS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _attrs_layout(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(child field names, static field names) of an attrs class, computed once per class."""
    layout = _LAYOUTS.get(cls)
    if layout is None:
        layout = _LAYOUTS[cls] = _read_layout(cls)
    return layout


def _read_layout(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    fields = attrs.fields(cls)
    for field in fields:
        if not field.init:
            raise TypeError(f"{cls.__name__}.{field.name} has init=False; pytree fields need init")
    children = tuple(f.name for f in fields if not f.metadata.get(_STATIC, False))
    static = tuple(f.name for f in fields if f.metadata.get(_STATIC, False))
    return children, static


def _is_namedtuple(node: object) -> bool:
    return isinstance(node, tuple) and hasattr(type(node), "_fields")


def _is_attrs_node(node: object) -> bool:
    return attrs.has(type(node)) and not isinstance(node, Key)


def _dict_keys(node: dict[Any, Any]) -> list[Any]:
    try:
        return sorted(node)
    except TypeError:
        raise TypeError(f"dict keys in a pytree must be sortable, given {list(node)!r}") from None


def _children(node: object) -> tuple[list[tuple[str, object]], Hashable]:
    """The (path step, child) pairs of a container and what rebuilding it needs besides them."""
    if isinstance(node, tuple | list):
        steps = [(f"[{i}]", child) for i, child in enumerate(node)]
        return steps, (type(node), len(node))
    if isinstance(node, dict):
        keys = _dict_keys(node)
        return [(f"[{k!r}]", node[k]) for k in keys], (dict, tuple(keys))
    names, static = _attrs_layout(type(node))
    static_values = tuple(getattr(node, name) for name in static)
    return [(f".{name}", getattr(node, name)) for name in names], (type(node), static_values)


def _is_container(node: object) -> bool:
    return node is None or isinstance(node, tuple | list | dict) or _is_attrs_node(node)


def _rebuild(node: object, children: list[Any]) -> Any:
    """A container of the same kind and static data as `node`, holding `children`."""
    if isinstance(node, list):
        return children
    if _is_namedtuple(node):
        return type(node)(*children)
    if isinstance(node, tuple):
        return tuple(children)
    if isinstance(node, dict):
        return dict(zip(_dict_keys(node), children, strict=True))
    names, static = _attrs_layout(type(node))
    kwargs = dict(zip(names, children, strict=True))
    kwargs.update((name, getattr(node, name)) for name in static)
    return type(node)(**kwargs)


def _describe(node: object) -> str:
    if node is None:
        return "None"
    if isinstance(node, list | tuple):
        return f"{type(node).__name__} of length {len(node)}"
    if isinstance(node, dict):
        return f"dict with keys {_dict_keys(node)!r}"
    if _is_attrs_node(node):
        return f"{type(node).__name__} {_children(node)[1]!r}"
    shape = getattr(node, "shape", None)
    return f"leaf {type(node).__name__}" + (f" of shape {shape}" if shape is not None else "")


def _mismatch(path: str, first: object, other: object) -> ValueError:
    return ValueError(
        f"tree structures differ at {path or 'the root'}: "
        f"expected {_describe(first)}, given {_describe(other)}"
    )


def _map(f: Callable[..., Any], node: object, rest: Sequence[object], path: str) -> Any:
    if node is None:
        for other in rest:
            if other is not None:
                raise _mismatch(path, node, other)
        return None
    if not _is_container(node):
        for other in rest:
            if _is_container(other):
                raise _mismatch(path, node, other)
        return f(node, *rest)
    steps, aux = _children(node)
    other_children = []
    for other in rest:
        if type(other) is not type(node):
            raise _mismatch(path, node, other)
        other_steps, other_aux = _children(other)
        if other_aux != aux:
            raise _mismatch(path, node, other)
        other_children.append([child for _, child in other_steps])
    mapped = [
        _map(f, child, [children[i] for children in other_children], path + step)
        for i, (step, child) in enumerate(steps)
    ]
    return _rebuild(node, mapped)


def map(f: Callable[..., Any], tree: T, *rest: T) -> T:
    """Apply `f` leaf by leaf to `tree` and the trees in `rest`, which must share its structure.

    Raises ValueError naming the path where a tree in `rest` differs from `tree`.
    """
    result: T = _map(f, tree, rest, "")
    return result


def _walk(node: object, path: str) -> Iterator[tuple[str, object]]:
    if node is None:
        return
    if not _is_container(node):
        yield path, node
        return
    for step, child in _children(node)[0]:
        yield from _walk(child, path + step)


def leaves_with_path(tree: object, root: str = "") -> list[tuple[str, Any]]:
    """The leaves of `tree` in flatten order, each with its path, prefixed by `root`."""
    return list(_walk(tree, root))


def leaves(tree: object) -> list[Any]:
    """The leaves of `tree` in flatten order (None subtrees have none)."""
    return [leaf for _, leaf in _walk(tree, "")]


@attrs.frozen
class TreeDef:
    """The structure of a tree without its leaves; equal structures compare equal."""

    spec: Hashable = attrs.field(repr=False)
    num_leaves: int

    def __repr__(self) -> str:
        return f"TreeDef({_spec_repr(self.spec)}, num_leaves={self.num_leaves})"


_LEAF = "*"


def _spec(node: object) -> Hashable:
    if node is None:
        return None
    if not _is_container(node):
        return _LEAF
    steps, aux = _children(node)
    return (type(node), aux, tuple(_spec(child) for _, child in steps))


def _spec_repr(spec: Hashable) -> str:
    if spec is None or spec == _LEAF:
        return str(spec)
    assert isinstance(spec, tuple)
    node_type, _, children = spec
    return f"{node_type.__name__}({', '.join(_spec_repr(c) for c in children)})"


def structure(tree: object) -> TreeDef:
    """The TreeDef of `tree`."""
    spec = _spec(tree)
    return TreeDef(spec, sum(1 for _ in _walk(tree, "")))


def flatten(tree: object) -> tuple[list[Any], TreeDef]:
    """(leaves, treedef) such that `unflatten(treedef, leaves)` rebuilds `tree`."""
    return leaves(tree), structure(tree)


def _template(spec: Hashable) -> object:
    """A tree of the structure `spec` whose leaves are all `_LEAF`, to rebuild from."""
    if spec is None or spec == _LEAF:
        return spec
    assert isinstance(spec, tuple)
    node_type, aux, child_specs = spec
    return _Template(node_type, aux, tuple(_template(c) for c in child_specs))


@attrs.frozen
class _Template:
    node_type: type
    aux: Hashable
    children: tuple[object, ...]


def _fill(node: object, supply: Iterator[Any]) -> Any:
    if node is None:
        return None
    if node == _LEAF:
        return next(supply)
    assert isinstance(node, _Template)
    children = [_fill(child, supply) for child in node.children]
    if node.node_type is list:
        return children
    if node.node_type is tuple:
        return tuple(children)
    if issubclass(node.node_type, tuple):
        return node.node_type(*children)
    if node.node_type is dict:
        assert isinstance(node.aux, tuple)
        return dict(zip(node.aux[1], children, strict=True))
    names, static = _attrs_layout(node.node_type)
    assert isinstance(node.aux, tuple)
    kwargs = dict(zip(names, children, strict=True))
    kwargs.update(zip(static, node.aux[1], strict=True))
    return node.node_type(**kwargs)


def unflatten(treedef: TreeDef, leaves: Sequence[Any]) -> Any:
    """The tree of structure `treedef` holding `leaves` in flatten order."""
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"unflatten needs {treedef.num_leaves} leaves for {treedef!r}, given {len(leaves)}"
        )
    return _fill(_template(treedef.spec), iter(leaves))


# Arithmetic on trees of arrays. Results are fresh read-only arrays.


def _fresh(array: Any) -> np.ndarray[Any, Any]:
    return freeze(np.asarray(array))


def add(a: T, b: T) -> T:
    """Leafwise a + b."""
    return map(lambda x, y: _fresh(np.add(x, y)), a, b)


def sub(a: T, b: T) -> T:
    """Leafwise a - b."""
    return map(lambda x, y: _fresh(np.subtract(x, y)), a, b)


def scale(factor: float, tree: T) -> T:
    """Every leaf multiplied by the scalar `factor`, keeping its dtype."""
    return map(lambda x: _fresh(np.multiply(x, factor, dtype=x.dtype)), tree)


def zeros_like(tree: T) -> T:
    """A tree of the same structure with zero arrays of the same shapes and dtypes."""
    return map(lambda x: _fresh(np.zeros_like(x)), tree)


def astype(tree: T, dtype: np.dtype[Any] | type[np.generic]) -> T:
    """Every array leaf cast to `dtype` (a fresh read-only array each)."""
    return map(lambda x: _fresh(np.array(x, dtype=dtype)), tree)


def vdot(a: object, b: object) -> float:
    """The sum over all leaves of the elementwise products, as a Python float."""
    products = leaves(map(lambda x, y: np.vdot(x, y), a, b))
    return float(builtins.sum(products, 0.0))


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


__all__ = [
    "TreeDef",
    "add",
    "astype",
    "equal",
    "flatten",
    "global_norm",
    "leaves",
    "leaves_with_path",
    "map",
    "pytree",
    "scale",
    "static_field",
    "structure",
    "sub",
    "unflatten",
    "vdot",
    "zeros_like",
]
