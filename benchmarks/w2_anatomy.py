"""What W2's step costs, split in two: being pure, and being general.

Times three steps of W2 (XOR 2-4-1, sigmoid hidden, logits + binary cross-entropy, SGD
lr 0.5, the full batch of 4), interleaved, each timed run 1 000 steps:

- numpy-hand: the hand-tuned imperative step of the main suite (buffers kept, updated in
  place);
- pure-by-hand: one straight function written for this net alone that keeps nnfunc's
  contract: it returns fresh read-only params and a new step count, keeps nothing, and
  checks what nnfunc checks (the params' structure, shapes and dtype, x, the targets in
  [0, 1]), with nnfunc's arithmetic (the stable sigmoid, the folded learning rate);
- nnfunc-make_step: `nf.train.make_step(net, loss, optim.sgd(lr))`,
  which walks any such net's layers and calls their methods and the loss's.

pure-by-hand over numpy-hand is what purity costs; nnfunc-make_step over pure-by-hand is
what the general walk costs. Prints min and median per step and the ratios of minima.

Run: python benchmarks/w2_anatomy.py [--rounds N]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pinning import pin_threads


def _pure_step(lr: float) -> Callable[[Any, Any, Any, Any], tuple[Any, Any, float]]:
    """The pure step of W2's net, (params, opt_state, x, y) -> (params, opt_state, loss)."""
    import numpy as np

    import nnfunc as nf

    state_type = nf.optim.ScaleByLearningRateState

    def step(params: Any, opt_state: Any, x: Any, t: Any) -> tuple[Any, Any, float]:
        first, hidden, last = params
        w0, b0, w1, b1 = first.w, first.b, last.w, last.b
        dtype = w0.dtype
        if (
            hidden is not None
            or (w0.shape, b0.shape, w1.shape, b1.shape) != ((2, 4), (4,), (4, 1), (1,))
            or not (b0.dtype == w1.dtype == b1.dtype == dtype)
            or type(x) is not np.ndarray
            or x.dtype != dtype
            or x.shape[1:] != (2,)
        ):
            raise ValueError("params or x do not fit the 2-4-1 net")
        count = np.array(int(opt_state[0].count) + 1, dtype=np.int64)
        count.setflags(write=False)
        h = x.dot(w0)  # forward: the stable sigmoid, exp(-softplus(-z)), in place
        h += b0
        np.negative(h, out=h)
        np.logaddexp(0, h, out=h)
        np.negative(h, out=h)
        np.exp(h, out=h)
        z = h.dot(w1)
        z += b1
        one_minus_t = 1.0 - t  # the loss: targets checked, value, lr * gradient
        if not np.minimum.reduce(np.minimum(t, one_minus_t), axis=None) >= 0.0:
            raise ValueError("targets must be in [0, 1]")
        g = np.negative(z)
        np.logaddexp(0, g, out=g)
        value = float(np.add.reduce(g, axis=None) + np.vdot(one_minus_t, z)) / z.size
        np.negative(g, out=g)
        np.exp(g, out=g)
        g -= t
        g *= lr / z.size
        w1_new = h.T.dot(g)  # backward, each param moved in its fresh gradient
        b1_new = np.add.reduce(g, axis=0)
        dh = g.dot(w1.T)
        np.subtract(w1, w1_new, out=w1_new)
        np.subtract(b1, b1_new, out=b1_new)
        slope = 1.0 - h
        slope *= h
        dh *= slope
        w0_new = x.T.dot(dh)
        b0_new = np.add.reduce(dh, axis=0)
        np.subtract(w0, w0_new, out=w0_new)
        np.subtract(b0, b0_new, out=b0_new)
        for new in (w0_new, b0_new, w1_new, b1_new):
            new.setflags(write=False)
        moved = (nf.DenseParams(w0_new, b0_new), None, nf.DenseParams(w1_new, b1_new))
        return moved, (state_type(count),), value

    return step


def main(argv: list[str] | None = None) -> int:
    """Time the three steps interleaved and print the table."""
    options = argparse.ArgumentParser(prog="benchmarks/w2_anatomy.py")
    options.add_argument("--rounds", type=int, default=31, help="timed runs of each (default 31)")
    args = options.parse_args(argv)
    pin_threads()
    import machine  # numpy loads here, after the pools are pinned
    from contender import Runner
    from nnfunc_paths import StepLoop, step_loop
    from numpy_steps import HandTuned
    from workloads import W2, make_problem, training_loss

    problem = make_problem(W2)
    short = make_problem(replace(W2, passes=1_000))
    contenders: dict[str, Runner] = {
        "numpy-hand": HandTuned(short),
        "pure-by-hand": StepLoop(short, lambda p: _pure_step(p.workload.learning_rate), ""),
        "nnfunc-make_step": step_loop(short),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for contender in contenders.values():
        contender.run()  # warm-up
    for _ in range(args.rounds):
        for name, contender in contenders.items():
            gc.collect()
            start = time.perf_counter()
            contender.run()
            times[name].append((time.perf_counter() - start) / 1_000 * 1e6)
    hand = min(times["numpy-hand"])
    pure = min(times["pure-by-hand"])
    print(machine.header())
    print(f"W2, {args.rounds} interleaved runs of 1 000 steps each (us per step)")
    print(f"{'step':16s} {'min':>7s} {'median':>7s} {'x numpy-hand':>13s} {'x pure':>7s} loss")
    for name, contender in contenders.items():
        ordered = sorted(times[name])
        weights = contender.weights()
        loss = "-" if weights is None else f"{training_loss(problem, weights):.6f}"
        print(
            f"{name:16s} {ordered[0]:7.1f} {ordered[len(ordered) // 2]:7.1f} "
            f"{ordered[0] / hand:12.2f}x {ordered[0] / pure:6.2f}x {loss}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
