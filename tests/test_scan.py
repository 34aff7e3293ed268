"""`train.scan` in the buffers it owns: the bits of the step in a loop, buffers made once
and reused, nothing a caller or a user's code holds ever written, memory near the need."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import _buffers, optim
from nnfunc.layers.base import AnyLayer
from nnfunc.train import _fit, _loop

Floats = npt.NDArray[np.floating[Any]]
Labels = npt.NDArray[np.int64]
Step = nf.train.TrainStep[Any, Any, Any]


@pytest.fixture
def every_array_buffered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small nets' arrays go through the buffers too (by default only those of 64 KiB up)."""
    monkeypatch.setattr(_buffers, "SMALL", 0)


@pytest.fixture
def buffers_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[_buffers.Buffers]]:
    """Every Buffers a scan makes, to count the arrays it allocated."""
    made: list[_buffers.Buffers] = []

    class Recorded(_buffers.Buffers):
        __slots__ = ()

        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(_loop, "Buffers", Recorded)
    monkeypatch.setattr(_fit, "Buffers", Recorded)
    yield made


class MyTanh(nf.layers.Activation):
    """A user's activation, defined outside nnfunc."""

    def forward(self, x: Floats, out: Floats | None) -> tuple[Floats, Floats]:
        y = np.tanh(x, out=out)
        return y, y

    def gradient(self, cache: Floats, dy: Floats, out: Floats | None) -> Floats:
        return np.multiply(1.0 - cache * cache, dy, out=out)


def _images(seed: int, n: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 6, 6, 2)), rng.integers(0, 3, size=n)


def _rows(
    seed: int, n: int, width: int = 5
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, width)), rng.integers(0, 3, size=n)


NETS: dict[str, tuple[AnyLayer, Callable[[int, int], tuple[Floats, Labels]]]] = {
    "relu mlp": (nf.mlp([5, 16, 16, 3], "relu"), _rows),
    "sigmoid, tanh": (
        nf.Sequential(nf.Dense(5, 8), nf.Sigmoid(), nf.Dense(8, 8), nf.Tanh(), nf.Dense(8, 3)),
        _rows,
    ),
    "nested, a user's activation": (
        nf.Sequential(nf.Sequential(nf.Dense(5, 8), MyTanh()), nf.Sequential(nf.Dense(8, 3))),
        _rows,
    ),
    "conv": (
        nf.Sequential(nf.Conv2D(2, 4, 3), nf.ReLU(), nf.Flatten(), nf.Dense(64, 3)),
        _images,
    ),
    "batchnorm, dropout": (
        nf.Sequential(nf.Dense(5, 8), nf.BatchNorm(8), nf.ReLU(), nf.Dropout(0.3), nf.Dense(8, 3)),
        _rows,
    ),
}
OPTIMIZERS = {
    "sgd": optim.sgd(0.05),
    "adam": optim.adam(0.01),
    "nesterov, schedule": optim.sgd(optim.cosine_decay(0.1, 10), momentum=0.9, nesterov=True),
}


def _digest(tree: object) -> str:
    leaves = nf.tree.leaves(tree)
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in leaves)).hexdigest()


def _looped(
    step: Step,
    params: Any,
    opt_state: Any,
    state: Any,
    xs: Floats,
    ys: npt.NDArray[Any],
    key: nf.Key | None,
) -> tuple[Any, Any, Any, list[float]]:
    """(params, opt_state, state, losses) of `step.advance` called in a loop, as scan does."""
    losses = []
    for i, (xb, yb) in enumerate(zip(xs, ys, strict=True)):
        step_key = None if key is None else nf.random.fold_in(key, i)
        params, state, opt_state, loss = step.advance(params, state, opt_state, xb, yb, step_key)
        losses.append(loss)
    return params, opt_state, state, losses


