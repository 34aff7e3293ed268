"""Page faults and time per step: numpy-hand, the plain loop, make_step in a loop, scan.

Fresh arrays on every step may fault pages in again when the C allocator gives memory
back to the system (glibc trims the top of its heap, or unmaps a large block) and takes
it again on the next step. This counts the minor page faults of the process per step
(`getrusage`) over one quick epoch of W1 and W3, round after round, with one BLAS
thread (steady on a busy machine):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/faults.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable

from pinning import pin_threads


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def main(argv: list[str] | None = None) -> int:
    """Print, per workload and round, ms and minor page faults per step of each path."""
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = options.parse_args(argv)
    pin_threads(1)
    import machine  # numpy loads here, after the pools are pinned
    from contender import NNFUNC_PLAIN, NNFUNC_SCAN, NNFUNC_STEP, NUMPY_HAND
    from workloads import QUICK, make_problem

    print(machine.header())
    contenders = (NUMPY_HAND, NNFUNC_PLAIN, NNFUNC_STEP, NNFUNC_SCAN)
    print("\n| workload | round | " + " | ".join(c.name for c in contenders) + " |")
    print("|---|---:|" + "---:|" * len(contenders))
    for name in ("W1", "W3"):
        problem = make_problem(QUICK[name])
        steps = problem.workload.steps
        runs: list[Callable[[], None]] = [c.build(problem).run for c in contenders]
        for index in range(args.rounds):
            cells = []
            for run in runs:
                faults, start = _minor_faults(), time.perf_counter()
                run()
                seconds = time.perf_counter() - start
                per_step = (_minor_faults() - faults) / steps
                cells.append(f"{seconds / steps * 1e3:.2f} ms, {per_step:.0f} faults")
            print(f"| {name} | {index} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
