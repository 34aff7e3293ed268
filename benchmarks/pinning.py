"""Pin the BLAS, OpenMP and XLA thread pools to one count, before numpy, torch or jax load.

The pools read these variables once, when their library is loaded, so `pin_threads`
must run first: it refuses to run once numpy, torch or jax is imported. torch also
needs `torch.set_num_threads`, which `peer_torch` calls with `THREADS`.
"""

from __future__ import annotations

import os
import sys

THREADS = 2
"""The thread count of every contender: the issue's '2 BLAS threads'."""

_POOLS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_LOADED_TOO_EARLY = ("numpy", "torch", "jax")


def pin_threads(count: int = THREADS) -> None:
    """Set every pool's thread count to `count` (and JAX to the CPU backend).

    Raises RuntimeError if numpy, torch or jax is already imported: their pools
    would keep the sizes they started with.
    """
    loaded = [name for name in _LOADED_TOO_EARLY if name in sys.modules]
    if loaded:
        raise RuntimeError(
            f"pin_threads must run before {', '.join(loaded)} is imported: thread pools "
            "read their size once, when their library loads"
        )
    for variable in _POOLS:
        os.environ[variable] = str(count)
    os.environ["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={count}"
    )
    os.environ["JAX_PLATFORMS"] = "cpu"