@pytest.mark.usefixtures("every_array_buffered")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
@pytest.mark.parametrize("net_name", list(NETS))
def test_scan_in_its_buffers_gives_the_bits_of_the_step_in_a_loop(
    net_name: str,
    opt_name: str,
    dtype: type[np.floating[Any]],
    buffers_made: list[_buffers.Buffers],
) -> None:
    net, data = NETS[net_name]
    opt = OPTIMIZERS[opt_name]
    x, y = data(3, 60)
    xs, ys = x.astype(dtype).reshape(5, 12, *x.shape[1:]), y.reshape(5, 12)
    params = nf.init(net, nf.random.key(1), dtype)
    state = nf.init_state(net, dtype)
    key = nf.random.key(2) if net.traits.random else None
    before = _digest((params, state, xs))
    step = nf.train.make_step(net, nf.losses.softmax_cross_entropy, opt)
    result = nf.train.scan(step, params, opt.init(params), xs, ys, state=state, key=key)
    looped = _looped(step, params, opt.init(params), state, xs, ys, key)
    assert nf.tree.equal((result.params, result.opt_state, result.state), looped[:3])
    assert result.losses.tolist() == looped[3]
    assert _digest((params, state, xs)) == before  # nothing the caller holds was written
    for leaf in nf.tree.leaves((result.params, result.opt_state, result.state)):
        if isinstance(leaf, np.ndarray):
            assert not leaf.flags.writeable
            assert not any(np.shares_memory(leaf, a) for a in nf.tree.leaves((params, xs)))
    assert buffers_made and buffers_made[0].made > 0  # the arrays went through the buffers


@pytest.mark.usefixtures("every_array_buffered")
@pytest.mark.parametrize(("opt_name", "per_step"), [("sgd", 17), ("adam", 11)])
def test_scan_makes_its_buffers_in_the_first_steps_only(
    opt_name: str, per_step: int, buffers_made: list[_buffers.Buffers]
) -> None:
    net, _ = NETS["relu mlp"]
    opt = OPTIMIZERS[opt_name]
    step = nf.train.make_step(net, nf.losses.softmax_cross_entropy, opt)
    params = nf.init(net, nf.random.key(0))
    made = []
    for steps in (3, 30):
        x, y = _rows(4, steps * 8)
        nf.train.scan(step, params, opt.init(params), x.reshape(steps, 8, 5), y.reshape(steps, 8))
        made.append(buffers_made[-1].made)
    # 11 arrays a step (3 outputs and 2 input gradients of Dense, 6 param grads); with sgd
    # the new params go into the grads, so a second set of 6 holds the params in between
    assert made == [per_step, per_step]


@pytest.mark.usefixtures("every_array_buffered")
def test_fit_keeps_one_set_of_buffers_for_all_its_epochs(
    buffers_made: list[_buffers.Buffers],
) -> None:
    net, _ = NETS["relu mlp"]
    x, y = _rows(7, 64)
    params = nf.init(net, nf.random.key(0))
    made: list[int] = []
    for epochs in (2, 6):
        nf.train.fit(
            net, params, x, y, nf.losses.softmax_cross_entropy, OPTIMIZERS["sgd"],
            key=nf.random.key(1), epochs=epochs, batch_size=16,
        )  # fmt: skip
        assert len(buffers_made) == len(made) + 1  # one per fit, whatever its epochs
        made.append(buffers_made[-1].made)
    # as scan: fit holds no params of its own while an epoch runs (they are carried)
    assert made[0] == made[1] == 17


