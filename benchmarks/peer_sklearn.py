"""scikit-learn's MLPClassifier: solver "sgd", momentum 0, the same batches, one
`partial_fit` per epoch (for W2, one per step: an epoch is its one batch of 4)."""

from __future__ import annotations

import importlib.metadata

import numpy as np
from sklearn.neural_network import MLPClassifier
from workloads import Problem, Weights


class SklearnMLP:
    """MLPClassifier(solver="sgd", momentum=0, alpha=0, shuffle=False, same batch size).

    `partial_fit` over the problem's rows is one epoch of SGD over the same batches in
    the same order. The classifier is created by a first `partial_fit` on one batch,
    then its weights are overwritten in place with the shared initial weights.
    """

    def __init__(self, problem: Problem) -> None:
        self._problem = problem
        workload = problem.workload
        self._model = MLPClassifier(
            hidden_layer_sizes=workload.sizes[1:-1],
            activation="relu" if workload.activation == "relu" else "logistic",
            solver="sgd",
            alpha=0.0,
            batch_size=workload.batch_size,
            learning_rate="constant",
            learning_rate_init=workload.learning_rate,
            momentum=0.0,
            nesterovs_momentum=False,
            shuffle=False,
            random_state=0,
        )
        classes = np.arange(max(2, workload.sizes[-1]))
        size = workload.batch_size
        self._model.partial_fit(problem.x[:size], problem.labels[:size], classes=classes)
        for coef, intercept, (w, b) in zip(
            self._model.coefs_, self._model.intercepts_, problem.init, strict=True
        ):
            coef[...] = w
            intercept[...] = b

    def run(self) -> None:
        """`passes` calls of partial_fit on all the rows: one epoch each."""
        model, x, labels = self._model, self._problem.x, self._problem.labels
        for _ in range(self._problem.workload.passes):
            model.partial_fit(x, labels)

    def weights(self) -> Weights | None:
        """The trained weights."""
        return [
            (np.array(w, dtype=np.float32), np.array(b, dtype=np.float32))
            for w, b in zip(self._model.coefs_, self._model.intercepts_, strict=True)
        ]

    def note(self) -> str:
        """The version and the dtype it trained in."""
        version = importlib.metadata.version("scikit-learn")
        return f"scikit-learn {version}, {self._model.coefs_[0].dtype}"
