"""The demo's data sets: a registry of 2-D classification tasks drawn from a key."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import datasets, random
from nnfunc._arrays import FloatArray

Labels = npt.NDArray[np.int64]

FEATURES = 2
"""Every demo data set has two features, so its decision regions can be drawn."""


@attrs.frozen
class DataSet:
    """A demo data set: how to draw n points of k classes from a key; k from 2 to max_classes."""

    make: Callable[[random.Key, int, int], tuple[FloatArray, Labels]]
    about: str
    max_classes: int = 2
    default_classes: int = 2


BLOB_GAP = 5.0
"""The distance between neighbouring blob centres, five times the blobs' std of 1."""


def _blobs(key: random.Key, n: int, classes: int) -> tuple[FloatArray, Labels]:
    """Gaussian blobs of std 1 whose centres sit evenly on a circle, BLOB_GAP apart."""
    angles = 2.0 * np.pi * np.arange(classes) / classes
    radius = BLOB_GAP / (2.0 * np.sin(np.pi / classes))
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    return datasets.make_blobs(key, n, centers=centres, std=1.0)


def _classification(key: random.Key, n: int, classes: int) -> tuple[FloatArray, Labels]:
    """make_classification in 2-D: 2 informative features, 4 // classes clusters per class."""
    return datasets.make_classification(
        key,
        n,
        FEATURES,
        informative=2,
        redundant=0,
        classes=classes,
        clusters_per_class=4 // classes,
    )


DATASETS = {
    "blobs": DataSet(
        _blobs, "Gaussian, std 1, centres 5 apart on a circle", max_classes=10, default_classes=3
    ),
    "moons": DataSet(
        lambda key, n, _: datasets.make_moons(key, n, noise=0.2), "two moons, noise 0.2"
    ),
    "circles": DataSet(
        lambda key, n, _: datasets.make_circles(key, n, noise=0.1), "two circles, noise 0.1"
    ),
    "classification": DataSet(
        _classification, "Gaussian clusters on a square's corners", max_classes=4, default_classes=3
    ),
}


__all__ = ["BLOB_GAP", "DATASETS", "FEATURES", "DataSet", "Labels"]
