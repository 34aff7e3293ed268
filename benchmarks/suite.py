"""The whole benchmark run: each section in turn, printed as it finishes, then the
targets and the JSON record. Imported by run.py once the thread pools are pinned.

Each section also records the share of the CPUs that other processes kept busy while
it ran: on a 2-core machine another process's load slows a 2-thread BLAS down by up
to ~100x, so a section run beside one is flagged as suspect.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TypeVar

import machine
import memory
import report
import scaling
from contender import (
    ALL,
    NNFUNC_FIT,
    NNFUNC_PLAIN,
    NNFUNC_SCAN,
    NNFUNC_STEP,
    NNFUNC_TRAIN_STEP,
    NUMPY_HAND,
)
from measure import Quiet, compare
from workloads import FULL, QUICK, W1, make_problem, training_loss

T = TypeVar("T")

BUSY = 0.1
"""The share of all CPUs busy with other processes above which a timed round is run again."""


class Sections:
    """Runs sections one by one and records how busy other processes kept the CPUs
    during each (timed rounds that were too busy are already run again by `compare`)."""

    def __init__(self) -> None:
        self.others: dict[str, float] = {}

    def run(self, name: str, title: str, body: Callable[[], T]) -> T:
        """Print `title`, run `body`, report others' load during it; body's result."""
        print(f"\n## {title}\n", flush=True)
        load = machine.OthersLoad()
        result = body()
        share = load.share()
        self.others[name] = round(share, 3)
        print(f"\nOther processes used {share:.0%} of the CPUs meanwhile.", flush=True)
        return result


def _timed_workload(name: str, quick: bool, repeats: int, quiet: Quiet) -> report.Outcome:
    problem = make_problem((QUICK if quick else FULL)[name])
    outcome = report.Outcome(
        problem.workload,
        training_loss(problem, problem.init),
        compare(problem, ALL, repeats, quiet),
    )
    print(f"Training loss at the initial weights: {outcome.initial_loss:.6f}\n")
    print(report.workload_table(outcome), flush=True)
    timed = [r for r in outcome.results if r.skipped is None]
    if timed:
        print(
            f"\nRounds run again because other processes were busy: {timed[0].rounds_discarded}; "
            f"their largest CPU share in a kept round: {timed[0].others_share:.0%}"
        )
    mismatched = [r.contender for r in outcome.results if not outcome.loss_agrees(r)]
    if mismatched:
        print(f"\nWARNING: the final loss of {', '.join(mismatched)} differs from numpy-hand's")
    return outcome


def _memory() -> list[memory.Peak]:
    problem = make_problem(W1)
    contenders = (NUMPY_HAND, NNFUNC_PLAIN, NNFUNC_STEP, NNFUNC_SCAN, NNFUNC_FIT, NNFUNC_TRAIN_STEP)
    peaks = [memory.peak(problem, c) for c in contenders]
    print(report.memory_table(peaks), flush=True)
    return peaks


def _scaling(quick: bool, repeats: int, quiet: Quiet, plot_path: Path) -> list[scaling.Cell]:
    widths = scaling.QUICK_WIDTHS if quick else scaling.WIDTHS
    batches = scaling.QUICK_BATCHES if quick else scaling.BATCHES
    examples = scaling.QUICK_EXAMPLES if quick else scaling.EXAMPLES
    cells = scaling.sweep(widths, batches, examples, repeats, quiet)
    print(f"\n{scaling.NNFUNC.name} microseconds per example (ratio to the GEMM floor):\n")
    print(scaling.table(cells))
    print(f"\nPlot: {scaling.plot(cells, plot_path)}", flush=True)
    return cells


def run(
    quick: bool,
    sections: Sequence[str],
    repeats: int,
    json_path: Path,
    plot_path: Path,
    wait: float,
) -> int:
    """Run `sections` (W1, W2, W3, scaling, memory), print everything, write the JSON.

    Returns the exit status: 0 (a missed target is reported, not an error).
    """
    started = time.perf_counter()
    about = machine.describe()
    print(f"# nnfunc benchmarks{' (quick)' if quick else ''}\n")
    for key, value in about.items():
        print(f"- {key}: {value}")
    print(f"- timed runs per contender: {repeats} (after one warm-up run)")
    runner = Sections()
    quiet = Quiet(threshold=BUSY, budget=wait)
    outcomes: dict[str, report.Outcome] = {}
    for name in ("W1", "W2", "W3"):
        if name in sections:
            title = (QUICK if quick else FULL)[name].describe()
            body = partial(_timed_workload, name, quick, repeats, quiet)
            outcomes[name] = runner.run(name, title, body)
    peaks = (
        runner.run("memory", "Peak memory of one W1 epoch (tracemalloc)", _memory)
        if "memory" in sections
        else []
    )
    cells = (
        runner.run(
            "scaling",
            "Scaling: 784-h-h/2-10 over hidden widths h and batch sizes; "
            f"{scaling.NNFUNC.name} vs gemm-floor",
            partial(_scaling, quick, repeats, quiet, plot_path),
        )
        if "scaling" in sections
        else []
    )
    found = report.targets(outcomes, peaks)
    print(f"\n## Issue 15's targets\n\n{report.targets_table(found)}")
    busy = {name: share for name, share in runner.others.items() if share > BUSY}
    if busy:
        print(
            f"\nOther processes kept the CPUs busy during {', '.join(busy)}: rounds run "
            "beside them were run again (see each section), but check the spread (min, max)."
        )
    seconds = time.perf_counter() - started
    config = {
        "quick": quick,
        "sections": list(sections),
        "repeats": repeats,
        "scaling_contender": scaling.NNFUNC.name,
        "seconds_total": round(seconds, 1),
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
        "others_cpu_share_by_section": runner.others,
    }
    json_path.parent.mkdir(parents=True, exist_ok=True)
    data = report.record(about, config, outcomes, cells, peaks)
    json_path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\nWrote {json_path} ({seconds:.0f} s in all)")
    return 0
