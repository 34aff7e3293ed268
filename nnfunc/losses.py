"""Losses: frozen values, `loss_fn(pred, target) -> float` and
`loss_fn.value_and_grad(pred, target) -> (float, gradient w.r.t. pred)`.

`mse`, `binary_cross_entropy` and `sigmoid_binary_cross_entropy` average over all
elements (PyTorch's reduction="mean"); `softmax_cross_entropy` averages over rows.
The target must have the prediction's shape exactly: (n,) against (n, 1) is refused,
never broadcast. Penalties on params (`L2`) add to any loss through `penalty=`.
"""

from __future__ import annotations

from typing import Protocol, TypeVar, cast

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import tree
from nnfunc._arrays import FloatArray, is_integer, is_real
from nnfunc._checks import canonical, real, real_array, validate
from nnfunc.layers.activations import softplus_of_negative
from nnfunc.optim._base import checked
from nnfunc.optim.masking import Mask, decay_mask, flags

P = TypeVar("P")


class Loss(Protocol):
    """A loss: a frozen value with a call and a value-and-gradient, both on predictions."""

    def __call__(self, pred: FloatArray, target: npt.ArrayLike) -> float:
        """The loss as a Python float."""
        ...

    def value_and_grad(self, pred: FloatArray, target: npt.ArrayLike) -> tuple[float, FloatArray]:
        """(loss, gradient of the loss w.r.t. pred, of pred's shape and dtype)."""
        ...


def check_loss(loss_fn: object) -> Loss:
    """`loss_fn` if it is a loss (callable, with `value_and_grad`); TypeError otherwise, as
    for a loss class given in place of its instance (nf.losses.MSE for nf.losses.MSE())."""
    if isinstance(loss_fn, type):
        raise TypeError(
            f"loss_fn must be a loss such as nf.losses.mse, given the class {loss_fn.__name__}; "
            f"pass an instance: {loss_fn.__name__}()"
        )
    if not callable(loss_fn) or not callable(getattr(loss_fn, "value_and_grad", None)):
        raise TypeError(
            "loss_fn must be a loss such as nf.losses.mse (callable, with value_and_grad), "
            f"given {type(loss_fn).__name__}: {loss_fn!r:.80}"
        )
    return cast(Loss, loss_fn)


def _pred(pred: object, name: str) -> FloatArray:
    """`pred` (of the loss `name`) as a float array with entries: bool and integer arrays
    become float64 (a target is cast to pred's dtype); TypeError for complex or strings."""
    if type(pred) is np.ndarray and pred.dtype.kind == "f" and pred.size:
        return pred  # the common case: a net's output, checked cheaply
    array = real_array(f"{name}: pred", pred)
    if array.size == 0:
        raise ValueError(f"{name}: empty prediction of shape {array.shape}; a batch needs rows")
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def _target_like(pred: FloatArray, target: npt.ArrayLike, name: str) -> FloatArray:
    """`target` as an array of pred's dtype, after checking it has pred's shape exactly."""
    if type(target) is np.ndarray and target.shape == pred.shape and target.dtype == pred.dtype:
        if pred.size and target.flags.c_contiguous:
            return target  # the common case, checked cheaply
    array = np.asarray(target)
    if array.shape != pred.shape:
        hint = ""
        if array.ndim == 1 and pred.shape == (array.shape[0], 1):
            hint = "; reshape the target with y.reshape(-1, 1)"
        elif pred.ndim == 1 and array.shape == (pred.shape[0], 1):
            hint = "; flatten the target with y.ravel()"
        raise ValueError(
            f"{name}: target shape must equal the prediction's {pred.shape}, given "
            f"{array.shape} (never broadcast){hint}"
        )
    if not is_real(array.dtype):
        raise TypeError(f"{name}: target must be numeric, given dtype {array.dtype}")
    # contiguous: sums over a strided target could round otherwise than over a dense one
    return np.ascontiguousarray(array, dtype=pred.dtype)


def _binary_target(
    pred: FloatArray, target: npt.ArrayLike, name: str
) -> tuple[FloatArray, FloatArray]:
    """(t, 1 - t) for `target` t like `_target_like`, checked to lie in [0, 1]."""
    t = _target_like(pred, target, name)
    one_minus_t = 1.0 - t
    # min(t, 1 - t) >= 0 exactly when 0 <= t <= 1 (NaN for NaN): one reduction, not two
    if not np.minimum.reduce(np.minimum(t, one_minus_t), axis=None) >= 0.0:
        low, high = float(np.min(t)), float(np.max(t))
        raise ValueError(f"{name}: targets must be in [0, 1], given values from {low} to {high}")
    return t, one_minus_t


