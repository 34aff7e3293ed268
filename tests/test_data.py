"""nnfunc.data: batches, train_test_split, Standardizer and check_finite."""

from __future__ import annotations

import tracemalloc
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc import data

Array = npt.NDArray[Any]
D: Any = data  # untyped, to call with NumPy scalars where ints and floats are annotated


def _dataset(n: int) -> tuple[Array, Array]:
    """x (n, 2) float32 whose row i is (2i, 2i + 1), and y (n,) int64 = i: pairing is visible."""
    return np.arange(2 * n, dtype=np.float32).reshape(n, 2), np.arange(n, dtype=np.int64)


def _epoch(key: nf.Key, n: int, batch_size: int, drop_last: bool) -> list[tuple[Array, Array]]:
    x, y = _dataset(n)
    return list(data.batches(key, x, y, batch_size, drop_last))


# check_finite


def test_check_finite_accepts_finite_float_int_and_bool_arrays() -> None:
    data.check_finite("x", np.array([[1.0, -2.5], [0.0, 1e300]]))
    data.check_finite("x", np.arange(5))
    data.check_finite("x", np.array([True, False]))


def test_check_finite_reports_count_and_first_index() -> None:
    x = np.array([[1.0, 2.0], [np.inf, np.nan], [3.0, -np.inf]], dtype=np.float32)
    with pytest.raises(ValueError, match=r"x_train must be finite, given 3 non-finite .* among 6"):
        data.check_finite("x_train", x)
    with pytest.raises(ValueError, match=r"the first is inf at index \(1, 0\)"):
        data.check_finite("x_train", x)


@pytest.mark.parametrize("shape", [(300_000,), (2_000, 150), (3, 70_000), (50, 40, 40), ()])
def test_check_finite_finds_one_nan_anywhere_with_a_small_buffer(shape: tuple[int, ...]) -> None:
    x = np.ones(shape, np.float32)
    data.check_finite("x", x)
    tracemalloc.start()
    try:
        data.check_finite("x", x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    block = max(data.CHECK_BLOCK, x[:1].size if x.ndim else 1)  # bools: one byte each
    assert peak <= block + 4096  # no temporary of the data's size
    for flat in sorted({0, x.size // 2, x.size - 1, min(x.size - 1, data.CHECK_BLOCK)}):
        bad = x.copy()
        bad.reshape(-1)[flat] = np.nan
        where = tuple(int(i) for i in np.unravel_index(flat, shape))
        with pytest.raises(
            ValueError, match=rf"given 1 non-finite .* at index \({', '.join(map(str, where))}"
        ):
            data.check_finite("x", bad)


def test_check_finite_rejects_complex() -> None:
    with pytest.raises(TypeError, match=r"x must be an array of real numbers, given dtype complex"):
        data.check_finite("x", np.array([1.0 + 2.0j]))


def test_check_finite_rejects_non_numeric() -> None:
    with pytest.raises(TypeError, match=r"y must be an array of real numbers, given dtype <U1"):
        data.check_finite("y", np.array(["a", "b"]))


# num_batches


@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "expected"),
    [
        (10, 3, False, 4),
        (10, 3, True, 3),
        (9, 3, False, 3),
        (9, 3, True, 3),
        (1, 1, False, 1),
        (7, 7, True, 1),
        (7, 6, True, 1),
        (7, 6, False, 2),
    ],
)
def test_num_batches(n: int, batch_size: int, drop_last: bool, expected: int) -> None:
    assert data.num_batches(n, batch_size, drop_last) == expected


@pytest.mark.parametrize(
    ("n", "batch_size", "error", "message"),
    [
        (10, 0, ValueError, r"batch_size must be an int >= 1, given 0"),
        (10, -2, ValueError, r"batch_size must be an int >= 1, given -2"),
        (10, 2.0, TypeError, r"batch_size must be an int >= 1, given 2\.0"),
        (10, True, TypeError, r"batch_size must be an int >= 1, given True"),
        (10, "2", TypeError, r"batch_size must be an int >= 1, given '2'"),
        (10, 11, ValueError, r"batch_size must be at most the number of examples 10, given 11"),
        (0, 1, ValueError, r"n must be an int >= 1, given 0"),
        (10.0, 1, TypeError, r"n must be an int >= 1, given 10\.0"),
    ],
)
def test_num_batches_rejects(n: Any, batch_size: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        data.num_batches(n, batch_size)


def test_num_batches_and_batches_take_numpy_integers() -> None:
    assert D.num_batches(np.int64(10), np.int32(3), np.bool_(True)) == 3
    x, y = _dataset(7)
    mine = list(D.batches(nf.random.key(4), x, y, np.int64(3)))
    python = list(data.batches(nf.random.key(4), x, y, 3))
    assert [b[1].tolist() for b in mine] == [b[1].tolist() for b in python]


def test_drop_last_must_be_a_bool() -> None:
    x, y = _dataset(7)
    with pytest.raises(TypeError, match=r"drop_last must be True or False, given 1"):
        data.batches(nf.random.key(0), x, y, 3, 1)  # type: ignore[arg-type]


# batches


@given(st.data())
def test_batches_visit_every_example_once_with_rows_paired(draw: st.DataObject) -> None:
    n = draw.draw(st.integers(1, 40), label="n")
    batch_size = draw.draw(st.integers(1, n), label="batch_size")
    drop_last = draw.draw(st.booleans(), label="drop_last")
    epoch = _epoch(nf.random.key(n), n, batch_size, drop_last)

    sizes = [len(yb) for _, yb in epoch]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest and not drop_last else [])
    assert len(epoch) == data.num_batches(n, batch_size, drop_last)
    seen = np.concatenate([yb for _, yb in epoch])
    assert len(np.unique(seen)) == len(seen) == sum(sizes)
    if not drop_last:
        np.testing.assert_array_equal(np.sort(seen), np.arange(n))
    for xb, yb in epoch:
        np.testing.assert_array_equal(xb, np.stack([2 * yb, 2 * yb + 1], axis=1))


def test_batches_follow_the_permutation_of_the_key() -> None:
    key = nf.random.key(3)
    order = nf.random.permutation(key, 10)
    epoch = _epoch(key, 10, 4, False)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in epoch]), order)
    assert [len(yb) for _, yb in epoch] == [4, 4, 2]


