"""nnfunc.idx: IDX files (MNIST's format) read raw or gzipped, written, and refused when bad."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from nnfunc.idx import load_idx, save_idx

# (dtype, IDX type code) as the format defines them.
DTYPES = [
    ("uint8", 0x08),
    ("int8", 0x09),
    ("int16", 0x0B),
    ("int32", 0x0C),
    ("float32", 0x0D),
    ("float64", 0x0E),
]
SHAPES = [(7,), (2, 3), (3, 1, 4)]


def _sample(dtype: str, shape: tuple[int, ...]) -> npt.NDArray[Any]:
    """Values of `dtype` and `shape` that include the dtype's extremes."""
    size = int(np.prod(shape))
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        values = np.linspace(info.min, info.max, size).round().astype(dtype)
    else:
        finfo = np.finfo(dtype)
        values = np.linspace(-1.5, 2.25, size).astype(dtype)
        values[0], values[-1] = finfo.min, finfo.tiny
    return values.reshape(shape)


def _write(path: Path, contents: bytes) -> Path:
    path.write_bytes(contents)
    return path


# Round trips


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("dtype", "code"), DTYPES)
def test_round_trip(
    tmp_path: Path, dtype: str, code: int, shape: tuple[int, ...], compress: bool
) -> None:
    array = _sample(dtype, shape)
    path = tmp_path / "a.idx"
    save_idx(path, array, compress=compress)
    raw = path.read_bytes()
    if compress:
        assert raw[:2] == b"\x1f\x8b"
        raw = gzip.decompress(raw)
    assert raw[:4] == bytes([0, 0, code, len(shape)])
    assert struct.unpack(f">{len(shape)}I", raw[4 : 4 + 4 * len(shape)]) == shape
    loaded = load_idx(path)
    assert loaded.dtype == np.dtype(dtype) and loaded.dtype.isnative
    assert loaded.shape == shape
    assert loaded.tobytes() == array.tobytes()
    assert not loaded.flags.writeable


def test_save_writes_the_hand_computed_bytes(tmp_path: Path) -> None:
    path = tmp_path / "small.idx"
    save_idx(path, np.array([[1, -2, 3]], dtype=np.int16))
    assert path.read_bytes() == bytes.fromhex("00000b02 00000001 00000003 0001 fffe 0003")


def test_load_reads_a_hand_made_mnist_label_file(tmp_path: Path) -> None:
    contents = struct.pack(">I I 5B", 0x00000801, 5, 7, 2, 1, 0, 4)
    path = _write(tmp_path / "t10k-labels-idx1-ubyte", contents)
    labels = load_idx(path)
    assert labels.dtype == np.uint8
    assert labels.tolist() == [7, 2, 1, 0, 4]


def test_load_converts_big_endian_floats_to_native(tmp_path: Path) -> None:
    contents = struct.pack(">HBB II 4f", 0, 0x0D, 2, 2, 2, 0.5, -1.0, 3.25, 1e-3)
    loaded = load_idx(str(_write(tmp_path / "f.idx", contents)))
    assert loaded.dtype == np.float32 and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, np.array([[0.5, -1.0], [3.25, 1e-3]], np.float32))


def test_gzip_is_told_by_the_magic_bytes_not_the_name(tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.int32).reshape(3, 4)
    save_idx(tmp_path / "compressed.idx", array, compress=True)
    save_idx(tmp_path / "raw.gz", array, compress=False)
    for name in ("compressed.idx", "raw.gz"):
        assert load_idx(tmp_path / name).tolist() == array.tolist()


def test_compressed_bytes_are_reproducible(tmp_path: Path) -> None:
    array = np.arange(100, dtype=np.uint8)
    save_idx(tmp_path / "a.gz", array, compress=True)
    save_idx(tmp_path / "b.gz", array, compress=True)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


