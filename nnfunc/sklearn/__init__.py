"""scikit-learn estimators trained by nnfunc: `MLPClassifier` and `MLPRegressor`.

Drop-in for `sklearn.neural_network.MLPClassifier` / `MLPRegressor` with the adam
solver: the same parameter names where the meaning is the same, plus nnfunc's own
(`optimizer`, `net`, `dtype`). Fitted, they hold `net_`, `params_` and `state_`, which
nnfunc's own functions take (`nf.forward(est.net_, est.params_, x, est.state_)`).

The net is nnfunc's: Dense layers with Glorot init, trained by `nf.fit` one epoch at a
time with adam on the losses with logits (softmax_cross_entropy, or
sigmoid_binary_cross_entropy for two classes, mse for regression), plus `nf.losses.L2`
of strength alpha / batch_size (scikit-learn's penalty, which divides by each batch's
own size). A `random_state` int is the seed of `nf.random.key`: the same int gives the
same predictions, bit for bit, in any process. Needs the extra: pip install "nnfunc[sklearn]".
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import numpy.typing as npt
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.multiclass import check_classification_targets

from nnfunc import losses
from nnfunc.layers import sigmoid, softmax
from nnfunc.losses import Loss
from nnfunc.sklearn._base import DTYPES, Array, BaseMLP


class MLPClassifier(ClassifierMixin, BaseMLP):  # type: ignore[misc]
    """sklearn.neural_network.MLPClassifier(solver="adam") trained by nnfunc: binary and
    multiclass labels of any type (ints, strings, ...) in `classes_`; softmax
    cross-entropy on the logits (one sigmoid logit for two classes)."""

    def _targets(self, y: object, first: bool, classes: object) -> tuple[Array, int, Loss]:
        labels = np.asarray(y)
        check_classification_targets(labels)
        if first:
            found = np.unique(labels) if classes is None else np.unique(np.asarray(classes))
            if len(found) < 2:
                raise ValueError(
                    f"MLPClassifier needs at least 2 classes in y, given 1 class: {found[0]!r}"
                )
            self.classes_ = found
        unknown = np.setdiff1d(labels, self.classes_)
        if unknown.size:
            raise ValueError(f"y holds labels not in classes {self.classes_!r}: {unknown!r}")
        index = np.searchsorted(self.classes_, labels).astype(np.int64)
        if len(self.classes_) == 2:
            return index.reshape(-1, 1), 1, losses.sigmoid_binary_cross_entropy
        return index, len(self.classes_), losses.softmax_cross_entropy

    def _decoded(self, t: Array) -> Array:
        return np.asarray(self.classes_[t.reshape(-1)])

    def _score(self, x: Array, y: Array) -> float:
        return float(accuracy_score(y, self.predict(x)))

    def fit(self, X: npt.ArrayLike, y: npt.ArrayLike) -> Self:
        """Train from scratch on X (n, features) and labels y (n,); returns self."""
        return self._fit(X, y, incremental=False)

    def partial_fit(
        self, X: npt.ArrayLike, y: npt.ArrayLike, classes: npt.ArrayLike | None = None
    ) -> Self:
        """One epoch on (X, y); `classes` (all labels) is needed on the first call."""
        if not hasattr(self, "params_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit")
        return self._fit(X, y, incremental=True, classes=classes)

    def predict_proba(self, X: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Class probabilities (n, len(classes_)) in float64, columns in classes_'s order."""
        logits = self._outputs(X)
        if logits.shape[1] == 1:
            p = sigmoid(logits)
            return np.hstack([1.0 - p, p], dtype=np.float64)
        return np.asarray(softmax(logits), dtype=np.float64)

    def predict(self, X: npt.ArrayLike) -> Array:
        """The most probable class of each row of X (n, features): (n,) of classes_'s type."""
        logits = self._outputs(X)
        index = (logits[:, 0] > 0).astype(np.intp) if logits.shape[1] == 1 else logits.argmax(1)
        return np.asarray(self.classes_[index])


class MLPRegressor(RegressorMixin, BaseMLP):  # type: ignore[misc]
    """sklearn.neural_network.MLPRegressor(solver="adam") trained by nnfunc: mse on a
    linear output, one target (n,) or several (n, k); predictions in float64.

    nnfunc's mse averages over all n * k elements where scikit-learn's squared loss is
    half the sum over the k targets averaged over n: alpha is scaled by 2 / k so the
    objective is the same up to that factor, and loss_curve_ is 2 / k times scikit-learn's.
    """

    def _targets(self, y: object, first: bool, classes: object) -> tuple[Array, int, Loss]:
        values = np.asarray(y, dtype=DTYPES[self.dtype])
        width = 1 if values.ndim == 1 else values.shape[1]
        if first:
            self._columns = values.ndim == 2
        elif width != self.n_outputs_:
            raise ValueError(f"y must have {self.n_outputs_} targets, given shape {values.shape}")
        return values.reshape(len(values), width), width, losses.mse

    def _decoded(self, t: Array) -> Array:
        return t if self._columns else t[:, 0]

    _multi_output = True

    def _loss_scale(self, outputs: int) -> float:
        return 2.0 / outputs

    def _score(self, x: Array, y: Array) -> float:
        return float(r2_score(y, self.predict(x)))

    def fit(self, X: npt.ArrayLike, y: npt.ArrayLike) -> Self:
        """Train from scratch on X (n, features) and targets y (n,) or (n, k); returns self."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: npt.ArrayLike, y: npt.ArrayLike) -> Self:
        """One epoch on (X, y), from the fitted state (from scratch on the first call)."""
        return self._fit(X, y, incremental=True)

    def predict(self, X: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Predictions (n,) for one target, (n, k) for k, in float64."""
        values = self._outputs(X)
        return values if self._columns else values[:, 0]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


__all__ = ["MLPClassifier", "MLPRegressor"]