def test_batches_same_key_same_bytes_other_key_other_order() -> None:
    first = _epoch(nf.random.key(7), 20, 6, False)
    again = _epoch(nf.random.key(7), 20, 6, False)
    other = _epoch(nf.random.key(8), 20, 6, False)
    assert [(xb.tobytes(), yb.tobytes()) for xb, yb in first] == [
        (xb.tobytes(), yb.tobytes()) for xb, yb in again
    ]
    assert np.concatenate([yb for _, yb in first]).tolist() != (
        np.concatenate([yb for _, yb in other]).tolist()
    )


def test_batches_are_read_only_views_of_one_copy_and_leave_x_alone() -> None:
    x, y = _dataset(9)
    x.flags.writeable = False
    x_before = x.copy()
    epoch = list(data.batches(nf.random.key(0), x, y, 4))
    x_bases = {id(xb.base) for xb, _ in epoch}
    y_bases = {id(yb.base) for _, yb in epoch}
    assert len(x_bases) == 1 and len(y_bases) == 1
    for xb, yb in epoch:
        assert not xb.flags.writeable and not yb.flags.writeable
        assert not np.shares_memory(xb, x) and not np.shares_memory(yb, y)
        assert xb.dtype == np.float32 and yb.dtype == np.int64
    np.testing.assert_array_equal(x, x_before)


def test_batches_take_lists_and_two_dimensional_targets() -> None:
    x = [[0.0], [1.0], [2.0]]
    y = np.array([[0, 1], [1, 0], [2, 2]])
    ((xb, yb),) = list(data.batches(nf.random.key(1), x, y, 3))
    order = nf.random.permutation(nf.random.key(1), 3)
    np.testing.assert_array_equal(xb, np.array(x)[order])
    np.testing.assert_array_equal(yb, y[order])


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.zeros((3, 2)), np.zeros(4), r"x has 3 \(shape \(3, 2\)\), y has 4 \(shape \(4,\)\)"),
        (np.float64(1.0), np.zeros(1), r"x must have a first \(example\) dimension"),
        (np.zeros(3), np.float64(1.0), r"y must have a first \(example\) dimension"),
        (np.zeros((0, 2)), np.zeros(0), r"x is empty \(shape \(0, 2\)\)"),
    ],
)
def test_batches_reject_bad_data_at_the_call(x: Array, y: Array, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        data.batches(nf.random.key(0), x, y, 1)


def test_batches_reject_bad_batch_size_and_key_at_the_call() -> None:
    x, y = _dataset(5)
    with pytest.raises(ValueError, match=r"at most the number of examples 5, given 6"):
        data.batches(nf.random.key(0), x, y, 6)
    with pytest.raises(ValueError, match=r"batch_size must be an int >= 1, given 0"):
        data.batches(nf.random.key(0), x, y, 0)
    with pytest.raises(TypeError, match=r"key must be an nnfunc\.random\.Key"):
        data.batches(0, x, y, 2)  # type: ignore[arg-type]  # the error under test


# train_test_split


@pytest.mark.parametrize(
    ("n", "test_size", "n_test"),
    [(10, 0.2, 2), (10, 0.25, 3), (10, 0.07, 1), (7, 0.5, 4), (10, 3, 3), (2, 1, 1), (3, 0.8, 2)],
)
def test_split_sizes_partition_and_pairing(n: int, test_size: float, n_test: int) -> None:
    x, y = _dataset(n)
    x_train, x_test, y_train, y_test = data.train_test_split(nf.random.key(5), x, y, test_size)
    assert (len(x_train), len(x_test), len(y_train), len(y_test)) == (n - n_test, n_test) * 2
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), np.arange(n))
    for xs, ys in ((x_train, y_train), (x_test, y_test)):
        np.testing.assert_array_equal(xs, x[ys])
        assert not xs.flags.writeable and not ys.flags.writeable
        assert not np.shares_memory(xs, x) and not np.shares_memory(ys, y)


