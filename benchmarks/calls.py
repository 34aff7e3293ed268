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
numpy-hand's arithmetic is of that kind.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/calls.py
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import replace
from types import FrameType, ModuleType

import machine
from contender import NNFUNC_PLAIN, NNFUNC_SCAN, NNFUNC_STEP, NUMPY_HAND, Contender
from workloads import W2, make_problem

STEPS = (200, 1_200)
"""The two run lengths whose counts are subtracted."""
KINDS = ("numpy", "other C", "Python")
PATHS = (NUMPY_HAND, NNFUNC_PLAIN, NNFUNC_STEP, NNFUNC_SCAN)


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


def counted(contender: Contender, steps: int) -> Counter[str]:
    """The calls of one run of `steps` W2 steps of `contender`, after a warm-up run."""
    runner = contender.build(make_problem(replace(W2, passes=steps)))
    runner.run()
    counter = CallCounter()
    sys.setprofile(counter)
    try:
        runner.run()
    finally:
        sys.setprofile(None)
    return counter.counts


def per_step(contender: Contender) -> dict[str, float]:
    """The calls of one W2 step of `contender`, by kind: the difference of two runs."""
    short, long = (counted(contender, steps) for steps in STEPS)
    return {kind: (long[kind] - short[kind]) / (STEPS[1] - STEPS[0]) for kind in KINDS}


def table(counts: dict[str, dict[str, float]]) -> str:
    """A Markdown table: per step, each path's NumPy calls (those a profile function
    sees), other C calls and Python calls."""
    lines = [
        "| path | NumPy calls (no ufunc calls, no operators) | other C calls | Python calls |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {c['numpy']:.1f} | {c['other C']:.1f} | {c['Python']:.1f} |"
        for name, c in counts.items()
    ]
    return "\n".join(lines)


def main() -> int:
    """Count every path and print the table."""
    print(machine.header())
    short, long = STEPS
    print(
        f"\nW2, calls per step: (the count over {long} steps - the one over {short}) / "
        f"{long - short}. Calls of ufuncs and operators on arrays make no profile event: "
        "not counted.\n"
    )
    print(table({path.name: per_step(path) for path in PATHS}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
