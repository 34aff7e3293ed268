"""The same bits for any number of BLAS threads: three training runs of thread_invariant
layers (an mlp with adam, a CNN, a net with BatchNorm and Dropout), each in a subprocess
on 1, 2 and 3 BLAS threads, end with the same params, byte for byte. Their products are
large enough for OpenBLAS to split them among its threads (over 2**19 multiply-adds):
with the layers' default (one BLAS call per product) the bytes differ here."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

CHILD = textwrap.dedent("""\
    import hashlib, sys
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
    import nnfunc as nf
    from nnfunc import optim

    threads = int(sys.argv[1])
    threadpool_limits(threads, user_api="blas")  # the variable alone is capped at the cores
    blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    def digest(params):
        h = hashlib.sha256()
        for leaf in nf.tree.leaves(params):
            h.update(np.ascontiguousarray(leaf).tobytes())
        return h.hexdigest()[:16]

    def train(net, x, y, key, batch_size):
        result = nf.fit(
            net, nf.init(net, nf.random.key(key)), x, y, nf.losses.softmax_cross_entropy,
            optim.adam(1e-2), key=nf.random.key(key + 1), epochs=2, batch_size=batch_size,
        )
        return digest(result.params)

    x, y = nf.datasets.make_blobs(nf.random.key(0), 256, centers=3, features=100)
    x = x.astype(np.float32)
    mlp = train(nf.mlp([100, 96, 64, 3], activation="relu", thread_invariant=True), x, y, 1, 64)
    normed = train(
        nf.Sequential(
            nf.Dense(100, 128, thread_invariant=True), nf.BatchNorm(128), nf.ReLU(),
            nf.Dropout(0.3), nf.Dense(128, 3, thread_invariant=True),
        ),
        x, y, 3, 64,
    )
    images = nf.random.normal(nf.random.key(5), (96, 12, 12, 3)).astype(np.float32)
    cnn = train(
        nf.Sequential(
            nf.Conv2D(3, 16, 3, padding="same", thread_invariant=True), nf.ReLU(), nf.MaxPool2D(2),
            nf.Conv2D(16, 32, 3, padding="same", thread_invariant=True), nf.ReLU(),
            nf.MaxPool2D(2),
            nf.Flatten(), nf.Dense(288, 3, thread_invariant=True),
        ),
        images, y[:96], 7, 32,
    )
    print(blas, mlp, normed, cnn)
""")


def _run(threads: int) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS=str(threads))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(threads)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(sys.platform == "win32", reason="OpenBLAS thread settings as on POSIX")
def test_training_gives_the_same_bytes_on_1_2_and_3_blas_threads() -> None:
    runs = {threads: _run(threads) for threads in (1, 2, 3)}
    assert [run[0] for run in runs.values()] == ["[1]", "[2]", "[3]"]
    digests = {tuple(run[1:]) for run in runs.values()}
    assert len(digests) == 1, runs


def test_thread_invariant_is_a_field_of_dense_conv2d_and_mlp() -> None:
    import nnfunc as nf

    assert repr(nf.Dense(3, 4)) == "Dense(3, 4)"
    assert repr(nf.Dense(3, 4, thread_invariant=True)) == "Dense(3, 4, thread_invariant=True)"
    assert nf.Dense(3, 4, thread_invariant=True) != nf.Dense(3, 4)
    assert repr(nf.Conv2D(1, 2, 3, thread_invariant=True)).endswith(
        "padding='valid', thread_invariant=True)"
    )
    net = nf.mlp([3, 4, 2], thread_invariant=True)
    assert [layer.thread_invariant for layer in net.layers if isinstance(layer, nf.Dense)] == [
        True,
        True,
    ]
    with pytest.raises(TypeError, match=r"Dense\.thread_invariant must be True or False, given"):
        nf.Dense(3, 4, thread_invariant=1)
