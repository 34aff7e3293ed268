"""The .npz archive of a checkpoint: written without pickling, read entry by entry with
every header checked before anything as large as it declares is allocated."""

from __future__ import annotations

import contextlib
import math
import os
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc._files import StrPath, fspath
from nnfunc._records import Corrupt
from nnfunc.checkpoint._manifest import DTYPE_KINDS, LeafInfo


def write_npz(file: BinaryIO, entries: dict[str, npt.NDArray[Any]]) -> None:
    """Write `entries` to `file` as an uncompressed .npz archive, refusing to pickle anything."""
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in entries.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


class Refused(ValueError):
    """A checkpoint refused for a reason already worded in full (naming the file)."""


def corrupt(source: str, what: str) -> Refused:
    return Refused(f"{source!r} is not a valid nnfunc checkpoint: {what}")


@attrs.frozen
class Archive:
    """An open checkpoint: its zip archive, its path as text and its size in bytes."""

    zip: zipfile.ZipFile
    source: str
    size: int


@contextlib.contextmanager
def open_archive(path: StrPath) -> Iterator[Archive]:
    """The open archive at `path`. Inside the block, any exception but KeyboardInterrupt
    (from zipfile, zlib, numpy, json: whatever damaged bytes make them raise) becomes a
    ValueError naming the file. Raises FileNotFoundError if there is no such file."""
    source = fspath("path", path)
    with open(source, "rb") as file:
        try:
            with zipfile.ZipFile(file) as archive:
                yield Archive(archive, source, os.fstat(file.fileno()).st_size)
        except Refused:
            raise
        except Corrupt as error:
            raise corrupt(source, str(error)) from None
        except Exception as error:
            what = f"it cannot be read as an .npz archive ({type(error).__name__}: {error})"
            raise corrupt(source, what) from error


def read_entry(
    archive: Archive, name: str, holding: str, expected: LeafInfo | None = None
) -> npt.NDArray[Any]:
    """The array stored in entry `name`, which holds `holding` (for messages).

    Its .npy header is read and checked first (dtype and shape as `expected` says, if
    given, and a byte count equal to what the entry holds), so nothing larger than the
    entry is ever allocated.
    """
    source = archive.source
    try:
        info = archive.zip.getinfo(f"{name}.npy")
    except KeyError:
        missing = "is not a .npy array" if name in archive.zip.namelist() else "is missing"
        raise corrupt(source, f"the entry {name!r} holding {holding} {missing}") from None
    entry = f"the entry {name!r} holding {holding}"
    if info.compress_type != zipfile.ZIP_STORED or info.file_size > archive.size:
        what = f"{entry} is compressed or declares {info.file_size} bytes, more than the file has"
        raise corrupt(source, what)
    with archive.zip.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version not in ((1, 0), (2, 0)):
            raise corrupt(source, f"{entry} is a .npy array of version {version}")
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran, dtype = read_header(member)
        if dtype.hasobject or dtype.kind not in DTYPE_KINDS:
            raise corrupt(source, f"{entry} is an array of dtype {dtype}, not a numeric dtype")
        if expected is not None and (shape != expected.shape or dtype != expected.dtype):
            what = (
                f"{entry} is a {dtype} array of shape {shape}, the manifest says "
                f"{expected.dtype} of shape {expected.shape}"
            )
            raise corrupt(source, what)
        count = math.prod(shape) * dtype.itemsize
        if member.tell() + count != info.file_size:
            what = (
                f"{entry} declares a {dtype} array of shape {shape} ({count} bytes), but "
                f"holds {info.file_size - member.tell()} bytes of data"
            )
            raise corrupt(source, what)
        data = member.read(count)
    array: npt.NDArray[Any] = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C")
