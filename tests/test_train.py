"""train_step, epoch and fit: reproducible, resumable, early stopping, divergence, errors."""

from __future__ import annotations

import builtins
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import checkpoint, metrics, optim, train

ROOT = Path(__file__).resolve().parents[1]


def three_blobs(seed: int, n: int = 300) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """n points around three centres in 2-D, with labels 0, 1, 2."""
    k_labels, k_noise = nf.random.split(nf.random.key(seed))
    labels = nf.random.randint(k_labels, n, 0, 3)
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    x = centres[labels] + 0.6 * nf.random.normal(k_noise, (n, 2), np.float64)
    return x, labels


def _digest(tree: object) -> str:
    digest = hashlib.sha256()
    for leaf in nf.tree.leaves(tree):
        digest.update(np.asarray(leaf).tobytes())
    return digest.hexdigest()


NET = nf.mlp([2, 16, 3], activation="tanh")


def _fit(**kwargs: Any) -> train.FitResult[nf.SequentialParams, Any]:
    x, y = three_blobs(0)
    options: dict[str, Any] = {"key": nf.random.key(1), "epochs": 4, "batch_size": 32}
    options.update(kwargs)
    params = nf.init(NET, nf.random.key(0))
    return train.fit(
        NET, params, x, y, nf.losses.softmax_cross_entropy, optim.adam(0.01), **options
    )


def _composed_step(
    net: nf.Sequential,
    params: Any,
    state: Any,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    loss_fn: nf.losses.Loss,
    opt: optim.GradientTransformation,
    penalty: nf.losses.Penalty | None = None,
) -> tuple[Any, Any, float]:
    """The step that train_step and make_step promise, written out from its pieces."""
    value, g = nf.value_and_grads(net, params, x, y, loss_fn, penalty)
    updates, state = opt.update(g, state, params)
    return optim.apply_updates(params, updates), state, value


def test_train_step_is_grads_then_update_then_apply() -> None:
    x, y = three_blobs(1, 20)
    params = nf.init(NET, nf.random.key(0))
    opt = optim.sgd(0.1, momentum=0.9)
    state = opt.init(params)
    new_params, new_state, value = train.train_step(
        NET, params, state, x, y, nf.losses.softmax_cross_entropy, opt
    )
    expected_value, g = nf.value_and_grads(NET, params, x, y, nf.losses.softmax_cross_entropy)
    updates, expected_state = opt.update(g, state, params)
    assert value == expected_value
    assert nf.tree.equal(new_params, optim.apply_updates(params, updates))
    assert nf.tree.equal(new_state, expected_state)


def test_epoch_returns_the_example_weighted_mean_loss() -> None:
    x, y = three_blobs(2, 10)
    params = nf.init(NET, nf.random.key(0))
    opt = optim.sgd(0.0)
    batches = [(x[:6], y[:6]), (x[6:], y[6:])]
    _, _, mean = train.epoch(
        NET, params, opt.init(params), batches, nf.losses.softmax_cross_entropy, opt
    )
    loss = nf.losses.softmax_cross_entropy
    expected = (
        6 * nf.loss(NET, params, x[:6], y[:6], loss) + 4 * nf.loss(NET, params, x[6:], y[6:], loss)
    ) / 10
    assert mean == pytest.approx(expected, rel=1e-6)


def test_fit_with_adam_learns_three_classes_from_a_fixed_key() -> None:
    x, y = three_blobs(3, 600)
    x_test, y_test = three_blobs(4, 300)
    result = train.fit(
        NET,
        nf.init(NET, nf.random.key(0)),
        x,
        y,
        nf.losses.softmax_cross_entropy,
        optim.adam(0.02),
        key=nf.random.key(5),
        epochs=15,
        batch_size=32,
        validation_split=0.2,
        metrics={"accuracy": metrics.accuracy},
    )
    test_accuracy = metrics.accuracy(nf.forward(NET, result.params, x_test), y_test)
    assert test_accuracy >= 0.95
    assert result.history["val_accuracy"][-1] >= 0.95
    assert result.history["train_loss"][-1] < result.history["train_loss"][0] / 3
    assert result.history.names == (
        "epoch",
        "train_loss",
        "val_loss",
        "train_accuracy",
        "val_accuracy",
    )
    np.testing.assert_array_equal(result.history["epoch"], np.arange(15))


