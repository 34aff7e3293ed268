"""Checkpoints: any pytree saved to one self-describing `.npz` file, and loaded back.

`save(path, tree)` writes each leaf as an array entry ("leaf_00000", "leaf_00001", ...)
and a JSON manifest ("__manifest__", stored as a uint8 array) listing each leaf's path,
shape, dtype and kind, with the nnfunc version, the format version and the tree's
structure as text, and where it was written (NumPy, BLAS library, version and kernel,
platform). `inspect(path)` reads the manifest alone; `load(path, template)` checks the
file against a template tree and returns a tree of the template's structure, with a
`ProvenanceWarning` if the file was written under another NumPy or BLAS. Files are
never unpickled, and writes are atomic: a crash or an error while saving leaves any
checkpoint already at `path` as it was (after `kill -9`, a ".<name>.<random>.tmp" file
may stay beside it; later saves ignore it).

Whatever bytes a file holds, reading it gives the saved tree or a ValueError naming
the file and the problem: each entry's .npy header is checked against the manifest
and against the size of its zip member before its data is read, so nothing larger
than the file is allocated. The manifest also records each container's class and
static fields, and `load` refuses a template that differs there.

Leaves a checkpoint holds: NumPy arrays and NumPy scalars of bool, int, uint, float
or complex dtype; Python bool, int (within int64) and float, restored as the same
Python type; `nnfunc.random.Key`, stored as the uint64 array [hi, lo]. Static attrs
fields are not saved: they come back from the template.
"""

from __future__ import annotations

import json
import warnings
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from nnfunc._arrays import readonly
from nnfunc._files import StrPath, write_atomic
from nnfunc._records import Corrupt
from nnfunc.checkpoint import _provenance
from nnfunc.checkpoint._archive import (
    Archive,
    Refused,
    open_archive,
    read_entry,
    write_npz,
)
from nnfunc.checkpoint._manifest import (
    FORMAT_VERSION,
    LeafInfo,
    Manifest,
    first_difference,
    manifest_bytes,
    nodes_of,
    parse_manifest,
    shown,
)
from nnfunc.checkpoint._manifest import (
    infos as leaf_infos,
)
from nnfunc.checkpoint._provenance import Provenance, ProvenanceWarning
from nnfunc.random import Key
from nnfunc.tree import leaves_with_path, structure, unflatten

T = TypeVar("T")

_MANIFEST = "__manifest__"


def _encode(info: LeafInfo, leaf: object) -> npt.NDArray[Any]:
    """`leaf` as the array stored for it, of `info`'s shape and dtype."""
    if isinstance(leaf, Key):
        return np.array([leaf.hi, leaf.lo], dtype=np.uint64)
    try:
        return np.asarray(leaf, dtype=info.dtype)
    except OverflowError:
        raise ValueError(
            f"leaf {shown(info.path)}: the Python int {leaf} does not fit in int64"
        ) from None


def _decode(info: LeafInfo, array: npt.NDArray[Any]) -> object:
    """The leaf that `array` stores, as `info.kind` says; arrays come back read-only."""
    if info.kind == "array":
        return readonly(array, kinds="biufc")  # a checkpoint may hold complex arrays
    if info.kind == "key":
        return Key(int(array[0]), int(array[1]))
    if info.kind == "scalar":
        return array[()]
    return array.item()  # bool, int or float: the dtype was checked against the template


def _entry_name(index: int) -> str:
    return f"leaf_{index:05d}"


def _nnfunc_version() -> str:
    from nnfunc import __version__  # imported here: nnfunc/__init__.py imports this module

    return __version__


def save(path: StrPath, tree: object) -> None:
    """Write `tree` to the checkpoint file `path`, atomically.

    `path` is used exactly as given (end it with ".npz" by convention: nothing is
    appended). Every leaf is checked before any file is touched.
    Raises TypeError naming the path of a leaf a checkpoint cannot hold (see the
    module docstring), ValueError for a Python int outside int64, OSError if the
    file cannot be written (an existing checkpoint at `path` is then unchanged).
    """
    pairs, infos = leaves_with_path(tree), leaf_infos(tree)
    entries = {
        _entry_name(index): _encode(info, leaf)
        for index, (info, (_, leaf)) in enumerate(zip(infos, pairs, strict=True))
    }
    manifest = Manifest(
        _nnfunc_version(),
        FORMAT_VERSION,
        repr(structure(tree)),
        infos,
        nodes_of(tree),
        _provenance.current(),
    )
    entries = {_MANIFEST: manifest_bytes(manifest), **entries}
    write_atomic(path, lambda file: write_npz(file, entries))


def _read_manifest(archive: Archive) -> Manifest:
    raw = read_entry(archive, _MANIFEST, "the manifest")
    if raw.dtype != np.uint8 or raw.ndim != 1:
        what = f"its manifest is a {raw.dtype} array of shape {raw.shape}, not uint8 text"
        raise Corrupt(what)
    try:
        record = json.loads(raw.tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError, JSONDecodeError
        what = f"its manifest is not UTF-8 JSON ({type(error).__name__}: {error})"
        raise Corrupt(what) from error
    return parse_manifest(record)


def inspect(path: StrPath) -> Manifest:
    """The manifest of the checkpoint at `path`, read without loading any leaf.

    Raises FileNotFoundError if `path` does not exist, ValueError if the file is not
    a valid checkpoint (not an .npz archive, manifest missing or malformed).
    """
    with open_archive(path) as archive:
        return _read_manifest(archive)


def _read_leaf(archive: Archive, index: int, info: LeafInfo) -> object:
    """Leaf `index` of the archive, checked against its manifest entry `info`."""
    array = read_entry(archive, _entry_name(index), f"leaf {shown(info.path)}", info)
    return _decode(info, array)


def load(path: StrPath, template: T) -> T:
    """The tree saved at `path`, in the structure of `template` (whose leaf values are unused).

    The checkpoint must have the template's leaves (the same paths in the same order,
    with the same shapes, dtypes and kinds) and containers (the same classes, with
    equal static fields). Array leaves come back read-only; static attrs fields come
    from the template. Files are read without unpickling, and nothing larger than the
    file is allocated. Raises FileNotFoundError if `path` does not exist, ValueError
    naming the file and the first difference from the template, or how it is corrupt.
    Warns with a `ProvenanceWarning` (and loads) if the file was written under another
    NumPy version or BLAS library, version or kernel: a run resumed from it may then
    not give the bits of an uninterrupted one.
    """
    expected = leaf_infos(template, "template")  # a bad template: TypeError
    nodes = nodes_of(template)
    with open_archive(path) as archive:
        manifest = _read_manifest(archive)
        difference = first_difference(manifest, expected, nodes)
        if difference is not None:
            raise Refused(f"checkpoint {archive.source!r} does not match the template {difference}")
        leaves = [_read_leaf(archive, i, info) for i, info in enumerate(manifest.leaves)]
        warning = _provenance.mismatch(manifest.provenance, archive.source)
    if warning is not None:
        warnings.warn(warning, stacklevel=2)
    result: T = unflatten(structure(template), leaves)
    return result


__all__ = [
    "FORMAT_VERSION",
    "LeafInfo",
    "Manifest",
    "Provenance",
    "ProvenanceWarning",
    "inspect",
    "load",
    "save",
]
