"""Keys: value semantics, splitting, and samplers fixed by the key alone."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import nnfunc as nf


def test_keys_compare_and_hash_by_value() -> None:
    assert nf.random.key(0) == nf.random.key(0)
    assert hash(nf.random.key(0)) == hash(nf.random.key(0))
    assert nf.random.key(0) != nf.random.key(1)
    assert len({nf.random.key(i) for i in range(100)}) == 100


def test_split_children_differ_from_each_other_and_the_parent() -> None:
    parent = nf.random.key(7)
    children = nf.random.split(parent, 5)
    assert len(children) == 5
    assert len(set(children) | {parent}) == 6
    assert nf.random.split(parent, 5) == children
    assert nf.random.split(parent)[0] == children[0]


def test_split_children_draw_other_numbers_than_the_parent() -> None:
    parent = nf.random.key(3)
    child = nf.random.split(parent)[0]
    assert not np.array_equal(nf.random.normal(parent, 8), nf.random.normal(child, 8))


def test_same_key_gives_same_samples_and_different_keys_differ() -> None:
    a, b = nf.random.key(11), nf.random.key(12)
    np.testing.assert_array_equal(nf.random.normal(a, (3, 4)), nf.random.normal(a, (3, 4)))
    assert not np.array_equal(nf.random.normal(a, (3, 4)), nf.random.normal(b, (3, 4)))
    assert nf.random.normal(a, 5).dtype == np.float32
    assert nf.random.normal(a, 5, np.float64).dtype == np.float64


def test_samplers_have_the_right_distribution() -> None:
    k = nf.random.key(5)
    normal = nf.random.normal(k, 200_000, np.float64)
    assert abs(normal.mean()) < 0.01 and abs(normal.std() - 1.0) < 0.01
    uniform = nf.random.uniform(k, 200_000, -2.0, 4.0, np.float64)
    assert uniform.min() >= -2.0 and uniform.max() < 4.0 and abs(uniform.mean() - 1.0) < 0.02
    coins = nf.random.bernoulli(k, 0.3, 200_000)
    assert coins.dtype == np.bool_ and abs(coins.mean() - 0.3) < 0.01
    perm = nf.random.permutation(k, 1000)
    np.testing.assert_array_equal(np.sort(perm), np.arange(1000))
    ints = nf.random.randint(k, 10_000, 3, 7)
    assert set(np.unique(ints).tolist()) == {3, 4, 5, 6}


def test_samples_are_identical_in_a_fresh_process() -> None:
    code = (
        "import nnfunc as nf; k = nf.random.split(nf.random.key(2024), 3)[2];"
        "print(nf.random.normal(k, 4, 'float64').tobytes().hex())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    k = nf.random.split(nf.random.key(2024), 3)[2]
    assert out.stdout.strip() == nf.random.normal(k, 4, np.float64).tobytes().hex()


def test_fold_in_is_deterministic_and_distinct() -> None:
    k = nf.random.key(0)
    assert nf.random.fold_in(k, 3) == nf.random.fold_in(k, 3)
    assert len({nf.random.fold_in(k, i) for i in range(50)} | {k}) == 51


K = nf.random.key(0)
R: Any = nf.random  # untyped, to call with the wrong types and NumPy scalars


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: R.key(-1), ValueError, r"seed must be an int >= 0, given -1"),
        (lambda: R.key(1.5), TypeError, r"seed must be an int >= 0, given 1\.5"),
        (lambda: R.key(True), TypeError, r"seed must be an int >= 0, given True"),
        (lambda: R.split(K, 0), ValueError, r"num must be an int >= 1, given 0"),
        (lambda: R.split(K, 2.0), TypeError, r"num must be an int >= 1, given 2\.0"),
        (lambda: R.split(K, "2"), TypeError, r"num must be an int >= 1, given '2'"),
        (lambda: R.fold_in(K, -1), ValueError, r"data must be an int >= 0, given -1"),
        (lambda: R.fold_in(K, 1.0), TypeError, r"data must be an int >= 0, given 1\.0"),
        (lambda: R.normal(0, 3), TypeError, "key must be an nnfunc.random.Key"),
        (lambda: R.uniform(K, 3, 1.0, 1.0), ValueError, "low must be < high"),
        (lambda: R.uniform(K, 3, "0", 1.0), TypeError, "low must be a finite number"),
        (lambda: R.uniform(K, 3, 0.0, np.inf), ValueError, "high must be a finite number"),
        (lambda: R.uniform(K, 3, 1j, 2.0), TypeError, "low must be a finite number"),
        (lambda: R.bernoulli(K, 1.5, 3), ValueError, r"p must be a finite number >= 0"),
        (lambda: R.bernoulli(K, np.nan, 3), ValueError, r"p must be a finite number"),
        (lambda: R.bernoulli(K, "0.5", 3), TypeError, r"p must be a finite number"),
        (lambda: R.normal(K, 3, np.int32), ValueError, "float32 or float64"),
        (lambda: R.normal(K, (2, -1)), ValueError, r"shape\[1\] must be an int >= 0"),
        (lambda: R.normal(K, (2, 1.0)), TypeError, r"shape\[1\] must be an int >= 0"),
        (lambda: R.normal(K, 2.0), TypeError, r"shape must be an int or a tuple"),
        (lambda: R.permutation(K, -1), ValueError, r"n must be an int >= 0, given -1"),
        (lambda: R.permutation(K, 3.0), TypeError, r"n must be an int >= 0, given 3\.0"),
        (lambda: R.randint(K, 3, 0, 2.5), TypeError, r"high must be an int, given 2\.5"),
        (lambda: R.randint(K, 3, 2, 2), ValueError, r"low must be < high"),
        (lambda: R.Key(-1, 0), ValueError, r"Key.hi and Key.lo must be an int >= 0"),
        (lambda: R.Key(0, 2**64), ValueError, r"Key.hi and Key.lo must be an int >= 0"),
        (lambda: R.Key(0, 1.0), TypeError, r"Key.hi and Key.lo must be an int"),
    ],
)
def test_bad_arguments_are_refused(call: object, error: type[Exception], match: str) -> None:
    assert callable(call)
    with pytest.raises(error, match=match):
        call()


def test_numpy_integers_give_what_python_ints_give() -> None:
    i64, u8 = np.int64, np.uint8
    assert R.key(i64(7)) == R.key(7)
    assert R.split(K, i64(3)) == R.split(K, 3)
    assert R.fold_in(K, u8(5)) == R.fold_in(K, 5)
    np.testing.assert_array_equal(R.permutation(K, i64(9)), R.permutation(K, 9))
    np.testing.assert_array_equal(
        R.randint(K, (i64(2), u8(3)), i64(-4), i64(4)), R.randint(K, (2, 3), -4, 4)
    )
    np.testing.assert_array_equal(R.normal(K, i64(4)), R.normal(K, 4))
    key = R.Key(np.uint64(2**64 - 1), i64(3))
    assert key == R.Key(2**64 - 1, 3) and type(key.hi) is int


def test_numpy_floats_give_what_python_floats_give() -> None:
    f32, f64 = np.float32(-0.5), np.float64(2.0)
    np.testing.assert_array_equal(R.uniform(K, 5, f32, f64), R.uniform(K, 5, -0.5, 2.0))
    np.testing.assert_array_equal(R.bernoulli(K, np.float64(0.25), 9), R.bernoulli(K, 0.25, 9))