def test_fit_is_byte_identical_for_a_key_and_differs_for_another() -> None:
    first, second = _fit(validation_split=0.25), _fit(validation_split=0.25)
    assert nf.tree.equal(first.params, second.params)
    assert first.history == second.history
    other = _fit(validation_split=0.25, key=nf.random.key(2))
    assert not nf.tree.equal(first.params, other.params)


def test_fit_in_two_halves_equals_fit_in_one_go() -> None:
    whole = _fit(epochs=4)
    half = _fit(epochs=2)
    rest = train.fit(
        NET,
        half.params,
        *three_blobs(0),
        nf.losses.softmax_cross_entropy,
        optim.adam(0.01),
        key=nf.random.key(1),
        epochs=4,
        batch_size=32,
        initial_epoch=2,
        opt_state=half.opt_state,
        history=half.history,
    )
    assert nf.tree.equal(rest.params, whole.params)
    assert rest.history == whole.history
    assert not nf.tree.equal(half.params, whole.params)


RESUME_SCRIPT = """
import sys
import nnfunc as nf
from nnfunc import checkpoint, optim, train
from tests.test_train import NET, three_blobs, _digest

path = sys.argv[1]
opt = optim.adam(0.01)
template_params = nf.init(NET, nf.random.key(0))
template = {"params": template_params, "opt_state": opt.init(template_params), "epoch": 0}
saved = checkpoint.load(path, template)
result = train.fit(
    NET, saved["params"], *three_blobs(0), nf.losses.softmax_cross_entropy, opt,
    key=nf.random.key(1), epochs=4, batch_size=32,
    initial_epoch=saved["epoch"], opt_state=saved["opt_state"],
)
print(_digest(result.params))
"""


