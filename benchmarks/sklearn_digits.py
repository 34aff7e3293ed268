"""nnfunc.sklearn.MLPClassifier against scikit-learn's own, on the 8x8 digits.

Both get the same settings: hidden_layer_sizes=(100,), relu, adam with
learning_rate_init=0.001 and scikit-learn's betas and epsilon, alpha=0.0001, batch
size "auto" (200), and exactly EPOCHS epochs (n_iter_no_change is larger than that,
so neither stops early). The data: the 1797 images scaled to [0, 1], a stratified
fifth held out for testing. scikit-learn trains in float64 (the data's dtype); nnfunc
in its default float32, and in float64 as a third row. Each is fitted once as a
warm-up, then ROUNDS rounds fit every contender once in turn (interleaved, so drifting
load hits all alike); the table gives the median, min and max fit time and the test
accuracy (the same every round: every contender has a fixed random_state).

Run: python benchmarks/sklearn_digits.py   (about 2 minutes on 2 cores)
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from pinning import pin_threads

pin_threads()

import numpy as np  # noqa: E402  (after the thread pools are pinned)
from machine import OthersLoad, describe, wait_until_idle  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SklearnMLP  # noqa: E402

from nnfunc.sklearn import MLPClassifier as NnfuncMLP  # noqa: E402

EPOCHS = 100
ROUNDS = 5
WAIT_IDLE, IDLE_SHARE = 300.0, 0.1
"""Wait up to 300 s for other processes to leave all but 10 % of the CPUs idle."""
SETTINGS: dict[str, Any] = {
    "hidden_layer_sizes": (100,),
    "activation": "relu",
    "alpha": 0.0001,
    "batch_size": "auto",
    "learning_rate_init": 0.001,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "epsilon": 1e-8,
    "max_iter": EPOCHS,
    "n_iter_no_change": EPOCHS + 1,
    "random_state": 0,
}
CONTENDERS: dict[str, Callable[[], Any]] = {
    "scikit-learn (float64)": lambda: SklearnMLP(solver="adam", **SETTINGS),
    "nnfunc (float32)": lambda: NnfuncMLP(**SETTINGS),
    "nnfunc (float64)": lambda: NnfuncMLP(**SETTINGS, dtype="float64"),
}


def timed_fit(make: Callable[[], Any], x: Any, y: Any) -> tuple[float, Any]:
    """(seconds, fitted model) of one fit of a fresh model."""
    model = make()
    start = time.perf_counter()
    model.fit(x, y)
    return time.perf_counter() - start, model


def main() -> None:
    machine = describe()
    load = machine["load_average_1_5_15_min"]
    print(f"cpu: {machine['cpu']}, {machine['logical_cpus']} logical, load {load}")
    print(f"BLAS: {machine['blas']}")
    versions = machine["versions"]
    print(f"scikit-learn {versions['scikit-learn']}, numpy {versions['numpy']}")
    print(f"nnfunc measured: {machine['nnfunc_measured']}")
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x / 16.0, y, test_size=0.2, stratify=y, random_state=0
    )
    print(f"digits: {len(x_train)} train, {len(x_test)} test; {EPOCHS} epochs, batch 200")
    idle = wait_until_idle(WAIT_IDLE, IDLE_SHARE)
    print(f"other processes kept {idle:.0%} of the CPUs busy just before the start")
    others = OthersLoad()
    times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    accuracy: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is reached on purpose
        for name, make in CONTENDERS.items():
            _, model = timed_fit(make, x_train, y_train)  # warm-up
            assert model.n_iter_ == EPOCHS, (name, model.n_iter_)
            accuracy[name] = float(np.mean(model.predict(x_test) == y_test))
        for _ in range(ROUNDS):
            for name, make in CONTENDERS.items():
                times[name].append(timed_fit(make, x_train, y_train)[0])
    print(f"other processes kept {others.share():.0%} of the CPUs busy during the run")
    reference = statistics.median(times["scikit-learn (float64)"])
    header = f"{'test acc':>8} {'fit s median':>12} {'min':>6} {'max':>6} {'vs sklearn':>10}"
    print(f"{'contender':24} {header}")
    for name in CONTENDERS:
        median = statistics.median(times[name])
        print(
            f"{name:24} {accuracy[name]:8.3f} {median:12.2f} {min(times[name]):6.2f} "
            f"{max(times[name]):6.2f} {median / reference:9.2f}x"
        )


if __name__ == "__main__":
    main()
