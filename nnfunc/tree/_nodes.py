"""The kinds of tree nodes, their children, paths and rebuilding; the field specifiers."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, TypeVar, dataclass_transform, overload

import attrs

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
