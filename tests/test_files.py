"""nnfunc._files: the one atomic writer (content, permissions, cleanup, kill -9 mid-write),
and the other shared plumbing: the table formatter and the typed record reader."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pytest

import nnfunc as nf
from nnfunc import _records, checkpoint
from nnfunc._files import write_atomic, write_bytes, write_text
from nnfunc._text import table


def test_a_write_replaces_the_file_whole_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    write_text(path, "first\n")
    write_bytes(str(path), b"second\n")
    assert path.read_bytes() == b"second\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_an_existing_file_keeps_its_mode_and_a_new_one_gets_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    write_text(path, "a")
    os.chmod(path, 0o600)
    write_text(path, "b")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    previous = os.umask(0o027)
    try:
        write_text(tmp_path / "new", "c")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o640


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_any_failure_while_writing_keeps_the_old_file_and_removes_the_temporary(
    tmp_path: Path, error: BaseException
) -> None:
    path = tmp_path / "out.bin"
    write_bytes(path, b"old")

    def failing(file: BinaryIO) -> None:
        file.write(b"half of the new")
        raise error

    with pytest.raises(type(error)):
        write_atomic(path, failing)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


_KILLED_MID_SAVE = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from nnfunc import _files, checkpoint

    def stop(descriptor):  # the temporary file is written: wait to be killed before fsync
        print("writing", flush=True)
        sys.stdin.read()

    _files.os.fsync = stop
    checkpoint.save(sys.argv[1], {"w": np.full(1000, 2.0)})
    """
)


def test_kill_9_mid_save_leaves_the_old_file_and_a_temporary_a_later_save_ignores(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ckpt.npz"
    template = {"w": np.zeros(1000)}
    checkpoint.save(path, {"w": np.full(1000, 1.0)})
    env = {**os.environ, "PYTHONPATH": str(Path(nf.__file__).parents[1])}
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED_MID_SAVE, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    ) as child:
        assert child.stdout is not None and child.stdout.readline() == b"writing\n"
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    np.testing.assert_array_equal(checkpoint.load(path, template)["w"], np.full(1000, 1.0))
    (leftover,) = [name for name in os.listdir(tmp_path) if name != "ckpt.npz"]
    assert leftover.startswith(".ckpt.npz.") and leftover.endswith(".tmp")
    checkpoint.save(path, {"w": np.full(1000, 3.0)})  # another random name: no clash
    np.testing.assert_array_equal(checkpoint.load(path, template)["w"], np.full(1000, 3.0))
    assert sorted(os.listdir(tmp_path)) == sorted(["ckpt.npz", leftover])


def test_a_table_aligns_its_columns_left_or_right() -> None:
    text = table(("name", "n"), [("a", "10"), ("longer", "2")], "lr")
    assert text.splitlines() == ["name     n", "a       10", "longer   2"]


def test_a_record_field_is_checked_for_its_type_and_a_bool_is_no_number() -> None:
    record = {"n": 3, "flag": True, "text": "x", "none": None}
    assert _records.field(record, "n", int) == 3
    assert _records.field(record, "flag", bool) is True
    assert _records.optional(record, "none", str) is None
    assert _records.number(2, "n") == 2.0
    with pytest.raises(ValueError, match="the record: field 'flag' must be int, found True"):
        _records.field(record, "flag", int)
    with pytest.raises(ValueError, match="the record has no field 'm'"):
        _records.field(record, "m", int)
    with pytest.raises(ValueError, match="a row must be a JSON object, found"):
        _records.field([1], "n", int, "a row")
    with pytest.raises(ValueError, match="x must be a number, found True"):
        _records.number(True, "x")


def test_every_reader_and_writer_names_a_path_argument_of_the_wrong_type() -> None:
    calls: list[Callable[[Any], object]] = [
        lambda path: checkpoint.save(path, {"w": np.zeros(2)}),
        lambda path: checkpoint.load(path, {"w": np.zeros(2)}),
        checkpoint.inspect,
        nf.sweep.load,
        nf.idx.load_idx,
        lambda path: nf.idx.save_idx(path, np.zeros(2, np.uint8)),
        lambda path: write_text(path, "text"),
    ]
    for call in calls:
        for path in (3, b"name"):
            with pytest.raises(TypeError, match=rf"path must be a str or an os.PathLike.*{path!r}"):
                call(path)