class LossBase:
    """Base of the built-in losses: `__call__` from `value_and_grad`, and the promise that
    `value_and_grad` returns a gradient array it has just made and keeps no reference to,
    so the backward pass may compute in it. A loss of your own may subclass it when its
    `value_and_grad` keeps that promise; any other loss only needs the `Loss` protocol."""

    def __call__(self, pred: FloatArray, target: npt.ArrayLike) -> float:
        """The loss as a Python float."""
        return self.value_and_grad(pred, target)[0]

    def value_and_grad(self, pred: FloatArray, target: npt.ArrayLike) -> tuple[float, FloatArray]:
        """(loss, gradient w.r.t. pred, a fresh array of pred's shape and dtype)."""
        raise NotImplementedError


@attrs.frozen
class MSE(LossBase):
    """mean((pred - target)**2) over all elements; gradient 2 (pred - target) / size."""

    def value_and_grad(self, pred: FloatArray, target: npt.ArrayLike) -> tuple[float, FloatArray]:
        """(mean squared error, 2 (pred - target) / size)."""
        pred = _pred(pred, "mse")
        diff = pred - _target_like(pred, target, "mse")
        value = float(np.vdot(diff, diff)) / diff.size
        diff *= diff.dtype.type(2.0 / diff.size)
        return value, diff


@attrs.frozen
class BinaryCrossEntropy(LossBase):
    """-mean(t log p + (1 - t) log(1 - p)) on probabilities p clipped to [eps, 1 - eps].

    The gradient is taken at the clipped p, so it stays finite and non-zero when a
    sigmoid saturates. For logits use `sigmoid_binary_cross_entropy`: it is stable.
    """

    eps: float = attrs.field(
        default=1e-7,
        converter=canonical,
        validator=validate(real, 0.0, 0.5, open_low=True, open_high=True),
    )

    def value_and_grad(self, pred: FloatArray, target: npt.ArrayLike) -> tuple[float, FloatArray]:
        """(mean BCE, (p - t) / (p (1 - p)) / size at the clipped p)."""
        pred = _pred(pred, "binary_cross_entropy")
        t, one_minus_t = _binary_target(pred, target, "binary_cross_entropy")
        p = np.clip(pred, self.eps, 1.0 - self.eps)
        value = -float(np.vdot(t, np.log(p)) + np.vdot(one_minus_t, np.log1p(-p))) / p.size
        grad = (p - t) / (p * (1.0 - p))
        grad *= grad.dtype.type(1.0 / p.size)
        return value, grad


@attrs.frozen
class SigmoidBinaryCrossEntropy(LossBase):
    """Binary cross-entropy on logits z: mean(softplus(z) - t z), stable for any z.

    Equal to binary_cross_entropy(sigmoid(z), t) without its clipping; gradient
    (sigmoid(z) - t) / size.
    """

    def value_and_grad(self, pred: FloatArray, target: npt.ArrayLike) -> tuple[float, FloatArray]:
        """(mean BCE on logits, (sigmoid(z) - t) / size)."""
        pred = _pred(pred, "sigmoid_binary_cross_entropy")
        t, one_minus_t = _binary_target(pred, target, "sigmoid_binary_cross_entropy")
        grad = softplus_of_negative(pred)  # softplus(-z), stable for any z
        # softplus(z) - t z = softplus(-z) + (1 - t) z
        value = float(np.add.reduce(grad, axis=None) + np.vdot(one_minus_t, pred)) / pred.size
        np.negative(grad, out=grad)
        np.exp(grad, out=grad)  # sigmoid(z) = exp(-softplus(-z)), as `sigmoid` computes it
        grad -= t
        grad *= 1.0 / pred.size  # rounded to pred's dtype first (NEP 50)
        return value, grad


def _labels_as_probs(
    pred: FloatArray, target: npt.ArrayLike
) -> tuple[FloatArray | None, npt.NDArray[np.intp] | None]:
    """(one-hot or soft targets, None) for (n, k) targets; (None, labels) for (n,) labels."""
    name = "softmax_cross_entropy"
    if pred.ndim != 2:
        raise ValueError(f"{name}: pred (logits) must have shape (n, k), given {pred.shape}")
    array = np.asarray(target)
    n, k = pred.shape
    if array.shape == (n, k):
        return _probability_rows(pred, array, name), None
    if array.shape != (n,):
        raise ValueError(
            f"{name}: targets must be integer labels of shape ({n},) or one-hot rows of shape "
            f"({n}, {k}), given {array.shape}"
        )
    if not is_integer(array.dtype):
        raise TypeError(
            f"{name}: labels of shape ({n},) must be integers in [0, {k}), "
            f"given dtype {array.dtype}"
        )
    low, high = int(np.minimum.reduce(array, axis=None)), int(np.maximum.reduce(array, axis=None))
    if low < 0 or high >= k:
        bad = low if low < 0 else high
        raise ValueError(f"{name}: labels must be in [0, {k}) for {k} classes, given label {bad}")
    return None, array.astype(np.intp, copy=False)


