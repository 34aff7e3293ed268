"""Synthetic data sets, each a pure function of a `Key`: XOR, moons, circles, blobs,
scikit-learn-style classification, and the tutorials' tabular regression set.

Every generator returns `(x, y)` with x float64 of shape (n, features). One convention
for targets: a classification set gives its classes as int64 labels of shape (n,),
whatever the number of classes. `nf.losses.softmax_cross_entropy` and `nf.metrics`
take them as they are; `one_hot(y, k)` makes float64 (n, k) rows of them, and
`binary_targets(y)` makes 0/1 labels the float64 (n, 1) column that a net with one
logit needs for `nf.losses.sigmoid_binary_cross_entropy`. The regression set's target
is float64 of shape (n, 1).

Rows come in random order (classes interleaved). Where classes or groups are said to
be balanced, their sizes differ by at most one. All randomness comes from the key
(`nf.random` samplers on keys split from it): the same key gives the same bytes in
any process. Returned arrays are read-only.

Bad arguments raise TypeError (a wrong type, such as a key that is not a Key or a
float count) or ValueError (a value out of range), naming the argument, what was
expected and what was given. The IDX reader `load_idx`/`save_idx` (MNIST's file
format, `nnfunc.idx`) is re-exported here, with the data sets.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from nnfunc._arrays import FloatArray, freeze
from nnfunc._checks import integer, interval, is_integer, real, real_array
from nnfunc._checks import labels as labels_of
from nnfunc._matmul import matmul
from nnfunc.data import check_finite
from nnfunc.idx import load_idx, save_idx
from nnfunc.random import Key, bernoulli, check_key, normal, permutation, randint, split, uniform

Floats = FloatArray
Labels = npt.NDArray[np.int64]

TABULAR_INTERCEPT = 50.0
"""The intercept of `make_regression_tabular`'s target."""

TABULAR_COEFFICIENTS = (0.8, 0.4, -0.2, 10.0, 20.0)
"""The weights of the columns (a, b, c, d, e) in `make_regression_tabular`'s target."""

_XOR_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_LABELS = np.array([0, 1, 1, 0], dtype=np.int64)


# Shared pieces


def _keys(key: Key, num: int) -> tuple[Key, ...]:
    return split(check_key(key), num)


def _groups(key: Key, n: int, k: int) -> Labels:
    """Group in [0, k) of each of n rows, balanced (n // k or n // k + 1 rows each), shuffled."""
    return (permutation(key, n) % k).astype(np.int64)


def _jittered(key: Key, points: Floats, noise: float) -> Floats:
    """A fresh array: `points` plus independent N(0, noise**2) on every coordinate."""
    return points + noise * normal(key, points.shape, np.float64)


def _done(x: Floats, y: npt.NDArray[np.generic]) -> tuple[Floats, Labels]:
    return freeze(x), freeze(y.astype(np.int64, copy=False))


# Classification sets


def make_xor() -> tuple[Floats, Labels]:
    """The four XOR points, in this order: x float64 (4, 2) rows (0, 0), (0, 1), (1, 0),
    (1, 1); y int64 (4,) labels [0, 1, 1, 0]. Deterministic: no key.
    """
    return _done(_XOR_CORNERS.copy(), _XOR_LABELS.copy())


def make_xor_noisy(key: Key, n: int, noise: float = 0.1) -> tuple[Floats, Labels]:
    """n XOR points: each row a corner of the unit square plus N(0, noise**2) on each coordinate.

    The four corners are balanced (n // 4 or n // 4 + 1 rows each). x float64 (n, 2);
    y int64 (n,): the XOR of the corner's coordinates (so a noisy point keeps its
    corner's label even where the noise carries it across x = 0.5).
    Raises ValueError unless n is an int >= 1 and noise >= 0.
    """
    n = integer("n", n, 1)
    noise = real("noise", noise, 0.0)
    k_corner, k_noise = _keys(key, 2)
    corner = _groups(k_corner, n, 4)
    return _done(_jittered(k_noise, _XOR_CORNERS[corner], noise), _XOR_LABELS[corner])


