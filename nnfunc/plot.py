"""Figures of training and of the math behind it, written to PNG files (the `plot` extra).

Every figure is drawn on a `matplotlib.figure.Figure` with the Agg canvas attached
directly: no pyplot, no window, and no matplotlib setting is changed. Each function
writes one PNG at `path` (a name ending in .png; missing folders are created) and
returns it as a `pathlib.Path`. Keyword options shared by all: `title` (above the
figure), `size` ((width, height) in inches; the default grows with the number of
panels) and `dpi`: the image is int(width * dpi) by int(height * dpi) pixels.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

try:
    from matplotlib import colormaps
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.figure import Figure
    from matplotlib.ticker import LogLocator
except ImportError as error:
    raise ImportError(
        f"nnfunc.plot needs matplotlib, which cannot be imported ({error}); install it with: "
        'pip install "nnfunc[plot]"'
    ) from error

from nnfunc import data, metrics
from nnfunc._checks import boolean, choice, function, integer, interval, real
from nnfunc._files import write_atomic
from nnfunc.layers.activations import BY_NAME, Softmax
from nnfunc.layers.activations import get as get_activation

if TYPE_CHECKING:
    from nnfunc.train import History

Float64Array = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]
PathLike = str | os.PathLike[str]
Size = tuple[float, float]

DEFAULT_DPI = 100.0
PANEL_SIZE = (4.5, 3.5)
"""Inches of one panel in a figure's default size."""

MARKER_LIMIT = 30
"""Lines of at most this many points get a marker at each point (so one point shows)."""

REGION_ALPHA = 0.35
"""Opacity of the class regions of `decision_boundary` over the white axes."""

_SPLITS = ("train_", "val_")


# Shared plumbing: output path, figure, saving, checks.


def _png_path(path: PathLike) -> Path:
    """`path` as a Path; ValueError unless its name ends in .png."""
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise ValueError(f"path must name a .png file, given {str(target)!r}")
    return target


def _figure(size: Size | None, default: Size, dpi: float) -> Figure:
    """A constrained-layout figure of `size` inches (or `default`) on its own Agg canvas."""
    width, height = default if size is None else _size(size)
    dpi = real("dpi", dpi, 0.0, open_low=True)
    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _size(size: object) -> Size:
    """`size` as (width, height), two finite numbers of inches > 0."""
    if not isinstance(size, tuple | list) or len(size) != 2:
        raise TypeError(f"size must be (width, height) in inches, given {size!r}")
    return real("size[0]", size[0], 0.0, open_low=True), real(
        "size[1]", size[1], 0.0, open_low=True
    )


def _panels(figure: Figure, count: int, columns: int) -> list[Axes]:
    """`count` axes on a grid of `columns` columns, row by row; unused cells are removed."""
    rows = math.ceil(count / columns)
    axes = list(figure.subplots(rows, columns, squeeze=False).ravel())
    for unused in axes[count:]:
        figure.delaxes(unused)
    return axes[:count]


def _save(figure: Figure, target: Path, title: str | None) -> Path:
    """Write `figure` as a PNG at `target` (creating its folder), atomically; return `target`."""
    if title is not None:
        figure.suptitle(title)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, lambda file: figure.savefig(file, format="png", dpi=figure.dpi))
    return target


def _values(name: str, value: npt.ArrayLike) -> Float64Array:
    """`value` as a non-empty, finite float64 array of shape (length,)."""
    array = np.asarray(value)
    data.check_finite(name, array)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must have shape (length,) with length >= 1, given {array.shape}")
    return array.astype(np.float64)


def _counts(name: str, value: npt.ArrayLike) -> Labels:
    """`value` (numeric, finite) as int64 when every entry is a whole number >= 0."""
    array = np.asarray(value)
    data.check_finite(name, array)
    bad = (array < 0) | (array != np.floor(array))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must hold whole numbers >= 0, given {array[where]} at index {where}"
        )
    return array.astype(np.int64)