def test_save_writes_c_order_and_accepts_any_byte_order(tmp_path: Path) -> None:
    array = np.asfortranarray(np.arange(6, dtype=">f8").reshape(2, 3))
    save_idx(tmp_path / "a.idx", array)
    assert load_idx(tmp_path / "a.idx").tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_empty_dimension_round_trips(tmp_path: Path) -> None:
    save_idx(tmp_path / "e.idx", np.zeros((0, 28, 28), dtype=np.uint8))
    assert load_idx(tmp_path / "e.idx").shape == (0, 28, 28)


# Bad files


def _int16_file(sizes: tuple[int, ...], items: int) -> bytes:
    """An int16 IDX header declaring `sizes`, followed by `items` int16 values."""
    header = struct.pack(f">HBB{len(sizes)}I", 0, 0x0B, len(sizes), *sizes)
    return header + struct.pack(f">{items}h", *range(items))


@pytest.mark.parametrize(
    ("contents", "message"),
    [
        (b"\x00\x00\x08", r"wrong magic number: expected 4 bytes, the file has 3"),
        (
            struct.pack(">HBBI", 0x0102, 0x08, 1, 0),
            r"wrong magic number: the first two bytes must be 00 00, given 01 02",
        ),
        (struct.pack(">HBB", 0, 0x08, 0), r"wrong magic number: ndim must be >= 1, given 0"),
        (
            struct.pack(">HBBI", 0, 0x0A, 1, 0),
            r"unknown type code: 0x0a; known: 0x08 \(uint8\), 0x09 \(int8\), 0x0b \(int16\)",
        ),
        (
            struct.pack(">HBBI", 0, 0x0B, 3, 2),
            r"truncated header: 3 sizes need 16 header bytes, the file has 8",
        ),
        (
            _int16_file((2, 3), 4),
            r"truncated data: shape \(2, 3\) of int16 needs 12 data bytes, found 8$",
        ),
        (
            _int16_file((2, 3), 7),
            r"size mismatch: shape \(2, 3\) of int16 needs 12 data bytes, found 14 \(extra bytes\)",
        ),
    ],
)
@pytest.mark.parametrize("compress", [False, True])
def test_bad_files_are_refused_naming_path_and_check(
    tmp_path: Path, contents: bytes, message: str, compress: bool
) -> None:
    path = _write(tmp_path / "bad.idx", gzip.compress(contents) if compress else contents)
    with pytest.raises(ValueError, match=r"bad\.idx' is not a valid IDX file: " + message):
        load_idx(path)


def test_corrupt_gzip_is_refused(tmp_path: Path) -> None:
    good = gzip.compress(_int16_file((4,), 4))
    path = _write(tmp_path / "cut.gz", good[: len(good) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz' is not a valid IDX file: corrupt gzip data"):
        load_idx(path)


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_idx(tmp_path / "absent.idx")


# Arrays IDX cannot hold


@pytest.mark.parametrize("dtype", [np.bool_, np.int64, np.uint16, np.float16, np.complex128])
def test_save_refuses_dtypes_idx_cannot_hold(tmp_path: Path, dtype: type[np.generic]) -> None:
    name = np.dtype(dtype).name
    with pytest.raises(
        TypeError, match=rf"save_idx: IDX cannot hold dtype {name} \(of array\); expected one"
    ):
        save_idx(tmp_path / "a.idx", np.zeros(3, dtype=dtype))
    assert not (tmp_path / "a.idx").exists()


def test_save_refuses_a_scalar(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"must have 1 to 255 dimensions, given shape \(\)"):
        save_idx(tmp_path / "a.idx", np.uint8(3))


def test_save_idx_takes_compress_as_a_bool_and_writes_atomically(tmp_path: Path) -> None:
    path = tmp_path / "a.idx"
    with pytest.raises(TypeError, match="compress must be True or False, given 'yes'"):
        save_idx(path, np.arange(3, dtype=np.uint8), compress="yes")  # type: ignore[arg-type]
    assert not path.exists()
    save_idx(path, np.arange(3, dtype=np.uint8), compress=np.bool_(True))  # type: ignore[arg-type]
    np.testing.assert_array_equal(load_idx(path), np.arange(3, dtype=np.uint8))
    assert os.listdir(tmp_path) == ["a.idx"]
