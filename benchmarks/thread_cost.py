"""What `thread_invariant=True` costs: `make_step` on W1, W2 and W3 with the layers'
products made by `nnfunc._matmul.matmul` in invariant blocks (blocks on one BLAS thread
each, run on the BLAS's thread count; `invariant`) against the default, one BLAS call
per product (`nnfunc-make_step`). Both run interleaved round by round in one process
(`measure.compare`); the table gives medians and the ratio of medians.

    python benchmarks/thread_cost.py                # 2 BLAS threads (the issue's setting)
    python benchmarks/thread_cost.py --threads 1    # single-threaded speed
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pinning import pin_threads


def _invariant(a: Any, b: Any, out: Any = None, invariant: bool = False) -> Any:
    """The layers' products as `thread_invariant=True` makes them."""
    from nnfunc._matmul import matmul

    return matmul(a, b, out, invariant=True)


@contextmanager
def _invariant_products() -> Iterator[None]:
    from nnfunc.layers import conv, dense

    namespaces = (vars(dense), vars(conv))  # where the layers look `matmul` up
    saved = [names["matmul"] for names in namespaces]
    for names in namespaces:
        names["matmul"] = _invariant
    try:
        yield
    finally:
        for names, product in zip(namespaces, saved, strict=True):
            names["matmul"] = product


class Invariant:
    """nnfunc's make_step runner with the layers' products made as thread_invariant=True
    makes them (the same net and code otherwise)."""

    def __init__(self, problem: Any) -> None:
        from nnfunc_paths import step_loop

        self._runner = step_loop(problem)

    def run(self) -> None:
        with _invariant_products():
            self._runner.run()

    def weights(self) -> Any:
        return self._runner.weights()

    def note(self) -> str:
        return "products in invariant blocks"


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print its table."""
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--threads", type=int, default=2, help="BLAS threads (default 2)")
    options.add_argument("--quick", action="store_true", help="smaller data and fewer steps")
    options.add_argument("--repeats", type=int, default=9, help="timed rounds (default 9)")
    options.add_argument("--only", default="W1,W2,W3", help="workloads, comma-separated")
    args = options.parse_args(argv)
    pin_threads(args.threads)
    import machine  # numpy loads here, after the pools are pinned
    from contender import NNFUNC_STEP, Contender
    from measure import Quiet, compare
    from workloads import FULL, QUICK, make_problem

    invariant = Contender("invariant", "thread_cost", "Invariant")
    print(machine.header())
    for name in args.only.split(","):
        workload = (QUICK if args.quick else FULL)[name]
        problem = make_problem(workload)
        results = compare(problem, (NNFUNC_STEP, invariant), args.repeats, Quiet())
        print(f"\n## {workload.describe()}, {args.threads} BLAS threads\n")
        print(f"| contender | median {workload.unit} | min | final loss |")
        print("|---|---:|---:|---:|")
        for result in results:
            median = workload.scale(statistics.median(result.seconds))
            low = workload.scale(min(result.seconds))
            loss = "" if result.final_loss is None else f"{result.final_loss:.6f}"
            print(f"| {result.contender} | {median:.4g} | {low:.4g} | {loss} |")
        ratio = results[1].median / results[0].median
        discarded = results[0].rounds_discarded
        print(
            f"\ninvariant / make_step: {ratio:.3f} (target <= 1.05; {discarded} busy rounds rerun)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
