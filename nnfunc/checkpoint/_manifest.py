"""A checkpoint's manifest: what it records of each leaf and container, written as JSON
and parsed back (raising `Corrupt` for what a valid manifest cannot hold)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Hashable, Iterator
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc._records import Corrupt, field
from nnfunc._text import table
from nnfunc.checkpoint import _provenance
from nnfunc.checkpoint._provenance import Provenance
from nnfunc.random import Key
from nnfunc.tree import leaves_with_path, structure

FORMAT_VERSION = 1
"""The version of the file layout this module writes and reads."""

DTYPE_KINDS = "biufc"  # bool, int, uint, float, complex
PYTHON_KINDS: tuple[tuple[str, type, np.dtype[Any]], ...] = (
    ("bool", bool, np.dtype(np.bool_)),  # before int: a bool is an int
    ("int", int, np.dtype(np.int64)),
    ("float", float, np.dtype(np.float64)),
)
KINDS = frozenset({"array", "scalar", "key"} | {kind for kind, _, _ in PYTHON_KINDS})


def shown(path: str) -> str:
    """A leaf path as messages and tables show it: the root's empty path as "(root)"."""
    return path or "(root)"


@attrs.frozen
class LeafInfo:
    """One leaf of a checkpoint: its path in the tree, shape, dtype and kind.

    `kind` is "array", "scalar" (a NumPy scalar), "bool", "int", "float" (Python
    values) or "key" (an `nnfunc.random.Key`, stored with shape (2,) and dtype uint64).
    """

    path: str
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    kind: str

    def describe(self) -> str:
        """The leaf in words: "[0].w: float32 array of shape (3, 5)"."""
        return f"{shown(self.path)}: {self.dtype} {self.kind} of shape {self.shape}"


@attrs.frozen
class Manifest:
    """What a checkpoint says about itself: versions, tree structure (as text) and leaves.

    `nodes` describes each container of the tree, in flatten order: its class and its
    static data (the static fields of an attrs class, the keys of a dict, the length
    of a tuple or list). `provenance`: the NumPy, BLAS and platform that wrote it.
    Files written before nnfunc recorded them have no nodes and no provenance (None).
    """

    nnfunc_version: str
    format_version: int
    structure: str
    leaves: tuple[LeafInfo, ...]
    nodes: tuple[str, ...] = ()
    provenance: Provenance | None = None

    def __str__(self) -> str:
        """A table of the leaves, one per line, under a line naming the versions."""
        rows = [
            (shown(leaf.path), leaf.kind, str(leaf.dtype), str(leaf.shape)) for leaf in self.leaves
        ]
        header = (
            f"nnfunc checkpoint (format {self.format_version}, nnfunc {self.nnfunc_version}), "
            f"{len(self.leaves)} leaves"
        )
        written = self.provenance.describe() if self.provenance else "not recorded"
        leaves = table(("path", "kind", "dtype", "shape"), rows)
        return "\n".join(
            [header, f"written with: {written}", leaves, f"structure: {self.structure}"]
        )


def leaf_info(path: str, leaf: object) -> LeafInfo:
    """What a checkpoint records of `leaf`; TypeError naming `path` for a leaf it cannot hold."""
    if isinstance(leaf, Key):
        return LeafInfo(path, (2,), np.dtype(np.uint64), "key")
    if isinstance(leaf, np.ma.MaskedArray):
        raise TypeError(
            f"leaf {shown(path)}: a checkpoint cannot hold a {type(leaf).__name__} "
            "(its mask would be lost); save its data and mask as two arrays"
        )
    if isinstance(leaf, np.ndarray | np.generic):  # before float: np.float64 is a float
        if leaf.dtype.kind not in DTYPE_KINDS:
            raise TypeError(
                f"leaf {shown(path)}: a checkpoint holds bool, int, uint, float and complex "
                f"arrays, given a {type(leaf).__name__} of dtype {leaf.dtype}"
            )
        kind = "array" if isinstance(leaf, np.ndarray) else "scalar"
        return LeafInfo(path, leaf.shape, leaf.dtype, kind)
    for kind, python_type, dtype in PYTHON_KINDS:
        if isinstance(leaf, python_type):
            return LeafInfo(path, (), dtype, kind)
    raise TypeError(
        f"leaf {shown(path)}: a checkpoint holds NumPy arrays and scalars, Python "
        f"bool/int/float and nnfunc.random.Key, given {type(leaf).__name__}: {leaf!r:.80}"
    )


def infos(tree: object, name: str = "tree") -> tuple[LeafInfo, ...]:
    """What a checkpoint records of each leaf of `tree` (the argument `name`); TypeError
    naming `name` and the leaf's path for a leaf it cannot hold."""
    try:
        return tuple(leaf_info(path, leaf) for path, leaf in leaves_with_path(tree))
    except TypeError as error:
        raise TypeError(f"{name}: {error}") from None


