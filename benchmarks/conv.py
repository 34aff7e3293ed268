"""Conv2D forward + backward: nnfunc (im2col + BLAS) against PyTorch CPU on the same shapes.

Both run in float32 on 2 threads: a batch of 64 images 28x28 with 8 channels, a 3x3
kernel to 16 channels, 'same' padding, stride 1. One step is the forward pass and the
backward pass to the kernel, the bias and the input (PyTorch: autograd with the input
requiring a gradient). The two take turns, run after run; prints the median and best
time of each, the ratios nnfunc / PyTorch, and how busy other processes kept the CPUs
meanwhile (a 2-thread BLAS on a 2-core machine slows down badly when they are busy).

Run: python benchmarks/conv.py [--repeats N] [--wait-idle SECONDS]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from pinning import THREADS, pin_threads

pin_threads()

import numpy as np  # noqa: E402  (after pin_threads: the pools size themselves on import)
import torch  # noqa: E402
from machine import OthersLoad, header, wait_until_idle  # noqa: E402

import nnfunc as nf  # noqa: E402
from nnfunc.layers.conv import Conv2D  # noqa: E402

BATCH, HEIGHT, WIDTH, IN_CHANNELS, OUT_CHANNELS, KERNEL = 64, 28, 28, 8, 16, 3


def interleaved_seconds(steps: tuple[Callable[[], object], ...], repeats: int) -> list[list[float]]:
    """Wall times of each step over `repeats` rounds (three warm-up rounds first).

    The steps take turns within each round, so a burst of load from other processes
    slows all of them alike rather than one.
    """
    for _ in range(3):
        for step in steps:
            step()
    times: list[list[float]] = [[] for _ in steps]
    for _ in range(repeats):
        for step, record in zip(steps, times, strict=True):
            start = time.perf_counter()
            step()
            record.append(time.perf_counter() - start)
    return times


def nnfunc_step() -> Callable[[], object]:
    """One Conv2D forward + backward (kernel, bias and input gradients) in nnfunc."""
    layer = Conv2D(IN_CHANNELS, OUT_CHANNELS, KERNEL, padding="same")
    k_params, k_x, k_dy = nf.random.split(nf.random.key(0), 3)
    params = nf.init(layer, k_params)
    x = nf.random.normal(k_x, (BATCH, HEIGHT, WIDTH, IN_CHANNELS))
    dy = nf.random.normal(k_dy, (BATCH, HEIGHT, WIDTH, OUT_CHANNELS))

    def step() -> object:
        _, cache, _ = layer.apply(params, None, x)
        return layer.backward(params, cache, dy)

    return step


def torch_step() -> Callable[[], object]:
    """The same step in PyTorch (NCHW): conv2d, then autograd's backward with dy."""
    torch.set_num_threads(THREADS)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(BATCH, IN_CHANNELS, HEIGHT, WIDTH, generator=generator, requires_grad=True)
    conv = torch.nn.Conv2d(IN_CHANNELS, OUT_CHANNELS, KERNEL, padding="same")
    dy = torch.randn(BATCH, OUT_CHANNELS, HEIGHT, WIDTH, generator=generator)

    def step() -> object:
        x.grad = None
        conv.zero_grad()
        conv(x).backward(dy)
        return x.grad

    return step


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--repeats", type=int, default=50, help="timed runs of each (default 50)")
    options.add_argument(
        "--wait-idle",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wait at most this long for other processes to go idle first (default 60)",
    )
    args = options.parse_args()
    shapes = (
        f"x ({BATCH}, {HEIGHT}, {WIDTH}, {IN_CHANNELS}) -> {OUT_CHANNELS} channels, "
        f"{KERNEL}x{KERNEL}, 'same', float32, {THREADS} threads"
    )
    print(header())
    print(f"Conv2D forward + backward: {shapes}; numpy {np.__version__}, torch {torch.__version__}")
    steps = (nnfunc_step(), torch_step())
    wait_until_idle(args.wait_idle, threshold=0.1)
    others = OthersLoad()
    ours, theirs = interleaved_seconds(steps, args.repeats)
    for name, times in (("nnfunc", ours), ("pytorch", theirs)):
        print(
            f"{name + ':':9} median {statistics.median(times) * 1e3:7.2f} ms, "
            f"best {min(times) * 1e3:7.2f} ms"
        )
    print(
        f"ratio nnfunc / pytorch: {statistics.median(ours) / statistics.median(theirs):.2f} "
        f"(median), {min(ours) / min(theirs):.2f} (best)"
    )
    print(f"other processes kept {others.share():.0%} of the CPUs busy meanwhile")


if __name__ == "__main__":
    main()