def _check_positive(name: str, values: Float64Array) -> None:
    """Raise ValueError unless every value is > 0, as a log scale needs."""
    low = float(values.min())
    if low <= 0:
        raise ValueError(f"a log scale needs values > 0, but {name} goes down to {low}")


def _grid(
    low: Sequence[float] | Float64Array, high: Sequence[float] | Float64Array, resolution: int
) -> tuple[Float64Array, Float64Array, Float64Array]:
    """(xx, yy, points): a resolution x resolution meshgrid from low to high and its points.

    xx, yy: float64 (resolution, resolution), xx varying along axis 1; points: (m, 2),
    m = resolution**2, row r * resolution + c being (xx[r, c], yy[r, c]).
    """
    resolution = integer("resolution", resolution, 2)
    xx, yy = np.meshgrid(
        np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    )
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def _palette(count: int) -> npt.NDArray[np.float64]:
    """`count` distinct RGBA colors (count, 4): tab10's for up to ten classes."""
    if count <= 10:
        return np.asarray(colormaps["tab10"](np.arange(count)), dtype=np.float64)
    return np.asarray(colormaps["turbo"](np.linspace(0.0, 1.0, count)), dtype=np.float64)


def _line(axes: Axes, x: Float64Array, y: Float64Array, label: str) -> None:
    """Plot y against x, marking each point when there are few."""
    axes.plot(x, y, marker="o" if len(x) <= MARKER_LIMIT else None, markersize=3, label=label)


# Training history and generic curves.


def _panel_of(column: str) -> str:
    """The panel a history column goes to: "train_X" and "val_X" share the panel "X"."""
    for prefix in _SPLITS:
        if column.startswith(prefix):
            return column[len(prefix) :]
    return column


def history(
    history: History,
    path: PathLike,
    columns: Sequence[str] | None = None,
    *,
    loss_scale: Literal["linear", "log"] = "linear",
    title: str | None = None,
    size: Size | None = None,
    dpi: float = DEFAULT_DPI,
) -> Path:
    """Loss curves in one panel, then one panel per metric with its train and val curves.

    history: the History of a fit, with at least one row; x is its "epoch" column.
    columns: which columns to draw (default every one but "epoch"); "train_X" and
    "val_X" share the panel "X", and the loss panel comes first. loss_scale "log"
    draws the loss panel on a log axis. Default size: PANEL_SIZE per panel, in a row.
    Raises ValueError for a history without rows or without an "epoch" column, an
    unknown column, no column to draw, a loss_scale other than "linear" or "log", or a
    log scale with a loss <= 0.
    """
    target = _png_path(path)
    loss_scale = choice("loss_scale", loss_scale, ("linear", "log"))
    if len(history) == 0 or "epoch" not in history.names:
        raise ValueError(
            f"history needs an 'epoch' column and at least one row; given the columns "
            f"{list(history.names)} and {len(history)} rows"
        )
    drawable = [c for c in history.names if c != "epoch"]
    chosen = drawable if columns is None else list(columns)
    unknown = [c for c in chosen if c not in drawable]
    if unknown or not chosen:
        raise ValueError(
            f"columns must be some of the history columns {drawable}; "
            f"given {chosen}, of which {unknown} are not"
        )
    groups: dict[str, list[str]] = {}
    for column in sorted(chosen, key=lambda c: _panel_of(c) != "loss"):
        groups.setdefault(_panel_of(column), []).append(column)
    if loss_scale == "log":
        for column in groups.get("loss", []):
            _check_positive(column, history[column])
    epochs = history["epoch"]
    figure = _figure(size, (PANEL_SIZE[0] * len(groups), PANEL_SIZE[1]), dpi)
    for axes, (panel, members) in zip(
        _panels(figure, len(groups), len(groups)), groups.items(), strict=True
    ):
        for column in members:
            _line(axes, epochs, history[column], column)
        if panel == "loss":
            axes.set_yscale(loss_scale)
        axes.set(title=panel, xlabel="epoch", ylabel=panel)
        axes.legend()
    return _save(figure, target, title)