def test_resume_from_a_checkpoint_in_a_new_process_is_byte_identical(tmp_path: Path) -> None:
    whole = _fit(epochs=4)
    half = _fit(epochs=2)
    path = tmp_path / "half.npz"
    checkpoint.save(path, {"params": half.params, "opt_state": half.opt_state, "epoch": 2})
    out = subprocess.run(
        [sys.executable, "-c", RESUME_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert out.stdout.strip() == _digest(whole.params)


def test_early_stopping_restores_the_best_params() -> None:
    # Validation labels rotated by one class: the better the net learns, the worse it
    # does on them, so the best validation loss is at epoch 0.
    x_val, y_val = three_blobs(7, 100)
    stopped = _fit(
        epochs=20,
        validation_data=(x_val, (y_val + 1) % 3),
        early_stopping=train.EarlyStopping(patience=2),
    )
    assert stopped.stopped_early and stopped.best_epoch == 0
    assert len(stopped.history) == 3
    one_epoch = _fit(epochs=1, validation_data=(x_val, (y_val + 1) % 3))
    assert nf.tree.equal(stopped.params, one_epoch.params)
    assert nf.tree.equal(stopped.opt_state, one_epoch.opt_state)
    kept = _fit(
        epochs=20,
        validation_data=(x_val, (y_val + 1) % 3),
        early_stopping=train.EarlyStopping(patience=2, restore_best=False),
    )
    assert nf.tree.equal(
        kept.params, _fit(epochs=3, validation_data=(x_val, (y_val + 1) % 3)).params
    )


def test_callbacks_observe_values_they_cannot_change() -> None:
    seen: list[train.EpochEnd[nf.SequentialParams, Any]] = []
    result = _fit(epochs=3, callbacks=[seen.append])
    assert [event.epoch for event in seen] == [0, 1, 2]
    assert [len(event.history) for event in seen] == [1, 2, 3]
    assert nf.tree.equal(seen[-1].params, result.params)
    with pytest.raises(ValueError, match="read-only"):
        seen[0].params[0].w[0, 0] = 0.0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_stops_with_the_last_finite_params_and_where() -> None:
    x = np.linspace(-3, 3, 64).reshape(-1, 1) * 100.0
    y = 3.0 * x
    net = nf.mlp([1, 1])
    params = nf.init(net, nf.random.key(0))
    with pytest.raises(train.DivergenceError, match=r"diverged at epoch \d+, step \d+") as info:
        train.fit(net, params, x, y, nf.losses.mse, optim.sgd(1.0), key=nf.random.key(0), epochs=50)
    error = info.value
    # float32 makes the squared error overflow while the params are still finite.
    assert error.path.startswith(("params[0].", "grads[0].", "the loss"))
    assert error.epoch >= 1 and error.step >= 0
    assert all(np.isfinite(leaf).all() for leaf in nf.tree.leaves(error.params))
    assert not np.isfinite(error.loss)
    assert nf.tree.structure(error.params) == nf.tree.structure(params)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size must be an int >= 1, given 0"),
        ({"batch_size": 10_000}, "at most the number of examples 300, given 10000"),
        ({"epochs": 0}, "epochs must be an int >= 1, given 0"),
        ({"epochs": 3, "initial_epoch": 3}, "initial_epoch must be an int >= 0 and <= 2, given 3"),
        ({"validation_split": 1.5}, "validation_split must be a finite number >= 0 and < 1"),
        ({"initial_epoch": 2}, "resuming at initial_epoch=2 needs the opt_state"),
        (
            {"validation_data": (np.zeros((5, 3)), np.zeros(5, np.int64))},
            r"validation_data's x must have the training x's shape per example \(2,\)",
        ),
        ({"early_stopping": train.EarlyStopping()}, "monitors 'val_loss', expected one of"),
        ({"history": train.History(("epoch",))}, "history columns"),
    ],
)
def test_bad_fit_arguments_are_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _fit(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 2.5}, "epochs must be an int >= 1, given 2.5"),
        ({"epochs": True}, "epochs must be an int >= 1, given True"),
        ({"validation_split": "0.2"}, "validation_split must be a finite number"),
        ({"validation_data": (np.zeros((5, 2)),)}, "validation_data must be a pair"),
        ({"callbacks": print}, "callbacks must be a sequence of functions"),
        ({"callbacks": [3]}, r"callbacks\[0\] must be callable, given 3"),
        ({"metrics": {"accuracy": 3}}, r"metrics\['accuracy'\] must be callable"),
        ({"metrics": [metrics.accuracy]}, "metrics must be a mapping of names to functions"),
        ({"progress": 1}, "progress must be True or False"),
    ],
)
def test_bad_fit_argument_types_are_refused_before_any_work(
    kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(TypeError, match=match):
        _fit(**kwargs)


def test_bad_losses_optimizers_and_early_stopping_are_refused_by_name() -> None:
    x, y = three_blobs(0)
    params = nf.init(NET, nf.random.key(0))
    with pytest.raises(TypeError, match=r"loss_fn must be a loss such as nf\.losses\.mse"):
        train.fit(NET, params, x, y, "mse", optim.adam(0.01), key=nf.random.key(1), epochs=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="optimizer must be a gradient transformation"):
        train.fit(NET, params, x, y, nf.losses.mse, "adam", key=nf.random.key(1), epochs=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="loss_fn must be a loss"):
        nf.grads(NET, params, x, y, "mse")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"EarlyStopping.mode must be one of \['max', 'min'\]"):
        train.EarlyStopping(mode="MIN")
    with pytest.raises(ValueError, match=r"EarlyStopping\.patience must be an int >= 1, given 0"):
        train.EarlyStopping(patience=0)


def test_history_says_which_columns_it_holds() -> None:
    history = _fit(epochs=1).history
    assert "train_loss" in history and "val_loss" not in history
    assert len(history["train_loss"]) == 1


LINEAR = nf.mlp([2, 16, 3])
"""A ReLU net on mse: params made huge by one update overflow the next loss to inf."""


def _regression_blobs() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    x, labels = three_blobs(0)
    targets: npt.NDArray[np.float64] = np.eye(3)[labels]
    return x, targets


