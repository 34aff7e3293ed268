"""The Rosenblatt perceptron: a linear threshold unit and its error-driven learning rule.

A perceptron predicts 1 where x @ w + b > 0 and 0 elsewhere. Learning visits the
examples one at a time, in order, and after each one applies the classic rule

    w <- w + learning_rate * (y - y_hat) * x,    b <- b + learning_rate * (y - y_hat)

so it changes the params only on a mistake. When the two classes can be split by a
line (a hyperplane), the perceptron convergence theorem guarantees an epoch with no
mistakes after finitely many updates (OR, AND); when they cannot (XOR), no epoch is
ever free of mistakes. All functions here are pure: params are frozen values holding
read-only arrays, and every update returns new params.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import random
from nnfunc._arrays import READONLY, FloatArray, float_dtype, freeze
from nnfunc._checks import instance, integer, labels, real, real_array, size
from nnfunc._inputs import as_input
from nnfunc.data import as_pair, check_finite
from nnfunc.tree import pytree

Labels = npt.NDArray[np.int64]


@pytree
class PerceptronParams:
    """Params of a perceptron: weights `w` of shape (features,) and bias `b` of shape ().

    Both are read-only arrays of one float dtype (float32 or float64); arrays given
    by a user are copied. A pytree, so `nf.tree` and `nf.checkpoint` take it.
    Raises ValueError for other shapes or dtypes, TypeError for complex ones.
    """

    w: FloatArray = attrs.field(converter=READONLY)
    b: FloatArray = attrs.field(converter=READONLY)

    def __attrs_post_init__(self) -> None:
        """Check the shapes (features,) and () and the one float dtype."""
        real_array("PerceptronParams: w", self.w)
        real_array("PerceptronParams: b", self.b)
        if self.w.ndim != 1 or self.w.size == 0 or self.b.shape != ():
            raise ValueError(
                "PerceptronParams: w must have shape (features,) with features >= 1 and b "
                f"shape (), given w {self.w.shape} and b {self.b.shape}"
            )
        if self.w.dtype != self.b.dtype or self.w.dtype not in (np.float32, np.float64):
            raise ValueError(
                "PerceptronParams: w and b must share one dtype, float32 or float64; "
                f"given w {self.w.dtype} and b {self.b.dtype}"
            )

    @property
    def num_features(self) -> int:
        """The number of input features, w's length."""
        return int(self.w.shape[0])


def init(n_features: int, dtype: npt.DTypeLike = np.float64) -> PerceptronParams:
    """Zero weights (n_features,) and a zero bias () of `dtype` (float32 or float64).

    Zeros, as Rosenblatt's rule is usually started: no key is needed, and from zeros
    the learning rate only scales w and b, never changes which examples are mistakes.
    Raises TypeError for n_features not an int, ValueError for n_features < 1 or another
    dtype.
    """
    n_features = size("n_features", n_features)
    resolved = float_dtype(dtype)
    return PerceptronParams(freeze(np.zeros(n_features, resolved)), freeze(np.zeros((), resolved)))


def _check_params(params: object) -> PerceptronParams:
    """`params` if they are PerceptronParams; TypeError otherwise."""
    return instance(
        "params", params, PerceptronParams, "PerceptronParams (make them with nf.perceptron.init)"
    )


def _inputs(params: PerceptronParams, x: npt.ArrayLike) -> FloatArray:
    """x as finite (n, features) rows in the params' dtype; ValueError naming the shapes."""
    rows = as_input(real_array("x", x), params.w.dtype)
    if rows.ndim != 2 or rows.shape[1] != params.num_features:
        raise ValueError(
            f"x must have shape (n, {params.num_features}) for a perceptron of "
            f"{params.num_features} features, given {rows.shape}"
        )
    check_finite("x", rows)
    return rows


def _examples(
    params: PerceptronParams, x: npt.ArrayLike, y: npt.ArrayLike
) -> tuple[FloatArray, Labels]:
    """(x rows, y labels): n rows of features and n integer labels 0 or 1, shape (n,)."""
    xs, ys = as_pair(x, y)
    return _inputs(params, xs), labels("y", ys, 2)


def _check_rate(learning_rate: float) -> float:
    """`learning_rate` as a float; TypeError unless a number, ValueError unless finite and > 0."""
    return real("learning_rate", learning_rate, 0.0, open_low=True)


def predict(params: PerceptronParams, x: npt.ArrayLike) -> Labels:
    """The class of each row: 1 where x @ w + b > 0, else 0, as int64 of shape (n,).

    x: (n, features), cast to the params' dtype. Raises TypeError for other params
    or a non-numeric x, ValueError for x of another shape, empty or not finite.
    """
    rows = _inputs(_check_params(params), x)
    return (rows @ params.w + params.b > 0).astype(np.int64)


def _sweep(
    params: PerceptronParams, x: FloatArray, y: Labels, rate: float
) -> tuple[PerceptronParams, int]:
    """(params after the rule on each row of x in order, the number of mistakes made)."""
    w, b = params.w.copy(), params.b.copy()
    mistakes = 0
    for row, label in zip(x, y.tolist(), strict=True):
        error = label - int(row @ w + b > 0)
        if error:
            mistakes += 1
            w += (rate * error) * row
            b += rate * error
    return PerceptronParams(freeze(w), freeze(b)), mistakes


def step(
    params: PerceptronParams, x: npt.ArrayLike, y: npt.ArrayLike, learning_rate: float
) -> PerceptronParams:
    """New params after the perceptron rule on each example of the batch, one by one in order.

    x: a batch (n, features), n >= 1 (one example is x[i:i + 1]); y: its labels, integers
    0 or 1 of shape (n,). Example i is predicted with the params that examples 0..i-1
    left, so this is n online updates, not one update from the summed batch error.
    The result has the params' dtype; the arguments are not changed.
    Raises TypeError for other params, non-integer labels, a complex x or a learning_rate
    that is not a number; ValueError for shapes that do not fit, labels other than 0 and
    1, non-finite x or learning_rate <= 0.
    """
    checked = _check_params(params)
    rows, targets = _examples(checked, x, y)
    return _sweep(checked, rows, targets, _check_rate(learning_rate))[0]


def train(
    params: PerceptronParams,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    learning_rate: float,
    epochs: int,
    key: random.Key | None = None,
) -> tuple[PerceptronParams, tuple[int, ...]]:
    """(params, mistakes per epoch): up to `epochs` passes of `step` over (x, y).

    Stops after the first epoch with no mistake, whose params then classify every
    example right; so the counts end in 0 exactly when training converged. Without a
    key the examples come in their given order each epoch; with one, epoch e visits
    them in the order `nf.random.permutation(nf.random.fold_in(key, e), n)`.
    x, y, learning_rate: as in `step`. Raises as `step` does, TypeError for epochs not
    an int or a key that is not a Key, and ValueError for epochs < 1.
    """
    checked = _check_params(params)
    rows, targets = _examples(checked, x, y)
    rate = _check_rate(learning_rate)
    epochs = integer("epochs", epochs, 1)
    if key is not None:
        random.check_key(key)
    counts: list[int] = []
    for index in range(epochs):
        xs, ys = rows, targets
        if key is not None:
            order = random.permutation(random.fold_in(key, index), len(rows))
            xs, ys = rows[order], targets[order]
        checked, mistakes = _sweep(checked, xs, ys, rate)
        counts.append(mistakes)
        if mistakes == 0:
            break
    return checked, tuple(counts)


__all__ = ["PerceptronParams", "init", "predict", "step", "train"]
