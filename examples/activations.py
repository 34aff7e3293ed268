"""Every activation of nnfunc and its derivative: a table at x = -2, 0, 2 and one plot.

The values come from each layer's own forward and backward passes (`plot.activation_curve`
runs them in float64), so the table and the figure show exactly what a network computes.
Softmax is row-wise: its curve is the first component of softmax([x, 0]).

Run: python examples/activations.py [--points N] [--out DIR] [--fast]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import nnfunc as nf
from _cli import parser
from nnfunc import plot

AT = (-2.0, 0.0, 2.0)
"""The points of the printed table."""

X_RANGE = (-5.0, 5.0)
"""The interval plotted, and searched for each activation's steepest slope."""

DEPTH = 10
"""The depth of the sigmoid net in examples/gradient_descent.py, for the closing line."""

LABELS = {"softmax": "softmax([x, 0])[0]"}
"""How the table names an activation whose curve is not f(x) itself."""


def activation_names() -> tuple[str, ...]:
    """Every activation name that `nf.mlp` accepts, in the library's order."""
    return tuple(nf.layers.activations.BY_NAME)


def table(names: tuple[str, ...]) -> list[str]:
    """Lines of f(x) and f'(x) at each point of AT, one line per activation, with a header."""
    at = np.array(AT)
    header = [f"f({x:g})" for x in AT] + [f"f'({x:g})" for x in AT]
    lines = [f"{'activation':<20}" + "".join(f"{h:>10}" for h in header)]
    for name in names:
        values, slopes = plot.activation_curve(name, at)
        cells = "".join(f"{v:>10.4f}" for v in (*values, *slopes))
        lines.append(f"{LABELS.get(name, name):<20}{cells}")
    return lines


def steepest_slopes(names: tuple[str, ...], points: int) -> dict[str, float]:
    """The largest |f'(x)| of each activation over X_RANGE, sampled at `points` values."""
    xs = np.linspace(*X_RANGE, points)
    return {name: float(np.abs(plot.activation_curve(name, xs)[1]).max()) for name in names}


def main() -> None:
    """Print the table and the steepest slopes, then save the figure of every activation."""
    options = parser(__file__, __doc__)
    options.add_argument(
        "--points", type=int, default=401, help="x values per curve in the plot (default 401)"
    )
    args = options.parse_args()
    points = min(args.points, 101) if args.fast else args.points
    names = activation_names()
    at = ", ".join(f"{x:g}" for x in AT)
    print(f"Activations from each layer's forward and backward, at x = {at}:")
    print("\n".join(table(names)))
    print(f"(at x = 0, relu' is taken as 0 and leaky_relu' as its alpha {nf.LeakyReLU().alpha:g})")
    slopes = steepest_slopes(names, points)
    print(f"steepest slope on [{X_RANGE[0]:g}, {X_RANGE[1]:g}]:")
    print("  " + "  ".join(f"{name} {slope:.4f}" for name, slope in slopes.items()))
    shrink = slopes["sigmoid"] ** DEPTH
    print(
        f"{DEPTH} sigmoid layers scale a gradient by at most {slopes['sigmoid']:.2f}**{DEPTH} "
        f"= {shrink:.1e} from their slopes alone (see examples/gradient_descent.py)"
    )
    path = plot.activations(
        Path(args.out) / "activations.png",
        names,
        X_RANGE,
        points=points,
        title="nnfunc activations f(x) and their derivatives f'(x)",
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
