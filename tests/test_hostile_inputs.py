"""Regression tests for each family of failure the API battery (tests/test_api_properties.py)
found (issue 14): one root check each, tried through a few of the calls it guards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nnfunc as nf

K = nf.random.key(0)
W = np.zeros((2, 2))
TREE = (np.zeros(2), np.ones(3))


# 1. Complex arrays: every array field and data argument refuses them, naming the field.
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: nf.DenseParams(W + 1j, np.zeros(2)), r"DenseParams: w must be an array of real"),
        (lambda: nf.NormParams(np.ones(2), np.zeros(2) + 1j), r"NormParams: shift must be"),
        (lambda: nf.BatchNormState(np.zeros(2) + 0j, np.ones(2)), r"BatchNormState: mean must"),
        (lambda: list(nf.data.batches(K, W + 1j, np.zeros(2), 1)), r"^x must be an array of real"),
        (
            lambda: nf.data.train_test_split(K, W, np.zeros(2) + 1j, 0.5),
            r"^y must be an array of real",
        ),
        (lambda: nf.layers.softmax(W + 1j), r"^x must be an array of real numbers"),  # type: ignore[arg-type]
        (lambda: nf.losses.mse(W + 1j, W), r"^mse: pred must be an array of real numbers"),  # type: ignore[arg-type]
        (lambda: nf.forward(nf.mlp([2, 1]), nf.init(nf.mlp([2, 1]), K), W + 1j), r"^x must be"),
    ],
)
def test_complex_arrays_are_refused_naming_the_argument(
    make: Callable[[], Any], match: str
) -> None:
    with pytest.raises(TypeError, match=match):
        make()


def test_a_checkpoint_still_holds_complex_leaves(tmp_path: Path) -> None:
    value = (np.array([1 + 2j, -3j]),)
    nf.checkpoint.save(tmp_path / "c.npz", value)
    loaded = nf.checkpoint.load(tmp_path / "c.npz", value)
    assert loaded[0].dtype == np.complex128 and not loaded[0].flags.writeable
    np.testing.assert_array_equal(loaded[0], value[0])


# 2. and 4. Errors name the argument, never a raw NumPy message.
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: nf.losses.mse(np.array([["a"]]), W[:1, :1]), TypeError, r"^mse: pred must"),
        (lambda: nf.layers.sigmoid(np.array(["a"])), TypeError, r"^x must be an array of real"),
        (lambda: nf.layers.softmax(np.float64(1.0)), ValueError, r"^x must have at least 1 axis"),  # type: ignore[arg-type]
        (lambda: nf.tree.scale("0.5", TREE), TypeError, r"^factor must be a number"),  # type: ignore[arg-type]
        (lambda: nf.tree.leaves_with_path(TREE, None), TypeError, r"^root must be a string"),  # type: ignore[arg-type]
        (lambda: nf.tree.map(None, TREE), TypeError, r"^f must be callable"),  # type: ignore[arg-type]
        (
            lambda: nf.tree.unflatten(nf.tree.structure(TREE), None),  # type: ignore[arg-type]
            TypeError,
            r"^leaves must be a sequence",
        ),
        (lambda: nf.losses.BinaryCrossEntropy("x"), TypeError, r"BinaryCrossEntropy.eps must"),
        (lambda: nf.random.normal(K, 2, "x"), TypeError, r"^dtype must be float32 or float64"),
        (lambda: nf.initializers.zeros(K, (2,), object()), TypeError, r"^dtype must be float32"),  # type: ignore[arg-type]
        (lambda: nf.tree.add(TREE, None), ValueError, r"differ at the root between a and b"),
        (
            lambda: nf.forward(
                nf.mlp([2, 1]), nf.tree.astype(nf.init(nf.mlp([2, 1]), K), np.float16), W
            ),
            ValueError,
            r"^params dtype must be float32 or float64, given float16",
        ),
        (lambda: nf.mlp([2, 1], output_activation="x"), ValueError, r"^output_activation: unknown"),
        (lambda: nf.mlp([3, 0]), ValueError, r"^sizes\[1\] must be an int >= 1, given 0"),
        (lambda: nf.mlp("32"), TypeError, r"^sizes must be a sequence of ints"),  # type: ignore[arg-type]
        (lambda: nf.Dense(2, 3, bias_init="x"), ValueError, r"^bias_init: unknown initializer"),
        (
            lambda: nf.metrics.log_loss(np.ones((2, 2, 1)) / 2, W),
            ValueError,
            r"log_loss: probs must",
        ),
        (lambda: nf.checkpoint.save("unused.npz", object()), TypeError, r"^tree: leaf \(root\)"),
        (lambda: nf.checkpoint.load("unused.npz", object()), TypeError, r"^template: leaf"),
        (
            lambda: nf.idx.save_idx("unused.idx", W + 1j),
            TypeError,
            r"dtype complex128 \(of array\)",
        ),
        (
            lambda: nf.perceptron.predict(nf.perceptron.init(2), np.zeros((3, 2, 1))),
            ValueError,
            r"^x must have shape \(n, 2\)",
        ),
    ],
)
def test_errors_name_the_argument(
    make: Callable[[], Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        make()


# 3. Sizes beyond what NumPy can index are refused by the shared checks, named.
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: nf.Dense(2**64, 2), r"^Dense.in_features must be at most"),
        (lambda: nf.Conv2D(2, 2**64, 3), r"^Conv2D.out_channels must be at most"),
        (lambda: nf.perceptron.init(2**64), r"^n_features must be at most"),
        (lambda: nf.random.normal(K, (2**40, 2**40)), r"^shape must hold at most"),
        (lambda: nf.initializers.he_normal(K, (2**40, 2**40), np.float32), r"^shape must hold"),  # type: ignore[arg-type]
        (lambda: nf.random.uniform(K, (2**64,)), r"^shape\[0\] must be at most"),
    ],
)
def test_huge_sizes_are_refused_before_numpy_sees_them(make: Callable[[], Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


# 5. Values that must be refused: loss classes, bools as numbers, malformed histories.
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: nf.losses.check_loss(nf.losses.MSE), TypeError, r"given the class MSE.*MSE\(\)"),
        (
            lambda: nf.train.make_step(nf.mlp([2, 1]), nf.losses.MSE, nf.optim.sgd(0.1)),  # type: ignore[arg-type]
            TypeError,
            r"given the class MSE",
        ),
        (
            lambda: nf.check_grads(
                nf.mlp([2, 1]), nf.init(nf.mlp([2, 1]), K), W, W[:, :1], nf.losses.mse, eps=True
            ),
            TypeError,
            r"^eps must be a finite number > 0",
        ),
        (lambda: nf.tree.scale(True, TREE), TypeError, r"^factor must be a number"),
        (lambda: nf.train.History("loss"), TypeError, r"History.names must be a tuple of str"),  # type: ignore[arg-type]
        (lambda: nf.train.History(("a", "a")), ValueError, r"History.names must be distinct"),
        (lambda: nf.train.History(("a",), ((1.0, 2.0),)), ValueError, r"History.rows\[0\] must"),
        (lambda: nf.train.History(("a",), (("1",),)), TypeError, r"History.rows\[0\] must hold"),  # type: ignore[arg-type]
    ],
)
def test_values_that_must_be_refused(
    make: Callable[[], Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        make()


def test_epoch_refuses_a_bool_epoch_index() -> None:
    net = nf.mlp([2, 1])
    params = nf.init(net, K)
    optimizer = nf.optim.sgd(0.1)
    with pytest.raises(TypeError, match=r"^epoch_index must be an int >= 0, given True"):
        nf.train.epoch(
            net, params, optimizer.init(params), [(W, W[:, :1])], nf.losses.mse, optimizer,
            epoch_index=True,
        )  # fmt: skip


# 6. as_pair is the internal check of fit and batches, not public API.
def test_as_pair_is_internal() -> None:
    assert "as_pair" not in nf.data.__all__


# Beyond issue 14's list.
def test_integer_predictions_do_not_truncate_the_target() -> None:
    # an int pred once cast the target to ints: 0.5 became 0 and the loss 1.0
    assert nf.losses.mse(np.array([[1]]), np.array([[0.5]])) == 0.25


def test_a_loss_does_not_depend_on_the_target_layout() -> None:
    rng = np.random.default_rng(1)
    pred = rng.normal(size=(7, 3))
    target = np.eye(3)[np.arange(7) % 3]
    strided = np.repeat(target, 2, axis=1)[:, ::2]
    assert not strided.flags.c_contiguous
    loss = nf.losses.softmax_cross_entropy
    assert loss(pred, strided) == loss(pred, target)


def test_reshape_to_one_value_per_axis_is_a_valid_reshape() -> None:
    net = nf.Sequential(nf.Reshape((1, 1, 1)))
    out = nf.forward(net, nf.init(net, K), np.arange(2.0)[:, None])
    assert out.shape == (2, 1, 1, 1)
    np.testing.assert_array_equal(out.ravel(), [0.0, 1.0])