def _nodes(spec: Hashable) -> Iterator[str]:
    """Each container of a tree's structure spec (as `nf.tree` builds it: None, "*" for a
    leaf, or (class, static data, children)), in flatten order, as text."""
    if not isinstance(spec, tuple):
        return
    kind, static, children = spec
    yield f"{kind.__module__}.{kind.__qualname__} {static!r}"
    for child in children:
        yield from _nodes(child)


def nodes_of(tree: object) -> tuple[str, ...]:
    return tuple(_nodes(structure(tree).spec))


def manifest_bytes(manifest: Manifest) -> npt.NDArray[np.uint8]:
    record = {
        "format_version": manifest.format_version,
        "nnfunc_version": manifest.nnfunc_version,
        "structure": manifest.structure,
        "nodes": list(manifest.nodes),
        **({"provenance": manifest.provenance.record()} if manifest.provenance else {}),
        "leaves": [
            {
                "path": leaf.path,
                "shape": list(leaf.shape),
                "dtype": leaf.dtype.str,
                "kind": leaf.kind,
            }
            for leaf in manifest.leaves
        ],
    }
    return np.frombuffer(json.dumps(record, indent=1).encode("utf-8"), dtype=np.uint8)


def parse_leaf(record: object, index: int) -> LeafInfo:
    where = f"leaf {index} of its manifest"
    path = field(record, "path", str, where)
    shape = field(record, "shape", list, where)
    dtype_text = field(record, "dtype", str, where)
    kind = field(record, "kind", str, where)
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise Corrupt(f"leaf {path!r} has shape {shape!r:.80}, not a list of sizes")
    if kind not in KINDS:
        raise Corrupt(f"leaf {path!r} has kind {kind!r}, not one of {sorted(KINDS)}")
    try:
        dtype = np.dtype(dtype_text)
    except (TypeError, ValueError):
        raise Corrupt(f"leaf {path!r} has dtype {dtype_text!r}, not a dtype") from None
    if dtype.kind not in DTYPE_KINDS:
        raise Corrupt(f"leaf {path!r} has dtype {dtype}, not a numeric dtype")
    return LeafInfo(path, tuple(shape), dtype, kind)


def parse_manifest(record: object) -> Manifest:
    """The manifest a parsed JSON record holds; `Corrupt` saying what is wrong."""
    where = "its manifest"
    format_version = field(record, "format_version", int, where)
    if format_version != FORMAT_VERSION:
        what = f"format version {format_version}; this nnfunc reads format {FORMAT_VERSION}"
        raise Corrupt(what)
    leaves = field(record, "leaves", list, where)
    nodes = (
        field(record, "nodes", list, where)
        if isinstance(record, dict) and "nodes" in record
        else []
    )
    if not all(isinstance(node, str) for node in nodes):
        raise Corrupt(f"its manifest's nodes must be strings, found {nodes!r:.80}")
    provenance = (
        _provenance.parse(record["provenance"])
        if isinstance(record, dict) and "provenance" in record
        else None
    )
    return Manifest(
        nnfunc_version=field(record, "nnfunc_version", str, where),
        format_version=format_version,
        structure=field(record, "structure", str, where),
        leaves=tuple(parse_leaf(leaf, i) for i, leaf in enumerate(leaves)),
        nodes=tuple(nodes),
        provenance=provenance,
    )


def first_difference(
    found: Manifest, expected: tuple[LeafInfo, ...], nodes: tuple[str, ...]
) -> str | None:
    """Where the checkpoint and a template of leaves `expected` and containers `nodes`
    first differ, in words; None if they agree (on the leaves' paths, shapes, dtypes and
    kinds, then on the containers' classes and static data, when the file records them)."""
    for index, (want, got) in enumerate(itertools.zip_longest(expected, found.leaves)):
        if want != got:
            want_count, got_count = len(expected), len(found.leaves)
            counts = (
                ""
                if want_count == got_count
                else f" (the template has {want_count} leaves, the checkpoint {got_count})"
            )
            return (
                f"at leaf {index}{counts}: expected {want.describe() if want else 'no leaf'}, "
                f"found {got.describe() if got else 'no leaf'}"
            )
    if not found.nodes:  # written before nnfunc recorded the containers
        return None
    for index, (want_node, got_node) in enumerate(itertools.zip_longest(nodes, found.nodes)):
        if want_node != got_node:
            return (
                f"at container {index} (class and static data): expected "
                f"{want_node or 'none'}, found {got_node or 'none'}"
            )
    return None
