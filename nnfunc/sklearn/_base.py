"""What nnfunc.sklearn's two estimators share: their parameters and checks, the epoch
loop on nf.fit with scikit-learn's stopping rule, and the net's output in float64."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from nnfunc import _checks, data, losses, optim, random, tree
from nnfunc._arrays import freeze
from nnfunc.core import forward, init, init_state
from nnfunc.layers import Layer, mlp
from nnfunc.losses import Loss
from nnfunc.optim import GradientTransformation
from nnfunc.train import fit

Array = npt.NDArray[Any]

ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
"""scikit-learn's names of the hidden activation and nnfunc's names of the same."""

DTYPES = {"float32": np.float32, "float64": np.float64}


class BaseMLP(BaseEstimator):  # type: ignore[misc]
    """What both estimators share: the parameters, their checks, the epoch loop."""

    def __init__(
        self,
        hidden_layer_sizes: int | tuple[int, ...] = (100,),
        activation: str = "relu",
        *,
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool = False,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        optimizer: GradientTransformation | None = None,
        net: Layer[Any, Any, Any] | None = None,
        dtype: str = "float32",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.optimizer = optimizer
        self.net = net
        self.dtype = dtype

    validation_scores_: list[float]
    best_validation_score_: float

    # What a subclass says about its targets.

    def _targets(self, y: object, first: bool, classes: object) -> tuple[Array, int, Loss]:
        """(targets for the loss, the net's output width, the loss), checking y."""
        raise NotImplementedError

    _multi_output: ClassVar[bool] = False
    """Whether y may be (n, k): else a column (n, 1) is raveled with a warning."""

    def _score(self, x: Array, y: Array) -> float:
        """The validation score of early stopping (higher is better)."""
        raise NotImplementedError

    def _loss_scale(self, outputs: int) -> float:
        """What scikit-learn's loss is multiplied by in nnfunc's (1 but for mse)."""
        return 1.0

    # The parameters, checked when fitting.

    def _checked(self) -> None:
        """TypeError or ValueError naming the first parameter that is wrong."""
        _checks.choice("activation", self.activation, tuple(ACTIVATIONS))
        _checks.real("alpha", self.alpha, 0.0)
        if self.batch_size != "auto":
            _checks.integer("batch_size", self.batch_size, 1)
        _checks.real("learning_rate_init", self.learning_rate_init, 0.0, open_low=True)
        _checks.integer("max_iter", self.max_iter, 1)
        _checks.real("tol", self.tol, 0.0)
        _checks.boolean("verbose", self.verbose)
        _checks.boolean("early_stopping", self.early_stopping)
        _checks.real("validation_fraction", self.validation_fraction, 0.0, 1.0, open_low=True)
        _checks.integer("n_iter_no_change", self.n_iter_no_change, 1)
        _checks.choice("dtype", self.dtype, tuple(DTYPES))
        if self.optimizer is not None:
            optim.check_optimizer(self.optimizer)

    def _hidden(self) -> list[int]:
        """hidden_layer_sizes as a list of ints >= 1 (an int is one layer)."""
        sizes: object = self.hidden_layer_sizes
        if _checks.is_integer(sizes):
            sizes = (sizes,)
        if not isinstance(sizes, tuple | list):
            raise TypeError(
                f"hidden_layer_sizes must be an int or a tuple of ints, given {sizes!r}"
            )
        return [_checks.integer(f"hidden_layer_sizes[{i}]", s, 1) for i, s in enumerate(sizes)]

    def _build(self, features: int, outputs: int) -> Layer[Any, Any, Any]:
        """The net: `net` if given (its output width checked), else an mlp of the hidden sizes."""
        if self.net is None:
            return mlp([features, *self._hidden(), outputs], ACTIVATIONS[self.activation])
        net: Layer[Any, Any, Any] = self.net
        params = init(net, random.key(0), DTYPES[self.dtype])
        width = forward(net, params, np.zeros((1, features)), init_state(net, DTYPES[self.dtype]))
        if width.shape != (1, outputs):
            raise ValueError(
                f"net must map (n, {features}) inputs to (n, {outputs}) outputs for these "
                f"targets, given a net whose outputs have shape {width.shape[1:]} per row"
            )
        return net

    def _optimizer(self) -> GradientTransformation:
        """`optimizer` if given, else adam(learning_rate_init, beta_1, beta_2, epsilon)."""
        if self.optimizer is not None:
            return optim.check_optimizer(self.optimizer)
        return optim.adam(self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)

    def _batch(self, n: int) -> int:
        """The batch size for n rows: min(200, n) for "auto", else clipped to n with a warning."""
        if self.batch_size == "auto":
            return min(200, n)
        size = _checks.integer("batch_size", self.batch_size, 1)
        if size > n:
            warnings.warn(
                f"batch_size {size} is larger than the {n} rows: using {n}",
                UserWarning,
                stacklevel=3,
            )
        return min(size, n)

    # Training.

    def _start(self, x: Array, target_width: int) -> None:
        """Fresh net, params, key and records for a first fit."""
        if _checks.is_integer(self.random_state):
            seed = _checks.integer("random_state", self.random_state)
        else:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        k_init, self._key, self._k_validation = random.split(random.key(seed), 3)
        self.n_outputs_ = target_width
        self.net_ = self._build(x.shape[1], target_width)
        self.params_ = init(self.net_, k_init, DTYPES[self.dtype])
        self.state_ = init_state(self.net_, DTYPES[self.dtype])
        self._opt_state: object = None
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_: list[float] = []
        self._no_improvement = 0
        self.best_loss_: float | None = np.inf

    def _epochs(
        self, x: Array, t: Array, loss_fn: Loss, epochs: int, validation: tuple[Array, Array] | None
    ) -> int:
        """Train up to `epochs` epochs, stopping by scikit-learn's rule: after more than
        n_iter_no_change epochs in a row whose loss (or, with `validation`, whose
        validation score) did not beat the best by tol. Returns the epochs run so far."""
        batch = self._batch(len(x))
        penalty = losses.L2(self.alpha * self._loss_scale(self.n_outputs_) / batch)
        for _ in range(epochs):
            result = fit(
                self.net_, self.params_, x, t, loss_fn, self._optimizer(), key=self._key,
                epochs=self.n_iter_ + 1, initial_epoch=self.n_iter_, batch_size=batch,
                opt_state=self._opt_state, state=self.state_, penalty=penalty,
            )  # fmt: skip
            self.params_, self.state_ = result.params, result.state
            self._opt_state = result.opt_state
            self.n_iter_ += 1
            self.t_ += len(x)
            self.loss_curve_.append(float(result.history["train_loss"][-1]))
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_curve_[-1]:.8f}")
            stalled = self._stalled(validation)
            self._no_improvement = self._no_improvement + 1 if stalled else 0
            if self._no_improvement > self.n_iter_no_change:
                break
        return self.n_iter_

    def _stalled(self, validation: tuple[Array, Array] | None) -> bool:
        """True when this epoch's loss (or validation score) did not beat the best by tol;
        records the best (and, with validation, the params that scored it)."""
        if validation is None:
            loss, best = self.loss_curve_[-1], self.best_loss_ or np.inf
            self.best_loss_ = min(loss, best)
            return loss > best - self.tol
        score, best = self._score(*validation), self.best_validation_score_
        self.validation_scores_.append(score)
        if score > best:
            self.best_validation_score_ = score
            self._best = (self.params_, self.state_)
        return bool(score < best + self.tol)

    def _fit(self, x_in: object, y_in: object, incremental: bool, classes: object = None) -> Self:
        """fit (all epochs, from scratch) or partial_fit (one epoch, from the fitted state)."""
        self._checked()
        first = not (incremental and hasattr(self, "params_"))
        x, y = validate_data(
            self,
            x_in,
            y_in,
            reset=first,
            dtype=DTYPES[self.dtype],
            multi_output=self._multi_output,
            y_numeric=self._multi_output,
        )
        t, width, loss_fn = self._targets(y, first, classes)
        x, t = data.as_pair(x, t)
        if first:
            self._start(x, width)
        if incremental:
            self._epochs(x, t, loss_fn, 1, None)
            return self
        validation = None
        if self.early_stopping:
            x, x_val, t, t_val = data.train_test_split(
                self._k_validation, x, t, self.validation_fraction
            )
            validation = (x_val, self._decoded(t_val))
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self._best = (self.params_, self.state_)
            self.best_loss_ = None
        if self._epochs(x, t, loss_fn, self.max_iter, validation) == self.max_iter:
            warnings.warn(
                f"adam: the maximum of {self.max_iter} iterations (max_iter) was reached and "
                "the optimization has not converged yet",
                ConvergenceWarning,
                stacklevel=3,
            )
        if self.early_stopping:
            self.params_, self.state_ = self._best
            del self._best
        return self

    def _decoded(self, t: Array) -> Array:
        """Targets as the loss takes them back to the labels or values of y."""
        return t

    def _outputs(self, x_in: object) -> npt.NDArray[np.float64]:
        """The net's output for X (n, features): logits or values, computed in float64 from
        the fitted params, so that a row's output does not depend on the rows beside it
        (float32 matrix products round differently for different batch sizes)."""
        check_is_fitted(self, "params_")
        x = validate_data(self, x_in, reset=False, dtype=np.float64)
        params, state = tree.astype((self.params_, self.state_), np.float64)
        return np.asarray(forward(self.net_, params, x, state), dtype=np.float64)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickling (scikit-learn's, which warns of another version's pickle): the arrays
        of params and state read-only again, as nnfunc made them."""
        for name in ("params_", "state_", "_opt_state"):
            if name in state:
                state[name] = _readonly(state[name])
        super().__setstate__(state)


def _readonly(leaves: object) -> object:
    """The same tree with every array made read-only."""
    return tree.map(lambda leaf: freeze(leaf) if isinstance(leaf, np.ndarray) else leaf, leaves)
