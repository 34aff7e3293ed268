"""nnfunc.metrics: every value against a small example worked by hand."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from nnfunc import metrics

Array = npt.NDArray[Any]

# Four rows, three classes: the argmax of each row is 1, 0, 2, 1.
SCORES = np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.3, 0.4, 0.3]])
LABELS = np.array([1, 0, 1, 1])  # row 2 is wrong: 3 of 4 right
ONE_HOT = np.eye(3, dtype=np.float32)[LABELS]


# accuracy and predicted_labels


def test_binary_accuracy_on_probabilities_and_logits() -> None:
    # predicted classes 1, 0, 1, 0 (p > 0.5) against 1, 0, 0, 0: 3 of 4 right
    probs = np.array([0.9, 0.2, 0.6, 0.4], dtype=np.float32)
    target = np.array([1, 0, 0, 0])
    assert metrics.accuracy(probs, target) == 0.75
    assert metrics.accuracy(probs.reshape(4, 1), target.reshape(4, 1)) == 0.75
    logits = np.array([2.0, -1.0, 0.5, -0.3])
    assert metrics.accuracy(logits, target.astype(bool), threshold=0.0) == 0.75
    # exactly at the threshold is class 0; a higher threshold turns 0.6 into a 0
    assert metrics.accuracy([0.5], [0]) == 1.0
    assert metrics.accuracy(probs, target, threshold=0.65) == 1.0


def test_multiclass_accuracy_on_labels_and_one_hot() -> None:
    value = metrics.accuracy(SCORES, LABELS)
    assert value == 0.75 and type(value) is float
    assert metrics.accuracy(SCORES, ONE_HOT) == 0.75
    assert metrics.accuracy(SCORES.astype(np.float32), LABELS.astype(np.uint8)) == 0.75


def test_predicted_labels() -> None:
    labels = metrics.predicted_labels(SCORES)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [1, 0, 2, 1])
    np.testing.assert_array_equal(metrics.predicted_labels([[0.7], [0.2], [0.5]]), [1, 0, 0])
    np.testing.assert_array_equal(metrics.predicted_labels([1.5, -0.1], threshold=0.0), [1, 0])
    with pytest.raises(ValueError, match=r"pred must have shape .* given \(2, 2, 2\)"):
        metrics.predicted_labels(np.zeros((2, 2, 2)))


@pytest.mark.parametrize(
    ("pred", "target", "error", "message"),
    [
        (np.zeros((4, 1)), np.zeros(4), ValueError, r"pred of shape \(4, 1\) .* given \(4,\)"),
        (np.zeros(4), np.zeros((4, 1)), ValueError, r"pred of shape \(4,\) .* given \(4, 1\)"),
        (np.zeros(3), [0, 1, 2], ValueError, r"binary targets must be 0 or 1, given 2"),
        (np.zeros(2), [0.5, 1.0], ValueError, r"binary targets must be 0 or 1, given 0\.5"),
        (SCORES, np.zeros((4, 4)), ValueError, r"\(4,\) or one-hot .* \(4, 3\), given \(4, 4\)"),
        (SCORES, np.zeros(3, int), ValueError, r"shape \(4, 3\) needs .* given \(3,\)"),
        (SCORES, LABELS.astype(float), TypeError, r"labels must be integers, given dtype float64"),
        (SCORES, [1, 0, 3, 1], ValueError, r"labels must be >= 0 and < 3 .*, given label 3"),
        (SCORES, [1, -1, 2, 1], ValueError, r"labels must be >= 0 .*, given label -1"),
        (SCORES, np.ones((4, 3)), ValueError, r"one-hot targets must have a single 1 per row"),
        (np.zeros((2, 2, 2)), [0, 1], ValueError, r"pred must have shape .* given \(2, 2, 2\)"),
        (np.zeros(0), np.zeros(0), ValueError, r"accuracy: pred is empty \(shape \(0,\)\)"),
        (
            np.zeros(2),
            ["a", "b"],
            TypeError,
            r"accuracy: target must be an array of real numbers, given dtype <U1",
        ),
    ],
)
def test_accuracy_rejects(pred: Any, target: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        metrics.accuracy(pred, target)


def test_threshold_must_be_finite() -> None:
    with pytest.raises(ValueError, match=r"threshold must be a finite number, given nan"):
        metrics.accuracy([0.3], [0], threshold=math.nan)
    with pytest.raises(TypeError, match=r"threshold must be a finite number, given '0\.5'"):
        metrics.predicted_labels([0.3], threshold="0.5")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_predictions_are_refused_not_read_as_class_zero(bad: float) -> None:
    multiclass = SCORES.astype(np.float64)
    multiclass[1, 0] = bad
    with pytest.raises(ValueError, match=r"accuracy: pred must be finite, given 1 non-finite"):
        metrics.accuracy(multiclass, LABELS)
    with pytest.raises(ValueError, match=r"predicted_labels: pred must be finite"):
        metrics.predicted_labels(multiclass)
    with pytest.raises(ValueError, match=r"accuracy: pred must be finite"):
        metrics.accuracy([0.2, bad], [0, 1])
    with pytest.raises(ValueError, match=r"log_loss: probs must be finite"):
        metrics.log_loss([0.2, bad], [0, 1])
    for name in ("mse", "mae", "r2"):
        with pytest.raises(ValueError, match=rf"{name}: pred must be finite"):
            getattr(metrics, name)([1.0, bad, 3.0], [1.0, 2.0, 3.0])
        with pytest.raises(ValueError, match=rf"{name}: target must be finite"):
            getattr(metrics, name)([1.0, 2.0, 3.0], [1.0, bad, 3.0])


def test_one_hot_targets_with_nan_are_refused() -> None:
    with pytest.raises(ValueError, match=r"accuracy: target must be finite"):
        metrics.accuracy(np.eye(2), [[1.0, 0.0], [math.nan, 1.0]])


@pytest.mark.parametrize("name", ["accuracy", "log_loss", "mse", "mae", "r2"])
def test_complex_inputs_are_a_type_error_naming_the_argument(name: str) -> None:
    metric = getattr(metrics, name)
    with pytest.raises(TypeError, match=rf"{name}: \w+ must be an array of real numbers, given "):
        metric(np.array([0.2, 0.7]) + 0j, [0, 1])
    with pytest.raises(TypeError, match=rf"{name}: target must be an array of real numbers"):
        metric(np.array([0.2, 0.7]), np.array([0, 1]) + 0j)


def test_confusion_matrix_takes_a_numpy_integer_count() -> None:
    counts: Any = metrics.confusion_matrix
    np.testing.assert_array_equal(
        counts([0, 1], [1, 1], np.int64(3)), metrics.confusion_matrix([0, 1], [1, 1], 3)
    )
    accuracy: Any = metrics.accuracy
    assert accuracy([0.7, 0.2], [1, 0], threshold=np.float32(0.5)) == 1.0


# confusion_matrix


def test_confusion_matrix_against_a_hand_table() -> None:
    true = np.array([0, 1, 2, 2, 1, 0, 2])
    pred = np.array([1, 2, 2, 1, 1, 0, 2])
    # pairs (true, pred): (0,1), (0,0), (1,2), (1,1), (2,2) x2, (2,1)
    table = np.array([[1, 1, 0], [0, 1, 1], [0, 1, 2]])
    counts = metrics.confusion_matrix(true, pred)
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, table)
    padded = metrics.confusion_matrix(true.astype(np.int8), pred.astype(np.uint8), num_classes=4)
    np.testing.assert_array_equal(padded, np.pad(table, ((0, 1), (0, 1))))


def test_confusion_matrix_of_predicted_labels() -> None:
    counts = metrics.confusion_matrix(LABELS, metrics.predicted_labels(SCORES), num_classes=3)
    np.testing.assert_array_equal(counts, [[1, 0, 0], [0, 2, 1], [0, 0, 0]])


@pytest.mark.parametrize(
    ("true", "pred", "num_classes", "error", "message"),
    [
        ([0, 1], [0, 1, 1], None, ValueError, r"both have shape \(n,\), given \(2,\) and \(3,\)"),
        ([[0, 1]], [[0, 1]], None, ValueError, r"given \(1, 2\) and \(1, 2\)"),
        ([0, -1], [0, 1], None, ValueError, r"true_labels must be >= 0, given label -1"),
        ([0, 1], [0, 2], 2, ValueError, r"pred_labels must be >= 0 and < 2 .*, given label 2"),
        ([0.0, 1.0], [0, 1], None, TypeError, r"true_labels must be integers, given dtype float"),
        ([True], [False], None, TypeError, r"true_labels must be integers, given dtype bool"),
        ([0], [0], 0, ValueError, r"num_classes must be an int >= 1, given 0"),
        ([0], [0], 2.0, TypeError, r"num_classes must be an int >= 1, given 2\.0"),
        ([0], [0], "2", TypeError, r"num_classes must be an int >= 1, given '2'"),
        (np.zeros(0, int), np.zeros(0, int), 2, ValueError, r"true_labels is empty"),
    ],
)
def test_confusion_matrix_rejects(
    true: Any, pred: Any, num_classes: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        metrics.confusion_matrix(true, pred, num_classes)


# regression: pred (1, 2, 3) against target (2, 2, 5), errors (-1, 0, -2)


def test_mse_and_mae_by_hand() -> None:
    pred, target = np.array([1.0, 2.0, 3.0], dtype=np.float32), np.array([2, 2, 5])
    assert metrics.mse(pred, target) == pytest.approx(5.0 / 3.0, rel=1e-15)  # (1 + 0 + 4) / 3
    assert metrics.mae(pred, target) == pytest.approx(1.0, rel=1e-15)  # (1 + 0 + 2) / 3
    two_d = metrics.mse([[1.0, 0.0], [2.0, 1.0]], [[1.0, 2.0], [0.0, 1.0]])
    assert two_d == pytest.approx(2.0, rel=1e-15)  # (0 + 4 + 4 + 0) / 4


def test_r2_by_hand() -> None:
    # target mean 3: SS_tot = 1 + 1 + 4 = 6, SS_res = 1 + 0 + 4 = 5, R^2 = 1 - 5/6
    assert metrics.r2([1.0, 2.0, 3.0], [2.0, 2.0, 5.0]) == pytest.approx(1.0 / 6.0, rel=1e-14)
    assert metrics.r2([2.0, 2.0, 5.0], [2.0, 2.0, 5.0]) == 1.0
    # second column: pred (0, 1, 1), target (0, 2, 1): SS_tot = 2, SS_res = 1, R^2 = 1/2
    pred = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 1.0]])
    target = np.array([[2.0, 0.0], [2.0, 2.0], [5.0, 1.0]])
    assert metrics.r2(pred, target) == pytest.approx((1.0 / 6.0 + 0.5) / 2.0, rel=1e-14)


def test_r2_refuses_a_constant_target() -> None:
    with pytest.raises(ValueError, match=r"undefined for a constant target .* given column 0 of 1"):
        metrics.r2([1.0, 2.0], [0.1, 0.1])
    with pytest.raises(ValueError, match=r"given column 1 of 2 constant over 2 rows"):
        metrics.r2(np.zeros((2, 2)), [[0.0, 3.0], [1.0, 3.0]])
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, k\), given \(2, 1, 1\)"):
        metrics.r2(np.zeros((2, 1, 1)), np.zeros((2, 1, 1)))


@pytest.mark.parametrize("metric", [metrics.mse, metrics.mae, metrics.r2])
def test_regression_metrics_reject_other_shapes_and_empty(
    metric: Callable[[Any, Any], float],
) -> None:
    name = metric.__name__
    with pytest.raises(ValueError, match=rf"{name}: target shape must equal pred shape \(3,\), "):
        metric(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=rf"{name}: pred is empty"):
        metric(np.zeros(0), np.zeros(0))
    with pytest.raises(TypeError, match=rf"{name}: target must be an array of real numbers"):
        metric(np.zeros(1), ["x"])


# log_loss


def test_binary_log_loss_by_hand() -> None:
    # -(log 0.8 + log(1 - 0.3)) / 2
    expected = -(math.log(0.8) + math.log(0.7)) / 2.0
    assert metrics.log_loss([0.8, 0.3], [1, 0]) == pytest.approx(expected, rel=1e-14)
    assert metrics.log_loss([[0.8], [0.3]], [[1.0], [0.0]]) == pytest.approx(expected, rel=1e-14)
    # a certain mistake costs -log(eps), not infinity: 7 ln 10
    assert metrics.log_loss([0.0], [1]) == pytest.approx(7.0 * math.log(10.0), rel=1e-9)


def test_multiclass_log_loss_by_hand() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], dtype=np.float32)
    # -(log 0.2 + log 0.8) / 2, the probabilities of labels 1 and 2
    expected = -(math.log(np.float32(0.2)) + math.log(np.float32(0.8))) / 2.0
    assert metrics.log_loss(probs, [1, 2]) == pytest.approx(expected, rel=1e-14)
    assert metrics.log_loss(probs, np.eye(3)[[1, 2]]) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(
    ("probs", "target", "kwargs", "message"),
    [
        ([[2.0, -1.0]], [0], {}, r"probabilities in \[0, 1\], given values from -1\.0 to 2\.0"),
        ([[0.5, 0.2]], [0], {}, r"each row of probs must sum to 1 .* off by 0\.3"),
        ([0.5, 0.5], [[1], [0]], {}, r"binary pred of shape \(2,\) needs .* given \(2, 1\)"),
        ([[0.5, 0.5]], [[1, 1]], {}, r"one-hot targets must have a single 1 per row"),
        (
            [0.5],
            [1],
            {"eps": 0.0},
            r"log_loss: eps must be a finite number > 0 and < 0\.5, given 0\.0",
        ),
        ([], [], {}, r"log_loss: probs is empty"),
    ],
)
def test_log_loss_rejects(probs: Any, target: Any, kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        metrics.log_loss(probs, target, **kwargs)
