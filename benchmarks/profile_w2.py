"""Where nnfunc's time goes in W2 (XOR 2-4-1, batch 4), where the step is all overhead.

Runs W2's 2000 steps under cProfile for nnfunc's plain `grads` + `sgd_step` loop, its
`make_step` loop and, for comparison, the hand-tuned NumPy step; prints for each
its minor page faults per step, the time per step by kind of code (NumPy's C calls,
NumPy's Python wrappers, nnfunc's own Python, attrs-generated methods, Python
built-ins), nnfunc's functions by their own time, and pstats' top functions by
tottime. Times under the profiler are inflated by its per-call cost; the unprofiled
medians are printed beside them. Saves the text to benchmarks/results/profile_w2.txt.
`--workload W1` or `W3` profiles those instead (results/profile_w1.txt, ...).

Run: python benchmarks/profile_w2.py [--top N] [--out PATH] [--workload W1|W2|W3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pinning import pin_threads

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Parse the options, pin the thread pools, profile, print and save."""
    options = argparse.ArgumentParser(prog="benchmarks/profile_w2.py")
    options.add_argument("--top", type=int, default=25, help="pstats rows to show (default 25)")
    options.add_argument(
        "--workload",
        choices=("W1", "W2", "W3"),
        default="W2",
        help="profile this workload instead (default W2; the others are where BLAS dominates)",
    )
    options.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to save the text (default benchmarks/results/profile_<workload>.txt)",
    )
    args = options.parse_args(argv)
    pin_threads()
    import profiling  # imports numpy, so only after the pools are pinned
    from workloads import FULL

    text = profiling.report(FULL[args.workload], args.top)
    if args.out is None:
        args.out = HERE / "results" / f"profile_{args.workload.lower()}.txt"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"Saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
