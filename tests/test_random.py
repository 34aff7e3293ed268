"""Keys: value semantics, splitting, and samplers fixed by the key alone."""

from __future__ import annotations

import subprocess
import sys

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


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: nf.random.key(-1), ValueError, "seed must be >= 0, given -1"),
        (lambda: nf.random.key(1.5), TypeError, "seed must be an int, given float"),  # type: ignore[arg-type]
        (lambda: nf.random.split(nf.random.key(0), 0), ValueError, "num >= 1"),
        (lambda: nf.random.normal(0, 3), TypeError, "must be an nnfunc.random.Key"),  # type: ignore[arg-type]
        (lambda: nf.random.uniform(nf.random.key(0), 3, 1.0, 1.0), ValueError, "low < high"),
        (lambda: nf.random.bernoulli(nf.random.key(0), 1.5, 3), ValueError, "0 <= p <= 1"),
        (lambda: nf.random.normal(nf.random.key(0), 3, np.int32), ValueError, "float32 or float64"),
        (lambda: nf.random.normal(nf.random.key(0), (2, -1)), ValueError, "non-negative"),
    ],
)
def test_bad_arguments_are_refused(call: object, error: type[Exception], match: str) -> None:
    assert callable(call)
    with pytest.raises(error, match=match):
        call()
