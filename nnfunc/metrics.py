"""Metrics: pure functions of predictions and targets, returning Python floats.

Classification: `accuracy`, `log_loss`, `predicted_labels` and `confusion_matrix`
(an int64 table). Regression: `mse`, `mae`, `r2`. Everything is computed in
float64 whatever the input dtype. Shapes are checked, never broadcast: a binary
prediction of shape (n,) or (n, 1) needs a target of exactly its shape; a
multiclass prediction of shape (n, k), k >= 2, needs integer labels (n,) or
one-hot rows (n, k). Empty inputs and predictions or targets holding NaN or inf raise
ValueError; non-integer labels and complex (or other non-real) inputs TypeError.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from nnfunc._checks import integer, labels, real, real_array
from nnfunc.data import check_finite

Array = npt.NDArray[Any]
Labels = npt.NDArray[np.int64]

ROW_SUM_TOLERANCE = 1e-3
"""How far from 1 a row of multiclass probabilities may sum in `log_loss`."""


def _numeric(name: str, what: str, value: npt.ArrayLike) -> Array:
    """`value` as a non-empty, finite array of real numbers (or bools); TypeError for complex
    or non-numeric values, ValueError for an empty array, NaN or inf."""
    array = real_array(f"{name}: {what}", value)
    if array.size == 0:
        raise ValueError(f"{name}: {what} is empty (shape {array.shape}); expected values")
    check_finite(f"{name}: {what}", array)
    return array


def _is_binary(name: str, pred: Array, what: str = "pred") -> bool:
    """True for a binary prediction (n,) or (n, 1); False for multiclass (n, k), k >= 2;
    ValueError naming `what` (the argument) otherwise."""
    if pred.ndim == 1 or (pred.ndim == 2 and pred.shape[1] == 1):
        return True
    if pred.ndim == 2:
        return False
    raise ValueError(
        f"{name}: {what} must have shape (n,) or (n, 1) (binary) or (n, k) (k classes), "
        f"given {pred.shape}"
    )


def _binary_truth(name: str, pred: Array, target: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """The 0/1 `target` of a binary `pred` as booleans of shape (n,); its shape must be pred's."""
    t = _numeric(name, "target", target)
    if t.shape != pred.shape:
        raise ValueError(
            f"{name}: a binary pred of shape {pred.shape} needs a 0/1 target of the same "
            f"shape, given {t.shape} (never broadcast)"
        )
    ones = np.equal(t, 1)
    outside = ~(ones | np.equal(t, 0))
    if outside.any():
        raise ValueError(f"{name}: binary targets must be 0 or 1, given {t[outside][0]}")
    return ones.reshape(-1)


def _class_truth(name: str, pred: Array, target: npt.ArrayLike) -> Labels:
    """The labels (n,) of a multiclass `pred` (n, k) from integer labels (n,) or one-hot (n, k)."""
    n, k = pred.shape
    t = _numeric(name, "target", target)
    if t.shape == (n,):
        return labels(f"{name}: labels", t, k)
    if t.shape != (n, k):
        raise ValueError(
            f"{name}: a pred of shape {pred.shape} needs a target of integer labels of shape "
            f"({n},) or one-hot rows of shape ({n}, {k}), given {t.shape}"
        )
    ones = np.equal(t, 1)
    if not ((ones | np.equal(t, 0)).all() and (ones.sum(axis=1) == 1).all()):
        raise ValueError(f"{name}: one-hot targets must have a single 1 per row, the rest 0")
    return _row_argmax(ones)


def _row_argmax(scores: Array) -> Labels:
    """The column of the largest value of each row of `scores` (n, k), as int64 (n,)."""
    labels: Labels = np.argmax(scores, axis=1).astype(np.int64)
    return labels


def _labels_of(pred: Array, binary: bool, threshold: float) -> Labels:
    """0/1 for pred > threshold when binary, else the argmax of each row."""
    if binary:
        return np.greater(pred.reshape(-1), threshold).astype(np.int64)
    return _row_argmax(pred)


def predicted_labels(pred: npt.ArrayLike, threshold: float = 0.5) -> Labels:
    """The predicted class of each row as int64 (n,), for `confusion_matrix`.

    pred (n,) or (n, 1): 1 where pred > threshold, else 0 (0.5 for probabilities,
    0.0 for logits); pred (n, k), k >= 2: the argmax of each row.
    Raises ValueError for another shape, an empty or non-finite pred or a non-finite
    threshold; TypeError for a complex pred or a threshold that is not a number.
    """
    threshold = real("threshold", threshold)
    p = _numeric("predicted_labels", "pred", pred)
    return _labels_of(p, _is_binary("predicted_labels", p), threshold)


def accuracy(pred: npt.ArrayLike, target: npt.ArrayLike, threshold: float = 0.5) -> float:
    """The fraction of rows whose predicted class is the target's, as a Python float.

    Binary: pred (n,) or (n, 1) of probabilities (threshold 0.5) or logits (threshold
    0.0), class 1 where pred > threshold, against 0/1 targets of pred's shape exactly.
    Multiclass: pred (n, k), k >= 2, argmax of each row, against integer labels (n,)
    in [0, k) or one-hot rows (n, k); the threshold is not used.
    Raises ValueError naming both shapes when they do not fit, for targets that are
    not 0/1, labels out of range, empty inputs or NaN or inf; TypeError for non-integer
    labels, complex inputs or a threshold that is not a number.
    """
    threshold = real("threshold", threshold)
    p = _numeric("accuracy", "pred", pred)
    binary = _is_binary("accuracy", p)
    truth = _binary_truth("accuracy", p, target) if binary else _class_truth("accuracy", p, target)
    return float(np.mean(_labels_of(p, binary, threshold) == truth))


