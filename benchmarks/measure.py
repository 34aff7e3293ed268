"""Time contenders side by side on one problem, in rounds, and check what they trained.

Every contender is built first (not timed), then run once as a warm-up (not counted),
then `repeats` rounds each run every contender once, in the same order. Rounds spread
a noisy neighbour's load over all contenders alike, so the ratios stay fair even when
the absolute times drift; and a round during which other processes kept more than
`Quiet.threshold` of the CPUs busy is thrown away and run again once the machine is
idle (within the limits of `Quiet`): a 2-thread BLAS next to another busy process runs
up to ~100x slower. The garbage
collector stays on (it is part of a training loop's cost) but collects before each
timed run.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass

from contender import Contender, Runner
from machine import OthersLoad, wait_until_idle
from workloads import Problem, training_loss


@dataclass(frozen=True)
class Result:
    """One contender on one workload: the seconds of each timed run, or why it was skipped."""

    contender: str
    peer: bool
    comparable_loss: bool = True
    """False when the contender trains on other batches (see `Contender.comparable_loss`)."""
    seconds: tuple[float, ...] = ()
    warmup_seconds: float = float("nan")
    final_loss: float | None = None
    note: str = ""
    skipped: str | None = None
    rounds_discarded: int = 0
    """Rounds thrown away because other processes kept the CPUs busy (see `Quiet`)."""
    others_share: float = 0.0
    """The largest share of the CPUs other processes used during a kept round."""

    @property
    def median(self) -> float:
        """The median seconds of a timed run."""
        return statistics.median(self.seconds)


def _timed(runner: Runner) -> float:
    gc.collect()
    start = time.perf_counter()
    runner.run()
    return time.perf_counter() - start


class Quiet:
    """When a timed round counts, and how long a run may wait for an idle machine.

    A round counts when other processes used at most `threshold` of the CPUs during it.
    A busy round is run again, after waiting for an idle window, at most `retries` times
    per comparison and while the run's `budget` of waiting seconds lasts; after that,
    busy rounds are kept and their share is reported. One Quiet serves a whole run.
    """

    def __init__(self, threshold: float = 0.1, budget: float = 300.0, retries: int = 5) -> None:
        self.threshold = threshold
        self.retries = retries
        self.remaining = budget

    def settle(self) -> bool:
        """Wait (at most 30 s, and what is left of the budget) for an idle window;
        False, without waiting, once the budget is spent."""
        if self.remaining <= 0:
            return False
        start = time.monotonic()
        wait_until_idle(min(self.remaining, 30.0), self.threshold)
        self.remaining -= time.monotonic() - start
        return True


def _round(runners: dict[str, Runner]) -> tuple[dict[str, float], float]:
    """One timed run of every runner: (seconds by name, others' CPU share meanwhile)."""
    load = OthersLoad()
    seconds = {name: _timed(runner) for name, runner in runners.items()}
    return seconds, load.share()


def compare(
    problem: Problem, contenders: tuple[Contender, ...], repeats: int, quiet: Quiet | None = None
) -> list[Result]:
    """Each available contender's timings and final training loss on `problem`, in order.

    A contender that does not run here (`Contender.unavailable`) gets a Result with
    `skipped` set. Without `quiet`, every round is kept.
    """
    guard = Quiet(budget=0.0) if quiet is None else quiet
    runners: dict[str, Runner] = {}
    skipped: dict[str, str] = {}
    for contender in contenders:
        reason = contender.unavailable(problem.workload)
        if reason is None:
            runners[contender.name] = contender.build(problem)
        else:
            skipped[contender.name] = reason
    warmup = {name: _timed(runner) for name, runner in runners.items()}
    seconds: dict[str, list[float]] = {name: [] for name in runners}
    kept, discarded, worst = 0, 0, 0.0
    while kept < repeats:
        timed, share = _round(runners)
        if share > guard.threshold and discarded < guard.retries and guard.settle():
            discarded += 1
            continue
        kept += 1
        worst = max(worst, share)
        for name, value in timed.items():
            seconds[name].append(value)
    results = []
    for contender in contenders:
        name = contender.name
        if name in skipped:
            results.append(Result(name, contender.peer, skipped=skipped[name]))
            continue
        runner = runners[name]
        weights = runner.weights()
        loss = None if weights is None else training_loss(problem, weights)
        results.append(
            Result(
                name,
                contender.peer,
                contender.comparable_loss,
                tuple(seconds[name]),
                warmup[name],
                loss,
                runner.note(),
                rounds_discarded=discarded,
                others_share=round(worst, 3),
            )
        )
    return results
