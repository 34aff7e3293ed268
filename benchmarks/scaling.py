"""The scaling sweep: W1's shape over batch sizes and hidden widths, time per example for
nnfunc's fastest path, `nf.train.scan` (one call per timed run of a cell), against the
GEMM floor, as a table and a plot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contender import FLOOR, NNFUNC_SCAN
from matplotlib import colormaps
from matplotlib.figure import Figure
from measure import Quiet, Result, compare
from workloads import make_problem, scaling_workload

BATCHES = (16, 32, 64, 128, 256, 512, 1024)
WIDTHS = (64, 128, 256, 512, 1024, 2048)
QUICK_BATCHES = (16, 128, 1024)
QUICK_WIDTHS = (64, 256, 1024)
EXAMPLES = 4096
"""About how many examples one timed run of a cell covers (see `scaling_workload`)."""
QUICK_EXAMPLES = 1024
NNFUNC = NNFUNC_SCAN
"""nnfunc's contender in every cell: its fastest path."""


@dataclass(frozen=True)
class Cell:
    """One (hidden width, batch size) of the sweep: the floor's and nnfunc's results."""

    width: int
    batch_size: int
    rows: int
    floor: Result
    nnfunc: Result

    def per_example(self, result: Result) -> float:
        """Microseconds per example of a result's median run."""
        return result.median / self.rows * 1e6

    @property
    def ratio(self) -> float:
        """nnfunc's median time over the floor's."""
        return self.nnfunc.median / self.floor.median


def sweep(
    widths: tuple[int, ...], batches: tuple[int, ...], examples: int, repeats: int, quiet: Quiet
) -> list[Cell]:
    """Every (width, batch) cell, widths outermost; prints one line per cell as it goes."""
    cells = []
    for width in widths:
        for batch_size in batches:
            problem = make_problem(scaling_workload(width, batch_size, examples))
            floor, nnfunc = compare(problem, (FLOOR, NNFUNC), repeats, quiet)
            cell = Cell(width, batch_size, problem.workload.rows, floor, nnfunc)
            rerun = floor.rounds_discarded
            print(
                f"  hidden {width:5d}  batch {batch_size:5d}: {NNFUNC.name} "
                f"{cell.per_example(nnfunc):8.2f} us/example, floor "
                f"{cell.per_example(floor):8.2f}, ratio {cell.ratio:5.2f}"
                f"{f', {rerun} busy rounds run again' if rerun else ''}",
                flush=True,
            )
            cells.append(cell)
    return cells


def table(cells: list[Cell]) -> str:
    """A Markdown table: one row per hidden width, one column per batch size; each cell
    nnfunc's microseconds per example and its ratio to the floor."""
    batches = sorted({cell.batch_size for cell in cells})
    widths = sorted({cell.width for cell in cells})
    by_key = {(cell.width, cell.batch_size): cell for cell in cells}
    lines = [
        "| hidden (h, h/2) | " + " | ".join(f"batch {b}" for b in batches) + " |",
        "|---|" + "---:|" * len(batches),
    ]
    for width in widths:
        entries = []
        for batch_size in batches:
            cell = by_key[(width, batch_size)]
            entries.append(f"{cell.per_example(cell.nnfunc):.2f} ({cell.ratio:.2f}x)")
        lines.append(f"| {width} | " + " | ".join(entries) + " |")
    return "\n".join(lines)


def plot(cells: list[Cell], path: Path) -> Path:
    """Time per example vs batch size, one line per hidden width (nnfunc solid, the GEMM
    floor dashed in the same colour), log-log; saved as a PNG with matplotlib's Agg."""
    figure = Figure(figsize=(9.0, 5.5), dpi=110)
    axes = figure.add_subplot()
    widths = sorted({cell.width for cell in cells})
    colours = _viridis(len(widths))
    for width, colour in zip(widths, colours, strict=True):
        row = sorted((c for c in cells if c.width == width), key=lambda c: c.batch_size)
        batch = [c.batch_size for c in row]
        axes.plot(
            batch,
            [c.per_example(c.nnfunc) for c in row],
            "o-",
            color=colour,
            label=f"hidden {width}-{width // 2}",
        )
        axes.plot(batch, [c.per_example(c.floor) for c in row], "--", color=colour, alpha=0.7)
    axes.set_xscale("log", base=2)
    batches = sorted({cell.batch_size for cell in cells})
    axes.set_xticks(batches, labels=[str(b) for b in batches])
    axes.set_yscale("log")
    axes.set(
        xlabel="batch size",
        ylabel="microseconds per example (median)",
        title=f"{NNFUNC.name}, one nf.train.scan call per run (solid), vs the GEMM floor "
        "(dashed): 784-h-h/2-10, float32, 2 threads",
    )
    axes.title.set_fontsize(9)
    axes.grid(True, which="both", alpha=0.3)
    axes.plot([], [], "--", color="0.4", label="GEMM floor (dashed)")
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, bbox_inches="tight")
    return path


def _viridis(count: int) -> list[tuple[float, float, float, float]]:
    """`count` colours spread along viridis (its light yellow end left out)."""
    cmap = colormaps["viridis"]
    return [cmap(i / max(1, count - 1) * 0.9) for i in range(count)]
