"""Pinned bits: hashes of the params (and state and history) after a few training runs.

A refactor changes no bits. These hashes were recorded before the one-engine redesign,
on the BLAS kernel, BLAS and NumPy named by `_configuration()`; a matrix product may
round differently under another kernel, so on another configuration the test is skipped
(run `python tests/test_pinned_bits.py` there to print the hashes of that one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import optim

F = npt.NDArray[Any]


def digest(*trees: object) -> str:
    """sha256 of every leaf's dtype, shape and bytes, in flatten order: 16 hex digits."""
    h = hashlib.sha256()
    for tree in trees:
        for leaf in nf.tree.leaves(tree):
            array = np.asarray(leaf)
            h.update(f"{array.dtype.str}{array.shape}".encode())
            h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()[:16]


def _blobs() -> tuple[F, F]:
    return nf.datasets.make_blobs(nf.random.key(11), 120, centers=3, features=4)


def _mlp_run(optimizer: optim.GradientTransformation, penalty: Any = None) -> str:
    x, y = _blobs()
    net = nf.mlp([4, 8, 6, 3], activation="tanh")
    params = nf.init(net, nf.random.key(1))
    result = nf.fit(
        net, params, x, y, nf.losses.softmax_cross_entropy, optimizer,
        key=nf.random.key(2), epochs=3, batch_size=16, validation_split=0.25, penalty=penalty,
        metrics={"accuracy": nf.metrics.accuracy},
    )  # fmt: skip
    return digest(result.params, result.opt_state, result.history)


def _plain_loop(dtype: type[np.floating[Any]]) -> str:
    x, labels = nf.datasets.make_xor()
    y = labels.reshape(-1, 1).astype(dtype)
    net = nf.mlp([2, 4, 1], activation="sigmoid")
    params = nf.init(net, nf.random.key(0), dtype)
    for _ in range(60):
        g = nf.grads(net, params, x, y, nf.losses.sigmoid_binary_cross_entropy)
        params = nf.sgd_step(params, g, 0.5)
    return digest(params)


def _cnn_run() -> str:
    k_x, k_y = nf.random.split(nf.random.key(5))
    x = nf.random.normal(k_x, (40, 8, 8, 1))
    y = nf.random.randint(k_y, (40,), 0, 3)
    net = nf.Sequential(
        nf.Conv2D(1, 4, 3, padding="same"), nf.ReLU(), nf.MaxPool2D(2),
        nf.Conv2D(4, 6, 3, stride=1), nf.Tanh(), nf.AvgPool2D(2, padding="same"),
        nf.Flatten(), nf.Dense(6, 3),
    )  # fmt: skip
    params = nf.init(net, nf.random.key(6))
    result = nf.fit(
        net, params, x, y, nf.losses.softmax_cross_entropy, optim.adam(0.01),
        key=nf.random.key(7), epochs=2, batch_size=8,
    )  # fmt: skip
    return digest(result.params, result.opt_state, result.history)


def _stateful_run() -> str:
    x, y = _blobs()
    net = nf.Sequential(
        nf.Dense(4, 8), nf.BatchNorm(8), nf.ReLU(), nf.Dropout(0.25),
        nf.LayerNorm(8), nf.LeakyReLU(0.1), nf.Dense(8, 3),
    )  # fmt: skip
    params = nf.init(net, nf.random.key(3))
    result = nf.fit(
        net, params, x, y, nf.losses.softmax_cross_entropy, optim.sgd(0.05, momentum=0.9),
        key=nf.random.key(4), epochs=3, batch_size=16, validation_split=0.25,
    )  # fmt: skip
    return digest(result.params, result.opt_state, result.state, result.history)


def _stateful_steps() -> str:
    """train_value_and_grads by hand with BatchNorm and Dropout, in float64."""
    x, labels = _blobs()
    net = nf.Sequential(nf.Dense(4, 8), nf.BatchNorm(8), nf.Tanh(), nf.Dropout(0.3), nf.Dense(8, 3))
    params = nf.init(net, nf.random.key(8), np.float64)
    state = nf.init_state(net, np.float64)
    for i in range(10):
        key = nf.random.fold_in(nf.random.key(9), i)
        _, g, state = nf.train_value_and_grads(
            net, params, state, x, labels, nf.losses.softmax_cross_entropy, key=key
        )
        params = nf.sgd_step(params, g, 0.1)
    return digest(params, state)


RUNS: dict[str, Callable[[], str]] = {
    "mlp-sgd": lambda: _mlp_run(optim.sgd(0.1)),
    "mlp-sgd-nesterov-decay": lambda: _mlp_run(
        optim.sgd(0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
    ),
    "mlp-rmsprop": lambda: _mlp_run(optim.rmsprop(0.01, momentum=0.5)),
    "mlp-adam": lambda: _mlp_run(optim.adam(0.01)),
    "mlp-adamw": lambda: _mlp_run(optim.adamw(0.01)),
    "mlp-clipped-sgd-l2": lambda: _mlp_run(
        optim.chain(optim.clip_by_global_norm(0.5), optim.sgd(0.1)), nf.losses.L2(1e-3)
    ),
    "mlp-schedule": lambda: _mlp_run(
        optim.adam(optim.linear_warmup(0.01, 5, optim.cosine_decay(0.01, 20)))
    ),
    "plain-loop-float32": lambda: _plain_loop(np.float32),
    "plain-loop-float64": lambda: _plain_loop(np.float64),
    "cnn-adam": _cnn_run,
    "batchnorm-dropout-fit": _stateful_run,
    "batchnorm-dropout-steps-float64": _stateful_steps,
}


def _configuration() -> str:
    """The BLAS kernel, BLAS version and NumPy version the bits depend on."""
    from threadpoolctl import threadpool_info

    blas = [  # NumPy's own BLAS: SciPy (loaded by scikit-learn) may bring another one
        i for i in threadpool_info() if i.get("user_api") == "blas" and "numpy" in i["filepath"]
    ]
    kernel = blas[0].get("architecture", "?") if blas else "none"
    version = blas[0].get("version", "?") if blas else "none"
    return f"{kernel}/openblas-{version}/numpy-{np.__version__}"


PINNED: dict[str, dict[str, str]] = {
    "Haswell/openblas-0.3.31.188.0/numpy-2.4.6": {
        "mlp-sgd": "c6fcad6a29f17843",
        "mlp-sgd-nesterov-decay": "f10d56ff5d561f54",
        "mlp-rmsprop": "ae359193dd90bd5f",
        "mlp-adam": "754790c7cc5f883c",
        "mlp-adamw": "210335b92b5d4d3c",
        "mlp-clipped-sgd-l2": "31397b83f8bd43cd",
        "mlp-schedule": "c1acd00acc03bf5d",
        "plain-loop-float32": "c0da1ad92bae1962",
        "plain-loop-float64": "b539af0b680deffb",
        "cnn-adam": "be62711d0ca35b67",
        "batchnorm-dropout-fit": "42d06aed1602dd13",
        "batchnorm-dropout-steps-float64": "cb99b6f701405c61",
    },
}


@pytest.mark.parametrize("name", RUNS)
def test_training_runs_keep_their_pinned_bits(name: str) -> None:
    pinned = PINNED.get(_configuration())
    if pinned is None:
        pytest.skip(f"no hashes pinned for {_configuration()}")
    assert RUNS[name]() == pinned[name]


if __name__ == "__main__":
    print(f"    {_configuration()!r}: {{")
    for run_name, run in RUNS.items():
        print(f"        {run_name!r}: {run()!r},")
    print("    },")
