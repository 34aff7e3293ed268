"""Files written atomically: the one writer every module of nnfunc that saves a file uses.

`write_atomic(path, write)` calls `write(file)` on a fresh temporary file beside `path`
(a unique random name ".<name>.<hex>.tmp", created exclusively), fsyncs it, renames it
onto `path` with os.replace and fsyncs the directory: a reader sees the old file or the
new one, never a part. Any failure, KeyboardInterrupt included, removes the temporary
file and leaves `path` as it was. A file that already exists keeps its permission bits;
a new one gets those the umask allows (0o666 & ~umask).

After `kill -9` (or a power loss) mid-write, no code runs: the temporary file stays
beside the target, under its ".tmp" name, and the target is untouched. A later write
picks another random name, so it never trips over the leftover, which may be deleted
at any time by hand.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable
from typing import BinaryIO

StrPath = str | os.PathLike[str]
"""A file path as nnfunc takes it: a str or an os.PathLike of str (a pathlib.Path)."""


def fspath(name: str, value: object) -> str:
    """`value` as a path string if it is a str or an os.PathLike of str; TypeError naming
    the argument `name` otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        path = os.fspath(value)
        if isinstance(path, str):
            return path
    raise TypeError(f"{name} must be a str or an os.PathLike (a pathlib.Path), given {value!r:.80}")


def _fsync_directory(directory: str) -> None:
    """Make a rename in `directory` durable, where the OS can open a directory (POSIX)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _mode(target: str) -> int | None:
    """The permission bits of the file at `target`, or None if there is none."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return None


def write_atomic(path: StrPath, write: Callable[[BinaryIO], None]) -> None:
    """Replace the file at `path` by what `write(file)` writes into a binary file, atomically.

    Raises whatever `write` or the OS raises (OSError, say); `path` is then unchanged
    and no temporary file is left.
    """
    target = os.path.abspath(fspath("path", path))
    directory = os.path.dirname(target)
    temporary = os.path.join(directory, f".{os.path.basename(target)}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            mode = _mode(target)
            if mode is not None:
                os.fchmod(file.fileno(), mode)
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def write_bytes(path: StrPath, contents: bytes) -> None:
    """Replace the file at `path` by `contents`, atomically (see `write_atomic`)."""

    def write(file: BinaryIO) -> None:
        file.write(contents)

    write_atomic(path, write)


def write_text(path: StrPath, text: str) -> None:
    """Replace the file at `path` by `text` in UTF-8, atomically (see `write_atomic`)."""
    write_bytes(path, text.encode("utf-8"))