def make_moons(key: Key, n: int, noise: float = 0.1) -> tuple[Floats, Labels]:
    """Two interleaved half circles of radius 1, with N(0, noise**2) on each coordinate.

    Class 0: (cos t, sin t), the upper half circle about (0, 0); class 1:
    (1 - cos t, 0.5 - sin t), the lower one about (1, 0.5); t uniform in [0, pi),
    classes balanced. x float64 (n, 2), y int64 (n,) in {0, 1}.
    Raises ValueError unless n is an int >= 1 and noise >= 0.
    """
    n = integer("n", n, 1)
    noise = real("noise", noise, 0.0)
    k_label, k_angle, k_noise = _keys(key, 3)
    label = _groups(k_label, n, 2)
    t = uniform(k_angle, n, 0.0, math.pi, np.float64)
    sign = 1.0 - 2.0 * label
    points = np.stack([label + sign * np.cos(t), 0.5 * label + sign * np.sin(t)], axis=1)
    return _done(_jittered(k_noise, points, noise), label)


def make_circles(
    key: Key, n: int, noise: float = 0.05, factor: float = 0.5
) -> tuple[Floats, Labels]:
    """Two concentric circles about (0, 0), with N(0, noise**2) on each coordinate.

    Class 0 on the circle of radius 1, class 1 on the circle of radius `factor`,
    angles uniform in [0, 2 pi), classes balanced. x float64 (n, 2), y int64 (n,).
    Raises ValueError unless n is an int >= 1, noise >= 0 and 0 < factor < 1.
    """
    n = integer("n", n, 1)
    noise = real("noise", noise, 0.0)
    factor = real("factor", factor, 0.0, 1.0, open_low=True, open_high=True)
    k_label, k_angle, k_noise = _keys(key, 3)
    label = _groups(k_label, n, 2)
    t = uniform(k_angle, n, 0.0, 2.0 * math.pi, np.float64)
    radius = np.where(label == 0, 1.0, factor)
    points = np.stack([radius * np.cos(t), radius * np.sin(t)], axis=1)
    return _done(_jittered(k_noise, points, noise), label)


def _centres(
    key: Key,
    centers: int | npt.ArrayLike,
    features: int | None,
    center_box: tuple[float, float],
) -> Floats:
    """The blob centres (k, features): `centers` itself, or that many drawn in `center_box`."""
    dims = None if features is None else integer("features", features, 1)
    if is_integer(centers):
        count = integer("centers", centers, 1)
        low, high = interval("center_box", center_box)
        return uniform(key, (count, 2 if dims is None else dims), low, high, np.float64)
    given = real_array("centers", centers)
    if given.ndim == 0:
        raise TypeError(
            f"centers must be an int >= 1 or an array of shape (k, features), given {centers!r}"
        )
    if given.ndim != 2 or given.size == 0:
        raise ValueError(
            "centers must be an int >= 1 or a numeric array of shape (k, features), "
            f"given shape {given.shape}"
        )
    check_finite("centers", given)
    array = given.astype(np.float64)
    if dims is not None and dims != array.shape[1]:
        raise ValueError(
            f"features must match the centers' {array.shape[1]} columns (or be None), "
            f"given features={dims}"
        )
    return array


def make_blobs(
    key: Key,
    n: int,
    centers: int | npt.ArrayLike = 3,
    std: float = 1.0,
    features: int | None = None,
    center_box: tuple[float, float] = (-10.0, 10.0),
) -> tuple[Floats, Labels]:
    """Isotropic Gaussian blobs: row i is centre y[i] plus N(0, std**2) on each coordinate.

    centers: an int k (k centres drawn uniformly in the box center_box on each axis,
    in `features` dimensions, 2 when None) or an array (k, features) of centres
    (then `features` must be None or its column count). Classes balanced.
    x float64 (n, features), y int64 (n,) in [0, k): the index of the row's centre.
    Raises ValueError for n or k not an int >= 1, std < 0, a bad centre array or box.
    """
    n = integer("n", n, 1)
    std = real("std", std, 0.0)
    k_centre, k_label, k_noise = _keys(key, 3)
    centres = _centres(k_centre, centers, features, center_box)
    label = _groups(k_label, n, len(centres))
    return _done(_jittered(k_noise, centres[label], std), label)