def _probability_rows(pred: FloatArray, target: npt.ArrayLike, name: str) -> FloatArray:
    """(n, k) targets like `_target_like`, checked to be rows of probabilities: entries
    >= 0 whose row sums are 1 (to ROW_SUM_TOLERANCE), never NaN."""
    probs = _target_like(pred, target, name)
    sums = np.add.reduce(probs, axis=1)
    if not (np.minimum.reduce(probs, axis=None) >= 0.0) or not (
        np.maximum.reduce(np.abs(sums - 1.0), axis=None) <= ROW_SUM_TOLERANCE
    ):
        low = float(np.min(probs))
        row = int(np.argmax(np.where(np.isnan(sums), np.inf, np.abs(sums - 1.0))))
        raise ValueError(
            f"{name}: (n, k) targets must be rows of probabilities (one-hot or soft): entries "
            f">= 0 summing to 1 per row; given a smallest entry {low} and row {row} summing "
            f"to {float(sums[row])}"
        )
    return probs


ROW_SUM_TOLERANCE = 1e-3
"""How far from 1 a row of (n, k) targets may sum (float32 soft targets round)."""


def _softmax_parts(z: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(z less its row maximum, the exp of that, its row sums (n, 1)) for logits z (n, k):
    softmax(z) is the exp over the sums, log softmax(z) the first less the sums' log."""
    shifted: FloatArray = z - np.maximum.reduce(z, axis=1, keepdims=True)
    exp = np.exp(shifted)
    return shifted, exp, np.add.reduce(exp, axis=1, keepdims=True)


@attrs.frozen
class SoftmaxCrossEntropy(LossBase):
    """Cross-entropy of softmax(logits) against integer labels (n,) or one-hot (n, k) rows,
    averaged over the n rows; gradient (softmax(z) - onehot) / n. Stable for any logits.
    """

    def value_and_grad(self, pred: FloatArray, target: npt.ArrayLike) -> tuple[float, FloatArray]:
        """(mean cross-entropy, (softmax(z) - onehot) / n)."""
        pred = _pred(pred, "softmax_cross_entropy")
        probs, labels = _labels_as_probs(pred, target)
        n = pred.shape[0]
        shifted, grad, sums = _softmax_parts(pred)
        log_sums = np.log(sums)
        grad /= sums  # softmax(z)
        if labels is not None:
            rows = np.arange(n)
            picked = np.add.reduce(shifted[rows, labels], axis=None)
            value = float(np.add.reduce(log_sums, axis=None) - picked) / n
            grad[rows, labels] -= 1.0
        else:
            assert probs is not None
            shifted -= log_sums  # log softmax(z)
            value = -float(np.vdot(probs, shifted)) / n
            grad -= probs
        grad *= 1.0 / n  # rounded to pred's dtype first (NEP 50)
        return value, grad


mse = MSE()
"""Mean squared error over all elements."""
binary_cross_entropy = BinaryCrossEntropy()
"""Binary cross-entropy of probabilities (clipped) against 0/1 targets, averaged."""
sigmoid_binary_cross_entropy = SigmoidBinaryCrossEntropy()
"""Binary cross-entropy of logits against 0/1 targets, averaged: stable for any logit."""
softmax_cross_entropy = SoftmaxCrossEntropy()
"""Cross-entropy of logits (n, k) against labels (n,) or probability rows (n, k), row mean."""


class Penalty(Protocol):
    """A term on the params added to a loss: value and gradients, same tree type."""

    def value_and_grads(self, params: P) -> tuple[float, P]:
        """(penalty, its gradient w.r.t. every leaf of params)."""
        ...


@attrs.frozen
class L2:
    """strength / 2 * sum of squares of the params `mask` selects: by default
    `optim.decay_mask`, the weights (declared, else the leaves of >= 2 dims), not biases.

    Its gradient is strength * w there and 0 elsewhere: the same step as
    `optim.add_decayed_weights(strength)`, whose default mask is the same.
    """

    strength: float = checked("L2", real, 0.0)
    mask: Mask = attrs.field(default=None, kw_only=True)

    def value_and_grads(self, params: P) -> tuple[float, P]:
        """(penalty, strength * w for selected leaves and zeros for the others)."""
        selected = flags(self, decay_mask if self.mask is None else self.mask, params)
        weights = [w for w, chosen in zip(tree.leaves(params), selected, strict=True) if chosen]
        total = sum((float(np.vdot(w, w)) for w in weights), 0.0)
        choices = iter(selected)
        strength = self.strength

        def leaf(w: FloatArray) -> tuple[FloatArray]:
            return (w * w.dtype.type(strength) if next(choices) else np.zeros_like(w),)

        return 0.5 * strength * total, tree.map_many(leaf, 1, params, owner=self)[0]


__all__ = [
    "L2",
    "MSE",
    "ROW_SUM_TOLERANCE",
    "BinaryCrossEntropy",
    "Loss",
    "LossBase",
    "Penalty",
    "SigmoidBinaryCrossEntropy",
    "SoftmaxCrossEntropy",
    "binary_cross_entropy",
    "check_loss",
    "mse",
    "sigmoid_binary_cross_entropy",
    "softmax_cross_entropy",
]
