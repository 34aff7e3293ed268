"""NumPy calls and Python calls per W2 training step (XOR 2-4-1, a full batch of 4).

Counts, with a profile function (`sys.setprofile`), what one step of each path calls:
numpy-hand (`numpy_steps.HandTuned.step`), the plain `grads` + `sgd_step` loop, the
`make_step` loop and one `nf.train.scan` call over all the steps (the runners of
`run.py`). Each path runs 200 and 1 200 steps, each after a warm-up run of its own; the
difference of the two counts over 1 000 is one step's, so what a run does once (scan's
checks of its inputs, the loop's own call) cancels.

How the profile events are classified (the frame is the caller's for a `c_call`, the
callee's for a `call`; a frame is NumPy's when its module, `f_globals["__name__"]`, is
numpy or numpy.*):

- NumPy call: a call from outside NumPy into NumPy. Either a `c_call` of a C function
  that is NumPy's, by its `__module__` (`np.empty`, `np.asarray`) or, for a method,
  by the module of the object it is bound to or of that object's type (`ndarray.dot`,
  `ndarray.setflags`, `ufunc.reduce`); or a `call` of a Python function in a NumPy
  module (`np.sum`; `np.vdot`, `np.result_type` and NumPy's other C functions behind a
  Python dispatcher). The dispatcher NumPy runs first for a function written in Python
  (named `_<name>_dispatcher`) is not counted again, nor is anything NumPy's own code
  calls.
- other C call: a `c_call`, made outside NumPy, of a C function that is not NumPy's
  (`len`, `isinstance`, `dict.get`, `math.isfinite`).
- Python call: a `call` of a Python function outside NumPy (nnfunc's, attrs-made
  methods, the benchmark's loop), a generator's resumption included.

Not seen: a ufunc called directly (`np.exp(a)`, `np.maximum(a, 0.0, out=a)`), an
operator on arrays (`a + b`, `a -= b`: ufuncs called inside ndarray) and NumPy scalar
types (`np.float32(x)`) make no profile event on CPython 3.11, which reports calls of
built-in functions and methods only; so the NumPy column leaves them out, and most of
numpy-hand's arithmetic is of that kind. With `--ufuncs`, valgrind's callgrind counts
them: the calls of NumPy's C entry of every ufunc call (`ufunc_generic_vectorcall`,
an operator's included) in runs of 20 and 120 steps, each run a dump of its own
(callgrind dumps before each `os.getppid()`, called between runs); about 30 s. It also
counts the ufunc calls NumPy's own Python functions make inside (np.mean's division).

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/calls.py [--ufuncs]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import FrameType, ModuleType

import machine
from contender import NNFUNC_PLAIN, NNFUNC_SCAN, NNFUNC_STEP, NUMPY_HAND, Contender, Runner
from workloads import W2, make_problem

STEPS = (200, 1_200)
"""The two run lengths whose profile counts are subtracted."""
CALLGRIND_STEPS = (20, 120)
"""The two run lengths under callgrind (its counts are exact; it runs ~50x slower)."""
KINDS = ("numpy", "other C", "Python")
PATHS = (NUMPY_HAND, NNFUNC_PLAIN, NNFUNC_STEP, NNFUNC_SCAN)
UFUNC_ENTRY = "ufunc_generic_vectorcall"
"""NumPy's C function behind every ufunc call, an operator's on arrays included."""
MARK = "os_getppid"
"""The C function of `os.getppid`: callgrind dumps its counts before each call."""


def _is_numpy(module: object) -> bool:
    """True for the name of numpy or one of its submodules."""
    return isinstance(module, str) and (module == "numpy" or module.startswith("numpy."))


def _in_numpy(frame: FrameType | None) -> bool:
    """True when `frame` runs code of a NumPy module."""
    return frame is not None and _is_numpy(frame.f_globals.get("__name__"))


def _owner(function: object) -> str:
    """The module a C function or method belongs to: its `__module__`, else the module
    it is bound to, else the module of the type of the object it is bound to."""
    module = getattr(function, "__module__", None)
    if isinstance(module, str):
        return module
    bound = getattr(function, "__self__", None)
    return bound.__name__ if isinstance(bound, ModuleType) else type(bound).__module__


def _kind(frame: FrameType, event: str, arg: object) -> str | None:
    """The kind of call a profile event is (one of `KINDS`), or None when it is not one
    counted: a return, a call NumPy's own code makes, the dispatcher of a NumPy function
    written in Python (`_<name>_dispatcher`: the function itself is counted)."""
    if event == "c_call":
        if _in_numpy(frame):
            return None
        return "numpy" if _is_numpy(_owner(arg)) else "other C"
    if event != "call":
        return None
    if not _in_numpy(frame):
        return "Python"
    name = frame.f_code.co_name
    if _in_numpy(frame.f_back) or (name.startswith("_") and name.endswith("_dispatcher")):
        return None
    return "numpy"


class CallCounter:
    """A profile function: `counts` of the calls of each kind (`_kind`)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def __call__(self, frame: FrameType, event: str, arg: object) -> None:
        """Count one profile event."""
        kind = _kind(frame, event, arg)
        if kind is not None:
            self.counts[kind] += 1