def test_split_is_determined_by_the_key() -> None:
    x, y = _dataset(30)
    first = data.train_test_split(nf.random.key(2), x, y, 0.3)
    again = data.train_test_split(nf.random.key(2), x, y, 0.3)
    other = data.train_test_split(nf.random.key(4), x, y, 0.3)
    assert [a.tobytes() for a in first] == [a.tobytes() for a in again]
    assert first[3].tolist() != other[3].tolist()
    order = nf.random.permutation(nf.random.key(2), 30)
    np.testing.assert_array_equal(first[3], order[:9])


@pytest.mark.parametrize(
    ("test_size", "error", "message"),
    [
        (0.0, ValueError, r"test_size must be a finite number > 0 and < 1, given 0\.0"),
        (1.0, ValueError, r"test_size must be .* < 1, given 1\.0"),
        (float("nan"), ValueError, r"test_size must be .*, given nan"),
        ("0.3", TypeError, r"test_size must be a finite number .*, given '0\.3'"),
        (True, TypeError, r"test_size must be .*, given True"),
        (0.3 + 0j, TypeError, r"test_size must be .*, given complex"),
        (0, ValueError, r"between 1 and 9 of the 10 rows, given test_size=0"),
        (10, ValueError, r"between 1 and 9 of the 10 rows, given test_size=10"),
        (0.01, ValueError, r"given test_size=0\.01 of 10 rows, which rounds to 0 test rows"),
        (0.97, ValueError, r"which rounds to 10 test rows"),
    ],
)
def test_split_rejects_bad_test_size(test_size: Any, error: type[Exception], message: str) -> None:
    x, y = _dataset(10)
    with pytest.raises(error, match=message):
        data.train_test_split(nf.random.key(0), x, y, test_size)


def test_split_takes_numpy_scalars_as_python_numbers() -> None:
    x, y = _dataset(10)
    key = nf.random.key(2)
    for mine, python in ((np.int64(3), 3), (np.float32(0.25), 0.25), (np.float64(0.3), 0.3)):
        parts = D.train_test_split(key, x, y, mine)
        expected = data.train_test_split(key, x, y, python)
        for got, want in zip(parts, expected, strict=True):
            np.testing.assert_array_equal(got, want)


def test_split_checks_the_key_before_the_data() -> None:
    with pytest.raises(TypeError, match=r"key must be an nnfunc\.random\.Key"):
        data.train_test_split(0, [[1.0]], [1], 0.5)  # type: ignore[arg-type]


def test_split_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match=r"x has 4 \(shape \(4, 1\)\), y has 3"):
        data.train_test_split(nf.random.key(0), np.zeros((4, 1)), np.zeros(3), 1)


# Standardizer


def test_standardizer_hand_values_and_constant_feature() -> None:
    x = np.array([[1.0, 0.1], [3.0, 0.1], [5.0, 0.1]], dtype=np.float32)
    s = data.Standardizer.fit(x)
    np.testing.assert_array_equal(s.mean, np.array([3.0, 0.1], dtype=np.float32))
    # population std of (1, 3, 5): sqrt((4 + 0 + 4) / 3); a constant feature gets 1
    np.testing.assert_allclose(s.std, [np.sqrt(8.0 / 3.0), 1.0], rtol=1e-7)
    z = s.transform(x)
    assert z.dtype == np.float32 and s.mean.dtype == np.float32 and s.std.dtype == np.float32
    np.testing.assert_allclose(z[:, 0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)], rtol=1e-6)
    np.testing.assert_array_equal(z[:, 1], [0.0, 0.0, 0.0])


def test_standardizer_gives_mean_zero_std_one_and_inverts() -> None:
    raw = nf.random.normal(nf.random.key(9), (200, 3), dtype=np.float64)
    x = raw * np.array([0.01, 5.0, 300.0]) + np.array([-4.0, 0.0, 1e4])
    s = data.Standardizer.fit(x)
    z = s.transform(x)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(s.inverse_transform(z), x, rtol=1e-12, atol=1e-12)
    assert z.dtype == np.float64 and not z.flags.writeable