def curves(
    named_series: Mapping[str, npt.ArrayLike],
    path: PathLike,
    xlabel: str,
    ylabel: str,
    log_y: bool = False,
    *,
    x: npt.ArrayLike | None = None,
    log_x: bool = False,
    title: str | None = None,
    size: Size | None = None,
    dpi: float = DEFAULT_DPI,
) -> Path:
    """One line per named series on shared axes, such as per-layer gradient norms per step.

    named_series: name -> finite values (length,), at least one series. x: the x values
    (length,) shared by every series; default 0, 1, ... (series may then differ in
    length). log_y, log_x: logarithmic axes. Default size: PANEL_SIZE * 1.5.
    Raises ValueError for no series, a series or x not 1-D, non-finite or empty, a
    series whose length is not x's, or a log axis with a value <= 0.
    """
    target = _png_path(path)
    log_y, log_x = boolean("log_y", log_y), boolean("log_x", log_x)
    if not named_series:
        raise ValueError("named_series is empty; expected at least one name -> values")
    xs = None if x is None else _values("x", x)
    if log_x:
        if xs is None:
            raise ValueError("log_x needs x values > 0, given none (the default x starts at 0)")
        _check_positive("x", xs)
    lines: dict[str, tuple[Float64Array, Float64Array]] = {}
    for name, series in named_series.items():
        values = _values(f"series {name!r}", series)
        if xs is not None and len(values) != len(xs):
            raise ValueError(
                f"series {name!r} has {len(values)} values but x has {len(xs)}; "
                "every series needs one value per x"
            )
        if log_y:
            _check_positive(f"series {name!r}", values)
        lines[name] = (np.arange(len(values), dtype=np.float64) if xs is None else xs, values)
    figure = _figure(size, (PANEL_SIZE[0] * 1.5, PANEL_SIZE[1] * 1.5), dpi)
    axes = figure.add_subplot()
    for name, (line_x, values) in lines.items():
        _line(axes, line_x, values, name)
    axes.set_xscale("log" if log_x else "linear")
    axes.set_yscale("log" if log_y else "linear")
    axes.set(xlabel=xlabel, ylabel=ylabel)
    axes.legend()
    return _save(figure, target, title)


# Classifiers: decision regions and confusion matrices.


def _points(x: npt.ArrayLike) -> Float64Array:
    """x as finite float64 points (n, 2), n >= 1."""
    points = np.asarray(x)
    data.check_finite("x", points)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(
            f"x must have shape (n, 2), n >= 1 points of two features, given {points.shape}"
        )
    return points.astype(np.float64)


def decision_grid(
    predict: Callable[[Float64Array], npt.ArrayLike],
    x: npt.ArrayLike,
    resolution: int = 200,
    padding: float = 0.5,
    threshold: float = 0.5,
) -> tuple[Float64Array, Float64Array, Labels]:
    """The class `predict` gives at each point of a resolution x resolution grid around x.

    predict: points (m, 2) float64 -> scores, one row per point, read as
    `metrics.predicted_labels` does: (m, 1) or (m,) is binary, class 1 where the score
    is > threshold (0.5 for probabilities, 0.0 for logits); (m, k), k >= 2, is the
    argmax over k classes. predict is called once, on all m = resolution**2 points.
    x: points (n, 2); the grid spans [min - padding, max + padding] of each column.
    Returns (xx, yy, classes): float64 xx, yy (resolution, resolution) as np.meshgrid
    gives them (xx varies along axis 1, yy along axis 0) and int64 classes of that shape.
    Raises ValueError for x not (n, 2) or not finite, resolution < 2, padding < 0, a
    grid of zero width, or scores that are not finite or not one row per point.
    """
    predict = function("predict", predict)
    points = _points(x)
    padding, threshold = real("padding", padding, 0.0), real("threshold", threshold)
    resolution = integer("resolution", resolution, 2)
    low, high = points.min(axis=0) - padding, points.max(axis=0) + padding
    if (low == high).any():
        raise ValueError(
            f"the grid has zero width: every x[:, {int(np.argmax(low == high))}] is "
            f"{low[np.argmax(low == high)]} and padding is 0; give padding > 0"
        )
    xx, yy, grid = _grid(low, high, resolution)
    scores = np.asarray(predict(grid))
    if scores.ndim not in (1, 2) or len(scores) != len(grid):
        raise ValueError(
            f"predict must return one row of scores per point: (m,), (m, 1) or (m, k) for "
            f"points (m, 2), m = {len(grid)}; it returned shape {scores.shape}"
        )
    data.check_finite("the scores predict returned", scores)
    return xx, yy, metrics.predicted_labels(scores, threshold).reshape(xx.shape)


