"""Checkpoints: round trips, inspect, template checks, corrupt files and atomic writes."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from threadpoolctl import threadpool_info

import nnfunc as nf
from nnfunc import checkpoint


@nf.pytree
class TrainState:
    """A user's own pytree: two leaves and a static field."""

    weights: npt.NDArray[np.float16]
    done: bool
    name: str = nf.static_field()


def _mixed_tree() -> dict[str, Any]:
    return {
        "key": nf.random.key(7),
        "step": 12,
        "big": 2**63 - 1,
        "lr": 0.125,
        "count": np.array(3, dtype=np.int64),
        "scale": np.float32(0.5),
        "pair": (None, np.arange(4, dtype=np.uint8)),
        "history": [0.5, -0.25],
        "state": TrainState(np.arange(6, dtype=np.float16).reshape(2, 3), True, name="run-1"),
        "mask": np.array([True, False]),
        "z": np.array([1 + 2j, -3j], dtype=np.complex128),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "strided": np.arange(10, dtype=np.int32)[::3],
        "big_endian": np.array([1.5, 2.5], dtype=">f8"),
    }


def _blank(leaf: Any) -> Any:
    """A leaf of the same type, dtype and shape as `leaf`, holding other values."""
    if isinstance(leaf, nf.random.Key):
        return nf.random.key(0)
    if isinstance(leaf, np.generic):
        return leaf.dtype.type(0)
    if isinstance(leaf, np.ndarray):
        return np.zeros_like(leaf)
    return type(leaf)()


def _comparable(tree: object) -> object:
    """`tree` with each Key as its two words, so that nf.tree.equal compares keys by value."""
    return nf.tree.map(
        lambda leaf: (
            np.array([leaf.hi, leaf.lo], dtype=np.uint64)
            if isinstance(leaf, nf.random.Key)
            else leaf
        ),
        tree,
    )


def _same(a: object, b: object) -> bool:
    """Same structure, same leaf types, and leaves of equal dtype, shape and bytes."""
    types_a = [type(leaf) for leaf in nf.tree.leaves(a)]
    types_b = [type(leaf) for leaf in nf.tree.leaves(b)]
    return types_a == types_b and nf.tree.equal(_comparable(a), _comparable(b))


