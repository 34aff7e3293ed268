"""Issue 7's speed figure: 20 small runs, serial against "processes" with 2 workers.

Each run trains a [2, 16, 16, 2] tanh net with adam for 20 epochs on 1 000 moons points
(4 learning rates x 5 seeds). Both backends run twice, alternately; the ratio is of the
fastest of each, and the results of both must be the same bytes.

Run: python benchmarks/sweep.py
"""

from __future__ import annotations

import time

import machine

import nnfunc as nf
from nnfunc import optim, sweep

GRID = {"learning_rate": [0.001, 0.003, 0.01, 0.03]}
SEEDS = range(5)
ROUNDS = 2
BACKENDS: tuple[tuple[sweep.Backend, int | None], ...] = (("serial", None), ("processes", 2))
"""Each backend and its worker count."""


def job(seed: int, *, learning_rate: float) -> sweep.RunOutput:
    """One run: moons from a fixed key, init and shuffling from `seed`."""
    k_init, k_fit = nf.random.split(nf.random.key(seed))
    x, y = nf.datasets.make_moons(nf.random.key(1000), 1000, noise=0.2)
    net = nf.mlp([2, 16, 16, 2], activation="tanh")
    result = nf.fit(
        net,
        nf.init(net, k_init),
        x,
        y,
        nf.losses.softmax_cross_entropy,
        optim.adam(learning_rate),
        key=k_fit,
        epochs=20,
        batch_size=32,
        metrics={"accuracy": nf.metrics.accuracy},
    )
    accuracy = result.history["train_accuracy"][-1]
    return sweep.RunOutput({"accuracy": accuracy}, result.history)


def timed(backend: sweep.Backend, workers: int | None) -> tuple[float, bytes]:
    """Seconds for the whole sweep on `backend`, and its results without the times."""
    start = time.perf_counter()
    results = sweep.run(job, GRID, SEEDS, backend=backend, workers=workers)
    return time.perf_counter() - start, results.to_json(times=False).encode()


def main() -> None:
    print(machine.header())
    seconds: dict[str, list[float]] = {"serial": [], "processes": []}
    outputs: set[bytes] = set()
    for _ in range(ROUNDS):
        for backend, workers in BACKENDS:
            took, output = timed(backend, workers)
            seconds[backend].append(took)
            outputs.add(output)
    for name, runs in seconds.items():
        print(f"{name:>9}: " + ", ".join(f"{t:.2f} s" for t in runs))
    ratio = min(seconds["processes"]) / min(seconds["serial"])
    print(f"processes(2) / serial = {ratio:.2f} (target <= 0.6)")
    print(f"same bytes on both backends: {len(outputs) == 1}")


if __name__ == "__main__":
    main()