def decision_boundary(
    predict: Callable[[Float64Array], npt.ArrayLike],
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    path: PathLike,
    resolution: int = 200,
    padding: float = 0.5,
    *,
    threshold: float = 0.5,
    title: str | None = None,
    size: Size | None = None,
    dpi: float = DEFAULT_DPI,
) -> Path:
    """A 2-D classifier's predicted regions, shaded, with the points (x, y) colored by label.

    predict, resolution, padding, threshold: as in `decision_grid`, which makes the
    regions. x: points (n, 2); y: their labels, whole numbers >= 0 of shape (n,) or
    (n, 1) (for one-hot rows, pass their argmax). Class c has one color in the regions
    (at alpha REGION_ALPHA) and on the points: tab10's color c when there are at most ten
    classes. Default size: PANEL_SIZE * 1.5.
    Raises ValueError as `decision_grid` does, and for y of another shape or holding
    values that are not whole numbers >= 0.
    """
    target = _png_path(path)
    points = _points(x)
    labels = _counts("y", y)
    if labels.shape not in ((len(points),), (len(points), 1)):
        raise ValueError(
            f"y must hold one label per point of x, shape ({len(points)},) or "
            f"({len(points)}, 1); given {labels.shape}"
        )
    labels = labels.reshape(-1)
    xx, yy, classes = decision_grid(predict, points, resolution, padding, threshold)
    colors = _palette(1 + max(int(classes.max()), int(labels.max())))
    figure = _figure(size, (PANEL_SIZE[0] * 1.5, PANEL_SIZE[1] * 1.5), dpi)
    axes = figure.add_subplot()
    half_x, half_y = (xx[0, 1] - xx[0, 0]) / 2, (yy[1, 0] - yy[0, 0]) / 2
    axes.imshow(
        colors[classes],
        origin="lower",
        extent=(xx[0, 0] - half_x, xx[0, -1] + half_x, yy[0, 0] - half_y, yy[-1, 0] + half_y),
        aspect="auto",
        interpolation="nearest",
        alpha=REGION_ALPHA,
    )
    for label in np.unique(labels):
        chosen = points[labels == label]
        axes.scatter(
            chosen[:, 0],
            chosen[:, 1],
            color=colors[label],
            edgecolors="black",
            linewidths=0.5,
            s=25,
            label=f"class {label}",
        )
    axes.set(xlabel="x[:, 0]", ylabel="x[:, 1]")
    axes.legend()
    return _save(figure, target, title)


def confusion_matrix(
    matrix: npt.ArrayLike,
    path: PathLike,
    labels: Sequence[str] | None = None,
    *,
    title: str | None = None,
    size: Size | None = None,
    dpi: float = DEFAULT_DPI,
) -> Path:
    """A heat map of the counts (k, k), true class by row and predicted class by column.

    matrix: whole numbers >= 0 of shape (k, k), k >= 1, as `metrics.confusion_matrix`
    returns; each count is written in its cell. labels: the k class names (default
    0 .. k-1). Default size grows with k.
    Raises ValueError for a matrix not (k, k) or not of whole numbers >= 0, and for
    labels whose length is not k.
    """
    target = _png_path(path)
    counts = _counts("matrix", matrix)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.size == 0:
        raise ValueError(f"matrix must have shape (k, k), k >= 1, given {counts.shape}")
    k = len(counts)
    names = [str(i) for i in range(k)] if labels is None else [str(name) for name in labels]
    if len(names) != k:
        raise ValueError(f"labels must name the {k} classes of the matrix, given {len(names)}")
    side = max(PANEL_SIZE[1], 2.0 + 0.6 * k)
    figure = _figure(size, (side + 1.0, side), dpi)
    axes = figure.add_subplot()
    image = axes.imshow(counts, cmap="Blues", vmin=0)
    figure.colorbar(image, ax=axes, label="count")
    dark = 0.5 * int(counts.max())
    for (row, column), count in np.ndenumerate(counts):
        axes.text(
            column,
            row,
            str(count),
            ha="center",
            va="center",
            color="white" if count > dark else "black",
        )
    axes.set_xticks(range(k), names)
    axes.set_yticks(range(k), names)
    axes.set(xlabel="predicted class", ylabel="true class")
    return _save(figure, target, title)


