"""The machine a run came from: CPU, cores, load, BLAS and library versions."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
from pinning import THREADS

LIBRARIES = ("nnfunc", "numpy", "torch", "jax", "jaxlib", "scikit-learn", "matplotlib")


def cpu_model() -> str:
    """The first 'model name' of /proc/cpuinfo, else what platform says."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _blas() -> str:
    """NumPy's BLAS as built and, with threadpoolctl, as loaded (its kernel and threads)."""
    config: Any = np.show_config(mode="dicts")
    blas = config["Build Dependencies"]["blas"]
    built = f"{blas.get('name', '?')} {blas.get('version', '?')}"
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return built
    pools = [
        f"{pool.get('internal_api')} {pool.get('version')} ({pool.get('architecture')}, "
        f"{pool.get('num_threads')} threads)"
        for pool in threadpool_info()
        if pool.get("user_api") == "blas"
    ]
    return f"{built}; loaded: {', '.join(pools) or 'none'}"


def _cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of all CPUs since boot, from /proc/stat; (0, 0) elsewhere."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return 0.0, 0.0
    fields = [int(v) for v in stat.read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / tick, sum(fields) / tick


def _own_seconds() -> float:
    """CPU seconds this process used (all its threads)."""
    times = os.times()
    return times.user + times.system


class OthersLoad:
    """Measures the share of all CPUs that other processes kept busy since it was made
    (or last reset): the load that slows a 2-thread BLAS down, often badly."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start a new measurement now."""
        self._start = (*_cpu_seconds(), _own_seconds())

    def share(self) -> float:
        """Others' busy share of all CPUs since the start, in [0, 1]; NaN where unknown."""
        busy0, total0, own0 = self._start
        busy1, total1 = _cpu_seconds()
        own = _own_seconds() - own0
        if total1 <= total0:
            return float("nan")
        return min(1.0, max(0.0, (busy1 - busy0 - own) / (total1 - total0)))


def others_busy(seconds: float = 1.0) -> float:
    """The share of all CPUs other processes keep busy over the next `seconds`."""
    load = OthersLoad()
    time.sleep(seconds)
    return load.share()


def wait_until_idle(limit: float, threshold: float, window: float = 2.0) -> float:
    """Wait, up to `limit` seconds, for a `window` in which other processes keep at most
    `threshold` of the CPUs busy; returns the last window's share."""
    deadline = time.monotonic() + limit
    share = others_busy(window)
    while share > threshold and time.monotonic() < deadline:
        share = others_busy(window)
    return share


def describe() -> dict[str, Any]:
    """Everything about the machine a reader needs to weigh the numbers."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "threads_pinned": THREADS,
        "load_average_1_5_15_min": [round(value, 2) for value in load],
        "others_cpu_share_before_start": round(others_busy(), 3),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "blas": _blas(),
        "versions": {name: _version(name) for name in LIBRARIES},
        "nnfunc_measured": _nnfunc_checkout(),
    }


def header() -> str:
    """The first lines of every benchmark command's output, as a Markdown list: NumPy's
    BLAS as loaded, with its kernel (threadpoolctl's `architecture`) and threads, and the
    nnfunc measured. The kernel matters: OpenBLAS picks it at load time from the CPU,
    unless OPENBLAS_CORETYPE forces one."""
    return f"- BLAS: {_blas()}\n- nnfunc measured: {_nnfunc_checkout()}"


def _nnfunc_checkout() -> str:
    """Where the nnfunc being measured lives, and its commit: an editable install points
    at whichever checkout ran `pip install -e` last, which may not be this one."""
    import nnfunc

    folder = Path(nnfunc.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "no git"
    return f"{folder} ({commit})"
