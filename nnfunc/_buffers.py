"""Buffers one call owns and reuses for its layers' results, step after step (`train.scan`).

A layer asks its context for an array to write a result into (`Context.out`); outside a
scan it gets None and makes a fresh array, inside one it gets an array of these buffers
(unless the array is small: then a fresh one costs less).
A buffer is handed out again only when nobody but the buffers holds it any more: no
variable, tree, cache or view of it is left. CPython's reference count tells that
exactly, as NumPy's own reuse of temporaries in `a + b + c` relies on it. So an
activation is reused once its step is over, and the params a step wrote into last
step's gradient buffers are reused once the params after them passed their loss check,
whatever a user's layer, loss or optimizer keeps: what is kept is never written.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from nnfunc._arrays import FloatArray

if TYPE_CHECKING:
    from nnfunc.layers.base import Context


def _unheld_count() -> int | None:
    """The reference count `take` sees of a buffer only its list holds (the interpreter's
    own references included), or None where there are no reference counts (PyPy)."""
    getrefcount = getattr(sys, "getrefcount", None)
    if getrefcount is None:
        return None
    probe = [np.empty(0)]
    for buffer in probe:
        count: int = getrefcount(buffer)
        return count
    raise AssertionError("unreachable: the probe holds one array")


_UNHELD = _unheld_count()

SMALL = 64 * 1024
"""Bytes under which an array is made fresh: NumPy's and malloc's free lists give it
faster than `take` finds a buffer (0.5 us against 1.2 us), and malloc never maps new
pages for it. Without reference counts (PyPy) every array is made fresh."""


class Buffers:
    """The arrays one call owns, by shape and dtype, and the contexts that hand them out.

    Private to the call that makes it (a scan, a fit), as `with Buffers() as buffers:`,
    never stored in anything it returns; leaving the block lets go of them.
    """

    __slots__ = ("_by_kind", "contexts", "made")

    def __init__(self) -> None:
        self._by_kind: dict[tuple[tuple[int, ...], np.dtype[Any]], list[FloatArray] | None] = {}
        """The buffers of each shape and dtype; None for a small one (made fresh)."""
        self.contexts: dict[tuple[bool, bool, bool], Context] = {}
        """The contexts without a key that carry these buffers, made on first use."""
        self.made = 0
        """How many arrays these buffers allocated."""

    def take(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> FloatArray | None:
        """A writable array of `shape` and `dtype` that nobody else holds: one of these
        buffers released by everyone, or a new one they keep; None (make it fresh) for
        an array under `SMALL` bytes."""
        kind = (shape, dtype)
        try:
            buffers = self._by_kind[kind]
        except KeyError:
            small = math.prod(shape) * dtype.itemsize < SMALL or _UNHELD is None
            buffers = self._by_kind[kind] = None if small else []
        if buffers is None:
            return None
        for buffer in buffers:
            if sys.getrefcount(buffer) == _UNHELD:
                buffer.setflags(write=True)  # it owns its memory: params froze it
                return buffer
        buffer = np.empty(shape, dtype)
        buffers.append(buffer)
        self.made += 1
        return buffer

    def __enter__(self) -> Buffers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Let go of every buffer and context: the contexts refer back to these buffers,
        a cycle that would keep the buffers' memory until the garbage collector runs."""
        self._by_kind.clear()
        self.contexts.clear()


__all__ = ["Buffers"]