# Activations and loss landscapes.


def activation_curve(name: str, x: npt.ArrayLike) -> tuple[Float64Array, Float64Array]:
    """(f(x), f'(x)) for the activation `name`, from its own apply and backward in float64.

    x: finite values (length,). Softmax is row-wise: its curve is the first component
    of softmax([x, 0]) (equal to sigmoid(x)) and that component's derivative in x.
    Raises ValueError for an unknown name (listing the valid ones) or a bad x.
    """
    layer = get_activation(name)
    xs = _values("x", x)
    inputs = np.column_stack([xs, np.zeros_like(xs)]) if isinstance(layer, Softmax) else xs[:, None]
    outputs, cache, _ = layer.apply(None, None, inputs)
    seed = np.zeros_like(inputs)
    seed[:, 0] = 1.0
    _, slopes = layer.backward(None, cache, seed)
    assert slopes is not None  # backward gives the input gradient when asked for it
    return outputs[:, 0].astype(np.float64), slopes[:, 0].astype(np.float64)


def activations(
    path: PathLike,
    names: Sequence[str] | None = None,
    x_range: tuple[float, float] = (-5.0, 5.0),
    *,
    points: int = 401,
    title: str | None = None,
    size: Size | None = None,
    dpi: float = DEFAULT_DPI,
) -> Path:
    """Each activation with its derivative, one panel each, as `activation_curve` gives them.

    names: activation names (default every one in `layers.activations.BY_NAME`);
    x_range: the interval of x, sampled at `points` evenly spaced values. Panels fill
    rows of three. Default size: PANEL_SIZE per panel.
    Raises ValueError for an unknown name or none, x_range without low < high, or
    points < 2.
    """
    target = _png_path(path)
    chosen = list(BY_NAME) if names is None else list(names)
    if not chosen:
        raise ValueError(f"names is empty; expected some of {sorted(BY_NAME)}")
    low, high = interval("x_range", x_range)
    points = integer("points", points, 2)
    xs = np.linspace(low, high, points)
    curves = [activation_curve(name, xs) for name in chosen]
    columns = min(3, len(chosen))
    rows = math.ceil(len(chosen) / columns)
    figure = _figure(size, (PANEL_SIZE[0] * columns, PANEL_SIZE[1] * rows), dpi)
    for axes, name, (values, slopes) in zip(
        _panels(figure, len(chosen), columns), chosen, curves, strict=True
    ):
        axes.axhline(0.0, color="0.8", linewidth=0.8)
        axes.axvline(0.0, color="0.8", linewidth=0.8)
        axes.plot(xs, values, label="f(x)")
        axes.plot(xs, slopes, linestyle="--", label="f'(x)")
        what = "softmax([x, 0])[0]" if isinstance(get_activation(name), Softmax) else name
        axes.set(title=what, xlabel="x")
        axes.legend()
    return _save(figure, target, title)


