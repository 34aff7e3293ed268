"""nnfunc.datasets: synthetic sets from a key (shapes, determinism, geometry, errors)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import datasets, metrics

Array = npt.NDArray[Any]
Generator = Callable[[nf.Key], tuple[Array, Array]]

KEY = nf.random.key(0)
NOT_A_KEY: Any = 0
FLOAT_N: Any = 4.0
D: Any = datasets  # untyped, to call with wrong types and NumPy scalars

# name -> (generator of 50 rows, number of features, the target's shape and dtype)
GENERATORS: dict[str, tuple[Generator, int, tuple[int, ...], type[np.generic]]] = {
    "xor_noisy": (lambda k: datasets.make_xor_noisy(k, 50), 2, (50,), np.int64),
    "moons": (lambda k: datasets.make_moons(k, 50), 2, (50,), np.int64),
    "circles": (lambda k: datasets.make_circles(k, 50), 2, (50,), np.int64),
    "blobs": (lambda k: datasets.make_blobs(k, 50, features=4), 4, (50,), np.int64),
    "classification": (lambda k: datasets.make_classification(k, 50), 20, (50,), np.int64),
    "regression": (lambda k: datasets.make_regression_tabular(k, 50), 5, (50, 1), np.float64),
}


def _counts(labels: Array, k: int) -> list[int]:
    return [int(count) for count in np.bincount(labels, minlength=k)]


# One battery for every generator


@pytest.mark.parametrize("name", GENERATORS)
def test_shapes_dtypes_and_read_only(name: str) -> None:
    make, features, y_shape, y_dtype = GENERATORS[name]
    x, y = make(KEY)
    assert x.shape == (50, features) and x.dtype == np.float64
    assert y.shape == y_shape and y.dtype == y_dtype
    assert not x.flags.writeable and not y.flags.writeable
    assert np.isfinite(x).all()


@pytest.mark.parametrize("name", GENERATORS)
def test_same_key_same_bytes_other_key_other_data(name: str) -> None:
    make = GENERATORS[name][0]
    x1, y1 = make(nf.random.key(7))
    x2, y2 = make(nf.random.key(7))
    x3, _ = make(nf.random.key(8))
    assert x1.tobytes() == x2.tobytes() and y1.tobytes() == y2.tobytes()
    assert np.mean(x1 == x3) < 0.5  # only discrete columns (tabular d, e) may agree


@pytest.mark.parametrize("name", GENERATORS)
def test_a_non_key_is_a_type_error(name: str) -> None:
    with pytest.raises(TypeError, match=r"key must be an nnfunc\.random\.Key"):
        GENERATORS[name][0](NOT_A_KEY)


# XOR


def test_make_xor_is_the_truth_table() -> None:
    x, y = datasets.make_xor()
    assert x.tolist() == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert y.tolist() == [0, 1, 1, 0] and y.dtype == np.int64
    assert not x.flags.writeable and not y.flags.writeable


def test_xor_noisy_without_noise_is_balanced_corners_with_xor_labels() -> None:
    x, y = datasets.make_xor_noisy(KEY, 10, noise=0.0)
    corners, counts = np.unique(x, axis=0, return_counts=True)
    assert corners.tolist() == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert sorted(counts.tolist()) == [2, 2, 3, 3]
    assert y.tolist() == (x[:, 0] != x[:, 1]).astype(int).tolist()


def test_xor_noisy_noise_has_the_given_std() -> None:
    corners, y_clean = datasets.make_xor_noisy(KEY, 4000, noise=0.0)
    x, y = datasets.make_xor_noisy(KEY, 4000, noise=0.2)
    assert y.tobytes() == y_clean.tobytes()  # the noise never changes a label
    deviation = x - corners
    np.testing.assert_allclose(deviation.mean(axis=0), 0.0, atol=0.01)
    np.testing.assert_allclose(deviation.std(axis=0), 0.2, atol=0.01)


# Moons and circles


def test_moons_without_noise_lie_on_their_half_circles() -> None:
    x, y = datasets.make_moons(KEY, 1001, noise=0.0)
    assert _counts(y, 2) == [501, 500]
    outer, inner = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0, rtol=1e-12)
    assert outer[:, 1].min() >= 0.0 and inner[:, 1].max() <= 0.5


def test_moons_class_means_and_noise() -> None:
    x, y = datasets.make_moons(KEY, 4000, noise=0.1)
    # t uniform in [0, pi): E[cos t] = 0 and E[sin t] = 2 / pi.
    np.testing.assert_allclose(x[y == 0].mean(axis=0), [0.0, 2 / math.pi], atol=0.03)
    np.testing.assert_allclose(x[y == 1].mean(axis=0), [1.0, 0.5 - 2 / math.pi], atol=0.03)
    radius = np.hypot(x[y == 0, 0], x[y == 0, 1])
    assert radius.std() == pytest.approx(0.1, abs=0.01)


def test_circles_without_noise_have_radii_one_and_factor() -> None:
    x, y = datasets.make_circles(KEY, 2000, noise=0.0, factor=0.3)
    assert _counts(y, 2) == [1000, 1000]
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(radius[y == 1], 0.3, rtol=1e-12)
    for label in (0, 1):
        np.testing.assert_allclose(x[y == label].mean(axis=0), [0.0, 0.0], atol=0.07)
    quadrant_share = np.bincount(2 * (x[:, 0] > 0) + (x[:, 1] > 0), minlength=4) / 2000
    np.testing.assert_allclose(quadrant_share, 0.25, atol=0.04)


def test_circles_noise_spreads_the_radius() -> None:
    x, y = datasets.make_circles(KEY, 4000, noise=0.05)
    radius = np.hypot(x[y == 0, 0], x[y == 0, 1])
    assert radius.mean() == pytest.approx(1.0, abs=0.01)
    assert radius.std() == pytest.approx(0.05, abs=0.005)


# Blobs

CENTRES = [[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]]


def test_blobs_without_spread_sit_on_their_centres() -> None:
    x, y = datasets.make_blobs(KEY, 10, centers=CENTRES, std=0.0)
    assert sorted(_counts(y, 3)) == [3, 3, 4]
    np.testing.assert_array_equal(x, np.array(CENTRES)[y])


def test_blobs_gather_around_their_centres_with_the_given_std() -> None:
    x, y = datasets.make_blobs(KEY, 3000, centers=CENTRES, std=0.5)
    assert _counts(y, 3) == [1000, 1000, 1000]
    for label, centre in enumerate(CENTRES):
        np.testing.assert_allclose(x[y == label].mean(axis=0), centre, atol=0.05)
        np.testing.assert_allclose(x[y == label].std(axis=0), 0.5, atol=0.03)


def test_blobs_draw_their_centres_in_the_box() -> None:
    x, y = datasets.make_blobs(KEY, 40, centers=4, std=0.0, features=3, center_box=(-2.0, 2.0))
    centres = np.unique(x, axis=0)
    assert centres.shape == (4, 3)
    assert centres.min() >= -2.0 and centres.max() < 2.0
    assert _counts(y, 4) == [10, 10, 10, 10]


# make_classification


def test_classification_centres_are_distinct_hypercube_vertices() -> None:
    # One cluster per class: each class mean is its cluster's centre, a vertex of {-3, 3}**3.
    x, y = datasets.make_classification(
        KEY,
        8000,
        features=3,
        informative=3,
        redundant=0,
        classes=4,
        clusters_per_class=1,
        class_sep=3.0,
        flip_y=0.0,
    )
    assert _counts(y, 4) == [2000, 2000, 2000, 2000]
    means = np.array([x[y == label].mean(axis=0) for label in range(4)])
    np.testing.assert_allclose(np.abs(means), 3.0, atol=0.1)
    assert len(np.unique(np.sign(means), axis=0)) == 4


def test_classification_columns_are_informative_redundant_then_noise() -> None:
    x, y = datasets.make_classification(
        KEY, 4000, features=7, informative=2, redundant=3, flip_y=0.0
    )
    informative, redundant, noise = x[:, :2], x[:, 2:5], x[:, 5:]
    weights = np.linalg.lstsq(informative, redundant, rcond=None)[0]
    np.testing.assert_allclose(informative @ weights, redundant, atol=1e-10)
    assert np.abs(weights).max() <= 1.0
    np.testing.assert_allclose(noise.mean(axis=0), 0.0, atol=0.05)
    np.testing.assert_allclose(noise.std(axis=0), 1.0, atol=0.05)
    class_gap = np.abs(noise[y == 0].mean(axis=0) - noise[y == 1].mean(axis=0))
    assert class_gap.max() < 0.1  # noise carries no label information


def test_classification_flip_y_relabels_that_fraction_at_random() -> None:
    x0, y0 = datasets.make_classification(KEY, 20000, flip_y=0.0)
    x1, y1 = datasets.make_classification(KEY, 20000, flip_y=0.2)
    assert x0.tobytes() == x1.tobytes()
    # A flipped label is redrawn uniformly from 2 classes: half of them change.
    assert np.mean(y0 != y1) == pytest.approx(0.1, abs=0.01)


def test_classification_is_learned_well_above_chance_by_an_mlp() -> None:
    k_data, k_init = nf.random.split(nf.random.key(3))
    x, y = datasets.make_classification(
        k_data,
        1000,
        features=8,
        informative=3,
        redundant=2,
        classes=3,
        clusters_per_class=2,
        class_sep=2.0,
        flip_y=0.0,
    )
    x_train, y_train, x_test, y_test = x[:700], y[:700], x[700:], y[700:]
    net = nf.mlp([8, 32, 3], activation="tanh")
    params = nf.init(net, k_init, np.float64)
    for _ in range(300):
        g = nf.grads(net, params, x_train, y_train, nf.losses.softmax_cross_entropy)
        params = nf.sgd_step(params, g, 0.3)
    assert metrics.accuracy(nf.forward(net, params, x_test), y_test) >= 0.9  # chance: 1/3


# Tabular regression


def test_regression_without_noise_is_the_formula() -> None:
    x, y = datasets.make_regression_tabular(KEY, 1000, noise_std=0.0)
    a, b, c, d, e = x.T
    np.testing.assert_allclose(
        y[:, 0], 50 + 0.8 * a + 0.4 * b - 0.2 * c + 10 * d + 20 * e, rtol=1e-14
    )
    assert datasets.TABULAR_INTERCEPT == 50.0
    assert datasets.TABULAR_COEFFICIENTS == (0.8, 0.4, -0.2, 10.0, 20.0)


def test_regression_columns_have_their_distributions() -> None:
    x, _ = datasets.make_regression_tabular(KEY)
    assert x.shape == (100_000, 5)
    np.testing.assert_allclose(x[:, :3].mean(axis=0), 0.0, atol=0.015)
    np.testing.assert_allclose(x[:, :3].std(axis=0), 1.0, atol=0.015)
    d_share = np.bincount(x[:, 3].astype(np.int64)) / 100_000
    np.testing.assert_allclose(d_share, [0.25, 0.25, 0.25, 0.25], atol=0.01)
    assert set(np.unique(x[:, 4]).tolist()) == {0.0, 1.0}
    assert x[:, 4].mean() == pytest.approx(0.5, abs=0.01)


def test_regression_least_squares_recovers_the_coefficients() -> None:
    x, y = datasets.make_regression_tabular(KEY, 100_000, noise_std=10.0)
    design = np.column_stack([np.ones(len(x)), x])
    coef = np.linalg.lstsq(design, y[:, 0], rcond=None)[0]
    np.testing.assert_allclose(coef, [50.0, 0.8, 0.4, -0.2, 10.0, 20.0], atol=0.25)
    np.testing.assert_allclose(coef[1:4], [0.8, 0.4, -0.2], atol=0.15)  # standard error ~0.03
    residual = y[:, 0] - design @ coef
    assert residual.var() == pytest.approx(100.0, abs=2.0)


# Label conversions


def test_one_hot() -> None:
    rows = datasets.one_hot(np.array([2, 0, 1, 2]), 3)
    assert rows.dtype == np.float64 and not rows.flags.writeable
    assert rows.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert datasets.one_hot(np.array([], dtype=np.int64), 2).shape == (0, 2)


def test_binary_targets_plug_into_the_sigmoid_loss() -> None:
    _, y = datasets.make_moons(KEY, 10)
    targets = datasets.binary_targets(y)
    assert targets.shape == (10, 1) and targets.dtype == np.float64
    assert targets[:, 0].tolist() == y.tolist()
    loss = nf.losses.sigmoid_binary_cross_entropy(np.zeros((10, 1)), targets)
    assert loss == pytest.approx(math.log(2.0), rel=1e-12)


def test_labels_plug_into_softmax_cross_entropy_as_labels_or_one_hot() -> None:
    _, y = datasets.make_blobs(KEY, 9, centers=3)
    logits = np.log(np.array([[0.5, 0.25, 0.25]] * 9))
    expected = -np.log(np.where(y == 0, 0.5, 0.25)).mean()
    by_label = nf.losses.softmax_cross_entropy(logits, y)
    by_row = nf.losses.softmax_cross_entropy(logits, datasets.one_hot(y, 3))
    assert by_label == pytest.approx(expected, rel=1e-12)
    assert by_row == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: datasets.one_hot([0.0, 1.0], 2), TypeError, r"labels must be integers"),
        (lambda: datasets.one_hot([1j], 2), TypeError, r"labels must be integers"),
        (lambda: datasets.one_hot([[0, 1]], 2), ValueError, r"shape \(n,\), given \(1, 2\)"),
        (
            lambda: datasets.one_hot([0, 3], 3),
            ValueError,
            r"labels must be >= 0 and < 3 .*given label 3",
        ),
        (lambda: datasets.one_hot([-1, 0], 3), ValueError, r"labels must be >= 0 .*given label -1"),
        (lambda: datasets.one_hot([0], 0), ValueError, r"num_classes must be an int >= 1"),
        (lambda: D.one_hot([0], 2.0), TypeError, r"num_classes must be an int >= 1"),
        (lambda: datasets.binary_targets([0, 2]), ValueError, r"< 2 .*given label 2"),
    ],
)
def test_label_conversion_errors(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


def test_one_hot_takes_a_numpy_integer_count() -> None:
    np.testing.assert_array_equal(
        D.one_hot([2, 0], np.int64(3)),
        datasets.one_hot([2, 0], 3),
    )


# Bad arguments: a wrong type is a TypeError, a value out of range a ValueError, both
# naming the argument.

BAD_VALUES: list[tuple[Callable[[], object], str]] = [
    (lambda: D.make_xor_noisy(KEY, 0), r"n must be an int >= 1, given 0"),
    (lambda: D.make_xor_noisy(KEY, 4, -0.1), r"noise must be a finite number >= 0, given -0\.1"),
    (lambda: D.make_moons(KEY, -5), r"n must be an int >= 1, given -5"),
    (lambda: D.make_moons(KEY, 9, math.nan), r"noise must be a finite number >= 0, given nan"),
    (lambda: D.make_moons(KEY, 9, math.inf), r"noise must be a finite number >= 0, given inf"),
    (lambda: D.make_circles(KEY, 9, -1.0), r"noise must be a finite number"),
    (lambda: D.make_circles(KEY, 9, factor=1.0), r"factor must be a finite number > 0 and < 1"),
    (lambda: D.make_circles(KEY, 9, factor=0.0), r"factor .* > 0 and < 1, given 0\.0"),
    (lambda: D.make_blobs(KEY, 9, std=-1.0), r"std must be a finite number >= 0"),
    (lambda: D.make_blobs(KEY, 9, centers=0), r"centers must be an int >= 1"),
    (lambda: D.make_blobs(KEY, 9, features=0), r"features must be an int >= 1"),
    (
        lambda: D.make_blobs(KEY, 9, centers=[1.0, 2.0]),
        r"centers must be an int >= 1 or a numeric array of shape \(k, features\)",
    ),
    (lambda: D.make_blobs(KEY, 9, centers=[[math.inf, 0.0]]), r"centers must be finite"),
    (
        lambda: D.make_blobs(KEY, 9, centers=CENTRES, features=3),
        r"features must match the centers' 2 columns \(or be None\), given features=3",
    ),
    (
        lambda: D.make_blobs(KEY, 9, center_box=(1.0, -1.0)),
        r"center_box must be \(low, high\) with low < high, given tuple \(1\.0, -1\.0\)",
    ),
    (
        lambda: D.make_blobs(KEY, 9, center_box=(0.0, math.inf)),
        r"center_box\[1\] must be a finite number, given inf",
    ),
    (lambda: D.make_classification(KEY, 0), r"n must be an int >= 1"),
    (lambda: D.make_classification(KEY, 9, features=0), r"features must be an int >= 1"),
    (lambda: D.make_classification(KEY, 9, informative=0), r"informative must be an int"),
    (lambda: D.make_classification(KEY, 9, redundant=-1), r"redundant must be an int >= 0"),
    (lambda: D.make_classification(KEY, 9, classes=1), r"classes must be an int >= 2"),
    (
        lambda: D.make_classification(KEY, 9, clusters_per_class=0),
        r"clusters_per_class must be an int >= 1, given 0",
    ),
    (
        lambda: D.make_classification(KEY, 9, class_sep=0.0),
        r"class_sep must be a finite number > 0, given 0\.0",
    ),
    (
        lambda: D.make_classification(KEY, 9, flip_y=1.5),
        r"flip_y must be a finite number >= 0 and <= 1, given 1\.5",
    ),
    (
        lambda: D.make_classification(KEY, 9, features=3, informative=2, redundant=2),
        r"informative \+ redundant must be <= features = 3, given 2 \+ 2 = 4",
    ),
    (
        lambda: D.make_classification(KEY, 9, classes=3, clusters_per_class=2),
        r"classes \* clusters_per_class must be <= 2\*\*informative = 4 \(the hypercube's "
        r"vertices\), given 6",
    ),
    (lambda: D.make_regression_tabular(KEY, 0), r"n must be an int >= 1, given 0"),
    (
        lambda: D.make_regression_tabular(KEY, 9, noise_std=-1.0),
        r"noise_std must be a finite number >= 0, given -1\.0",
    ),
]


@pytest.mark.parametrize(("call", "message"), BAD_VALUES)
def test_bad_values_raise_value_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


BAD_TYPES: list[tuple[Callable[[], object], str]] = [
    (lambda: D.make_xor_noisy(KEY, FLOAT_N), r"n must be an int >= 1, given 4\.0"),
    (lambda: D.make_xor_noisy(KEY, True), r"n must be an int >= 1, given True"),
    (lambda: D.make_moons(KEY, "100"), r"n must be an int >= 1, given '100'"),
    (lambda: D.make_moons(KEY, 9, "0.1"), r"noise must be a finite number >= 0, given '0\.1'"),
    (lambda: D.make_moons(KEY, 9, 0.1j), r"noise must be a finite number >= 0, given complex"),
    (lambda: D.make_circles(KEY, 9, factor=False), r"factor must be a finite number"),
    (lambda: D.make_blobs(KEY, 9, centers=[[1j, 0.0]]), r"centers must be an array of real"),
    (lambda: D.make_blobs(KEY, 9, features=2.0), r"features must be an int >= 1, given 2\.0"),
    (lambda: D.make_blobs(KEY, 9, centers=3.0), r"centers must be an int >= 1 or an array"),
    (lambda: D.make_blobs(KEY, 9, center_box=5.0), r"center_box must be a pair"),
    (lambda: D.make_blobs(KEY, 9, center_box=("0", 1.0)), r"center_box\[0\] must be a finite"),
    (lambda: D.make_classification(KEY, 9, classes=2.0), r"classes must be an int >= 2"),
    (lambda: D.make_classification(KEY, 9, flip_y="0"), r"flip_y must be a finite number"),
    (lambda: D.make_regression_tabular(KEY, 9.0), r"n must be an int >= 1, given 9\.0"),
    (lambda: D.make_moons(NOT_A_KEY, 9), r"key must be an nnfunc\.random\.Key"),
]


@pytest.mark.parametrize(("call", "message"), BAD_TYPES)
def test_bad_types_raise_type_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("make_xor_noisy", {"n": 9, "noise": 0.2}),
        ("make_moons", {"n": 9, "noise": 0.2}),
        ("make_circles", {"n": 9, "noise": 0.1, "factor": 0.3}),
        ("make_blobs", {"n": 9, "centers": 2, "std": 0.5, "features": 3}),
        ("make_classification", {"n": 9, "features": 4, "classes": 3, "clusters_per_class": 1}),
        ("make_regression_tabular", {"n": 9, "noise_std": 2.0}),
    ],
)
def test_numpy_scalars_give_what_python_numbers_give(name: str, kwargs: dict[str, Any]) -> None:
    numpy_kwargs = {
        k: np.int64(v) if isinstance(v, int) else np.float64(v) for k, v in kwargs.items()
    }
    mine = getattr(datasets, name)(KEY, **numpy_kwargs)
    python = getattr(datasets, name)(KEY, **kwargs)
    for got, want in zip(mine, python, strict=True):
        assert got.tobytes() == want.tobytes()


def test_datasets_have_one_home() -> None:
    for name in datasets.__all__:
        assert not hasattr(nf.data, name), name
    assert datasets.load_idx is nf.idx.load_idx and datasets.save_idx is nf.idx.save_idx