@attrs.frozen
class _KeepsWhatItSees:
    """A transformation that keeps, by reference, every gradient it is given in its state."""

    def init(self, params: object) -> tuple[object, ...]:
        return ()

    def update(self, grads: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
        return grads, (*state, grads)


@attrs.frozen
class _KeepsPredictions:
    """A loss that keeps every prediction it is given (a user's code may)."""

    kept: list[tuple[Floats, Floats]] = attrs.field(factory=list, eq=False)

    def __call__(self, pred: Floats, target: npt.ArrayLike) -> float:
        return nf.losses.mse(pred, target)

    def value_and_grad(self, pred: Floats, target: npt.ArrayLike) -> tuple[float, Floats]:
        self.kept.append((pred, pred.copy()))
        return nf.losses.mse.value_and_grad(pred, target)


@pytest.mark.usefixtures("every_array_buffered")
def test_what_a_users_code_keeps_is_never_written() -> None:
    net = nf.mlp([5, 16, 3], "relu")
    opt = optim.chain(_KeepsWhatItSees(), optim.sgd(0.1))
    loss = _KeepsPredictions()
    x, labels = _rows(5, 48)
    xs, ys = x.reshape(6, 8, 5), np.eye(3)[labels].reshape(6, 8, 3)
    params = nf.init(net, nf.random.key(0), np.float64)
    step = nf.train.make_step(net, loss, opt)
    result = nf.train.scan(step, params, opt.init(params), xs, ys)
    kept_grads = result.opt_state[0]
    looped = _looped(
        nf.train.make_step(net, nf.losses.mse, opt), params, opt.init(params), None, xs, ys, None
    )
    assert nf.tree.equal(result.params, looped[0])
    assert nf.tree.equal(kept_grads, looped[1][0])  # six steps' grads, as each step made them
    assert all(np.array_equal(pred, copy) for pred, copy in loss.kept)


@pytest.mark.usefixtures("every_array_buffered")
@pytest.mark.parametrize("at", [0, 1, 2, 4])
def test_divergence_in_buffers_carries_the_params_before_intact(at: int) -> None:
    net = nf.mlp([5, 16, 3], "relu")
    opt = optim.sgd(0.1)
    x, y = _rows(6, 48)
    xs, ys = x.reshape(6, 8, 5).copy(), y.reshape(6, 8)
    xs[at, 0, 0] = np.nan  # the loss of step `at` is NaN: the params of step at - 1 are good
    params = nf.init(net, nf.random.key(0), np.float64)
    step = nf.train.make_step(net, nf.losses.softmax_cross_entropy, opt)
    with pytest.raises(nf.train.DivergenceError) as info:
        nf.train.scan(step, params, opt.init(params), xs, ys)
    good = max(at - 1, 0)  # steps taken to reach them
    expected = _looped(step, params, opt.init(params), None, xs[:good], ys[:good], None)[0]
    assert info.value.step == at and np.isnan(info.value.loss)
    assert nf.tree.equal(info.value.params, expected)


def _traced_peak(run: Callable[[], object]) -> tuple[int, int]:
    """(bytes held after `run`, peak bytes during it), as tracemalloc sees NumPy's arrays."""
    tracemalloc.start()
    try:
        kept = run()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del kept
    return held, peak


WIDE = nf.mlp([256, 512, 512, 10], "relu")  # arrays of 64 KiB and more: in the buffers
"""Its params, their grads and one batch's activations (every Dense and ReLU output, 128
rows) need 2 * 1.60 MB + 1.05 MB."""


def _wide_need(params: object, batch: int) -> int:
    """Bytes of WIDE's params, their grads and the activations of a batch of `batch` rows."""
    params_bytes: int = sum(leaf.nbytes for leaf in nf.tree.leaves(params))
    return 2 * params_bytes + batch * (512 + 512 + 512 + 512 + 10) * 4


def test_scan_peak_memory_is_near_the_params_grads_and_activations() -> None:
    steps, batch = 12, 128
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(steps, batch, 256)).astype(np.float32)
    ys = rng.integers(0, 10, size=(steps, batch))
    params = nf.init(WIDE, nf.random.key(0))
    opt = optim.sgd(0.01)
    step = nf.train.make_step(WIDE, nf.losses.softmax_cross_entropy, opt)
    held, peak = _traced_peak(lambda: nf.train.scan(step, params, opt.init(params), xs, ys))
    assert peak <= 1.3 * _wide_need(params, batch), (peak, _wide_need(params, batch))
    assert held <= _wide_need(params, 0) / 2 + 64 * 1024  # afterwards: the result's params


@pytest.mark.parametrize("epochs", [1, 4])
def test_fit_peak_memory_does_not_grow_with_epochs(epochs: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12 * 128, 256)).astype(np.float32)
    y = rng.integers(0, 10, size=12 * 128)
    params = nf.init(WIDE, nf.random.key(0))

    def run() -> object:
        return nf.train.fit(
            WIDE, params, x, y, nf.losses.softmax_cross_entropy, optim.sgd(0.01),
            key=nf.random.key(1), epochs=epochs, batch_size=128,
        )  # fmt: skip

    _, peak = _traced_peak(run)
    assert peak <= 1.3 * _wide_need(params, 128), (peak, _wide_need(params, 128))
