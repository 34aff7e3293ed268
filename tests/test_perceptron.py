"""The perceptron: hand-worked updates, OR and AND converge, XOR never does, purity, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import perceptron

X, _ = nf.datasets.make_xor()  # rows (0, 0), (0, 1), (1, 0), (1, 1)
OR = np.array([0, 1, 1, 1])
AND = np.array([0, 0, 0, 1])
XOR = np.array([0, 1, 1, 0])


def params_of(w: list[float], b: float) -> perceptron.PerceptronParams:
    return perceptron.PerceptronParams(np.array(w), np.array(b))


def test_init_is_zeros_of_the_dtype() -> None:
    params = perceptron.init(3)
    assert params.w.tolist() == [0.0, 0.0, 0.0] and params.b.shape == ()
    assert params.w.dtype == params.b.dtype == np.float64
    assert perceptron.init(2, np.float32).w.dtype == np.float32


def test_predict_is_the_step_of_the_score() -> None:
    # scores: 2 - 3 + 0.5 = -0.5, 3 - 2 + 0.5 = 1.5, 0 + 0.5 = 0.5, 0.5 - 1 + 0.5 = 0
    params = params_of([1.0, -1.0], 0.5)
    labels = perceptron.predict(params, [[2.0, 3.0], [3.0, 2.0], [0.0, 0.0], [0.5, 1.0]])
    assert labels.dtype == np.int64
    assert labels.tolist() == [0, 1, 1, 0]  # a score of exactly 0 is class 0


def test_a_hand_worked_update_on_a_mistake() -> None:
    # score 2 - 3 + 0.5 = -0.5 -> y_hat 0, y 1: w += 0.5 * (1 - 0) * (2, 3), b += 0.5
    new = perceptron.step(params_of([1.0, -1.0], 0.5), [[2.0, 3.0]], [1], 0.5)
    assert new.w.tolist() == [2.0, 0.5] and float(new.b) == 1.0
    # score 3 - 2 + 0.5 = 1.5 -> y_hat 1, y 0: w -= 0.5 * (3, 2), b -= 0.5
    new = perceptron.step(params_of([1.0, -1.0], 0.5), [[3.0, 2.0]], [0], 0.5)
    assert new.w.tolist() == [-0.5, -2.0] and float(new.b) == 0.0


def test_a_right_prediction_changes_nothing() -> None:
    params = params_of([1.0, -1.0], 0.5)
    new = perceptron.step(params, [[3.0, 2.0]], [1], 0.5)
    assert new.w.tobytes() == params.w.tobytes() and new.b.tobytes() == params.b.tobytes()


def test_step_updates_example_by_example_in_order() -> None:
    # The first row is a mistake (score 0): w = (1, 0), b = 1. The second row is then
    # right (score 2), so it changes nothing; a summed batch update would give (2, 0), 2.
    new = perceptron.step(perceptron.init(2), [[1.0, 0.0], [1.0, 0.0]], [1, 1], 1.0)
    assert new.w.tolist() == [1.0, 0.0] and float(new.b) == 1.0


def test_or_converges_in_four_epochs() -> None:
    params, errors = perceptron.train(perceptron.init(2), X, OR, 1.0, epochs=50)
    assert errors == (1, 2, 1, 0)  # worked by hand; training stops after the clean epoch
    assert params.w.tolist() == [1.0, 1.0] and float(params.b) == 0.0
    assert perceptron.predict(params, X).tolist() == OR.tolist()


def test_and_converges_in_six_epochs() -> None:
    params, errors = perceptron.train(perceptron.init(2), X, AND, 1.0, epochs=50)
    assert errors == (1, 3, 3, 2, 1, 0)
    assert params.w.tolist() == [2.0, 1.0] and float(params.b) == -2.0
    assert perceptron.predict(params, X).tolist() == AND.tolist()


@pytest.mark.parametrize("key", [None, nf.random.key(0), nf.random.key(1)])
def test_xor_never_has_an_epoch_without_mistakes(key: nf.Key | None) -> None:
    # No line separates XOR, so by the convergence theorem every epoch has a mistake.
    params, errors = perceptron.train(perceptron.init(2), X, XOR, 1.0, epochs=200, key=key)
    assert len(errors) == 200 and min(errors) >= 1
    assert np.mean(perceptron.predict(params, X) == XOR) <= 0.75


def test_from_zeros_the_learning_rate_only_scales_the_params() -> None:
    unit, unit_errors = perceptron.train(perceptron.init(2), X, AND, 1.0, epochs=50)
    quarter, quarter_errors = perceptron.train(perceptron.init(2), X, AND, 0.25, epochs=50)
    assert quarter_errors == unit_errors
    assert quarter.w.tolist() == (0.25 * unit.w).tolist() and float(quarter.b) == unit.b / 4


def test_shuffling_is_fixed_by_the_key() -> None:
    key = nf.random.key(3)
    first, errors = perceptron.train(perceptron.init(2), X, AND, 1.0, epochs=50, key=key)
    again, errors_again = perceptron.train(perceptron.init(2), X, AND, 1.0, epochs=50, key=key)
    assert errors == errors_again and errors[-1] == 0 and min(errors[:-1]) >= 1
    assert nf.tree.equal(first, again)
    assert perceptron.predict(first, X).tolist() == AND.tolist()


def test_a_separable_cloud_converges_and_stays_float32() -> None:
    x, y = nf.datasets.make_blobs(
        nf.random.key(0), 200, centers=[[-2.0, -2.0], [2.0, 2.0]], std=0.5
    )
    params, errors = perceptron.train(perceptron.init(2, np.float32), x, y, 0.1, epochs=100)
    assert errors[-1] == 0 and len(errors) < 100
    assert params.w.dtype == params.b.dtype == np.float32
    assert perceptron.predict(params, x).tolist() == y.tolist()


def test_functions_are_pure_and_params_read_only() -> None:
    user_w, user_b = np.array([1.0, -1.0]), np.array(0.5)
    params = perceptron.PerceptronParams(user_w, user_b)
    user_w[0] = 9.0  # the params hold a copy
    assert params.w.tolist() == [1.0, -1.0]
    x, y = np.array([[2.0, 3.0], [3.0, 2.0]]), np.array([1, 0])
    x_before, y_before = x.copy(), y.copy()
    trained, _ = perceptron.train(params, x, y, 0.5, epochs=10)
    perceptron.step(params, x, y, 0.5)
    assert params.w.tolist() == [1.0, -1.0] and float(params.b) == 0.5
    assert np.array_equal(x, x_before) and np.array_equal(y, y_before)
    for array in (params.w, params.b, trained.w, trained.b):
        assert not array.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        trained.w[0] = 0.0
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        trained.w = np.zeros(2)  # type: ignore[misc]


def test_params_are_a_pytree_that_checkpoints(tmp_path: Path) -> None:
    doubled = nf.tree.map(lambda a: 2 * a, params_of([1.0, -1.0], 0.5))
    assert isinstance(doubled, perceptron.PerceptronParams)
    assert doubled.w.tolist() == [2.0, -2.0] and float(doubled.b) == 1.0
    assert len(nf.tree.leaves(doubled)) == 2
    trained, _ = perceptron.train(perceptron.init(2), X, AND, 1.0, epochs=50)
    nf.checkpoint.save(tmp_path / "perceptron.npz", trained)
    loaded = nf.checkpoint.load(tmp_path / "perceptron.npz", perceptron.init(2))
    assert nf.tree.equal(loaded, trained)


def bad(
    x: npt.ArrayLike = X, y: npt.ArrayLike = OR, rate: Any = 1.0, epochs: Any = 5
) -> tuple[npt.ArrayLike, npt.ArrayLike, float, int]:
    return x, y, rate, epochs


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (bad(y=OR.reshape(-1, 1)), ValueError, r"shape \(n,\), given \(4, 1\)"),
        (bad(y=[0, 1, 2, 1]), ValueError, r"y must be >= 0 and < 2 .*, given label 2"),
        (bad(y=OR.astype(float)), TypeError, "y must be integers, given dtype float64"),
        (bad(y=OR[:3]), ValueError, "same number of examples"),
        (bad(x=np.ones((4, 3))), ValueError, r"shape \(n, 2\) .* given \(4, 3\)"),
        (bad(x=np.ones(4)), ValueError, r"\(batch, features\), given shape \(4,\)"),
        (bad(x=np.full((4, 2), np.nan)), ValueError, "x must be finite"),
        (bad(rate=0.0), ValueError, "learning_rate must be a finite number > 0, given 0.0"),
        (bad(rate=True), TypeError, "learning_rate must be a finite number > 0, given True"),
        (bad(rate="0.1"), TypeError, "learning_rate must be a finite number > 0, given '0.1'"),
        (bad(x=X + 0j), TypeError, "x must be an array of real numbers, given dtype complex128"),
        (bad(epochs=2.5), TypeError, "epochs must be an int >= 1, given 2.5"),
        (bad(rate=float("inf")), ValueError, "learning_rate must be a finite number > 0"),
        (bad(epochs=0), ValueError, "epochs must be an int >= 1, given 0"),
    ],
)
def test_train_refuses_bad_input(
    args: tuple[npt.ArrayLike, npt.ArrayLike, float, int], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        perceptron.train(perceptron.init(2), *args)


def test_step_and_predict_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match=r"y must have shape \(n,\), given \(4, 1\)"):
        perceptron.step(perceptron.init(2), X, OR.reshape(-1, 1), 1.0)
    with pytest.raises(TypeError, match=r"must be PerceptronParams \(.*\), given DenseParams"):
        perceptron.predict(nf.DenseParams(np.ones((2, 1)), np.zeros(1)), X)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"shape \(n, 2\) .* given \(4, 1\)"):
        perceptron.predict(perceptron.init(2), X[:, :1])
    with pytest.raises(TypeError, match=r"key must be an nnfunc\.random\.Key"):
        perceptron.train(perceptron.init(2), X, OR, 1.0, 5, key=0)  # type: ignore[arg-type]


def test_numpy_scalars_give_what_python_numbers_give() -> None:
    p: Any = perceptron
    mine = p.train(p.init(np.int64(2)), X, OR, np.float64(0.5), np.int32(9), key=nf.random.key(1))
    python = perceptron.train(perceptron.init(2), X, OR, 0.5, 9, key=nf.random.key(1))
    assert nf.tree.equal(mine[0], python[0]) and mine[1] == python[1]


def test_init_refuses_a_float_count() -> None:
    with pytest.raises(TypeError, match=r"n_features must be an int >= 1, given 2\.0"):
        perceptron.init(2.0)  # type: ignore[arg-type]


def test_params_refuse_complex_arrays() -> None:
    with pytest.raises(TypeError, match=r"PerceptronParams: w must be an array of real numbers"):
        perceptron.PerceptronParams(np.ones(2) + 1j, np.array(0.0))  # type: ignore[arg-type]


def test_params_and_init_refuse_bad_values() -> None:
    with pytest.raises(ValueError, match=r"w must have shape \(features,\).* given w \(2, 1\)"):
        perceptron.PerceptronParams(np.ones((2, 1)), np.array(0.0))
    with pytest.raises(ValueError, match=r"b shape \(\), given w \(2,\) and b \(1,\)"):
        perceptron.PerceptronParams(np.ones(2), np.zeros(1))
    with pytest.raises(ValueError, match="float32 or float64; given w int64 and b float64"):
        perceptron.PerceptronParams(np.ones(2, dtype=np.int64), np.array(0.0))
    with pytest.raises(ValueError, match="n_features must be an int >= 1, given 0"):
        perceptron.init(0)
    with pytest.raises(ValueError, match="dtype must be float32 or float64, given int64"):
        perceptron.init(2, np.int64)