@attrs.frozen
class _PoisonAt:
    """A transformation that passes grads through, but at update `at` multiplies them by
    `factor` (NaN, or huge: finite params whose next loss is inf)."""

    at: int
    factor: float

    def init(self, params: object) -> npt.NDArray[np.int64]:
        return np.zeros((), np.int64)

    def update(self, grads: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
        factor = self.factor if int(state) == self.at else 1.0
        scaled = nf.tree.map(lambda g: g * g.dtype.type(factor), grads)
        return scaled, np.array(int(state) + 1)


def _poisoned(at: int, factor: float) -> optim.GradientTransformation:
    return optim.chain(_PoisonAt(at, factor), optim.sgd(0.1))


# 300 examples in batches of 100: 3 steps an epoch; fit runs 2 epochs, 6 updates (0 to 5).
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("factor", [np.nan, 1e30])
@pytest.mark.parametrize("at", [0, 1, 2, 3, 5])
def test_divergence_carries_the_last_params_whose_loss_was_finite(at: int, factor: float) -> None:
    x, y = _regression_blobs()
    params = nf.init(LINEAR, nf.random.key(0))
    loss_fn = nf.losses.mse
    opt = _poisoned(at, factor)
    options: dict[str, Any] = {"key": nf.random.key(1), "epochs": 2, "batch_size": 100}
    huge_at_the_end = at == 5 and np.isfinite(factor)
    if huge_at_the_end:  # finite params after the last update: nothing diverged yet
        result = train.fit(LINEAR, params, x, y, loss_fn, opt, **options)
        assert all(np.isfinite(leaf).all() for leaf in nf.tree.leaves(result.params))
        return
    with pytest.raises(train.DivergenceError) as info:
        train.fit(LINEAR, params, x, y, loss_fn, opt, **options)
    error = info.value
    assert all(np.isfinite(leaf).all() for leaf in nf.tree.leaves(error.params))
    assert np.isfinite(nf.loss(LINEAR, error.params, x, y, loss_fn))
    # the params before the bad update: those of a run whose poison never comes
    clean = _poisoned(10**6, factor)
    steps: list[Any] = []
    train.fit(
        LINEAR, params, x, y, loss_fn, clean, **options,
        callbacks=[lambda end: steps.append(end.params)],
    )  # fmt: skip
    if at == 2:  # the last update of epoch 0: NaN params end epoch 0, huge ones fail epoch 1
        assert error.epoch == (0 if np.isnan(factor) else 1)
    if at in (3, 5) and not np.isfinite(factor):
        assert error.epoch == 1
    if at == 3:  # its loss was finite: the params at the end of epoch 0
        assert nf.tree.equal(error.params, steps[0])


def test_epoch_divergence_carries_the_params_before_the_bad_update() -> None:
    x, y = _regression_blobs()
    params = nf.init(LINEAR, nf.random.key(0))
    batches = [(x[i : i + 50], y[i : i + 50]) for i in range(0, 300, 50)]
    loss_fn = nf.losses.mse
    cases = [(at, np.nan) for at in range(6)] + [(at, 1e30) for at in range(5)]
    for at, factor in cases:
        opt = _poisoned(at, factor)
        with pytest.raises(train.DivergenceError) as info, np.errstate(all="ignore"):
            train.epoch(LINEAR, params, opt.init(params), batches, loss_fn, opt)
        step = nf.train.make_step(LINEAR, loss_fn, opt)
        expected, state = params, opt.init(params)
        for xb, yb in batches[:at]:
            expected, state, _ = step(expected, state, xb, yb)
        assert nf.tree.equal(info.value.params, expected), (at, factor)


def test_non_finite_data_is_reported_once_up_front_with_count_and_index() -> None:
    x, y = three_blobs(0)
    x = x.copy()
    x[5, 1] = np.nan
    x[9, 0] = np.inf
    params = nf.init(NET, nf.random.key(0))
    with pytest.raises(ValueError, match=r"x must be finite, given 2 non-finite .* index \(5, 1\)"):
        train.fit(
            NET,
            params,
            x,
            y,
            nf.losses.softmax_cross_entropy,
            optim.sgd(0.1),
            key=nf.random.key(0),
            epochs=1,
        )
    clean_x, _ = three_blobs(0)
    with pytest.raises(ValueError, match="same number of examples"):
        train.fit(
            NET,
            params,
            clean_x[:10],
            y[:9],
            nf.losses.mse,
            optim.sgd(0.1),
            key=nf.random.key(0),
            epochs=1,
        )


def test_progress_prints_a_line_per_epoch_without_tqdm(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_tqdm(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "tqdm":
            raise ImportError("tqdm is not installed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    _fit(epochs=2, progress=True)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["1/2", "2/2"]
    assert "train_loss" in lines[0]


def test_progress_uses_a_tqdm_bar_when_installed(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    _fit(epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and "epoch" in err and "train_loss" in err


STEP_OPTIMIZERS = {
    "sgd": optim.sgd(0.1),
    "sgd_nesterov_decay": optim.sgd(0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam_cosine": optim.adam(optim.cosine_decay(0.01, 10)),
    "adamw": optim.adamw(0.01),
    "rmsprop": optim.rmsprop(0.01, momentum=0.5),
    "clipped": optim.chain(optim.clip_by_global_norm(0.1), optim.sgd(0.5)),
    "no_rate_last": optim.chain(optim.scale_by_adam(), optim.scale(-0.01)),
}


@pytest.mark.parametrize("with_penalty", [True, False])
@pytest.mark.parametrize("name", STEP_OPTIMIZERS)
def test_make_step_equals_train_step_bit_for_bit(name: str, with_penalty: bool) -> None:
    opt = STEP_OPTIMIZERS[name]
    x, y = three_blobs(9, 40)
    penalty = nf.losses.L2(1e-3) if with_penalty else None
    step = nf.train.make_step(NET, nf.losses.softmax_cross_entropy, opt, penalty)
    fused = plain = nf.init(NET, nf.random.key(0))
    fused_state = plain_state = opt.init(fused)
    for _ in range(5):
        fused, fused_state, fused_loss = step(fused, fused_state, x, y)
        plain, plain_state, plain_loss = _composed_step(
            NET, plain, plain_state, x, y, nf.losses.softmax_cross_entropy, opt, penalty
        )
        assert fused_loss == plain_loss
    assert nf.tree.equal(fused, plain)
    assert nf.tree.equal(fused_state, plain_state)
    assert all(not leaf.flags.writeable for leaf in nf.tree.leaves((fused, fused_state)))


def _targets_for(loss_fn: nf.losses.Loss, labels: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    if loss_fn is nf.losses.softmax_cross_entropy:
        return labels
    if loss_fn is nf.losses.mse:
        rows: npt.NDArray[np.float64] = np.eye(3)[labels]
        return rows
    first_class: npt.NDArray[np.float64] = (labels == 0).astype(np.float64).reshape(-1, 1)
    return first_class


class _KeepingMSE:
    """A user's loss (not a built-in one) that keeps every gradient it returns."""

    def __init__(self) -> None:
        self.kept: list[tuple[npt.NDArray[Any], npt.NDArray[Any]]] = []

    def __call__(self, pred: Any, target: Any) -> float:
        return self.value_and_grad(pred, target)[0]

    def value_and_grad(self, pred: Any, target: Any) -> tuple[float, Any]:
        value, grad = nf.losses.mse.value_and_grad(pred, target)
        self.kept.append((grad, grad.copy()))
        return value, grad


def test_make_step_with_a_users_loss_matches_and_leaves_its_gradients_alone() -> None:
    net = nf.mlp([2, 8, 3], activation="sigmoid", output_activation="tanh")
    x, labels = three_blobs(13, 48)
    y = _targets_for(nf.losses.mse, labels)
    opt = optim.sgd(0.4)
    own = _KeepingMSE()
    step = nf.train.make_step(net, own, opt)
    built_in = nf.train.make_step(net, nf.losses.mse, opt)
    params = mine = nf.init(net, nf.random.key(6))
    state = my_state = opt.init(params)
    for _ in range(10):
        mine, my_state, my_loss = step(mine, my_state, x, y)
        params, state, loss = built_in(params, state, x, y)
        assert my_loss == loss
    assert nf.tree.equal(mine, params)
    assert len(own.kept) == 10
    assert all(kept.tobytes() == copy.tobytes() for kept, copy in own.kept)


def test_make_step_refuses_a_state_of_another_optimizer() -> None:
    params = nf.init(NET, nf.random.key(0))
    step = nf.train.make_step(NET, nf.losses.softmax_cross_entropy, optim.adam(0.01))
    x, y = three_blobs(9, 8)
    with pytest.raises(ValueError, match="needs the tuple of 2 states"):
        step(params, optim.sgd(0.1).init(params), x, y)


@attrs.frozen
class _KeepsItsGrads(nf.layers.Stateless):
    """A user's layer y = x + b whose backward returns one array it keeps (a cache, say),
    so it declares no traits: its grads must never be written by a training step."""

    kept: list[npt.NDArray[np.float32]] = attrs.field(factory=list, eq=False, hash=False)

    def init_params(self, key: nf.Key, dtype: Any) -> nf.DenseParams:
        return nf.DenseParams(np.zeros((1, 2), dtype), np.zeros(2, dtype))

    def apply(
        self, params: nf.DenseParams, state: None, x: Any, ctx: nf.layers.Context
    ) -> tuple[Any, None, None]:
        return x + params.b, None, None

    def backward(
        self, params: nf.DenseParams, cache: None, dy: Any, ctx: nf.layers.Context
    ) -> tuple[nf.DenseParams, Any]:
        if not self.kept:
            self.kept.append(np.zeros((1, 2), dy.dtype))
        return nf.DenseParams(self.kept[0], dy.sum(axis=0)), dy if ctx.input_grad else None


def test_a_training_step_writes_new_params_only_into_grads_declared_new() -> None:
    layer = _KeepsItsGrads()
    net = nf.Sequential(nf.Dense(2, 2), layer)
    params = nf.init(net, nf.random.key(0))
    opt = optim.sgd(0.5)
    step = nf.train.make_step(net, nf.losses.mse, opt)
    x, y = np.ones((3, 2), np.float32), np.zeros((3, 2), np.float32)
    state = opt.init(params)
    for _ in range(3):
        params, state, _ = step(params, state, x, y)
    np.testing.assert_array_equal(layer.kept[0], np.zeros((1, 2)))
    assert net.traits.grads == "kept" and nf.mlp([2, 2]).traits.grads == "new"


def test_scan_equals_the_step_in_a_loop_bit_for_bit() -> None:
    x, y = three_blobs(21, 96)
    params = nf.init(NET, nf.random.key(0))
    opt = optim.adam(0.01)
    step = nf.train.make_step(NET, nf.losses.softmax_cross_entropy, opt)
    xs, ys = x.reshape(6, 16, 2), y.reshape(6, 16)  # views: one batch per step
    result = nf.train.scan(step, params, opt.init(params), xs, ys)
    looped, state, losses = params, opt.init(params), []
    for xb, yb in zip(xs, ys, strict=True):
        looped, state, loss = step(looped, state, xb, yb)
        losses.append(loss)
    assert nf.tree.equal((result.params, result.opt_state), (looped, state))
    assert result.losses.tolist() == losses and not result.losses.flags.writeable
    assert all(not leaf.flags.writeable for leaf in nf.tree.leaves(result.params))
    as_lists = nf.train.scan(step, params, opt.init(params), list(xs), list(ys))
    assert nf.tree.equal(as_lists.params, result.params)
    np.testing.assert_array_equal(xs.reshape(-1, 2), x)  # the inputs are untouched


def test_scan_carries_state_and_keys_as_fit_does() -> None:
    net = nf.Sequential(nf.Dense(2, 8), nf.BatchNorm(8), nf.ReLU(), nf.Dropout(0.3), nf.Dense(8, 3))
    x, y = three_blobs(22, 64)
    params, state = nf.init(net, nf.random.key(0)), nf.init_state(net)
    opt = optim.sgd(0.1)
    step = nf.train.make_step(net, nf.losses.softmax_cross_entropy, opt)
    key = nf.random.key(9)
    result = nf.train.scan(
        step, params, opt.init(params), x.reshape(4, 16, 2), y.reshape(4, 16), state=state, key=key
    )
    looped, opt_state = params, opt.init(params)
    for i in range(4):
        looped, state, opt_state, _ = step.advance(
            looped, state, opt_state, x[16 * i : 16 * i + 16], y[16 * i : 16 * i + 16],
            nf.random.fold_in(key, i),
        )  # fmt: skip
    assert nf.tree.equal((result.params, result.state), (looped, state))
    with pytest.raises(ValueError, match="draws random numbers: pass key="):
        nf.train.scan(step, params, opt.init(params), x.reshape(4, 16, 2), y.reshape(4, 16))


@pytest.mark.parametrize(
    ("xs", "ys", "error", "match"),
    [
        (np.zeros((4, 2)), np.zeros((4,)), ValueError, r"xs must have shape \(steps, batch"),
        (np.zeros((3, 4, 2)), np.zeros((2, 4), np.int64), ValueError, "one batch per step"),
        (np.zeros((0, 4, 2)), np.zeros((0, 4), np.int64), ValueError, "at least one"),
        ("x", "y", TypeError, "arrays whose first axis is the step"),
    ],
)
def test_scan_refuses_inputs_that_do_not_fit_before_any_step(
    xs: Any, ys: Any, error: type[Exception], match: str
) -> None:
    params = nf.init(NET, nf.random.key(0))
    opt = optim.sgd(0.1)
    step = nf.train.make_step(NET, nf.losses.softmax_cross_entropy, opt)
    with pytest.raises(error, match=match):
        nf.train.scan(step, params, opt.init(params), xs, ys)
