"""Seed and hyper-parameter sweeps: every (config, seed) of a grid is one pure run.

A *job* is a function called once per run as `job(seed=seed, **config)`; it derives
all its randomness from the seed (`nf.random.key(seed)`) and returns the run's final
metrics, either as a mapping of names to numbers or as a `RunOutput(metrics,
history)` that also keeps the run's `nf.train.History`. The config's keys are the
job's keyword parameters, so `inspect.signature` tells, before any run starts,
whether every config fits the job (a job taking `**kwargs` accepts any key):

    def train_moons(seed: int, *, learning_rate: float, width: int) -> sweep.RunOutput:
        k_data, k_init, k_fit = nf.random.split(nf.random.key(seed), 3)
        ...
        return sweep.RunOutput({"accuracy": accuracy}, result.history)

    if __name__ == "__main__":   # the processes backend re-imports this script
        results = sweep.run(train_moons, {"learning_rate": [0.01, 0.1], "width": [4, 16]},
                            seeds=range(5))
        print(results)                      # the aggregate table
        results.aggregate()                 # mean, std, min, max of each metric per config

`run` returns `Results`, an immutable table of `Run` rows ordered by (config, seed)
whatever order the runs finished in. Every way a run can end is a row: a job that
raised (a `nf.train.DivergenceError`, say, or `SystemExit`) or killed its worker
process is a row holding its `Failure`; the other runs go on (see `backends`).

Backends: "serial" (in this process), "processes" (the default: a pool of fresh
"spawn" processes, each with its BLAS pinned to one thread) and "ray" (tasks on the
cluster `ray.init` connects to, with the `ray` extra). These two send the job to
other processes, so it must pickle: it is pickled once up front, and a lambda or a
local function fails with a TypeError before any run starts. Pure jobs give results
equal to the last bit on every backend and for any number of workers, and
`Results.to_json(times=False)` gives the same bytes. Ray workers import the job's
module by name (install it on the cluster, or start from its folder); a job defined
in the script being run travels by value.

With `results_path`, the results so far are written there after every run, atomically;
a sweep started again with the same path, grid and seeds runs only the missing
(config, seed) pairs. Failed runs count as done: delete the file to run them again.

The package's modules, one concern each: `records` (the immutable values: FrozenDict,
RunOutput, Failure, Run, Stats, Summary, Results), `results_file` (the JSON file:
writing, loading), `grid` (the configs and every check made before a run starts),
`backends` (serial, processes, ray) and `runner` (`run`: resume, progress, saving).
"""

from __future__ import annotations

from nnfunc.sweep.backends import BACKENDS, PINNED_THREADS, Backend
from nnfunc.sweep.grid import Grid, configs_of
from nnfunc.sweep.records import (
    Failure,
    FrozenDict,
    Results,
    Run,
    RunOutput,
    Stats,
    Summary,
    Value,
)
from nnfunc.sweep.results_file import FORMAT, FORMAT_VERSION, load
from nnfunc.sweep.runner import run

__all__ = [
    "BACKENDS",
    "FORMAT",
    "FORMAT_VERSION",
    "PINNED_THREADS",
    "Backend",
    "Failure",
    "FrozenDict",
    "Grid",
    "Results",
    "Run",
    "RunOutput",
    "Stats",
    "Summary",
    "Value",
    "configs_of",
    "load",
    "run",
]
