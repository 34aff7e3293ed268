"""nnfunc.sklearn: scikit-learn's own estimator checks, then what users rely on."""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import nnfunc as nf
from nnfunc.sklearn import MLPClassifier, MLPRegressor
from tests.conftest import ROOT

Array = npt.NDArray[Any]

SMALL: dict[str, Any] = {
    "hidden_layer_sizes": (8,),
    "learning_rate_init": 0.05,
    "max_iter": 50,
    "random_state": 0,
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([MLPClassifier(**SMALL), MLPRegressor(**SMALL)])  # type: ignore[untyped-decorator]
def test_scikit_learn_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)


def blobs(labels: npt.ArrayLike | None = None) -> tuple[Array, Array]:
    """120 rows of 4 features in 3 separable classes (labels 0, 1, 2 or the given names)."""
    x, y = make_blobs(n_samples=120, n_features=4, centers=3, random_state=0)
    return x, y if labels is None else np.asarray(labels)[y]


FIT: dict[str, Any] = {"hidden_layer_sizes": (8,), "learning_rate_init": 0.05, "max_iter": 30}
"""A short fit that reaches a perfect training score on `blobs`."""


def digest(array: npt.NDArray[Any]) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


FIT_IN_A_PROCESS = """
import hashlib, sys, numpy as np
import nnfunc
print("sklearn" in sys.modules, "nnfunc.sklearn" in sys.modules)
from sklearn.datasets import make_blobs
from nnfunc.sklearn import MLPClassifier
x, y = make_blobs(n_samples=120, n_features=4, centers=3, random_state=0)
model = MLPClassifier((8,), learning_rate_init=0.05, max_iter=30, random_state=7).fit(x, y)
print(hashlib.sha256(model.predict_proba(x).tobytes()).hexdigest())
"""


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_same_random_state_gives_the_same_bits_in_another_process() -> None:
    """... which imports nnfunc first: that does not import scikit-learn."""
    x, y = blobs()
    here = digest(MLPClassifier(**FIT, random_state=7).fit(x, y).predict_proba(x))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", FIT_IN_A_PROCESS], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", here]
    other = MLPClassifier(**FIT, random_state=8).fit(x, y).predict_proba(x)
    assert digest(other) != here


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_string_labels_come_back_as_given() -> None:
    x, y = blobs(["cat", "dog", "emu"])
    model = MLPClassifier(**FIT, random_state=0).fit(x, y)
    assert model.classes_.tolist() == ["cat", "dog", "emu"]
    assert (model.predict(x) == y).all()
    assert model.score(x, y) == 1.0
    proba = model.predict_proba(x)
    assert proba.shape == (120, 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert (model.classes_[proba.argmax(axis=1)] == y).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_two_classes_train_one_sigmoid_logit() -> None:
    x, y = blobs([False, True, True])
    model = MLPClassifier(**FIT, random_state=0).fit(x, y)
    assert model.n_outputs_ == 1
    assert model.params_[-1].w.shape == (8, 1)
    assert model.score(x, y) == 1.0
    logits = nf.forward(model.net_, model.params_, x)[:, 0]
    np.testing.assert_allclose(model.predict_proba(x)[:, 1], 1 / (1 + np.exp(-logits)), rtol=1e-5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_fitted_net_and_params_are_nnfuncs_own_and_equal_a_fit_by_hand() -> None:
    """fit is nf.fit of an mlp from the first child of key(random_state) with adam and
    L2(alpha / batch_size), shuffled by the second child: the same params, bit for bit."""
    x, y = blobs()
    settings: dict[str, Any] = {
        **FIT,
        "n_iter_no_change": 30,
    }  # no stop on a plateau: all 30 epochs
    model = MLPClassifier(**settings, alpha=0.01, batch_size=40, random_state=3).fit(x, y)
    assert model.net_ == nf.mlp([4, 8, 3], activation="relu")
    k_init, k_fit, _ = nf.random.split(nf.random.key(3), 3)
    by_hand = nf.fit(
        model.net_, nf.init(model.net_, k_init), x.astype(np.float32), y,
        nf.losses.softmax_cross_entropy, nf.optim.adam(0.05), key=k_fit, epochs=30,
        batch_size=40, penalty=nf.losses.L2(0.01 / 40),
    )  # fmt: skip
    assert nf.tree.equal(model.params_, by_hand.params)
    assert model.loss_curve_ == by_hand.history["train_loss"].tolist()
    assert model.n_iter_ == 30 and model.t_ == 30 * 120
    assert model.params_[0].w.dtype == np.float32 and not model.params_[0].w.flags.writeable


def test_partial_fit_epoch_by_epoch_equals_fit() -> None:
    x, y = blobs(["a", "b", "c"])
    settings: dict[str, Any] = {**FIT, "max_iter": 5, "random_state": 1}
    with pytest.warns(ConvergenceWarning, match="maximum of 5 iterations"):
        whole = MLPClassifier(**settings).fit(x, y)
    parts = MLPClassifier(**settings)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        parts.partial_fit(x, y)
    for _ in range(5):
        parts.partial_fit(x, y, classes=["a", "b", "c"])
    assert nf.tree.equal(whole.params_, parts.params_)
    assert parts.loss_curve_ == whole.loss_curve_ and parts.n_iter_ == 5
    with pytest.raises(ValueError, match=r"y holds labels not in classes .*'d'"):
        parts.partial_fit(x, np.full(120, "d"))


def test_loss_plateau_stops_as_scikit_learn_does() -> None:
    """More than n_iter_no_change epochs in a row without a loss better by tol: stop."""
    x, y = blobs()
    model = MLPClassifier(**{**FIT, "max_iter": 200}, tol=1e9, n_iter_no_change=3).fit(x, y)
    assert model.n_iter_ == 5  # epoch 1 beats inf; no other beats the best by 1e9: 5 - 1 > 3
    assert model.best_loss_ == min(model.loss_curve_)


def test_early_stopping_keeps_the_params_of_the_best_validation_score() -> None:
    x, y = blobs()
    model = MLPClassifier(
        **{**FIT, "max_iter": 200}, early_stopping=True, validation_fraction=0.25,
        n_iter_no_change=4, random_state=0,
    ).fit(x, y)  # fmt: skip
    scores = model.validation_scores_
    assert len(scores) == model.n_iter_ < 200
    assert model.best_validation_score_ == max(scores) == 1.0
    assert model.best_loss_ is None
    best = scores.index(max(scores))
    assert model.n_iter_ == best + 1 + 5  # the best epoch, then 5 > 4 epochs not better by tol


def test_regressor_fits_one_or_several_targets_in_float64() -> None:
    x, y = make_regression(n_samples=80, n_features=3, n_targets=2, random_state=0)
    y = y / y.std(axis=0)
    settings: dict[str, Any] = {
        "hidden_layer_sizes": (16,),
        "learning_rate_init": 0.02,
        "random_state": 0,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        two = MLPRegressor(**settings, max_iter=150).fit(x, y)
        one = MLPRegressor(**settings, max_iter=150).fit(x, y[:, 0])
    assert two.predict(x).shape == (80, 2) and two.predict(x).dtype == np.float64
    assert one.predict(x).shape == (80,)
    assert two.score(x, y) > 0.95 and one.score(x, y[:, 0]) > 0.95
    with pytest.raises(ValueError, match=r"y must have 2 targets, given shape \(80, 3\)"):
        two.partial_fit(x, np.ones((80, 3)))


def test_net_and_optimizer_specs_are_used_as_given() -> None:
    x, y = blobs()
    net = nf.Sequential(nf.Dense(4, 6), nf.Tanh(), nf.Dense(6, 5), nf.ReLU(), nf.Dense(5, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        opt = nf.optim.sgd(0.1, momentum=0.9)
        model = MLPClassifier(net=net, optimizer=opt, max_iter=30, random_state=0)
        model.fit(x, y)
    assert model.net_ is net and model.score(x, y) == 1.0
    assert [p.w.shape for p in model.params_ if p is not None] == [(4, 6), (6, 5), (5, 3)]
    wrong = MLPClassifier(net=nf.mlp([4, 5, 2]))
    with pytest.raises(ValueError, match=r"net must map \(n, 4\) inputs to \(n, 3\) outputs"):
        wrong.fit(x, y)


@pytest.mark.parametrize(
    ("setting", "error", "message"),
    [
        ({"activation": "gelu"}, ValueError, "activation must be one of"),
        ({"hidden_layer_sizes": (4, 0)}, ValueError, r"hidden_layer_sizes\[1\] must be"),
        ({"max_iter": 2.5}, TypeError, "max_iter must be an int >= 1, given 2.5"),
        ({"dtype": "float16"}, ValueError, "dtype must be one of"),
        ({"optimizer": "adam"}, TypeError, "optimizer"),
    ],
)
def test_bad_parameters_are_named_at_fit(
    setting: dict[str, Any], error: type[Exception], message: str
) -> None:
    model = MLPClassifier(**setting)  # stored as given: scikit-learn checks them in fit
    assert model.get_params()[next(iter(setting))] == next(iter(setting.values()))
    with pytest.raises(error, match=message):
        model.fit(*blobs())


def test_predict_before_fit_raises_not_fitted() -> None:
    for model in (MLPClassifier(), MLPRegressor()):
        with pytest.raises(NotFittedError):
            model.predict(np.zeros((2, 3)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_clone_and_pickle_keep_predictions() -> None:
    x, y = blobs(["x", "y", "z"])
    model = MLPClassifier(**FIT, random_state=0).fit(x, y)
    fresh = clone(model)
    assert fresh.get_params() == model.get_params() and not hasattr(fresh, "params_")
    assert digest(fresh.fit(x, y).predict_proba(x)) == digest(model.predict_proba(x))
    loaded = pickle.loads(pickle.dumps(model))
    assert digest(loaded.predict_proba(x)) == digest(model.predict_proba(x))
    assert not loaded.params_[0].w.flags.writeable  # read-only again, as nnfunc made it


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pipeline_grid_search_on_two_processes_and_cross_validation() -> None:
    x, y = blobs()
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", MLPClassifier(**FIT, random_state=0))])
    grid = {"mlp__hidden_layer_sizes": [(1,), (8,)]}
    search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(x, y)
    folds = cross_val_score(pipe, x, y, cv=3)
    assert folds.tolist() == [1.0, 1.0, 1.0]
    split = search.cv_results_
    assert [split[f"split{i}_test_score"][1] for i in range(3)] == folds.tolist()
    assert split["mean_test_score"][0] < 1.0  # one hidden unit cannot split three blobs
    assert search.best_params_ == {"mlp__hidden_layer_sizes": (8,)}
    assert search.score(x, y) == 1.0
