"""Matrix products whose bits do not depend on the number of BLAS threads.

A multithreaded BLAS splits a large product among its threads at places that depend on
the thread count (OpenBLAS: at row and column offsets that cut through its kernel's
register tiles, which then round differently), so the bits of a product change with
the thread count. `matmul` splits a product above `SMALL` multiply-adds into blocks of
whole rows (or whole columns) whose bounds depend only on the product's shape, computes
each block with the BLAS on one thread, and runs the blocks on as many threads as the
BLAS is set to use, read at each call (with threadpoolctl): the bits then depend on the
shapes alone. Products of at most `SMALL` multiply-adds go to the BLAS in one call, as
OpenBLAS computes them on one thread whatever its setting (interface/gemm.c: 65536 *
GEMM_MULTITHREAD_THRESHOLD 4).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

SMALL = 1 << 18
"""Products of at most this many multiply-adds (m * k * n) are one BLAS call."""

BLOCK = 128
MAX_BLOCKS = 4
ALIGN = 16
"""A larger product is split along its longer output side (rows if m >= n, else columns)
into min(MAX_BLOCKS, side // BLOCK) (at least 1) near-equal blocks, bounds on multiples
of ALIGN."""

_LOCK = threading.Lock()  # one product at a time changes the BLAS setting


class _Blas(Protocol):
    """threadpoolctl's controller of one BLAS library."""

    filepath: str

    def get_num_threads(self) -> int: ...

    def set_num_threads(self, num_threads: int) -> Any: ...

    def info(self) -> dict[str, Any]: ...


@cache
def _blas(pid: int) -> _Blas | None:
    """The controller of NumPy's BLAS in process `pid`, None if threadpoolctl finds none."""
    libraries: list[_Blas] = ThreadpoolController().select(user_api="blas").lib_controllers
    own = [lib for lib in libraries if "numpy" in lib.filepath]
    return next(iter(own or libraries), None)


@cache
def _pool(pid: int, workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix="nnfunc-matmul")


def blas_info() -> dict[str, Any]:
    """threadpoolctl's description of NumPy's BLAS (internal_api, version, architecture,
    num_threads, ...); empty if threadpoolctl finds none."""
    blas = _blas(os.getpid())
    return {} if blas is None else blas.info()


def block_bounds(length: int) -> tuple[int, ...]:
    """The bounds of the blocks a side of `length` splits into: (0, ..., length)."""
    count = max(1, min(MAX_BLOCKS, length // BLOCK))
    inner = (round(i * length / count / ALIGN) * ALIGN for i in range(1, count))
    return (0, *inner, length)


def _one_call(
    a: npt.NDArray[Any], b: npt.NDArray[Any], out: npt.NDArray[Any] | None
) -> npt.NDArray[Any]:
    """a @ b in one BLAS call, new or into `out` (C-contiguous, of the result's dtype):
    `ndarray.dot`, the same call as `@` with less overhead."""
    product: npt.NDArray[Any] = a.dot(b) if out is None else a.dot(b, out)
    return product


def matmul(
    a: npt.NDArray[Any],
    b: npt.NDArray[Any],
    out: npt.NDArray[Any] | None = None,
    invariant: bool = True,
) -> npt.NDArray[Any]:
    """a (m, k) @ b (k, n) -> (m, n), written to `out` if given (an (m, n) array of the
    result's dtype): with `invariant`, the same bits for any number of BLAS threads; else
    one BLAS call, whose bits may depend on the thread count."""
    (m, k), n = a.shape, b.shape[1]
    if not invariant or m * k * n <= SMALL:
        return _one_call(a, b, out)
    rows = m >= n
    bounds = block_bounds(m if rows else n)
    count = len(bounds) - 1
    blas = _blas(os.getpid())
    threads = 1 if blas is None else blas.get_num_threads()
    if threads <= 1 and count == 1:
        return _one_call(a, b, out)
    if out is None:
        out = np.empty((m, n), np.result_type(a, b))

    def run(blocks: range) -> None:
        for i in blocks:
            lo, hi = bounds[i], bounds[i + 1]
            if rows:
                _one_call(a[lo:hi], b, out[lo:hi])
            else:
                np.matmul(a, b[:, lo:hi], out=out[:, lo:hi])  # out's columns: strided

    if threads <= 1 or blas is None:
        run(range(count))
        return out
    workers = min(threads, count)
    with _LOCK:
        blas.set_num_threads(1)
        try:
            pool = _pool(os.getpid(), workers - 1) if workers > 1 else None
            futures: list[Future[None]] = [
                pool.submit(run, range(w, count, workers)) for w in range(1, workers) if pool
            ]
            run(range(0, count, workers))
            for future in futures:
                future.result()
        finally:
            blas.set_num_threads(threads)
    return out


__all__ = ["SMALL", "blas_info", "block_bounds", "matmul"]
