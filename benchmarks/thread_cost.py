"""What the thread-independent products cost: `make_step` on W1, W2 and W3 with
`nnfunc._matmul.matmul` (blocks on one BLAS thread each, run on the BLAS's thread count)
against the same build whose layers call the BLAS once per product, as before it
(`plain-blas`). Both run interleaved round by round in one process (`measure.compare`);
the table gives medians and the ratio of medians.

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


def _plain(a: Any, b: Any, out: Any = None) -> Any:
    """One BLAS call per product, as the layers made before `matmul`."""
    import numpy as np

    return a.dot(b) if out is None else np.matmul(a, b, out=out)


@contextmanager
def _plain_blas() -> Iterator[None]:
    from nnfunc.layers import conv, dense

    saved = dense.matmul, conv.matmul
    dense.matmul = conv.matmul = _plain
    try:
        yield
    finally:
        dense.matmul, conv.matmul = saved


class PlainBlas:
    """nnfunc's make_step runner with the layers' products made by one BLAS call each."""

    def __init__(self, problem: Any) -> None:
        from nnfunc_paths import fastest

        self._runner = fastest(problem)

    def run(self) -> None:
        with _plain_blas():
            self._runner.run()

    def weights(self) -> Any:
        return self._runner.weights()

    def note(self) -> str:
        return "layers call the BLAS once per product"


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
    from contender import NNFUNC_FAST, Contender
    from measure import Quiet, compare
    from workloads import FULL, QUICK, make_problem

    plain = Contender("plain-blas", "thread_cost", "PlainBlas")
    about = machine.describe()
    print(f"- BLAS: {about.get('blas')}\n- nnfunc measured: {about.get('nnfunc_measured')}")
    for name in args.only.split(","):
        workload = (QUICK if args.quick else FULL)[name]
        problem = make_problem(workload)
        results = compare(problem, (plain, NNFUNC_FAST), args.repeats, Quiet())
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
        print(f"\nmatmul / plain-blas: {ratio:.3f} (target <= 1.05; {discarded} busy rounds rerun)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