def _distinct_ints(key: Key, count: int, bound: int) -> list[int]:
    """`count` distinct ints from [0, bound), a random subset, by Floyd's algorithm.

    Exact integer arithmetic for any bound; uniform when bound <= 2**53.
    """
    fractions = randint(key, count, 0, 1 << 53).tolist()
    chosen: dict[int, None] = {}  # an insertion-ordered set
    for j, fraction in zip(range(bound - count, bound), fractions, strict=True):
        pick = ((j + 1) * fraction) >> 53  # uniform in [0, j]
        chosen[j if pick in chosen else pick] = None
    return list(chosen)


def _hypercube_vertices(key: Key, count: int, dims: int) -> Floats:
    """`count` distinct vertices of the hypercube {-1, 1}**dims, a random subset in random
    order: (count, dims)."""
    k_subset, k_order = split(key)
    chosen = _distinct_ints(k_subset, count, 2**dims)
    bits = [[(chosen[i] >> axis) & 1 for axis in range(dims)] for i in permutation(k_order, count)]
    return 2.0 * np.array(bits, dtype=np.float64) - 1.0


def _clustered(k_normal: Key, k_mixing: Key, cluster: Labels, centroids: Floats) -> Floats:
    """Row i: a standard normal vector times cluster c's random matrix U(-1, 1)**(d, d), plus
    centroid c, for c = cluster[i]; shape (n, d)."""
    count, dims = centroids.shape
    z = normal(k_normal, (len(cluster), dims), np.float64)
    mixing = uniform(k_mixing, (count, dims, dims), -1.0, 1.0, np.float64)
    out = np.empty_like(z)
    for c in range(count):
        rows = cluster == c
        out[rows] = matmul(z[rows], mixing[c]) + centroids[c]
    return out


def _check_classification_sizes(
    features: int, informative: int, redundant: int, clusters: int
) -> None:
    if informative + redundant > features:
        raise ValueError(
            f"informative + redundant must be <= features = {features}, given "
            f"{informative} + {redundant} = {informative + redundant}"
        )
    if clusters > 2**informative:
        raise ValueError(
            "classes * clusters_per_class must be <= 2**informative = "
            f"{2**informative} (the hypercube's vertices), given {clusters}"
        )


def make_classification(
    key: Key,
    n: int,
    features: int = 20,
    informative: int = 2,
    redundant: int = 2,
    classes: int = 2,
    clusters_per_class: int = 2,
    class_sep: float = 1.0,
    flip_y: float = 0.01,
) -> tuple[Floats, Labels]:
    """A classification problem built as scikit-learn's make_classification builds it.

    Each class owns `clusters_per_class` Gaussian clusters; the classes * clusters_per_class
    cluster centres are distinct random vertices of the hypercube {-class_sep,
    class_sep}**informative, and each cluster is a standard normal cloud multiplied by
    its own random matrix with entries U(-1, 1), then moved to its centre. Clusters are
    balanced. Columns, in this order: the `informative` features, `redundant` random
    linear combinations of them (weights U(-1, 1)), then N(0, 1) noise features. Then
    each label is, with probability flip_y, replaced by a class drawn uniformly (so
    about flip_y * (classes - 1) / classes of them change). Unlike scikit-learn, the
    columns are not shuffled, and there are no repeated features, weights, shift or scale.
    x float64 (n, features), y int64 (n,) in [0, classes).
    Raises ValueError for n, features, informative, clusters_per_class not ints >= 1,
    redundant < 0, classes < 2, class_sep <= 0, flip_y outside [0, 1],
    informative + redundant > features or classes * clusters_per_class > 2**informative.
    """
    n = integer("n", n, 1)
    features = integer("features", features, 1)
    informative = integer("informative", informative, 1)
    redundant = integer("redundant", redundant, 0)
    classes = integer("classes", classes, 2)
    clusters_per_class = integer("clusters_per_class", clusters_per_class, 1)
    class_sep = real("class_sep", class_sep, 0.0, open_low=True)
    flip_y = real("flip_y", flip_y, 0.0, 1.0)
    clusters = classes * clusters_per_class
    _check_classification_sizes(features, informative, redundant, clusters)
    keys = _keys(key, 8)
    centroids = class_sep * _hypercube_vertices(keys[0], clusters, informative)
    cluster = _groups(keys[1], n, clusters)
    x = np.empty((n, features))
    x[:, :informative] = _clustered(keys[2], keys[3], cluster, centroids)
    weights = uniform(keys[4], (informative, redundant), -1.0, 1.0, np.float64)
    x[:, informative : informative + redundant] = matmul(x[:, :informative], weights)
    x[:, informative + redundant :] = normal(
        keys[5], (n, features - informative - redundant), np.float64
    )
    flipped = bernoulli(keys[6], flip_y, n)
    label = np.where(flipped, randint(keys[7], n, 0, classes), cluster % classes)
    return _done(x, label)


