"""W2 steps for instruction counting: `python benchmarks/w2_instructions.py WHICH STEPS`.

WHICH is hand (numpy-hand), plain (grads + sgd_step), step (make_step on the mlp net),
user (make_step, a user's activation class), nested (make_step, nested Sequentials) or
scan (one `nf.train.scan` call over all the steps).
Under valgrind's callgrind, the instructions of 1 200 steps less those of 200, divided
by 1 000, are one step's, whatever else the machine does:

    for n in 200 1200; do valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        "$(python3 -c 'import sys; print(sys.executable)')" \\
        benchmarks/w2_instructions.py nested $n 2>&1 | grep Collected; done
"""

from __future__ import annotations

import sys

from nnfunc_paths import PlainLoop, made_step, nested, step_loop, user_activation
from numpy_steps import HandTuned
from workloads import W2, make_problem


def main(which: str, steps: int) -> None:
    """Run `steps` W2 steps of `which`."""
    problem = make_problem(W2)
    x, y = problem.batches[0]
    if which == "hand":
        hand = HandTuned(problem)
        for _ in range(steps):
            hand.step(x, y)
        return
    if which == "plain":
        loop = PlainLoop(problem)
        net, loss, params = loop._net, loop._loss, loop._params
        import nnfunc as nf

        for _ in range(steps):
            params = nf.sgd_step(params, nf.grads(net, params, x, y, loss), 0.5)
        return
    if which == "scan":
        import numpy as np

        import nnfunc as nf

        runner = step_loop(problem)
        xs, ys = (np.broadcast_to(a, (steps, *a.shape)) for a in (x, y))
        nf.train.scan(made_step(problem), runner._params, runner._state, xs, ys)
        return
    make = {"step": step_loop, "user": user_activation, "nested": nested}[which]
    runner = make(problem)
    step, params, state = runner._step, runner._params, runner._state
    for _ in range(steps):
        params, state, _ = step(params, state, x, y)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
