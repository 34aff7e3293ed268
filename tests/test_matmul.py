"""nnfunc._matmul: products in blocks of fixed shapes, one BLAS thread each."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from nnfunc._matmul import SMALL, block_bounds, matmul

F = npt.NDArray[Any]


def _operands(m: int, k: int, n: int, dtype: type[np.floating[Any]]) -> tuple[F, F]:
    rng = np.random.default_rng(m * k * n)
    return rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)


def test_block_bounds_depend_on_the_side_alone() -> None:
    assert block_bounds(255) == (0, 255)
    assert block_bounds(256) == (0, 128, 256)
    assert block_bounds(784) == (0, 192, 384, 592, 784)
    assert block_bounds(5000) == (0, 1248, 2496, 3744, 5000)


@pytest.mark.parametrize(
    ("m", "k", "n", "transposed"),
    [(4, 3, 5, False), (128, 784, 256, False), (784, 128, 256, True), (300, 64, 40, True)],
    ids=["small", "column-blocks", "row-blocks-of-a-transposed-view", "rows"],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_is_the_product(
    m: int, k: int, n: int, transposed: bool, dtype: type[np.floating[Any]]
) -> None:
    a, b = _operands(m, k, n, dtype)
    if transposed:
        a = np.ascontiguousarray(a.T).T  # a view with a's values, laid out as x.T is
    expected = a.astype(np.float64) @ b.astype(np.float64)
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    result = matmul(a, b)
    assert result.shape == (m, n) and result.dtype == dtype
    np.testing.assert_allclose(result, expected, rtol=tolerance, atol=tolerance * np.sqrt(k))
    out = np.full((m, n), np.nan, dtype)
    assert matmul(a, b, out=out) is out
    assert out.tobytes() == result.tobytes()


def _numpy_blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_the_same_bytes_on_any_thread_count_and_the_setting_kept() -> None:
    a, b = _operands(192, 300, 520, np.float32)
    assert a.shape[0] * a.shape[1] * b.shape[1] > SMALL
    results = set()
    for threads in (1, 2, 3, 5):
        with threadpool_limits(threads, user_api="blas"):
            results.add(matmul(a, b).tobytes())
            assert _numpy_blas_threads()[0] == threads  # restored after the call
    assert len(results) == 1