# Regression


def make_regression_tabular(
    key: Key, n: int = 100_000, noise_std: float = 10.0
) -> tuple[Floats, Floats]:
    """The tutorials' tabular regression set: x columns (a, b, c, d, e), y (n, 1) float64.

    a, b, c ~ N(0, 1); d uniform in {0, 1, 2, 3}; e ~ Bernoulli(0.5) in {0, 1};
    y = 50 + 0.8 a + 0.4 b - 0.2 c + 10 d + 20 e + N(0, noise_std**2)
    (TABULAR_INTERCEPT and TABULAR_COEFFICIENTS). x float64 (n, 5). Vectorized.
    Raises ValueError unless n is an int >= 1 and noise_std >= 0.
    """
    n = integer("n", n, 1)
    noise_std = real("noise_std", noise_std, 0.0)
    k_abc, k_d, k_e, k_noise = _keys(key, 4)
    x = np.empty((n, 5))
    x[:, :3] = normal(k_abc, (n, 3), np.float64)
    x[:, 3] = randint(k_d, n, 0, 4)
    x[:, 4] = bernoulli(k_e, 0.5, n)
    y = x @ np.array(TABULAR_COEFFICIENTS) + TABULAR_INTERCEPT
    y += noise_std * normal(k_noise, n, np.float64)
    return freeze(x), freeze(y.reshape(n, 1))


# Label conversions


def one_hot(labels: npt.ArrayLike, num_classes: int) -> Floats:
    """One row per label with a 1.0 in the label's column: float64 (n, num_classes).

    labels: integers of shape (n,) in [0, num_classes). Raises TypeError for non-integer
    labels, ValueError for another shape, a label out of range or num_classes < 1.
    """
    num_classes = integer("num_classes", num_classes, 1)
    array = labels_of("labels", labels, num_classes)
    out = np.zeros((len(array), num_classes))
    out[np.arange(len(array)), array] = 1.0
    return freeze(out)


def binary_targets(labels: npt.ArrayLike) -> Floats:
    """0/1 labels of shape (n,) as the float64 (n, 1) column that one-logit losses take.

    Raises TypeError for non-integer labels, ValueError for another shape or a label
    other than 0 or 1.
    """
    array = labels_of("labels", labels, 2)
    return freeze(array.astype(np.float64).reshape(-1, 1))


__all__ = [
    "TABULAR_COEFFICIENTS",
    "TABULAR_INTERCEPT",
    "binary_targets",
    "load_idx",
    "make_blobs",
    "make_circles",
    "make_classification",
    "make_moons",
    "make_regression_tabular",
    "make_xor",
    "make_xor_noisy",
    "one_hot",
    "save_idx",
]
