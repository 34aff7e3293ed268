"""Checkpoints: any pytree saved to one self-describing `.npz` file, and loaded back.

`save(path, tree)` writes each leaf as an array entry ("leaf_00000", "leaf_00001", ...)
and a JSON manifest ("__manifest__", stored as a uint8 array) listing each leaf's path,
shape, dtype and kind, with the nnfunc version, the format version and the tree's
structure as text. `inspect(path)` reads the manifest alone; `load(path, template)`
checks the file against a template tree and returns a tree of the template's
structure. Files are never unpickled, and writes are atomic: a crash or an error
while saving leaves any checkpoint already at `path` as it was.

Leaves a checkpoint holds: NumPy arrays and NumPy scalars of bool, int, uint, float
or complex dtype; Python bool, int (within int64) and float, restored as the same
Python type; `nnfunc.random.Key`, stored as the uint64 array [hi, lo]. Static attrs
fields are not saved: they come back from the template.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc._arrays import readonly
from nnfunc.random import Key
from nnfunc.tree import leaves_with_path, structure, unflatten

T = TypeVar("T")
V = TypeVar("V")

StrPath = str | os.PathLike[str]

FORMAT_VERSION = 1
"""The version of the file layout this module writes and reads."""

_MANIFEST = "__manifest__"
_DTYPE_KINDS = "biufc"  # bool, int, uint, float, complex
_PYTHON_KINDS: tuple[tuple[str, type, np.dtype[Any]], ...] = (
    ("bool", bool, np.dtype(np.bool_)),  # before int: a bool is an int
    ("int", int, np.dtype(np.int64)),
    ("float", float, np.dtype(np.float64)),
)
_KINDS = frozenset({"array", "scalar", "key"} | {kind for kind, _, _ in _PYTHON_KINDS})
# What reading a damaged archive raises, from zipfile, zlib or numpy's .npy reader.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


def _shown(path: str) -> str:
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
        return f"{_shown(self.path)}: {self.dtype} {self.kind} of shape {self.shape}"


@attrs.frozen
class Manifest:
    """What a checkpoint says about itself: versions, tree structure (as text) and leaves."""

    nnfunc_version: str
    format_version: int
    structure: str
    leaves: tuple[LeafInfo, ...]

    def __str__(self) -> str:
        """A table of the leaves, one per line, under a line naming the versions."""
        rows = [("path", "kind", "dtype", "shape")] + [
            (_shown(leaf.path), leaf.kind, str(leaf.dtype), str(leaf.shape)) for leaf in self.leaves
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        table = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        header = (
            f"nnfunc checkpoint (format {self.format_version}, nnfunc {self.nnfunc_version}), "
            f"{len(self.leaves)} leaves"
        )
        return "\n".join([header, *table, f"structure: {self.structure}"])


def _leaf_info(path: str, leaf: object) -> LeafInfo:
    """What a checkpoint records of `leaf`; TypeError naming `path` for a leaf it cannot hold."""
    if isinstance(leaf, Key):
        return LeafInfo(path, (2,), np.dtype(np.uint64), "key")
    if isinstance(leaf, np.ma.MaskedArray):
        raise TypeError(
            f"leaf {_shown(path)}: a checkpoint cannot hold a {type(leaf).__name__} "
            "(its mask would be lost); save its data and mask as two arrays"
        )
    if isinstance(leaf, np.ndarray | np.generic):  # before float: np.float64 is a float
        if leaf.dtype.kind not in _DTYPE_KINDS:
            raise TypeError(
                f"leaf {_shown(path)}: a checkpoint holds bool, int, uint, float and complex "
                f"arrays, given a {type(leaf).__name__} of dtype {leaf.dtype}"
            )
        kind = "array" if isinstance(leaf, np.ndarray) else "scalar"
        return LeafInfo(path, leaf.shape, leaf.dtype, kind)
    for kind, python_type, dtype in _PYTHON_KINDS:
        if isinstance(leaf, python_type):
            return LeafInfo(path, (), dtype, kind)
    raise TypeError(
        f"leaf {_shown(path)}: a checkpoint holds NumPy arrays and scalars, Python "
        f"bool/int/float and nnfunc.random.Key, given {type(leaf).__name__}: {leaf!r:.80}"
    )


def _encode(info: LeafInfo, leaf: object) -> npt.NDArray[Any]:
    """`leaf` as the array stored for it, of `info`'s shape and dtype."""
    if isinstance(leaf, Key):
        return np.array([leaf.hi, leaf.lo], dtype=np.uint64)
    try:
        return np.asarray(leaf, dtype=info.dtype)
    except OverflowError:
        raise ValueError(
            f"leaf {_shown(info.path)}: the Python int {leaf} does not fit in int64"
        ) from None


