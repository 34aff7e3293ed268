"""Every net fast: the one engine on W1, W2 (and W3) with the net built three ways.

Runs, interleaved round by round in one process (`measure.compare`): numpy-hand, the
GEMM floor (W1, W3), the plain loop (`grads` + `sgd_step`), `make_step` on the `mlp`
net, on the same net with a user's own activation class (`user_layers.py`) and on the
same net as nested Sequentials, one `scan` call per run, and one epoch of `fit` (W1,
W3). Prints medians and minima and the ratios of medians: user / mlp and nested / mlp
(<= 1.05), the plain loop over numpy-hand on W2 (<= 1.5), scan, fit and make_step over
the floor and numpy-hand.

Run it with the BLAS a user's machine picks (this machine may force older kernels):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/one_engine.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys

from pinning import pin_threads


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print its table."""
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="smaller data and fewer steps")
    options.add_argument("--repeats", type=int, default=7, help="timed rounds (default 7)")
    options.add_argument("--only", default="W1,W2", help="workloads, comma-separated")
    options.add_argument(
        "--threads", type=int, default=2, help="BLAS threads (1 is steadier on a busy machine)"
    )
    args = options.parse_args(argv)
    pin_threads(args.threads)
    import machine  # numpy loads here, after the pools are pinned
    from contender import (
        FLOOR,
        NNFUNC_FIT,
        NNFUNC_NESTED,
        NNFUNC_PLAIN,
        NNFUNC_SCAN,
        NNFUNC_STEP,
        NNFUNC_USER,
        NUMPY_HAND,
        Contender,
    )
    from measure import Quiet, Result, compare
    from workloads import FULL, QUICK, make_problem

    print(machine.header())
    for name in args.only.split(","):
        workload = (QUICK if args.quick else FULL)[name]
        problem = make_problem(workload)
        contenders: tuple[Contender, ...] = (
            NUMPY_HAND,
            NNFUNC_PLAIN,
            NNFUNC_STEP,
            NNFUNC_SCAN,
            NNFUNC_USER,
            NNFUNC_NESTED,
        )
        if not workload.per_step:
            contenders = (FLOOR, *contenders, NNFUNC_FIT)
        results = {r.contender: r for r in compare(problem, contenders, args.repeats, Quiet())}
        print(f"\n## {workload.describe()}\n")
        print(f"| contender | median {workload.unit} | min | final loss |")
        print("|---|---:|---:|---:|")
        for result in results.values():
            median = workload.scale(statistics.median(result.seconds))
            low = workload.scale(min(result.seconds))
            loss = "" if result.final_loss is None else f"{result.final_loss:.6f}"
            print(f"| {result.contender} | {median:.4g} | {low:.4g} | {loss} |")

        def ratio(a: str, b: str, results: dict[str, Result] = results) -> float:
            return statistics.median(results[a].seconds) / statistics.median(results[b].seconds)

        mlp = NNFUNC_STEP.name
        print(f"\nuser activation / mlp: {ratio(NNFUNC_USER.name, mlp):.3f} (target <= 1.05)")
        print(f"nested / mlp: {ratio(NNFUNC_NESTED.name, mlp):.3f} (target <= 1.05)")
        print(f"plain loop / numpy-hand: {ratio(NNFUNC_PLAIN.name, NUMPY_HAND.name):.3f}")
        print(f"make_step / numpy-hand: {ratio(mlp, NUMPY_HAND.name):.3f}")
        print(f"scan / numpy-hand: {ratio(NNFUNC_SCAN.name, NUMPY_HAND.name):.3f}")
        print(f"scan / make_step: {ratio(NNFUNC_SCAN.name, mlp):.3f}")
        if not workload.per_step:
            for name in (mlp, NNFUNC_SCAN.name, NNFUNC_FIT.name, NUMPY_HAND.name):
                print(f"{name} / floor: {ratio(name, FLOOR.name):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