def confusion_matrix(
    true_labels: npt.ArrayLike, pred_labels: npt.ArrayLike, num_classes: int | None = None
) -> Labels:
    """Counts int64 (k, k): entry [i, j] is how many rows of true class i were predicted j.

    true_labels, pred_labels: integer labels of one shape (n,), in [0, num_classes);
    num_classes defaults to 1 + the largest label in either.
    Raises ValueError for other shapes, negative or too large labels, empty inputs
    or a num_classes that is not an int >= 1; TypeError for non-integer labels.
    """
    name = "confusion_matrix"
    k = None if num_classes is None else integer(f"{name}: num_classes", num_classes, 1)
    true = _numeric(name, "true_labels", true_labels)
    guess = _numeric(name, "pred_labels", pred_labels)
    if true.ndim != 1 or guess.shape != true.shape:
        raise ValueError(
            f"{name}: true_labels and pred_labels must both have shape (n,), "
            f"given {true.shape} and {guess.shape}"
        )
    true = labels(f"{name}: true_labels", true, k)
    guess = labels(f"{name}: pred_labels", guess, k)
    k = 1 + int(max(true.max(), guess.max())) if k is None else k
    cells = true * k + guess
    return np.bincount(cells, minlength=k * k).astype(np.int64).reshape(k, k)


def log_loss(probs: npt.ArrayLike, target: npt.ArrayLike, eps: float = 1e-7) -> float:
    """Mean negative log-likelihood of the targets under `probs`, clipped to [eps, 1 - eps].

    Binary: probs (n,) or (n, 1) of P(class 1), 0/1 targets of the same shape; the mean
    of -log p or -log(1 - p) over the n rows. Multiclass: probs (n, k), k >= 2, rows
    summing to 1 (within ROW_SUM_TOLERANCE), against integer labels (n,) or one-hot
    (n, k); the mean of -log p[label] over the rows.
    Raises ValueError for probabilities outside [0, 1], rows not summing to 1, eps
    not in (0, 0.5), and as `accuracy` does for the inputs.
    """
    name = "log_loss"
    eps = real(f"{name}: eps", eps, 0.0, 0.5, open_low=True, open_high=True)
    p = _numeric(name, "probs", probs).astype(np.float64)
    low, high = float(p.min()), float(p.max())
    if not (0.0 <= low and high <= 1.0):
        raise ValueError(
            f"{name}: probs must be probabilities in [0, 1], given values from {low} to {high}"
        )
    if _is_binary(name, p, "probs"):
        truth = _binary_truth(name, p, target)
        q = p.reshape(-1)
        likelihood = np.where(truth, q, 1.0 - q)
    else:
        worst = float(np.abs(p.sum(axis=1) - 1.0).max())
        if worst > ROW_SUM_TOLERANCE:
            raise ValueError(
                f"{name}: each row of probs must sum to 1 (softmax output, not logits), "
                f"given a row off by {worst:.3g}"
            )
        likelihood = p[np.arange(len(p)), _class_truth(name, p, target)]
    return -float(np.mean(np.log(np.clip(likelihood, eps, 1.0 - eps))))


def _regression_pair(name: str, pred: npt.ArrayLike, target: npt.ArrayLike) -> tuple[Array, Array]:
    """pred and target as float64 arrays of one shape; ValueError naming both shapes if not."""
    p = _numeric(name, "pred", pred)
    t = _numeric(name, "target", target)
    if p.shape != t.shape:
        raise ValueError(
            f"{name}: target shape must equal pred shape {p.shape}, given {t.shape} "
            "(never broadcast)"
        )
    return p.astype(np.float64), t.astype(np.float64)


def mse(pred: npt.ArrayLike, target: npt.ArrayLike) -> float:
    """Mean of (pred - target)**2 over all elements; pred and target of one shape."""
    p, t = _regression_pair("mse", pred, target)
    return float(np.mean(np.square(p - t)))


def mae(pred: npt.ArrayLike, target: npt.ArrayLike) -> float:
    """Mean of |pred - target| over all elements; pred and target of one shape."""
    p, t = _regression_pair("mae", pred, target)
    return float(np.mean(np.abs(p - t)))


def r2(pred: npt.ArrayLike, target: npt.ArrayLike) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot, for (n,) or (n, k) of one shape.

    For (n, k) it is the mean of the k per-column scores (scikit-learn's default).
    Raises ValueError for a constant target (column), where R^2 is undefined (SS_tot
    is 0), and for other ranks or shapes.
    """
    name = "r2"
    p, t = _regression_pair(name, pred, target)
    if p.ndim not in (1, 2):
        raise ValueError(f"{name}: pred and target must have shape (n,) or (n, k), given {p.shape}")
    p, t = p.reshape(len(p), -1), t.reshape(len(t), -1)
    constant = np.flatnonzero(t.max(axis=0) == t.min(axis=0))
    if constant.size:
        raise ValueError(
            f"{name}: R^2 is undefined for a constant target (SS_tot = 0), given column "
            f"{int(constant[0])} of {t.shape[1]} constant over {len(t)} rows"
        )
    ss_res = np.square(t - p).sum(axis=0)
    ss_tot = np.square(t - t.mean(axis=0)).sum(axis=0)
    return float(np.mean(1.0 - ss_res / ss_tot))


__all__ = [
    "ROW_SUM_TOLERANCE",
    "accuracy",
    "confusion_matrix",
    "log_loss",
    "mae",
    "mse",
    "predicted_labels",
    "r2",
]
