"""cProfile of a workload's training loops, summarised by kind of code and by nnfunc function."""

from __future__ import annotations

import cProfile
import io
import pstats
import resource
import types
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import machine
from contender import NNFUNC_PLAIN, NNFUNC_STEP, NUMPY_HAND, Contender, Runner
from measure import Quiet, compare
from workloads import Workload, make_problem

import nnfunc as nf

NNFUNC_DIR = str(Path(nf.__file__).resolve().parent)
HARNESS_DIR = str(Path(__file__).resolve().parent)


@dataclass(frozen=True)
class Line:
    """One function's own time and calls, per training step."""

    name: str
    us_per_step: float
    calls_per_step: float


def kind(code: str | types.CodeType) -> str:
    """The kind of code a profiler entry belongs to."""
    if isinstance(code, str):
        return "NumPy C calls" if "numpy" in code else "Python built-ins"
    filename = code.co_filename
    if filename.startswith(NNFUNC_DIR):
        return "nnfunc Python code"
    if filename.startswith("<attrs generated"):
        return "attrs-generated methods (nnfunc's frozen classes)"
    if "/numpy/" in filename:
        return "NumPy Python wrappers"
    if filename.startswith(HARNESS_DIR):
        return "the benchmark's loop"
    return "other Python (stdlib, ...)"


def _name(code: str | types.CodeType) -> str:
    if isinstance(code, str):
        return code
    where = Path(code.co_filename)
    if code.co_filename.startswith(NNFUNC_DIR):
        where = where.relative_to(Path(NNFUNC_DIR).parent)
    return f"{where}:{code.co_firstlineno}({code.co_qualname})"


def page_faults(runner: Runner) -> int:
    """Minor page faults of one run: fresh large arrays each step fault their pages in
    again, where buffers allocated once do not."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    runner.run()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def _profile(runner: Runner) -> cProfile.Profile:
    profile = cProfile.Profile()
    profile.enable()
    runner.run()
    profile.disable()
    return profile


def _table(title: str, lines: list[Line]) -> list[str]:
    out = [title, f"  {'us/step':>9} {'calls/step':>10}  what"]
    out += [f"  {ln.us_per_step:9.2f} {ln.calls_per_step:10.1f}  {ln.name}" for ln in lines]
    return out


def summary(profile: cProfile.Profile, steps: int, top: int) -> list[str]:
    """Time per step by kind of code, nnfunc's functions by own time, and pstats' top list."""
    kinds: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    mine: list[Line] = []
    for entry in profile.getstats():
        group = kind(entry.code)
        kinds[group][0] += entry.inlinetime
        kinds[group][1] += entry.callcount
        if group.startswith(("nnfunc", "attrs")):
            mine.append(
                Line(_name(entry.code), entry.inlinetime / steps * 1e6, entry.callcount / steps)
            )
    by_kind = sorted(
        (Line(name, t / steps * 1e6, calls / steps) for name, (t, calls) in kinds.items()),
        key=lambda line: -line.us_per_step,
    )
    total = sum(line.us_per_step for line in by_kind)
    lines = _table(f"By kind of code (total {total:.1f} us/step under the profiler):", by_kind)
    lines.append("")
    mine.sort(key=lambda line: -line.us_per_step)
    if mine:
        lines += _table("nnfunc's own functions by their own time:", mine[:top])
    stream = io.StringIO()
    pstats.Stats(profile, stream=stream).sort_stats("tottime").print_stats(top)
    lines += ["", f"pstats, top {top} by tottime:", stream.getvalue().strip()]
    return lines


def report(workload: Workload, top: int) -> str:
    """The profile text of nnfunc's two loops and of the hand-tuned step on `workload`."""
    problem = make_problem(workload)
    steps = workload.steps
    medians = {
        r.contender: r.median / steps * 1e6
        for r in compare(problem, (NUMPY_HAND, NNFUNC_PLAIN, NNFUNC_STEP), 5, Quiet())
    }
    lines = [
        f"# {workload.describe()}",
        "",
        machine.header(),
        "",
        "Unprofiled medians of 5 runs: "
        + ", ".join(f"{name} {value:.1f} us/step" for name, value in medians.items()),
        "",
        "cProfile does not see NumPy's ufunc calls (np.matmul, np.exp, +, *=, ...): their",
        "time counts as the own time of the Python function that makes them. So 'nnfunc",
        "Python code' holds both the arithmetic nnfunc asks of NumPy and its own overhead,",
        "and numpy-hand's loop holds the same arithmetic with no overhead: the difference",
        "between the two totals is what nnfunc's structure costs. Each profiled call also",
        "costs the profiler ~0.5 us, which inflates code that makes many small calls.",
    ]
    contender: Contender
    for contender in (NNFUNC_PLAIN, NNFUNC_STEP, NUMPY_HAND):
        runner = contender.build(problem)
        runner.run()  # warm-up
        faults = page_faults(runner) / steps
        note = runner.note()
        lines += ["", f"## {contender.name}{f' ({note})' if note else ''}", ""]
        lines += [f"Minor page faults per step (unprofiled run): {faults:.1f}", ""]
        lines += summary(_profile(runner), steps, top)
    return "\n".join(lines) + "\n"