def test_standardizer_dtype_rules() -> None:
    ints = np.array([[1, 2], [3, 6]])
    s = data.Standardizer.fit(ints)
    assert s.mean.dtype == np.float64
    np.testing.assert_array_equal(s.transform(ints), [[-1.0, -1.0], [1.0, 1.0]])
    assert s.transform(ints).dtype == np.float64
    assert s.transform(np.ones((1, 2), dtype=np.float32)).dtype == np.float32
    assert s.inverse_transform(np.ones((1, 2), dtype=np.float32)).dtype == np.float32
    np.testing.assert_array_equal(s.inverse_transform([[0.5, -1.0]]), [[2.5, 2.0]])


def test_standardizer_leaves_input_alone_and_is_frozen() -> None:
    x = np.array([[1.0, 2.0], [3.0, 8.0]])
    s = data.Standardizer.fit(x)
    s.transform(x)
    np.testing.assert_array_equal(x, [[1.0, 2.0], [3.0, 8.0]])
    assert not s.mean.flags.writeable and not s.std.flags.writeable
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        s.mean = np.zeros(2)  # type: ignore[misc]  # the error under test
    with pytest.raises(ValueError, match="read-only"):
        s.std[0] = 5.0


def test_standardizer_is_a_pytree() -> None:
    s = data.Standardizer.fit(np.array([[1.0, 2.0], [3.0, 8.0]]))
    leaves, treedef = nf.tree.flatten(s)
    assert len(leaves) == 2
    np.testing.assert_array_equal(leaves[0], [2.0, 5.0])
    np.testing.assert_array_equal(leaves[1], [1.0, 3.0])
    rebuilt = nf.tree.unflatten(treedef, [np.array([0.0, 1.0]), np.array([2.0, 4.0])])
    assert isinstance(rebuilt, data.Standardizer)
    np.testing.assert_array_equal(rebuilt.transform([[2.0, 5.0]]), [[1.0, 1.0]])
    assert nf.tree.equal(nf.tree.map(lambda a: a, s), s)


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.zeros(3), ValueError, r"fit: x must have shape \(n, features\), given \(3,\)"),
        (np.zeros((0, 2)), ValueError, r"fit: x has no rows \(shape \(0, 2\)\)"),
        (np.array([[1.0], [np.nan]]), ValueError, r"1 non-finite .* at index \(1, 0\)"),
        (np.array([["a"]]), TypeError, r"fit: x must be an array of real numbers, given dtype <U1"),
        (np.array([[1.0 + 1j], [2.0]]), TypeError, r"fit: x must be an array of real numbers"),
        (
            np.array([[-1e308], [1e308]]),
            ValueError,
            r"fit: x's column 0 spreads too wide for float64",
        ),
        (np.array([[1e308, 0.0], [1.7e308, 1.0]]), ValueError, r"column 0 spreads too wide"),
    ],
)
def test_standardizer_fit_rejects(x: Array, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        data.Standardizer.fit(x)


def test_standardizer_refuses_complex_moments() -> None:
    with pytest.raises(TypeError, match=r"Standardizer: mean must be an array of real numbers"):
        data.Standardizer(np.zeros(2) + 0j, np.ones(2))


def test_standardizer_transform_refuses_complex() -> None:
    scaler = data.Standardizer.fit(np.eye(2))
    with pytest.raises(TypeError, match=r"transform: x must be an array of real numbers"):
        scaler.transform(np.eye(2) * 1j)


def test_standardizer_transform_checks_the_feature_count() -> None:
    s = data.Standardizer.fit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"transform: x must have shape \(n, 3\), given \(2, 2\)"):
        s.transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"inverse_transform: x must have shape \(n, 3\), given"):
        s.inverse_transform(np.zeros(3))


@pytest.mark.parametrize(
    ("mean", "std", "message"),
    [
        (np.zeros(2), np.ones(3), r"shape \(features,\), given \(2,\) and \(3,\)"),
        (np.zeros((1, 2)), np.ones((1, 2)), r"given \(1, 2\) and \(1, 2\)"),
        (np.zeros(2), np.ones(2, dtype=np.float32), r"one float dtype, given float64 and float32"),
        (np.zeros(2, dtype=int), np.ones(2, dtype=int), r"given int64 and int64"),
        (np.zeros(2), np.array([1.0, 0.0]), r"every std must be finite and > 0"),
        (np.zeros(2), np.array([1.0, np.inf]), r"every std must be finite and > 0"),
        (np.array([0.0, np.nan]), np.ones(2), r"mean must be finite"),
    ],
)
def test_standardizer_rejects_bad_moments(mean: Array, std: Array, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        data.Standardizer(mean, std)