def _decode(info: LeafInfo, array: npt.NDArray[Any]) -> object:
    """The leaf that `array` stores, as `info.kind` says; arrays come back read-only."""
    if info.kind == "array":
        return readonly(array)
    if info.kind == "key":
        return Key(int(array[0]), int(array[1]))
    if info.kind == "scalar":
        return array[()]
    return array.item()  # bool, int or float: the dtype was checked against the template


def _infos(tree: object) -> tuple[LeafInfo, ...]:
    return tuple(_leaf_info(path, leaf) for path, leaf in leaves_with_path(tree))


def _entry_name(index: int) -> str:
    return f"leaf_{index:05d}"


def _nnfunc_version() -> str:
    from nnfunc import __version__  # imported here: nnfunc/__init__.py imports this module

    return __version__


def _manifest_bytes(manifest: Manifest) -> npt.NDArray[np.uint8]:
    record = {
        "format_version": manifest.format_version,
        "nnfunc_version": manifest.nnfunc_version,
        "structure": manifest.structure,
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


def _fsync_directory(directory: str) -> None:
    """Make a rename in `directory` durable, where the OS can open a directory (POSIX)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_npz(file: BinaryIO, entries: dict[str, npt.NDArray[Any]]) -> None:
    """Write `entries` to `file` as an uncompressed .npz archive, refusing to pickle anything."""
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in entries.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _write_atomic(target: str, entries: dict[str, npt.NDArray[Any]]) -> None:
    """Write `entries` as an .npz to a fresh file beside `target`, then rename it onto `target`.

    The temporary file gets a unique random name (created exclusively, with the
    permissions the umask gives) and is removed on any error.
    """
    directory = os.path.dirname(os.path.abspath(target))
    name = f".{os.path.basename(target)}.{secrets.token_hex(8)}.tmp"
    temporary = os.path.join(directory, name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            _write_npz(file, entries)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    _fsync_directory(directory)


def save(path: StrPath, tree: object) -> None:
    """Write `tree` to the checkpoint file `path`, atomically.

    `path` is used exactly as given (end it with ".npz" by convention: nothing is
    appended). Every leaf is checked before any file is touched.
    Raises TypeError naming the path of a leaf a checkpoint cannot hold (see the
    module docstring), ValueError for a Python int outside int64, OSError if the
    file cannot be written (an existing checkpoint at `path` is then unchanged).
    """
    pairs = leaves_with_path(tree)
    infos = tuple(_leaf_info(leaf_path, leaf) for leaf_path, leaf in pairs)
    entries = {
        _entry_name(index): _encode(info, leaf)
        for index, (info, (_, leaf)) in enumerate(zip(infos, pairs, strict=True))
    }
    manifest = Manifest(_nnfunc_version(), FORMAT_VERSION, repr(structure(tree)), infos)
    _write_atomic(os.fspath(path), {_MANIFEST: _manifest_bytes(manifest), **entries})


def _corrupt(source: str, what: str) -> ValueError:
    return ValueError(f"{source!r} is not a valid nnfunc checkpoint: {what}")


@contextlib.contextmanager
def _open(path: StrPath) -> Iterator[tuple[np.lib.npyio.NpzFile, str]]:
    """The open .npz archive at `path` and the path as text, for messages.

    Raises FileNotFoundError if there is no such file, ValueError if it is no .npz archive.
    """
    source = os.fspath(path)
    with open(source, "rb") as file:
        try:
            archive = np.load(file, allow_pickle=False)
        except _READ_ERRORS as error:
            what = f"it cannot be read as an .npz archive ({type(error).__name__}: {error})"
            raise _corrupt(source, what) from error
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise _corrupt(source, "it holds a single .npy array, not an .npz archive")
        with archive:
            yield archive, source


def _read_entry(
    archive: np.lib.npyio.NpzFile, name: str, holding: str, source: str
) -> npt.NDArray[Any]:
    """The array stored in entry `name`, which holds `holding` (for messages)."""
    if name not in archive.files:
        raise _corrupt(source, f"the entry {name!r} holding {holding} is missing")
    try:
        array = archive[name]
    except _READ_ERRORS as error:
        what = (
            f"the entry {name!r} holding {holding} cannot be read ({type(error).__name__}: {error})"
        )
        raise _corrupt(source, what) from error
    if not isinstance(array, np.ndarray):
        raise _corrupt(source, f"the entry {name!r} holding {holding} is not a .npy array")
    return array


def _field(record: object, name: str, expected: type[V], where: str, source: str) -> V:
    """`record[name]`, checked to be an instance of `expected` (a bool is no int here).

    `where` names the record in messages: "its manifest", "leaf 3 of its manifest".
    """
    value = record.get(name) if isinstance(record, dict) else None
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
        what = f"{where} needs {name!r} as {expected.__name__}, found {value!r:.80}"
        raise _corrupt(source, what)
    return value


def _parse_leaf(record: object, index: int, source: str) -> LeafInfo:
    where = f"leaf {index} of its manifest"
    path = _field(record, "path", str, where, source)
    shape = _field(record, "shape", list, where, source)
    dtype_text = _field(record, "dtype", str, where, source)
    kind = _field(record, "kind", str, where, source)
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise _corrupt(source, f"leaf {path!r} has shape {shape!r}, not a list of sizes")
    if kind not in _KINDS:
        raise _corrupt(source, f"leaf {path!r} has kind {kind!r}, not one of {sorted(_KINDS)}")
    try:
        dtype = np.dtype(dtype_text)
    except (TypeError, ValueError):
        raise _corrupt(source, f"leaf {path!r} has dtype {dtype_text!r}, not a dtype") from None
    if dtype.kind not in _DTYPE_KINDS:
        raise _corrupt(source, f"leaf {path!r} has dtype {dtype}, not a numeric dtype")
    return LeafInfo(path, tuple(shape), dtype, kind)


def _parse_manifest(record: object, source: str) -> Manifest:
    where = "its manifest"
    format_version = _field(record, "format_version", int, where, source)
    if format_version != FORMAT_VERSION:
        what = f"format version {format_version}; this nnfunc reads format {FORMAT_VERSION}"
        raise _corrupt(source, what)
    leaves = _field(record, "leaves", list, where, source)
    return Manifest(
        nnfunc_version=_field(record, "nnfunc_version", str, where, source),
        format_version=format_version,
        structure=_field(record, "structure", str, where, source),
        leaves=tuple(_parse_leaf(leaf, i, source) for i, leaf in enumerate(leaves)),
    )


def _read_manifest(archive: np.lib.npyio.NpzFile, source: str) -> Manifest:
    raw = _read_entry(archive, _MANIFEST, "the manifest", source)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        what = f"its manifest is a {raw.dtype} array of shape {raw.shape}, not uint8 text"
        raise _corrupt(source, what)
    try:
        record = json.loads(raw.tobytes().decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError alike
        raise _corrupt(source, f"its manifest is not UTF-8 JSON ({error})") from error
    return _parse_manifest(record, source)


def inspect(path: StrPath) -> Manifest:
    """The manifest of the checkpoint at `path`, read without loading any leaf.

    Raises FileNotFoundError if `path` does not exist, ValueError if the file is not
    a valid checkpoint (not an .npz archive, manifest missing or malformed).
    """
    with _open(path) as (archive, source):
        return _read_manifest(archive, source)


def _check_template(
    found: tuple[LeafInfo, ...], expected: tuple[LeafInfo, ...], source: str
) -> None:
    """ValueError naming the first leaf where the checkpoint and the template differ."""
    pairs = itertools.zip_longest(expected, found)
    for index, (want, got) in enumerate(pairs):
        if want != got:
            counts = (
                ""
                if len(found) == len(expected)
                else f" (the template has {len(expected)} leaves, the checkpoint {len(found)})"
            )
            raise ValueError(
                f"checkpoint {source!r} does not match the template at leaf {index}{counts}: "
                f"expected {want.describe() if want else 'no leaf'}, "
                f"found {got.describe() if got else 'no leaf'}"
            )


def _read_leaf(archive: np.lib.npyio.NpzFile, index: int, info: LeafInfo, source: str) -> object:
    """Leaf `index` of the archive, checked against its manifest entry `info`."""
    name = _entry_name(index)
    holding = f"leaf {_shown(info.path)}"
    array = _read_entry(archive, name, holding, source)
    if array.shape != info.shape or array.dtype != info.dtype:
        what = (
            f"the entry {name!r} holding {holding} is a {array.dtype} array of shape "
            f"{array.shape}, the manifest says {info.dtype} of shape {info.shape}"
        )
        raise _corrupt(source, what)
    return _decode(info, array)


def load(path: StrPath, template: T) -> T:
    """The tree saved at `path`, in the structure of `template` (whose leaf values are unused).

    The checkpoint must have the template's leaves: the same paths in the same order,
    with the same shapes, dtypes and kinds. Array leaves come back read-only; static
    attrs fields come from the template. Files are read without unpickling.
    Raises FileNotFoundError if `path` does not exist, ValueError naming the first
    leaf that differs from the template, or saying how the file is corrupt.
    """
    expected = _infos(template)
    with _open(path) as (archive, source):
        manifest = _read_manifest(archive, source)
        _check_template(manifest.leaves, expected, source)
        leaves = [_read_leaf(archive, i, info, source) for i, info in enumerate(manifest.leaves)]
    result: T = unflatten(structure(template), leaves)
    return result


__all__ = ["FORMAT_VERSION", "LeafInfo", "Manifest", "inspect", "load", "save"]
