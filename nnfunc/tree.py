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
import numpy.typing as npt

from nnfunc._arrays import freeze, readonly
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


DECAY = "nnfunc_decay"
"""The metadata key of `param_field`: whether weight decay applies to the field by default."""


def param_field(*, decay: bool, **kwargs: Any) -> Any:
    """An attrs field holding params, declaring in its metadata (key "nnfunc_decay")
    whether weight decay applies to its leaves by default (`nnfunc.optim.decay_mask`)."""
    metadata = {**kwargs.pop("metadata", {}), DECAY: decay}
    return attrs.field(metadata=metadata, **kwargs)


@dataclass_transform(frozen_default=True, field_specifiers=(attrs.field, static_field, param_field))
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


# Each node is one of these kinds, decided once per type and cached.
_LEAF, _NONE, _TUPLE, _NAMEDTUPLE, _LIST, _DICT, _ATTRS = range(7)
_KINDS: dict[type, int] = {type(None): _NONE, tuple: _TUPLE, list: _LIST, dict: _DICT}


def _kind(node: object) -> int:
    cls = type(node)
    kind = _KINDS.get(cls)
    if kind is None:
        kind = _KINDS[cls] = _classify(cls)
    return kind


def _classify(cls: type) -> int:
    if issubclass(cls, tuple):
        return _NAMEDTUPLE if hasattr(cls, "_fields") else _TUPLE
    if issubclass(cls, list):
        return _LIST
    if issubclass(cls, dict):
        return _DICT
    if attrs.has(cls) and not issubclass(cls, Key):
        return _ATTRS
    return _LEAF


def _dict_keys(node: dict[Any, Any]) -> list[Any]:
    try:
        return sorted(node)
    except TypeError:
        raise TypeError(f"dict keys in a pytree must be sortable, given {list(node)!r}") from None


def _aux(node: Any, kind: int) -> Hashable:
    """What besides its children identifies a container: its type and length, keys or statics."""
    if kind == _DICT:
        return tuple(_dict_keys(node))
    if kind == _ATTRS:
        return tuple(getattr(node, name) for name in _attrs_layout(type(node))[1])
    return len(node)


def _child_list(node: Any, kind: int) -> list[Any]:
    """The children of a container, in flatten order."""
    if kind == _DICT:
        return [node[k] for k in _dict_keys(node)]
    if kind == _ATTRS:
        return [getattr(node, name) for name in _attrs_layout(type(node))[0]]
    return list(node)


def _steps(node: Any, kind: int) -> list[str]:
    """The path step to each child of a container, in flatten order."""
    if kind == _DICT:
        return [f"[{k!r}]" for k in _dict_keys(node)]
    if kind == _ATTRS:
        return [f".{name}" for name in _attrs_layout(type(node))[0]]
    return [f"[{i}]" for i in range(len(node))]


def _rebuild(node: Any, kind: int, children: list[Any]) -> Any:
    """A container of the same kind and static data as `node`, holding `children`."""
    if kind == _TUPLE:
        return tuple(children)
    if kind == _LIST:
        return children
    if kind == _NAMEDTUPLE:
        return type(node)(*children)
    if kind == _DICT:
        return dict(zip(_dict_keys(node), children, strict=True))
    names, static = _attrs_layout(type(node))
    kwargs = dict(zip(names, children, strict=True))
    for name in static:
        kwargs[name] = getattr(node, name)
    return type(node)(**kwargs)


def _describe(node: Any) -> str:
    kind = _kind(node)
    if kind == _NONE:
        return "None"
    if kind in (_TUPLE, _NAMEDTUPLE, _LIST):
        return f"{type(node).__name__} of length {len(node)}"
    if kind == _DICT:
        return f"dict with keys {_dict_keys(node)!r}"
    if kind == _ATTRS:
        return f"{type(node).__name__} {_aux(node, kind)!r}"
    shape = getattr(node, "shape", None)
    return f"leaf {type(node).__name__}" + (f" of shape {shape}" if shape is not None else "")


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


def _mismatch_path(node: Any, rest: tuple[Any, ...], path: str) -> ValueError | None:
    """The error naming the first place, in flatten order, where a tree in `rest` differs."""
    kind = _kind(node)
    for other in rest:
        if not _same_node(node, kind, other):
            return ValueError(
                f"tree structures differ at {path or 'the root'}: "
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
        error = _mismatch_path(child, tuple(others), path + step)
        if error is not None:
            return error
    return None


def map(f: Callable[..., Any], tree: T, *rest: T) -> T:
    """Apply `f` leaf by leaf to `tree` and the trees in `rest`, which must share its structure.

    Raises ValueError naming the path where a tree in `rest` differs from `tree`.
    """
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
    return list(_walk(tree, root))


def _collect(node: object, out: list[Any]) -> None:
    kind = _kind(node)
    if kind == _LEAF:
        out.append(node)
    elif kind != _NONE:
        for child in _child_list(node, kind):
            _collect(child, out)


def first_leaf(tree: object) -> Any:
    """The first leaf of `tree` in flatten order, or None when it has none (stops there)."""
    kind = _kind(tree)
    if kind == _LEAF:
        return tree
    if kind == _NONE:
        return None
    for child in _child_list(tree, kind):
        leaf = first_leaf(child)
        if leaf is not None:
            return leaf
    return None


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
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"unflatten needs {treedef.num_leaves} leaves for {treedef!r}, given {len(leaves)}"
        )
    return _fill(treedef.spec, iter(leaves))


# Leafwise maps with several outputs, pairing leaves of equal shapes only.


class _ShapeMismatch(Exception):
    """Raised inside the walk of `map_many` where paired leaves differ in shape."""


def _trusted(cls: type) -> bool:
    """True when making `cls` from fresh read-only arrays already of its leaves' shapes and
    dtypes may skip its __init__: no validator, no __attrs_post_init__, no converter but
    `readonly` (which keeps such arrays as they are)."""
    trusted = _TRUSTED.get(cls)
    if trusted is None:
        trusted = _TRUSTED[cls] = not hasattr(cls, "__attrs_post_init__") and all(
            f.validator is None and f.converter in (None, readonly) for f in attrs.fields(cls)
        )
    return trusted


_TRUSTED: dict[type, bool] = {}


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
        error = _mismatch_path(tree, rest, "")
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
    """Every leaf multiplied by the scalar `factor`, keeping its dtype."""
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


__all__ = [
    "TreeDef",
    "add",
    "astype",
    "declared",
    "equal",
    "first_leaf",
    "flatten",
    "global_norm",
    "leaves",
    "leaves_with_path",
    "map",
    "map_many",
    "param_field",
    "pytree",
    "scale",
    "static_field",
    "structure",
    "sub",
    "unflatten",
    "vdot",
    "zeros_like",
]
