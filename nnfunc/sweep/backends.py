"""Where the runs of a sweep execute: in this process, on a pool of processes, or on Ray.

Each backend takes the job and the tasks to run and yields (position, Run) as runs
finish, in any order. Every way a run can end gives a Run: a job that raises any
exception (SystemExit from `sys.exit` included) is a failed Run; a job that ends its
worker process (`os._exit`, a crash, a signal) is run once more, alone in a fresh
process, and is a failed Run if its process dies again; the runs that shared the pool
with it are run again and are unaffected. Only KeyboardInterrupt ends the sweep.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Literal, TypeAlias

import attrs

from nnfunc.sweep.records import Failure, FrozenDict, Run, RunOutput, Value

Backend = Literal["serial", "processes", "ray"]
"""Where a sweep's runs execute: see `nnfunc.sweep.run`."""
BACKENDS: tuple[Backend, ...] = ("serial", "processes", "ray")
"""Every backend name."""

PINNED_THREADS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}
"""The environment of every worker process: one BLAS thread each, so workers share cores."""

Runs: TypeAlias = "Generator[tuple[int, Run], None, None]"
"""(position in table order, run) of each run as it finishes."""


@attrs.frozen
class Task:
    """One run to do: its (config, seed) and its position in table order."""

    position: int
    config: FrozenDict[Value]
    seed: int


def _output(value: object) -> RunOutput:
    if isinstance(value, RunOutput):
        return value
    if isinstance(value, Mapping):
        return RunOutput(value)
    raise TypeError(
        "a job must return a RunOutput or a mapping of metric names to numbers, given "
        f"{type(value).__name__}"
    )


def _failed(task: Task, error: BaseException, seconds: float = 0.0) -> Run:
    return Run(task.config, task.seed, FrozenDict(), None, Failure.of(error), seconds)


def execute(job: Callable[..., object], config: FrozenDict[Value], seed: int) -> Run:
    """One run: job(seed=seed, **config), timed, with any exception it raises (SystemExit
    included) recorded as the run's Failure; KeyboardInterrupt propagates."""
    started = time.perf_counter()
    try:
        output = _output(job(seed=seed, **config))
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        failure = Failure.of(error)
        return Run(config, seed, FrozenDict(), None, failure, time.perf_counter() - started)
    return Run(config, seed, output.metrics, output.history, None, time.perf_counter() - started)


def serial(job: Callable[..., object], tasks: Sequence[Task]) -> Runs:
    """Runs in this process, one after another."""
    for task in tasks:
        yield task.position, execute(job, task.config, task.seed)


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the processes started inside the block, then restore
    them (this process's BLAS was set up when NumPy was imported: it keeps its threads)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def _pool_pass(
    job: Callable[..., object], queue: deque[Task], workers: int
) -> Generator[tuple[int, Run], None, list[Task]]:
    """Runs the tasks of `queue` (taken from its front) on a fresh pool of `workers`
    spawned processes, at most `workers` in flight; returns the tasks in flight when a
    worker process died (the pool is then broken), or [] when the queue is done."""
    context = multiprocessing.get_context("spawn")
    with _environment(PINNED_THREADS), ProcessPoolExecutor(workers, mp_context=context) as pool:
        running: dict[Future[Run], Task] = {}
        try:
            while queue or running:
                while queue and len(running) < workers:
                    try:
                        future = pool.submit(execute, job, queue[0].config, queue[0].seed)
                    except BrokenProcessPool:  # broke since the last wait: a run in flight
                        return list(running.values())
                    running[future] = queue.popleft()
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    task = running.pop(future)
                    try:
                        run = future.result()
                    except BrokenProcessPool:
                        broken = True
                        running[future] = task
                        continue
                    except Exception as error:  # the Run did not come back (did not pickle)
                        run = _failed(task, error)
                    yield task.position, run
                if broken:
                    return list(running.values())
            return []
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def processes(job: Callable[..., object], tasks: Sequence[Task], workers: int) -> Runs:
    """Runs on pools of fresh "spawn" processes, started with PINNED_THREADS in their
    environment, so that NumPy sets up its BLAS with one thread in each.

    When a worker process dies, the runs in flight are each run again alone in a fresh
    process: one whose process dies again is a failed Run; the pool then goes on.
    """
    queue = deque(tasks)
    while queue:
        suspects = yield from _pool_pass(job, queue, min(workers, len(queue)))
        for task in suspects:
            if (yield from _pool_pass(job, deque([task]), 1)):
                died = BrokenProcessPool(
                    "the worker process running the job died (twice) before the job returned "
                    "or raised: os._exit, a crash or a signal"
                )
                yield task.position, _failed(task, died)


def ray(
    job: Callable[..., object], tasks: Sequence[Task], workers: int | None, address: str | None
) -> Runs:
    """Runs as Ray tasks of one CPU each, PINNED_THREADS in their environment, at most
    `workers` at once (all, when None). Connects with ray.init(address) unless this
    process already is connected; disconnects (a local instance it started stops) only
    if it connected. A task whose worker dies is run once more, then is a failed Run (as
    is any task Ray gives up on)."""
    import ray as ray_

    connected_here = not ray_.is_initialized()
    if connected_here:
        ray_.init(address=address)
    refs: list[ray_.ObjectRef[Run]] = []
    try:
        remote = ray_.remote(execute).options(  # a dead worker: run once more, as processes
            num_cpus=1, max_retries=1, runtime_env={"env_vars": dict(PINNED_THREADS)}
        )
        job_ref = ray_.put(job)
        queue = iter(tasks)
        limit = workers or len(tasks)
        running: dict[Future[Run], Task] = {}
        while True:
            for task in itertools.islice(queue, limit - len(running)):
                refs.append(remote.remote(job_ref, task.config, task.seed))
                running[refs[-1].future()] = task
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task = running.pop(future)
                try:
                    run = future.result()
                except Exception as error:
                    run = _failed(task, error)
                yield task.position, run
    finally:
        if connected_here:
            ray_.shutdown()
        else:
            for ref in refs:
                ray_.cancel(ref)


__all__ = [
    "BACKENDS",
    "PINNED_THREADS",
    "Backend",
    "Runs",
    "Task",
    "execute",
    "processes",
    "ray",
    "serial",
]
