"""examples/custom_loop.py: the hand-written loop learns the moons and equals nf.train.epoch."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator

import nnfunc as nf
from tests.conftest import ROOT, ExampleRun

sys.path.insert(0, str(ROOT / "examples"))

import custom_loop


def test_the_fast_run(run_example: Callable[..., ExampleRun]) -> None:
    run = run_example("custom_loop.py")
    losses = re.findall(r"epoch +(\d+): train loss (\d+\.\d+), test loss (\d+\.\d+)", run.stdout)
    assert [int(e) for e, _, _ in losses] == [8]
    assert all(float(train) < 0.45 and float(test) < 0.45 for _, train, test in losses)
    clip = re.search(r"gradient clipped to norm 1\.0 in (\d+) of (\d+) steps", run.stdout)
    assert clip is not None and int(clip.group(2)) == 8 * 8  # 225 training points, batches of 32
    accuracies = dict(re.findall(r"(train|test) accuracy: (\d\.\d+)", run.stdout))
    assert float(accuracies["train"]) >= 0.8 and float(accuracies["test"]) >= 0.8
    assert [p.name for p in run.pngs] == ["decision.png", "loss.png"]
    assert all(f"saved {p}" in run.stdout for p in run.pngs)


def test_the_hand_written_epoch_equals_the_library_epoch() -> None:
    data = custom_loop.moons(nf.random.key(0), 200)
    params = nf.init(custom_loop.NET, nf.random.key(1))
    state = custom_loop.OPTIMIZER.init(params)
    shuffle = nf.random.key(2)

    def batches() -> Iterator[custom_loop.Batch]:
        return nf.data.batches(shuffle, data.x_train, data.y_train, custom_loop.BATCH_SIZE)

    ours, our_state, our_loss, clipped = custom_loop.train_epoch(params, state, batches())
    theirs, their_state, their_loss = nf.train.epoch(
        custom_loop.NET, params, state, batches(), custom_loop.LOSS, custom_loop.OPTIMIZER
    )
    assert nf.tree.equal(ours, theirs) and nf.tree.equal(our_state, their_state)
    assert our_loss == their_loss
    assert 0 <= clipped <= 5  # 150 training points: 5 batches