def _array_leaves(tree: object) -> list[npt.NDArray[Any]]:
    return [leaf for leaf in nf.tree.leaves(tree) if isinstance(leaf, np.ndarray)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_params_round_trip(tmp_path: Path, dtype: type[np.floating[Any]]) -> None:
    net = nf.mlp([3, 5, 2])
    params = nf.init(net, nf.random.key(0), dtype=dtype)
    template = nf.init(net, nf.random.key(1), dtype=dtype)
    assert not _same(template, params)
    path = tmp_path / "params.npz"
    checkpoint.save(path, params)
    loaded = checkpoint.load(path, template)
    assert _same(loaded, params)
    assert isinstance(loaded[0], nf.DenseParams) and loaded[1] is None
    assert [leaf.dtype for leaf in nf.tree.leaves(loaded)] == [np.dtype(dtype)] * 4
    assert all(not leaf.flags.writeable for leaf in nf.tree.leaves(loaded))
    x = np.array([[0.5, -1.0, 2.0]])
    assert nf.forward(net, loaded, x).tobytes() == nf.forward(net, params, x).tobytes()


def test_mixed_tree_round_trip(tmp_path: Path) -> None:
    tree = _mixed_tree()
    template = nf.tree.map(_blank, tree)
    assert not _same(template, tree)
    path = tmp_path / "mixed.npz"
    checkpoint.save(path, tree)
    loaded = checkpoint.load(path, template)
    assert _same(loaded, tree)
    assert loaded["key"] == nf.random.key(7)
    assert type(loaded["step"]) is int and loaded["step"] == 12
    assert type(loaded["big"]) is int and loaded["big"] == 2**63 - 1
    assert type(loaded["lr"]) is float and loaded["lr"] == 0.125
    assert type(loaded["scale"]) is np.float32 and loaded["scale"] == 0.5
    assert loaded["pair"][0] is None
    assert loaded["state"].name == "run-1" and loaded["state"].done is True
    assert loaded["big_endian"].dtype == np.dtype(">f8")
    assert loaded["big_endian"].tolist() == [1.5, 2.5]
    assert loaded["fortran"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert loaded["strided"].tolist() == [0, 3, 6, 9]
    arrays = _array_leaves(loaded)
    assert len(arrays) == 9
    for array in arrays:
        assert not array.flags.writeable
        node = array.base
        while isinstance(node, np.ndarray):
            assert not node.flags.writeable
            node = node.base


@pytest.mark.parametrize(
    "tree",
    [None, (), np.arange(3.0), nf.random.key(3), 7, np.float64(2.5)],
    ids=["none", "empty-tuple", "root-array", "root-key", "root-int", "root-scalar"],
)
def test_trees_without_containers_or_leaves_round_trip(tmp_path: Path, tree: object) -> None:
    path = tmp_path / "tree.npz"
    checkpoint.save(path, tree)
    loaded = checkpoint.load(path, nf.tree.map(_blank, tree))
    assert _same(loaded, tree)


def test_save_uses_the_path_exactly_as_given_and_replaces_an_old_checkpoint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ckpt"
    checkpoint.save(str(path), {"step": 1})
    checkpoint.save(path, {"step": 2})
    assert sorted(os.listdir(tmp_path)) == ["ckpt"]
    assert checkpoint.load(path, {"step": 0}) == {"step": 2}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_checkpoint_gets_the_permissions_of_a_plainly_written_file(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    path = tmp_path / "ckpt.npz"
    checkpoint.save(path, {"step": 1})
    assert path.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def _numpy_blas() -> tuple[str, str]:
    """(version, kernel) of NumPy's own OpenBLAS, as threadpoolctl reports them."""
    (blas,) = [i for i in threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"]]
    return str(blas["version"]), str(blas["architecture"])


def test_inspect_reads_the_manifest_without_a_template(tmp_path: Path) -> None:
    path = tmp_path / "small.npz"
    tree = {"w": np.zeros((2, 3), np.float32), "lr": 0.5, "key": nf.random.key(0)}
    checkpoint.save(path, tree)
    manifest = checkpoint.inspect(path)
    assert manifest.nnfunc_version == nf.__version__
    assert manifest.format_version == checkpoint.FORMAT_VERSION == 1
    assert manifest.structure == "TreeDef(dict(*, *, *), num_leaves=3)"
    assert manifest.leaves == (
        checkpoint.LeafInfo("['key']", (2,), np.dtype(np.uint64), "key"),
        checkpoint.LeafInfo("['lr']", (), np.dtype(np.float64), "float"),
        checkpoint.LeafInfo("['w']", (2, 3), np.dtype(np.float32), "array"),
    )
    version, kernel = _numpy_blas()
    assert manifest.provenance == checkpoint.Provenance(
        np.__version__, "openblas", version, kernel, platform.platform()
    )
    written = f"NumPy {np.__version__}, openblas {version} (kernel {kernel}), {platform.platform()}"
    assert str(manifest) == textwrap.dedent(f"""\
        nnfunc checkpoint (format 1, nnfunc {nf.__version__}), 3 leaves
        written with: {written}
        path     kind   dtype    shape
        ['key']  key    uint64   (2,)
        ['lr']   float  float64  ()
        ['w']    array  float32  (2, 3)
        structure: TreeDef(dict(*, *, *), num_leaves=3)""")


# Files damaged or made by hand.


def _saved_params(tmp_path: Path) -> Path:
    path = tmp_path / "params.npz"
    checkpoint.save(path, nf.init(nf.mlp([3, 5, 2]), nf.random.key(0)))
    return path


def _params_template(sizes: list[int], dtype: type[np.floating[Any]] = np.float32) -> Any:
    return nf.init(nf.mlp(sizes), nf.random.key(1), dtype=dtype)


def _entries(path: Path) -> dict[str, npt.NDArray[Any]]:
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _write_archive(path: Path, entries: Mapping[str, npt.NDArray[Any] | bytes]) -> None:
    """An .npz made by hand: arrays as .npy members (pickled if object), bytes as raw members."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in entries.items():
            if isinstance(value, bytes):
                archive.writestr(name, value)
                continue
            with archive.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, value, allow_pickle=True)


def _text(text: str | bytes) -> npt.NDArray[np.uint8]:
    raw = text.encode() if isinstance(text, str) else text
    return np.frombuffer(raw, dtype=np.uint8)


def _manifest(path: Path) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(_entries(path)["__manifest__"].tobytes())
    return record


def test_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        checkpoint.load(tmp_path / "absent.npz", None)
    with pytest.raises(FileNotFoundError):
        checkpoint.inspect(tmp_path / "absent.npz")


def test_a_truncated_file_is_refused(tmp_path: Path) -> None:
    path = _saved_params(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    message = "is not a valid nnfunc checkpoint: it cannot be read as an .npz archive (BadZipFile"
    with pytest.raises(ValueError, match=re.escape(f"{str(path)!r} {message}")):
        checkpoint.load(path, _params_template([3, 5, 2]))
    with pytest.raises(ValueError, match=re.escape(message)):
        checkpoint.inspect(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a checkpoint at all", "it cannot be read as an .npz archive"),
        (None, "it cannot be read as an .npz archive (BadZipFile: File is not a zip file)"),
    ],
    ids=["text", "npy"],
)
def test_files_that_are_no_npz_archive_are_refused(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "other.npz"
    if content is None:
        with path.open("wb") as file:
            np.save(file, np.arange(3))
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(message)):
        checkpoint.inspect(path)


def test_a_missing_leaf_entry_is_named_and_inspect_needs_no_leaf(tmp_path: Path) -> None:
    path = _saved_params(tmp_path)
    entries = _entries(path)
    del entries["leaf_00002"]
    _write_archive(path, entries)
    assert len(checkpoint.inspect(path).leaves) == 4
    message = "the entry 'leaf_00002' holding leaf [2].w is missing"
    with pytest.raises(ValueError, match=re.escape(message)):
        checkpoint.load(path, _params_template([3, 5, 2]))


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (None, "the entry '__manifest__' holding the manifest is missing"),
        (_text("{not json"), "not UTF-8 JSON (JSONDecodeError: Expecting property name"),
        (_text(b"\xff\xfe"), "not UTF-8 JSON (UnicodeDecodeError: 'utf-8' codec can't"),
        (np.zeros(2), "its manifest is a float64 array of shape (2,), not uint8 text"),
        (_text("[1, 2]"), "its manifest must be a JSON object, found [1, 2]"),
        (b"raw bytes", "the entry '__manifest__' holding the manifest is not a .npy array"),
    ],
    ids=["missing", "not-json", "not-utf8", "float-array", "json-list", "not-npy"],
)
def test_a_broken_manifest_is_refused(
    tmp_path: Path, manifest: npt.NDArray[Any] | bytes | None, message: str
) -> None:
    path = _saved_params(tmp_path)
    entries: dict[str, npt.NDArray[Any] | bytes] = dict(_entries(path))
    del entries["__manifest__"]
    if manifest is not None:
        entries["__manifest__"] = manifest
    _write_archive(path, entries)
    with pytest.raises(ValueError, match=re.escape(message)):
        checkpoint.inspect(path)
    with pytest.raises(ValueError, match=re.escape(message)):
        checkpoint.load(path, _params_template([3, 5, 2]))


def _edit_leaf(field: str, value: object) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def edit(record: dict[str, Any]) -> dict[str, Any]:
        first = {**record["leaves"][0], field: value}
        return {**record, "leaves": [first, *record["leaves"][1:]]}

    return edit


def _edit(field: str, value: object) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda record: {**record, field: value}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_edit("format_version", 2), "format version 2; this nnfunc reads format 1"),
        (_edit("format_version", True), "field 'format_version' must be int, found True"),
        (_edit("leaves", None), "its manifest: field 'leaves' must be list, found None"),
        (_edit("nnfunc_version", 1), "its manifest: field 'nnfunc_version' must be str, found 1"),
        (_edit_leaf("path", None), "leaf 0 of its manifest: field 'path' must be str, found None"),
        (_edit_leaf("dtype", "|O"), "leaf '[0].w' has dtype object, not a numeric dtype"),
        (_edit_leaf("dtype", "no-such-type"), "leaf '[0].w' has dtype 'no-such-type', not a dtype"),
        (_edit_leaf("kind", "pickle"), "leaf '[0].w' has kind 'pickle', not one of ['array'"),
        (_edit_leaf("shape", [-1, 5]), "leaf '[0].w' has shape [-1, 5], not a list of sizes"),
        (_edit("provenance", []), "its manifest's provenance must be a JSON object, found []"),
        (
            _edit("provenance", {"numpy": "2.0"}),
            "its manifest's provenance has no field 'blas'",
        ),
    ],
    ids=[
        "newer-format",
        "bool-format",
        "no-leaves",
        "int-version",
        "no-path",
        "object-dtype",
        "bad-dtype",
        "bad-kind",
        "bad-shape",
        "provenance-list",
        "provenance-fields",
    ],
)
def test_a_malformed_manifest_is_refused(
    tmp_path: Path, edit: Callable[[dict[str, Any]], dict[str, Any]], message: str
) -> None:
    path = _saved_params(tmp_path)
    entries = _entries(path)
    entries["__manifest__"] = _text(json.dumps(edit(_manifest(path))))
    _write_archive(path, entries)
    with pytest.raises(ValueError, match=re.escape(message)):
        checkpoint.inspect(path)


@pytest.mark.parametrize(
    ("stored", "found"),
    [
        (np.zeros((3, 5), np.float64), "is a float64 array of shape (3, 5)"),
        (np.zeros((5, 3), np.float32), "is a float32 array of shape (5, 3)"),
    ],
    ids=["dtype", "shape"],
)
def test_an_entry_that_disagrees_with_the_manifest_is_refused(
    tmp_path: Path, stored: npt.NDArray[Any], found: str
) -> None:
    path = _saved_params(tmp_path)
    entries = _entries(path)
    entries["leaf_00000"] = stored
    _write_archive(path, entries)
    message = (
        f"the entry 'leaf_00000' holding leaf [0].w {found}, "
        "the manifest says float32 of shape (3, 5)"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        checkpoint.load(path, _params_template([3, 5, 2]))


UNPICKLED: list[str] = []


def _record_unpickling(tag: str) -> str:
    UNPICKLED.append(tag)
    return tag


class PickleTrap:
    """An object whose unpickling leaves a trace in UNPICKLED."""

    def __reduce__(self) -> tuple[Callable[[str], str], tuple[str]]:
        return _record_unpickling, ("unpickled",)


@pytest.mark.parametrize("entry", ["leaf_00001", "__manifest__"])
def test_object_arrays_are_refused_without_unpickling(tmp_path: Path, entry: str) -> None:
    path = _saved_params(tmp_path)
    entries = _entries(path)
    entries[entry] = np.array([PickleTrap()], dtype=object)
    _write_archive(path, entries)
    UNPICKLED.clear()
    message = f"{str(path)!r} is not a valid nnfunc checkpoint: the entry {entry!r} holding"
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        checkpoint.load(path, _params_template([3, 5, 2]))
    assert "is an array of dtype object, not a numeric dtype" in str(error.value)
    assert UNPICKLED == []
    with np.load(path, allow_pickle=True) as archive:  # the trap works: pickling reaches it
        archive[entry]
    assert UNPICKLED == ["unpickled"]


def test_a_raw_member_in_place_of_a_leaf_is_refused(tmp_path: Path) -> None:
    path = _saved_params(tmp_path)
    entries: dict[str, npt.NDArray[Any] | bytes] = dict(_entries(path))
    del entries["leaf_00003"]
    entries["leaf_00003"] = b"\x00" * 8
    _write_archive(path, entries)
    message = "the entry 'leaf_00003' holding leaf [2].b is not a .npy array"
    with pytest.raises(ValueError, match=re.escape(message)):
        checkpoint.load(path, _params_template([3, 5, 2]))


# Checkpoints that do not fit the template.


@pytest.mark.parametrize(
    ("tree", "template", "message"),
    [
        (
            nf.init(nf.mlp([3, 5, 2]), nf.random.key(0)),
            _params_template([3, 5, 5, 2]),
            "at leaf 2 (the template has 6 leaves, the checkpoint 4): "
            "expected [2].w: float32 array of shape (5, 5), "
            "found [2].w: float32 array of shape (5, 2)",
        ),
        (
            nf.init(nf.mlp([3, 5, 2]), nf.random.key(0)),
            (_params_template([3, 5, 2])[0],),
            "at leaf 2 (the template has 2 leaves, the checkpoint 4): "
            "expected no leaf, found [2].w: float32 array of shape (5, 2)",
        ),
        (
            nf.init(nf.mlp([3, 5, 2]), nf.random.key(0)),
            _params_template([3, 5, 2], np.float64),
            "at leaf 0: expected [0].w: float64 array of shape (3, 5), "
            "found [0].w: float32 array of shape (3, 5)",
        ),
        (
            nf.init(nf.mlp([3, 5, 2]), nf.random.key(0)),
            _params_template([3, 4, 2]),
            "at leaf 0: expected [0].w: float32 array of shape (3, 4), "
            "found [0].w: float32 array of shape (3, 5)",
        ),
        (
            {"lr": 0.5},
            {"rate": 0.5},
            "at leaf 0: expected ['rate']: float64 float of shape (), "
            "found ['lr']: float64 float of shape ()",
        ),
        (
            {"step": 3},
            {"step": np.int64(3)},
            "at leaf 0: expected ['step']: int64 scalar of shape (), "
            "found ['step']: int64 int of shape ()",
        ),
    ],
    ids=["structure", "fewer-leaves", "dtype", "shape", "path", "kind"],
)
def test_a_checkpoint_that_does_not_fit_the_template_is_refused(
    tmp_path: Path, tree: object, template: object, message: str
) -> None:
    path = tmp_path / "ckpt.npz"
    checkpoint.save(path, tree)
    with pytest.raises(ValueError, match=re.escape(f"{str(path)!r} does not match the template")):
        checkpoint.load(path, template)
    with pytest.raises(ValueError, match=re.escape(message)):
        checkpoint.load(path, template)


# Saving: atomic, and refusing what it cannot hold before touching any file.


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError("disk full")


def _fail_on_third_array(monkeypatch: pytest.MonkeyPatch) -> None:
    real = np.lib.format.write_array
    calls: list[int] = []

    def write_array(fp: Any, array: npt.NDArray[Any], *args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            fp.write(b"partial")
            _disk_full()
        real(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", write_array)


@pytest.mark.parametrize("failing", ["write_array", "fsync", "replace"])
def test_a_failed_save_leaves_the_old_checkpoint_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "ckpt.npz"
    old = nf.init(nf.mlp([3, 5, 2]), nf.random.key(0))
    checkpoint.save(path, old)
    old_bytes = path.read_bytes()
    with monkeypatch.context() as patch:
        if failing == "write_array":
            _fail_on_third_array(patch)
        else:
            patch.setattr(os, failing, _disk_full)
        with pytest.raises(OSError, match="disk full"):
            checkpoint.save(path, nf.init(nf.mlp([3, 5, 2]), nf.random.key(1)))
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert path.read_bytes() == old_bytes
    assert _same(checkpoint.load(path, _params_template([3, 5, 2])), old)


def _no_file_access(*args: object, **kwargs: object) -> None:
    raise AssertionError("save touched a file before checking the leaves")


@pytest.mark.parametrize(
    ("leaf", "error", "message"),
    [
        (np.array([1, "a"], dtype=object), TypeError, "given a ndarray of dtype object"),
        (np.array(["a"]), TypeError, "given a ndarray of dtype <U1"),
        (np.array(["2024-01-01"], dtype="datetime64[D]"), TypeError, "dtype datetime64[D]"),
        (np.str_("a"), TypeError, "given a str_ of dtype <U1"),
        ("text", TypeError, "given str: 'text'"),
        (PickleTrap(), TypeError, "given PickleTrap"),
        (np.ma.masked_array([1.0]), TypeError, "cannot hold a MaskedArray"),
        (2**70, ValueError, "the Python int 1180591620717411303424 does not fit in int64"),
    ],
    ids=["object-array", "str-array", "datetime", "str-scalar", "str", "object", "masked", "big"],
)
def test_saving_an_unsupported_leaf_raises_before_writing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    leaf: object,
    error: type[Exception],
    message: str,
) -> None:
    path = tmp_path / "ckpt.npz"
    checkpoint.save(path, {"bad": (1, 2)})
    old_bytes = path.read_bytes()
    with monkeypatch.context() as patch:
        patch.setattr(os, "open", _no_file_access)
        with pytest.raises(error, match=re.escape("leaf ['bad'][1]: ")) as raised:
            checkpoint.save(path, {"bad": (1, leaf)})
    assert message in str(raised.value)
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert path.read_bytes() == old_bytes


def test_a_fresh_process_loads_the_same_bytes(tmp_path: Path) -> None:
    params = nf.init(nf.mlp([3, 5, 2]), nf.random.key(0), dtype=np.float64)
    path = tmp_path / "params.npz"
    checkpoint.save(path, params)
    script = textwrap.dedent("""\
        import hashlib, sys
        import numpy as np
        import nnfunc as nf
        from nnfunc import checkpoint
        template = nf.init(nf.mlp([3, 5, 2]), nf.random.key(1), dtype=np.float64)
        for leaf in nf.tree.leaves(checkpoint.load(sys.argv[1], template)):
            print(leaf.dtype, leaf.shape, hashlib.sha256(leaf.tobytes()).hexdigest())
        """)
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    expected = [
        f"{leaf.dtype} {leaf.shape} {hashlib.sha256(leaf.tobytes()).hexdigest()}"
        for leaf in nf.tree.leaves(params)
    ]
    assert result.stdout.splitlines() == expected


# Provenance: where a checkpoint was written.


def _leaf_bytes(tree: object) -> list[bytes]:
    return [np.asarray(leaf).tobytes() for leaf in nf.tree.leaves(tree)]


def _rewrite_manifest(path: Path, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    entries = _entries(path)
    entries["__manifest__"] = _text(json.dumps(edit(_manifest(path))))
    _write_archive(path, entries)


def _provenance_edit(**changes: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda record: {**record, "provenance": {**record["provenance"], **changes}}


@pytest.mark.parametrize(
    ("changes", "written"),
    [
        ({"blas_kernel": "SkylakeX"}, "(kernel SkylakeX)"),
        ({"numpy": "1.26.4"}, "written with NumPy 1.26.4, "),
        ({"blas": "mkl", "blas_version": "2024.2"}, "mkl 2024.2 ("),
    ],
    ids=["kernel", "numpy", "library"],
)
def test_a_checkpoint_from_another_blas_or_numpy_loads_with_a_warning(
    tmp_path: Path, changes: dict[str, str], written: str
) -> None:
    path = _saved_params(tmp_path)
    _rewrite_manifest(path, _provenance_edit(**changes))
    template = _params_template([3, 5, 2])
    with pytest.warns(checkpoint.ProvenanceWarning) as caught:
        loaded = checkpoint.load(path, template)
    assert _leaf_bytes(loaded) == _leaf_bytes(nf.init(nf.mlp([3, 5, 2]), nf.random.key(0)))
    (warning,) = caught
    message = str(warning.message)
    assert issubclass(warning.category, UserWarning)
    assert message.startswith(f"checkpoint {str(path)!r} was written with ")
    assert written in message
    assert f"this process runs NumPy {np.__version__}, openblas" in message
    assert message.endswith(
        "a run resumed from it may not give the same bits as an uninterrupted one"
    )


def test_another_platform_alone_loads_without_a_warning(tmp_path: Path) -> None:
    path = _saved_params(tmp_path)
    _rewrite_manifest(path, _provenance_edit(platform="Darwin-23.0-arm64"))
    provenance = checkpoint.inspect(path).provenance
    assert provenance is not None and provenance.platform == "Darwin-23.0-arm64"
    checkpoint.load(path, _params_template([3, 5, 2]))  # a warning would fail the test


def test_a_checkpoint_without_provenance_loads_and_says_so(tmp_path: Path) -> None:
    path = _saved_params(tmp_path)
    _rewrite_manifest(path, lambda record: {k: v for k, v in record.items() if k != "provenance"})
    manifest = checkpoint.inspect(path)
    assert manifest.provenance is None
    assert str(manifest).splitlines()[1] == "written with: not recorded"
    loaded = checkpoint.load(path, _params_template([3, 5, 2]))
    assert _leaf_bytes(loaded) == _leaf_bytes(nf.init(nf.mlp([3, 5, 2]), nf.random.key(0)))