def _path_bounds(
    positions: Mapping[str, Float64Array],
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The extent of all paths, widened by 10% of it (at least 0.5) on each side."""
    if not positions:
        raise ValueError("give bounds or at least one path: the grid spans the paths by default")
    stacked = np.concatenate(list(positions.values()))
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    margin = np.maximum(0.1 * (high - low), 0.5)
    low, high = low - margin, high + margin
    return (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def optimization_paths(
    loss_fn2d: Callable[[Float64Array], npt.ArrayLike],
    paths: Mapping[str, npt.ArrayLike],
    path: PathLike,
    *,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
    resolution: int = 200,
    levels: int = 30,
    log_scale: bool = False,
    title: str | None = None,
    size: Size | None = None,
    dpi: float = DEFAULT_DPI,
) -> Path:
    """Filled contours of a 2-D loss landscape with named optimizer paths drawn over it.

    loss_fn2d: points (m, 2) float64 -> their losses (m,), called once on the whole
    resolution x resolution grid (vectorize it: a loss of two weights w is a function
    of w[:, 0] and w[:, 1]). paths: name -> positions (steps, 2), steps >= 1, in order;
    a circle marks the start and a cross the end. bounds: ((low, high) of w[0], (low,
    high) of w[1]); default the paths' extent widened by 10% (at least 0.5) each side.
    levels: the number of contour levels; log_scale spaces them geometrically on a log
    color scale (every loss > 0), for long valleys such as Rosenbrock's.
    Raises ValueError for a path not (steps, 2) or not finite, neither bounds nor paths,
    bounds without low < high, losses not (m,) or not finite, a constant landscape,
    levels < 2, or a log scale with a loss <= 0.
    """
    target = _png_path(path)
    loss_fn2d = function("loss_fn2d", loss_fn2d)
    positions = {name: _points(p) for name, p in paths.items()}
    levels, resolution = integer("levels", levels, 2), integer("resolution", resolution, 2)
    log_scale = boolean("log_scale", log_scale)
    x_bounds, y_bounds = _path_bounds(positions) if bounds is None else bounds
    (x_low, x_high), (y_low, y_high) = (
        interval("bounds[0]", x_bounds),
        interval("bounds[1]", y_bounds),
    )
    xx, yy, grid = _grid((x_low, y_low), (x_high, y_high), resolution)
    losses = np.asarray(loss_fn2d(grid))
    if losses.shape != (len(grid),):
        raise ValueError(
            f"loss_fn2d must return one loss per point, shape ({len(grid)},) for points "
            f"({len(grid)}, 2); it returned shape {losses.shape}"
        )
    data.check_finite("the losses loss_fn2d returned", losses)
    surface = losses.astype(np.float64).reshape(xx.shape)
    low, high = float(surface.min()), float(surface.max())
    if low == high:
        raise ValueError(f"the loss is {low} everywhere on the grid: there is nothing to contour")
    if log_scale:
        _check_positive("the loss on the grid", surface)
    norm = LogNorm(low, high) if log_scale else Normalize(low, high)
    steps = np.geomspace(low, high, levels) if log_scale else np.linspace(low, high, levels)
    figure = _figure(size, (PANEL_SIZE[0] * 1.5, PANEL_SIZE[1] * 1.5), dpi)
    axes = figure.add_subplot()
    filled = axes.contourf(xx, yy, surface, levels=steps, norm=norm, cmap="viridis")
    axes.contour(xx, yy, surface, levels=steps, colors="white", linewidths=0.3, alpha=0.6)
    figure.colorbar(filled, ax=axes, label="loss", ticks=LogLocator() if log_scale else None)
    colors = _palette(len(positions))
    for color, (name, route) in zip(colors, positions.items(), strict=True):
        axes.plot(route[:, 0], route[:, 1], color=color, linewidth=1.5, label=name)
        axes.plot(*route[0], marker="o", color=color, markeredgecolor="white")
        axes.plot(*route[-1], marker="X", markersize=9, color=color, markeredgecolor="white")
    axes.set(xlim=(x_low, x_high), ylim=(y_low, y_high), xlabel="w[0]", ylabel="w[1]")
    if positions:
        axes.legend()
    return _save(figure, target, title)


__all__ = [
    "DEFAULT_DPI",
    "MARKER_LIMIT",
    "PANEL_SIZE",
    "REGION_ALPHA",
    "activation_curve",
    "activations",
    "confusion_matrix",
    "curves",
    "decision_boundary",
    "decision_grid",
    "history",
    "optimization_paths",
]
