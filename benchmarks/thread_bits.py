"""Do a training run's bits depend on the number of BLAS threads? Trains W1's net
(784-256-128-10, adam, batch 128, key 0, 2 epochs on the synthetic MNIST-shaped data)
in one subprocess per thread count and compares the params' bytes.

    python benchmarks/thread_bits.py            # 1, 2 and 3 threads, thread_invariant=True
    python benchmarks/thread_bits.py 1 2 4 8
    python benchmarks/thread_bits.py --default  # the layers' default: one BLAS call each

Each subprocess starts with OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS, MKL_NUM_THREADS)
set to its count, then sets it again with threadpoolctl: OpenBLAS caps the variable at
the number of cores, threadpoolctl does not, so 3 threads run 3 threads on 2 cores too.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = 4_096


def train(threads: int, invariant: bool) -> str:
    """Train in this process on `threads` BLAS threads: "<threads in force> <kernels> <loss>
    <sha256>" (the kernels: threadpoolctl's `architecture` of each BLAS)."""
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    import nnfunc as nf
    from nnfunc import optim

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from workloads import mnist_like

    threadpool_limits(threads, user_api="blas")
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    in_force = [i["num_threads"] for i in blas]
    kernels = ",".join(str(i.get("architecture")) for i in blas)
    x, labels = mnist_like(nf.random.key(0), ROWS)
    net = nf.mlp([784, 256, 128, 10], activation="relu", thread_invariant=invariant)
    result = nf.fit(
        net, nf.init(net, nf.random.key(0)), x, labels, nf.losses.softmax_cross_entropy,
        optim.adam(1e-3), key=nf.random.key(0), epochs=2, batch_size=128,
    )  # fmt: skip
    digest = hashlib.sha256()
    for leaf in nf.tree.leaves(result.params):
        digest.update(np.ascontiguousarray(leaf).tobytes())
    loss = nf.loss(net, result.params, x, labels, nf.losses.softmax_cross_entropy)
    return f"{in_force} {kernels} {float(loss):.9g} {digest.hexdigest()[:16]}"


def main(counts: list[int], invariant: bool) -> int:
    digests = set()
    for threads in counts:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env |= {
            name: str(threads)
            for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
        }
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(threads), str(int(invariant))],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        line = done.stdout.strip()
        print(f"{threads} threads: BLAS threads and kernel in force {line}")
        digests.add(line.split()[-1])
    print("same bits" if len(digests) == 1 else f"{len(digests)} different results")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(train(int(sys.argv[2]), sys.argv[3] == "1"))
    else:
        counts = [int(a) for a in sys.argv[1:] if a != "--default"]
        sys.exit(main(counts or [1, 2, 3], "--default" not in sys.argv))
