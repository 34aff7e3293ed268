"""Files under hostile bytes: a checkpoint or a sweep results file, truncated at every
length, with every byte flipped, or with crafted headers (huge shapes, deep nesting, wrong
dtypes), loads to the right value or raises a ValueError naming the file, without
allocating more than the file justifies; templates of other static data are refused."""

from __future__ import annotations

import io
import json
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import checkpoint, sweep
from nnfunc.train import History

TREE = (np.array([1.5, -2.0], dtype=np.float32), {"n": np.array([[7]], dtype=np.int32)})
TEMPLATE = (np.zeros(2, dtype=np.float32), {"n": np.zeros((1, 1), dtype=np.int32)})


def _same_tree(loaded: Any) -> bool:
    first, rest = loaded
    return (
        first.dtype == np.float32
        and first.tobytes() == TREE[0].tobytes()
        and rest["n"].dtype == np.int32
        and rest["n"].shape == (1, 1)
        and int(rest["n"][0, 0]) == 7
    )


def _results() -> sweep.Results:
    config: sweep.FrozenDict[sweep.Value] = sweep.FrozenDict.of({"rate": 0.5})
    runs = (
        sweep.Run(config, 1, sweep.FrozenDict.of({"loss": 0.25}), None, None, 0.5),
        sweep.Run(config, 2, sweep.FrozenDict(), None, sweep.Failure("E", "m"), 0.5),
    )
    return sweep.Results((config,), (1, 2), runs)


def _variants(raw: bytes) -> list[bytes]:
    """Every truncation, and every byte flipped by XOR 0xFF and by XOR 0x01."""
    cut = [raw[:length] for length in range(len(raw))]
    flipped = [
        raw[:i] + bytes([raw[i] ^ pattern]) + raw[i + 1 :]
        for pattern in (0xFF, 0x01)
        for i in range(len(raw))
    ]
    return cut + flipped


def _fuzz(path: Path, read: Callable[[], bool]) -> int:
    """Write every variant of the file at `path` and read it: `read` must return True (the
    right value) or raise a ValueError naming the file. Returns the number refused."""
    raw = path.read_bytes()
    refused = 0
    for variant in _variants(raw):
        path.write_bytes(variant)
        try:
            assert read(), f"a wrong value from {variant!r}"
        except ValueError as error:
            assert repr(str(path)) in str(error)
            refused += 1
    return refused


def test_every_truncation_and_byte_flip_of_a_checkpoint_is_refused_or_read_right(
    tmp_path: Path,
) -> None:
    path = tmp_path / "small.npz"
    checkpoint.save(path, TREE)
    size = path.stat().st_size
    refused = _fuzz(path, lambda: _same_tree(checkpoint.load(path, TEMPLATE)))
    assert size <= refused < 3 * size  # every truncation at least; a flipped date is harmless


def test_every_truncation_and_byte_flip_of_a_results_file_gives_results_or_a_value_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "results.json"
    sweep.results_file.save(path, _results())
    size = path.stat().st_size

    def read() -> bool:
        # A text format has no checksum: a flipped digit is another valid file, so any
        # Results is a right reading of its bytes; XOR 0xFF always makes it non-UTF-8.
        return isinstance(sweep.load(path), sweep.Results)

    refused = _fuzz(path, read)
    assert refused >= 2 * size - 1  # truncations but the whole file, and every 0xFF flip


def _write_npz(path: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(f"{name}.npy", data)


def _npy(array: npt.NDArray[Any], header_shape: tuple[int, ...] | None = None) -> bytes:
    """The .npy bytes of `array`, with its header declaring `header_shape` if given."""
    dictionary = {
        "descr": np.lib.format.dtype_to_descr(array.dtype),
        "fortran_order": False,
        "shape": array.shape if header_shape is None else header_shape,
    }
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, dictionary)
    return buffer.getvalue() + array.tobytes()


def _manifest(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    record = {
        "format_version": checkpoint.FORMAT_VERSION,
        "nnfunc_version": nf.__version__,
        "structure": "crafted",
        "leaves": [{"path": "", "shape": list(shape), "dtype": dtype, "kind": "array"}],
    }
    return _npy(np.frombuffer(json.dumps(record).encode(), dtype=np.uint8))


HUGE = (10**6, 10**6)


@pytest.mark.parametrize(
    ("manifest_shape", "header_shape", "message"),
    [
        ((2,), HUGE, "the manifest says float64 of shape (2,)"),
        (HUGE, HUGE, "(8000000000000 bytes), but holds 16 bytes of data"),
        ((2,), (2**62, 2**62), "the manifest says float64 of shape (2,)"),
    ],
    ids=["header-only", "manifest-and-header", "overflowing"],
)
def test_a_huge_declared_shape_is_refused_before_any_large_allocation(
    tmp_path: Path,
    manifest_shape: tuple[int, ...],
    header_shape: tuple[int, ...],
    message: str,
) -> None:
    path = tmp_path / "huge.npz"
    data = np.array([1.0, 2.0])
    _write_npz(
        path, {"__manifest__": _manifest(manifest_shape), "leaf_00000": _npy(data, header_shape)}
    )
    template = np.broadcast_to(np.float64(0), manifest_shape)  # the shape, without the memory
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=re.escape(message)) as error:
            checkpoint.load(path, template)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert repr(str(path)) in str(error.value)
    assert peak < 2 * 2**20


