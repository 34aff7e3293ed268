"""Losses: frozen values, `loss_fn(pred, target) -> float` and
`loss_fn.value_and_grad(pred, target) -> (float, gradient w.r.t. pred)`; the built-in
ones also give `value_and_scaled_grad(pred, target, scale)`, the gradient times `scale`
in the same passes (the fused path folds a learning rate in this way).

`mse`, `binary_cross_entropy` and `sigmoid_binary_cross_entropy` average over all
elements (PyTorch's reduction="mean"); `softmax_cross_entropy` averages over rows.
The target must have the prediction's shape exactly: (n,) against (n, 1) is refused,
never broadcast. Penalties on params (`L2`) add to any loss through `penalty=`.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import tree
from nnfunc._arrays import FloatArray, is_integer, is_numeric
from nnfunc._checks import real
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


def _check_pred(pred: FloatArray, name: str) -> None:
    if pred.size == 0:
        raise ValueError(f"{name}: empty prediction of shape {pred.shape}; a batch needs rows")


def _target_like(pred: FloatArray, target: npt.ArrayLike, name: str) -> FloatArray:
    """`target` as an array of pred's dtype, after checking it has pred's shape exactly."""
    if type(target) is np.ndarray and target.shape == pred.shape and target.dtype == pred.dtype:
        if pred.size:
            return target  # the common case, checked cheaply
    _check_pred(pred, name)
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
    if not is_numeric(array.dtype):
        raise TypeError(f"{name}: target must be numeric, given dtype {array.dtype}")
    return array if array.dtype == pred.dtype else array.astype(pred.dtype)


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


class ScaledLoss:
    """The built-in losses' base: `__call__` and `value_and_grad` from
    `value_and_scaled_grad`, one formula per loss."""

    def __call__(self, pred: FloatArray, target: npt.ArrayLike) -> float:
        """The loss as a Python float."""
        return self.value_and_scaled_grad(pred, target, 1.0)[0]

    def value_and_grad(self, pred: FloatArray, target: npt.ArrayLike) -> tuple[float, FloatArray]:
        """(loss, gradient w.r.t. pred, a fresh array of pred's shape and dtype)."""
        return self.value_and_scaled_grad(pred, target, 1.0)

    def value_and_scaled_grad(
        self, pred: FloatArray, target: npt.ArrayLike, scale: float
    ) -> tuple[float, FloatArray]:
        """(loss, scale * its gradient w.r.t. pred): the scale joins the mean's 1 / size in
        one multiply (scale 1.0 gives `value_and_grad`'s bits), such as a learning rate."""
        raise NotImplementedError


@attrs.frozen
class MSE(ScaledLoss):
    """mean((pred - target)**2) over all elements; gradient 2 (pred - target) / size."""

    def value_and_scaled_grad(
        self, pred: FloatArray, target: npt.ArrayLike, scale: float
    ) -> tuple[float, FloatArray]:
        """(mean squared error, scale * 2 (pred - target) / size)."""
        diff = pred - _target_like(pred, target, "mse")
        value = float(np.vdot(diff, diff)) / diff.size
        diff *= diff.dtype.type(scale * 2.0 / diff.size)
        return value, diff


@attrs.frozen
class BinaryCrossEntropy(ScaledLoss):
    """-mean(t log p + (1 - t) log(1 - p)) on probabilities p clipped to [eps, 1 - eps].

    The gradient is taken at the clipped p, so it stays finite and non-zero when a
    sigmoid saturates. For logits use `sigmoid_binary_cross_entropy`: it is stable.
    """

    eps: float = attrs.field(
        default=1e-7, validator=[attrs.validators.gt(0.0), attrs.validators.lt(0.5)]
    )

    def value_and_scaled_grad(
        self, pred: FloatArray, target: npt.ArrayLike, scale: float
    ) -> tuple[float, FloatArray]:
        """(mean BCE, scale * (p - t) / (p (1 - p)) / size at the clipped p)."""
        t, one_minus_t = _binary_target(pred, target, "binary_cross_entropy")
        p = np.clip(pred, self.eps, 1.0 - self.eps)
        value = -float(np.vdot(t, np.log(p)) + np.vdot(one_minus_t, np.log1p(-p))) / p.size
        grad = (p - t) / (p * (1.0 - p))
        grad *= grad.dtype.type(scale / p.size)
        return value, grad


@attrs.frozen
class SigmoidBinaryCrossEntropy(ScaledLoss):
    """Binary cross-entropy on logits z: mean(softplus(z) - t z), stable for any z.

    Equal to binary_cross_entropy(sigmoid(z), t) without its clipping; gradient
    (sigmoid(z) - t) / size.
    """

    def value_and_scaled_grad(
        self, pred: FloatArray, target: npt.ArrayLike, scale: float
    ) -> tuple[float, FloatArray]:
        """(mean BCE on logits, scale * (sigmoid(z) - t) / size)."""
        t, one_minus_t = _binary_target(pred, target, "sigmoid_binary_cross_entropy")
        grad = softplus_of_negative(pred)  # softplus(-z), stable for any z
        # softplus(z) - t z = softplus(-z) + (1 - t) z
        value = float(np.add.reduce(grad, axis=None) + np.vdot(one_minus_t, pred)) / pred.size
        np.negative(grad, out=grad)
        np.exp(grad, out=grad)  # sigmoid(z) = exp(-softplus(-z)), as `sigmoid` computes it
        grad -= t
        grad *= scale / pred.size  # rounded to pred's dtype first (NEP 50)
        return value, grad


def _labels_as_probs(
    pred: FloatArray, target: npt.ArrayLike
) -> tuple[FloatArray | None, npt.NDArray[np.intp] | None]:
    """(one-hot or soft targets, None) for (n, k) targets; (None, labels) for (n,) labels."""
    name = "softmax_cross_entropy"
    _check_pred(pred, name)
    if pred.ndim != 2:
        raise ValueError(f"{name}: logits must have shape (n, k), given {pred.shape}")
    array = np.asarray(target)
    n, k = pred.shape
    if array.shape == (n, k):
        return _target_like(pred, array, name), None
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


def _softmax_parts(z: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(z less its row maximum, the exp of that, its row sums (n, 1)) for logits z (n, k):
    softmax(z) is the exp over the sums, log softmax(z) the first less the sums' log."""
    shifted: FloatArray = z - np.maximum.reduce(z, axis=1, keepdims=True)
    exp = np.exp(shifted)
    return shifted, exp, np.add.reduce(exp, axis=1, keepdims=True)


@attrs.frozen
class SoftmaxCrossEntropy(ScaledLoss):
    """Cross-entropy of softmax(logits) against integer labels (n,) or one-hot (n, k) rows,
    averaged over the n rows; gradient (softmax(z) - onehot) / n. Stable for any logits.
    """

    def value_and_scaled_grad(
        self, pred: FloatArray, target: npt.ArrayLike, scale: float
    ) -> tuple[float, FloatArray]:
        """(mean cross-entropy, scale * (softmax(z) - onehot) / n)."""
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
        grad *= scale / n  # rounded to pred's dtype first (NEP 50)
        return value, grad


_BUILT_IN = (MSE, BinaryCrossEntropy, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy)
"""Exactly these classes: a subclass may change `value_and_grad`."""


def scaled_value_and_grad(
    loss_fn: Loss, pred: FloatArray, target: npt.ArrayLike, scale: float
) -> tuple[float, FloatArray, bool]:
    """(loss, scale * its gradient w.r.t. pred, whether that gradient is a fresh array only
    the caller holds). A built-in loss folds the scale into its last multiply; any other
    loss's gradient is multiplied apart, or for scale 1.0 given as the loss returned it
    (the loss may keep it)."""
    if isinstance(loss_fn, ScaledLoss) and type(loss_fn) in _BUILT_IN:
        value, grad = loss_fn.value_and_scaled_grad(pred, target, scale)
        return value, grad, True
    value, grad = loss_fn.value_and_grad(pred, target)
    if scale == 1.0:
        return value, grad, False
    return value, np.multiply(grad, scale), True


mse = MSE()
binary_cross_entropy = BinaryCrossEntropy()
sigmoid_binary_cross_entropy = SigmoidBinaryCrossEntropy()
softmax_cross_entropy = SoftmaxCrossEntropy()


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
