"""Tables, issue 15's targets with PASS/FAIL, and the JSON record of a run."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from contender import FLOOR, NNFUNC_FIT, NNFUNC_PLAIN, NNFUNC_SCAN, NNFUNC_STEP, NUMPY_HAND
from measure import Result
from memory import Peak
from scaling import Cell
from workloads import Workload

REFERENCE: dict[tuple[str, str], float] = {
    ("W1", "torch-eager"): 1.71,
    ("W1", "jax-jit"): 1.66,
    ("W1", "sklearn-mlp"): 2.26,
    ("W1", "numpy-hand"): 1.16,
    ("W2", "jax-jit"): 1.0,
    ("W2", "torch-eager"): 18.0,
    ("W2", "sklearn-mlp"): 87.0,
    ("W3", "torch-eager"): 1.16,
    ("W3", "jax-jit"): 1.18,
    ("W3", "numpy-hand"): 1.07,
}
"""Issue 5's ratios for the peers on its 2-core machine: to the GEMM floor for W1 and
W3, to the hand-tuned NumPy step for W2 (`reference_base`)."""

LIMITS: dict[str, dict[str, float]] = {
    NNFUNC_SCAN.name: {"W1": 1.10, "W2": 1.0, "W3": 1.05},
    NNFUNC_FIT.name: {"W1": 1.15},
    NNFUNC_STEP.name: {"W1": 1.25, "W2": 1.2, "W3": 1.08},
    NNFUNC_PLAIN.name: {"W1": 1.35, "W2": 1.5, "W3": 1.15},
}
"""Issue 15's limits on nnfunc's ratios of medians, by contender and workload: to the
GEMM floor on W1 and W3, to numpy-hand on W2 (`reference_base`)."""

MEMORY_LIMIT = 1.3
"""Issue 5's limit on an nnfunc contender's traced peak over a W1 epoch, in needs on paper."""

LOSS_TOLERANCE = 0.01
"""Largest relative difference of a final loss from the hand-tuned step's before it is flagged."""


def reference_base(workload: str) -> str:
    """The contender the issues' ratios for `workload` are relative to."""
    return NUMPY_HAND.name if workload == "W2" else FLOOR.name


@dataclass(frozen=True)
class Outcome:
    """All results of one workload."""

    workload: Workload
    initial_loss: float
    results: list[Result]

    def result(self, name: str) -> Result | None:
        """The timed result of contender `name`, None if it was skipped or not run."""
        for result in self.results:
            if result.contender == name and result.skipped is None:
                return result
        return None

    def ratio(self, name: str, base: str, paired: bool = False) -> float | None:
        """Median of `name` over median of `base`; with `paired`, the median over rounds of
        each round's ratio (the two ran side by side, so drift cancels). None if either
        is missing."""
        top, bottom = self.result(name), self.result(base)
        if top is None or bottom is None:
            return None
        if paired:
            pairs = zip(top.seconds, bottom.seconds, strict=True)
            return statistics.median(a / b for a, b in pairs)
        return top.median / bottom.median

    def loss_agrees(self, result: Result) -> bool:
        """True unless the result's final loss is far from the hand-tuned step's (a result
        trained on other batches, `comparable_loss` False, is not checked)."""
        reference = self.result(NUMPY_HAND.name)
        if not result.comparable_loss or result.final_loss is None:
            return True
        if reference is None or reference.final_loss is None:
            return True
        scale = max(abs(reference.final_loss), 1e-3)
        return abs(result.final_loss - reference.final_loss) <= LOSS_TOLERANCE * scale


@dataclass(frozen=True)
class Target:
    """One target: the measured value, its limit, and whether it holds."""

    name: str
    value: float | None
    limit: float
    paired: float | None = None
    """The median of the per-round ratios: less sensitive to drifting load."""

    @property
    def verdict(self) -> str:
        """PASS, FAIL, or SKIP when a contender it needs did not run."""
        if self.value is None:
            return "SKIP"
        return "PASS" if self.value <= self.limit else "FAIL"


def _fmt(value: float | None, digits: int = 2, suffix: str = "x") -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.{digits}f}{suffix}"


def _time(workload: Workload, seconds: float) -> str:
    value = workload.scale(seconds)
    return f"{value:.1f}" if workload.per_step else f"{value:.4f}"