@pytest.mark.parametrize(
    ("manifest", "leaf", "message"),
    [
        (
            _manifest((2,)),
            _npy(np.array([1.0, 2.0], dtype=np.float32)),
            "is a float32 array of shape (2,), the manifest says float64",
        ),
        (_manifest((2,), "|O"), _npy(np.array([1.0, 2.0])), "not a numeric dtype"),
        (_manifest((2,), "<U3"), _npy(np.array([1.0, 2.0])), "not a numeric dtype"),
        (_manifest((2,)), _npy(np.array(["ab", "c"])), "is an array of dtype <U2, not a numeric"),
        (_npy(np.frombuffer(b"[" * 100_000, dtype=np.uint8)), b"", "not UTF-8 JSON (Recursion"),
    ],
    ids=["other-dtype", "object-dtype", "text-dtype", "text-leaf", "deep-json"],
)
def test_crafted_headers_are_refused_with_a_value_error_naming_the_file(
    tmp_path: Path, manifest: bytes, leaf: bytes, message: str
) -> None:
    path = tmp_path / "crafted.npz"
    _write_npz(path, {"__manifest__": manifest, "leaf_00000": leaf})
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        checkpoint.load(path, np.zeros(2))
    assert repr(str(path)) in str(error.value)


def test_deep_nesting_in_a_results_file_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ValueError, match="is not an nnfunc sweep results file: maximum recursion"):
        sweep.load(path)


@pytest.mark.parametrize(
    ("offset", "value"),
    [(10, 99), (8, 0x40), (8, 0x20), (8, 0x01)],
    ids=["method-99", "strong-encryption", "patched-data", "encrypted"],
)
def test_a_zip_directory_zipfile_cannot_read_is_a_value_error(
    tmp_path: Path, offset: int, value: int
) -> None:
    """A compression method or flag zipfile does not support (it raises
    NotImplementedError or RuntimeError) gives a ValueError naming the file."""
    path = tmp_path / "ckpt.npz"
    checkpoint.save(path, TREE)
    raw = bytearray(path.read_bytes())
    central = raw.index(b"PK\x01\x02")  # the first central directory record
    raw[central + offset : central + offset + 2] = value.to_bytes(2, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="is not a valid nnfunc checkpoint"):
        checkpoint.load(path, TEMPLATE)


def test_a_template_of_other_static_data_is_refused_naming_the_difference(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.npz"
    checkpoint.save(path, History(("epoch", "train_loss"), ((0.0, 1.5),)))
    other_order = History(("train_loss", "epoch"), ((0.0, 0.0),))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "at container 0 (class and static data): expected nnfunc.train.History "
            "(('train_loss', 'epoch'),), found nnfunc.train.History (('epoch', 'train_loss'),)"
        ),
    ):
        checkpoint.load(path, other_order)
    scale, shift = np.ones(3, np.float32), np.zeros(3, np.float32)
    path = tmp_path / "params.npz"
    checkpoint.save(path, nf.NormParams(scale, shift))
    state = nf.BatchNormState(scale, shift)  # two leaves of the same shapes, another class
    with pytest.raises(ValueError, match=r"does not match the template at leaf 0: expected \.mean"):
        checkpoint.load(path, state)
    assert checkpoint.load(path, nf.NormParams(scale, shift)).scale.shape == (3,)


def test_a_checkpoint_without_recorded_containers_loads_as_before(tmp_path: Path) -> None:
    """Files written before the manifest recorded containers have no "nodes": the leaves
    alone are checked."""
    path = tmp_path / "old.npz"
    checkpoint.save(path, TREE)
    with zipfile.ZipFile(path) as archive:
        entries = {name.removesuffix(".npy"): archive.read(name) for name in archive.namelist()}
    manifest = np.lib.format.read_array(io.BytesIO(entries["__manifest__"]))
    record = json.loads(manifest.tobytes())
    del record["nodes"]
    entries["__manifest__"] = _npy(np.frombuffer(json.dumps(record).encode(), dtype=np.uint8))
    _write_npz(path, entries)
    assert checkpoint.inspect(path).nodes == ()
    assert _same_tree(checkpoint.load(path, TEMPLATE))


def test_a_template_a_checkpoint_cannot_hold_is_a_type_error_not_a_file_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ckpt.npz"
    checkpoint.save(path, TREE)
    with pytest.raises(TypeError, match=r"leaf \[1\]\['n'\]: a checkpoint holds NumPy arrays"):
        checkpoint.load(path, (TEMPLATE[0], {"n": "text"}))