def warmed(contender: Contender, steps: int) -> Runner:
    """`contender`'s runner on W2 with `steps` steps a run, run once (a warm-up)."""
    runner = contender.build(make_problem(replace(W2, passes=steps)))
    runner.run()
    return runner


def counted(contender: Contender, steps: int) -> Counter[str]:
    """The calls of one run of `steps` W2 steps of `contender`, after a warm-up run."""
    runner = warmed(contender, steps)
    counter = CallCounter()
    sys.setprofile(counter)
    try:
        runner.run()
    finally:
        sys.setprofile(None)
    return counter.counts


def _per_step(short: int, long: int, steps: tuple[int, int]) -> float:
    """One step's count: the count of a run of steps[1] steps less that of a run of
    steps[0], over the difference (what a run does once cancels)."""
    return (long - short) / (steps[1] - steps[0])


def profiled(contender: Contender) -> dict[str, float]:
    """The calls of one W2 step of `contender`, by kind (`KINDS`)."""
    short, long = (counted(contender, steps) for steps in STEPS)
    return {kind: _per_step(short[kind], long[kind], STEPS) for kind in KINDS}


def _marked_runs() -> None:
    """Under callgrind: a run of each of CALLGRIND_STEPS for each path, in that order
    (built and warmed up first), each followed by `os.getppid()`, so that each run's
    counts are a dump of their own (the first dump is the setup's)."""
    runners = [warmed(path, steps) for path in PATHS for steps in CALLGRIND_STEPS]
    os.getppid()
    for runner in runners:
        runner.run()
        os.getppid()


def _calls_of(dump: Path, function: str) -> int:
    """The calls of `function` a callgrind dump records: the sum of the `calls=` lines
    that follow a `cfn=` line naming it (a name is given once, then only its number)."""
    names: dict[str, str] = {}
    total, called = 0, False
    for line in dump.read_text().splitlines():
        if line.startswith(("fn=", "cfn=")):
            number, _, name = line.split("=", 1)[1].partition(" ")
            name = names.setdefault(number, name)
            called = line.startswith("cfn=") and name == function
        elif line.startswith("calls=") and called:
            total += int(line.removeprefix("calls=").split()[0])
            called = False
    return total


def ufunc_calls() -> dict[str, float]:
    """Each path's ufunc calls per W2 step, from callgrind: this script's `--child` run
    (`_marked_runs`) under it, the calls of UFUNC_ENTRY in each run's dump."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        command += [f"--dump-before={MARK}", sys.executable, __file__, "--child"]
        subprocess.run(command, check=True, capture_output=True)
        calls = [_calls_of(Path(f"{out}.{2 + i}"), UFUNC_ENTRY) for i in range(2 * len(PATHS))]
    return {
        path.name: _per_step(calls[2 * i], calls[2 * i + 1], CALLGRIND_STEPS)
        for i, path in enumerate(PATHS)
    }


def table(counts: Mapping[str, Mapping[str, float]], ufuncs: Mapping[str, float]) -> str:
    """A Markdown table: per step, each path's NumPy calls (those a profile function
    sees), other C calls and Python calls; with `ufuncs` (callgrind's ufunc calls per
    step, by path), those and the NumPy calls in all."""
    extra = " ufunc calls (callgrind) | NumPy calls in all |" if ufuncs else ""
    lines = [
        f"| path | NumPy calls, ufuncs not seen | other C calls | Python calls |{extra}",
        "|---|" + "---:|" * (5 if ufuncs else 3),
    ]
    for name, c in counts.items():
        row = f"| {name} | {c['numpy']:.1f} | {c['other C']:.1f} | {c['Python']:.1f} |"
        if ufuncs:
            row += f" {ufuncs[name]:.1f} | {c['numpy'] + ufuncs[name]:.1f} |"
        lines.append(row)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Count every path and print the table (`--child`: the runs callgrind counts)."""
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    options.add_argument("--ufuncs", action="store_true", help="count ufunc calls (callgrind)")
    options.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = options.parse_args(argv)
    if args.child:
        _marked_runs()
        return 0
    print(machine.header())
    short, long = STEPS
    print(
        f"\nW2, calls per step: (the count over {long} steps - the one over {short}) / "
        f"{long - short}. Calls of ufuncs and operators on arrays make no profile event"
        f"{': callgrind counts them' if args.ufuncs else ' (--ufuncs counts them)'}.\n"
    )
    counts = {path.name: profiled(path) for path in PATHS}
    print(table(counts, ufunc_calls() if args.ufuncs else {}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
