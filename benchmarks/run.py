"""Run the benchmarks of issues 5 and 15: W1, W2, W3, the scaling sweep and W1's peak memory.

Every contender runs in this one process, one after another, float32, with every
BLAS/OpenMP/XLA pool pinned to 2 threads, fixed seeds, a warm-up run excluded and the
median of --repeats (>= 5 for the issues' numbers) timed runs. Prints Markdown tables
(median, min, max, ratios to the GEMM floor and to the hand-tuned NumPy step, final
training losses), issue 15's targets with PASS/FAIL, and writes JSON and the scaling
plot. A full run takes a few minutes; --quick is a fast regression check by hand.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/run.py [--quick]
     [--only W1,W2,W3,scaling,memory] [--repeats N] [--json PATH] [--plot PATH]
     [--wait-idle SECONDS]
(`env -u`: the BLAS kernel OpenBLAS picks for the CPU, as on a user's machine.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pinning import pin_threads

HERE = Path(__file__).resolve().parent
SECTIONS = ("W1", "W2", "W3", "scaling", "memory")


def _sections(text: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [part for part in chosen if part not in SECTIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"--only takes a comma-separated list of {', '.join(SECTIONS)}; given {text!r}"
        )
    return chosen


def _repeats(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"--repeats must be >= 1, given {value}")
    return value


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line: --quick, --only, --repeats, --json, --plot."""
    options = argparse.ArgumentParser(
        prog="benchmarks/run.py", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    options.add_argument(
        "--quick",
        action="store_true",
        help="smaller data, fewer steps and a 3x3 scaling grid: a regression check in about "
        "a minute (the numbers are noisier than a full run's)",
    )
    options.add_argument(
        "--only", type=_sections, default=SECTIONS, help=f"run only these: {','.join(SECTIONS)}"
    )
    options.add_argument(
        "--repeats", type=_repeats, default=5, help="timed runs per contender (default 5)"
    )
    options.add_argument(
        "--json",
        type=Path,
        default=None,
        help="where to write the results (default benchmarks/results/latest.json, "
        "or quick.json with --quick)",
    )
    options.add_argument(
        "--plot",
        type=Path,
        default=None,
        help="where to save the scaling plot (default benchmarks/scaling.png, or "
        "benchmarks/results/quick_scaling.png with --quick)",
    )
    options.add_argument(
        "--wait-idle",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="a timed round during which other processes kept over 10%% of the CPUs busy is "
        "run again (up to 5 times per comparison) once they go idle; the whole run waits "
        "for them at most this long in all (default 300; 0 keeps every round)",
    )
    args = options.parse_args(argv)
    if args.json is None:
        args.json = HERE / "results" / ("quick.json" if args.quick else "latest.json")
    if args.plot is None:
        args.plot = HERE / "results" / "quick_scaling.png" if args.quick else HERE / "scaling.png"
    return args


def main(argv: list[str] | None = None) -> int:
    """Parse the options, pin the thread pools, then run the chosen sections."""
    args = parse(argv)
    pin_threads()
    import suite  # imports numpy, so only after the pools are pinned

    return suite.run(
        quick=args.quick,
        sections=args.only,
        repeats=args.repeats,
        json_path=args.json,
        plot_path=args.plot,
        wait=args.wait_idle,
    )


if __name__ == "__main__":
    sys.exit(main())