def workload_table(outcome: Outcome) -> str:
    """A Markdown table of one workload: median, min, max in its unit, the ratios to the
    floor and to the hand-tuned step, issue 5's ratio, the final training loss."""
    w = outcome.workload
    base = reference_base(w.name)
    lines = [
        f"| contender | median {w.unit} | min | max | x floor | x numpy-hand | "
        f"issue 5's x {'numpy-hand' if base == NUMPY_HAND.name else 'floor'} | final loss | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in outcome.results:
        if r.skipped is not None:
            lines.append(f"| {r.contender} | - | - | - | - | - | - | - | skipped: {r.skipped} |")
            continue
        loss = "- (does not train)" if r.final_loss is None else f"{r.final_loss:.6f}"
        if not outcome.loss_agrees(r):
            loss += " MISMATCH"
        lines.append(
            f"| {r.contender} | {_time(w, r.median)} | {_time(w, min(r.seconds))} | "
            f"{_time(w, max(r.seconds))} | {_fmt(outcome.ratio(r.contender, FLOOR.name))} | "
            f"{_fmt(outcome.ratio(r.contender, NUMPY_HAND.name))} | "
            f"{_fmt(REFERENCE.get((w.name, r.contender)))} | {loss} | {r.note} |"
        )
    return "\n".join(lines)


def memory_table(peaks: Sequence[Peak]) -> str:
    """A Markdown table of traced peaks against the need on paper."""
    if not peaks:
        return ""
    need = peaks[0].need
    lines = [
        f"Need on paper: params {need.params / 1e6:.3f} MB + batch {need.batch / 1e6:.3f} MB "
        f"+ activations {need.activations / 1e6:.3f} MB + gradients {need.gradients / 1e6:.3f} "
        f"MB = {need.total / 1e6:.3f} MB",
        "",
        "| contender | traced peak MB | x need |",
        "|---|---:|---:|",
    ]
    lines += [f"| {p.contender} | {p.peak_bytes / 1e6:.3f} | {p.ratio:.2f}x |" for p in peaks]
    return "\n".join(lines)


def _ratio_target(outcome: Outcome, name: str, limit: float) -> Target:
    """Contender `name`'s ratio to the workload's base (`reference_base`) against `limit`."""
    workload = outcome.workload.name
    base = reference_base(workload)
    return Target(
        f"{workload}: {name} / {base}",
        outcome.ratio(name, base),
        limit,
        outcome.ratio(name, base, paired=True),
    )


def targets(outcomes: Mapping[str, Outcome], peaks: Sequence[Peak]) -> list[Target]:
    """The targets this run measured: issue 15's ratios (`LIMITS`), workload by workload,
    then issue 5's memory limit for each nnfunc contender of `LIMITS` whose peak was traced."""
    found = [
        _ratio_target(outcome, name, limits[workload])
        for workload, outcome in outcomes.items()
        for name, limits in LIMITS.items()
        if workload in limits
    ]
    found += [
        Target(f"memory, a W1 epoch: {p.contender} peak / need", p.ratio, MEMORY_LIMIT)
        for p in peaks
        if p.contender in LIMITS
    ]
    return found


def targets_table(found: Sequence[Target]) -> str:
    """A Markdown table of the targets with PASS/FAIL (decided on the ratio of medians)."""
    lines = [
        "| target | ratio of medians | median of per-round ratios | limit | verdict |",
        "|---|---:|---:|---:|---|",
    ]
    lines += [
        f"| {t.name} | {_fmt(t.value)} | {_fmt(t.paired)} | {t.limit:.2f}x | {t.verdict} |"
        for t in found
    ]
    return "\n".join(lines)


def result_record(outcome: Outcome, result: Result) -> dict[str, Any]:
    """One result as JSON-ready data, with its times in the workload's unit and ratios."""
    record = asdict(result)
    if result.skipped is None:
        w = outcome.workload
        record.update(
            unit=w.unit,
            median=w.scale(result.median),
            min=w.scale(min(result.seconds)),
            max=w.scale(max(result.seconds)),
            ratio_to_floor=outcome.ratio(result.contender, FLOOR.name),
            ratio_to_numpy_hand=outcome.ratio(result.contender, NUMPY_HAND.name),
            loss_agrees=outcome.loss_agrees(result),
        )
    return record


def record(
    machine: Mapping[str, Any],
    config: Mapping[str, Any],
    outcomes: Mapping[str, Outcome],
    cells: Sequence[Cell],
    peaks: Sequence[Peak],
) -> dict[str, Any]:
    """The whole run as JSON-ready data."""
    return {
        "machine": dict(machine),
        "config": dict(config),
        "workloads": {
            name: {
                "description": o.workload.describe(),
                "unit": o.workload.unit,
                "steps_per_run": o.workload.steps,
                "initial_loss": o.initial_loss,
                "results": [result_record(o, r) for r in o.results],
            }
            for name, o in outcomes.items()
        },
        "scaling": [
            {
                "hidden": c.width,
                "batch_size": c.batch_size,
                "rows_per_run": c.rows,
                "nnfunc_us_per_example": c.per_example(c.nnfunc),
                "floor_us_per_example": c.per_example(c.floor),
                "ratio": c.ratio,
                "nnfunc_final_loss": c.nnfunc.final_loss,
            }
            for c in cells
        ],
        "memory": [
            {
                "contender": p.contender,
                "peak_bytes": p.peak_bytes,
                "ratio": p.ratio,
                "need": asdict(p.need),
                "need_total": p.need.total,
            }
            for p in peaks
        ],
        "targets": [
            {
                "name": t.name,
                "value": t.value,
                "value_per_round": t.paired,
                "limit": t.limit,
                "verdict": t.verdict,
            }
            for t in targets(outcomes, peaks)
        ],
    }
