"""IDX files, the format of MNIST: read them (raw or gzip-compressed) and write them.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions ndim >= 1), ndim big-endian uint32 sizes, then the items in C order,
big-endian. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
0x0E float64. `load_idx` decompresses a file that starts with the gzip magic bytes
1f 8b, whatever its name (an IDX file itself starts with 00), and returns a read-only
array. Nothing is ever downloaded: these functions read and write local files only.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from typing import Any

import numpy as np
import numpy.typing as npt

from nnfunc import _checks
from nnfunc._arrays import freeze
from nnfunc._files import StrPath, fspath, write_bytes

# The item dtype of each IDX type code (native byte order here; big-endian in the file).
_TYPE_CODES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(np.int16),
    0x0C: np.dtype(np.int32),
    0x0D: np.dtype(np.float32),
    0x0E: np.dtype(np.float64),
}

_GZIP_MAGIC = b"\x1f\x8b"
_MAX_SIZE = 2**32 - 1  # a size is a uint32
_MAX_NDIM = 255  # ndim is one byte


def _known_codes() -> str:
    return ", ".join(f"{code:#04x} ({dtype})" for code, dtype in _TYPE_CODES.items())


def _invalid(source: str, check: str, detail: str) -> ValueError:
    return ValueError(f"{source!r} is not a valid IDX file: {check}: {detail}")


def _contents(source: str) -> bytes:
    """The bytes of the file at `source`, decompressed if they start with the gzip magic."""
    with open(source, "rb") as file:
        raw = file.read()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise _invalid(source, "corrupt gzip data", str(error)) from error


def _header(source: str, contents: bytes) -> tuple[np.dtype[Any], tuple[int, ...], int]:
    """(item dtype, shape, header length) read from the magic number and the sizes."""
    if len(contents) < 4:
        raise _invalid(
            source, "wrong magic number", f"expected 4 bytes, the file has {len(contents)}"
        )
    zero, code, ndim = struct.unpack(">HBB", contents[:4])
    if zero != 0:
        raise _invalid(
            source,
            "wrong magic number",
            f"the first two bytes must be 00 00, given {contents[:2].hex(' ')}",
        )
    if code not in _TYPE_CODES:
        raise _invalid(source, "unknown type code", f"{code:#04x}; known: {_known_codes()}")
    if ndim == 0:
        raise _invalid(source, "wrong magic number", "ndim must be >= 1, given 0")
    header = 4 + 4 * ndim
    if len(contents) < header:
        raise _invalid(
            source,
            "truncated header",
            f"{ndim} sizes need {header} header bytes, the file has {len(contents)}",
        )
    shape = struct.unpack(f">{ndim}I", contents[4:header])
    return _TYPE_CODES[code], shape, header


def load_idx(path: StrPath) -> npt.NDArray[Any]:
    """The array stored in the IDX file `path`, raw or gzip-compressed (told by its first bytes).

    Returns a read-only array of the declared shape, with the type code's dtype in
    native byte order. Raises ValueError naming the path and the check that failed:
    wrong magic number (first two bytes not zero, ndim 0, fewer than 4 bytes), unknown
    type code, truncated header, truncated data (fewer bytes than the sizes need), size
    mismatch (more bytes than they need), corrupt gzip data. OSError if unreadable.
    """
    source = fspath("path", path)
    contents = _contents(source)
    dtype, shape, header = _header(source, contents)
    count = math.prod(shape)
    expected, found = count * dtype.itemsize, len(contents) - header
    if found != expected:
        check, extra = (
            ("truncated data", "") if found < expected else ("size mismatch", " (extra bytes)")
        )
        raise _invalid(
            source,
            check,
            f"shape {shape} of {dtype} needs {expected} data bytes, found {found}{extra}",
        )
    items = np.frombuffer(contents, dtype.newbyteorder(">"), count, header)
    return freeze(items.astype(dtype, copy=False).reshape(shape))


def _type_code(array: npt.NDArray[Any]) -> int:
    """The IDX type code of the array's dtype (either byte order); TypeError if it has none."""
    for code, dtype in _TYPE_CODES.items():
        if array.dtype.newbyteorder("=") == dtype:
            return code
    raise TypeError(
        f"save_idx: IDX cannot hold dtype {array.dtype} (of array); expected one of "
        f"{', '.join(str(dtype) for dtype in _TYPE_CODES.values())}"
    )


def save_idx(path: StrPath, array: npt.ArrayLike, compress: bool = False) -> None:
    """Write `array` to `path` as an IDX file, gzip-compressed if `compress`.

    The array must have 1 to 255 dimensions, each of size < 2**32, and a dtype IDX
    holds (uint8, int8, int16, int32, float32, float64). The same array always gives
    the same bytes (the gzip header carries no time stamp). The name is used as given;
    the file is written atomically (an existing file at `path` is replaced whole or kept).
    Raises TypeError for another dtype or a `compress` that is not a bool, ValueError
    for another number of dimensions
    or a size too large, OSError if the file cannot be written.
    """
    compress = _checks.boolean("compress", compress)
    values = np.asarray(array)
    code = _type_code(values)
    if not 1 <= values.ndim <= _MAX_NDIM:
        raise ValueError(
            f"save_idx: the array must have 1 to {_MAX_NDIM} dimensions, given shape {values.shape}"
        )
    if max(values.shape) > _MAX_SIZE:
        raise ValueError(f"save_idx: every size must be < 2**32, given shape {values.shape}")
    header = struct.pack(f">HBB{values.ndim}I", 0, code, values.ndim, *values.shape)
    contents = header + values.astype(values.dtype.newbyteorder(">"), copy=False).tobytes()
    if compress:
        contents = gzip.compress(contents, mtime=0)
    write_bytes(path, contents)


__all__ = ["load_idx", "save_idx"]
