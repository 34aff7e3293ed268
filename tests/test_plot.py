"""nnfunc.plot: every figure is a PNG of the asked pixel size with something drawn on it;
the class grid, the activation curves and every refused input checked by value."""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

pytest.importorskip("matplotlib")

import matplotlib
from matplotlib.image import imread

from nnfunc import plot
from nnfunc.train import History

Array = npt.NDArray[Any]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DPI = 40.0
SIZE = (4.0, 3.0)  # 160 x 120 pixels at DPI
PIXELS = (160, 120)

HISTORY = History(
    ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy"),
    tuple(
        (float(e), 1.0 / (e + 1), 1.5 / (e + 1), 1.0 - 0.5 / (e + 1), 0.9 - 0.5 / (e + 1))
        for e in range(6)
    ),
)

# Three clusters in the plane and a classifier scoring each point by its nearness to
# the centers: -(squared distance), so the argmax is the nearest center.
CENTERS = np.array([[-2.0, -2.0], [2.0, 2.0], [2.0, -2.0]])
CLUSTERS = np.concatenate([CENTERS + offset for offset in ([0.3, 0.1], [-0.2, 0.3], [0.0, -0.3])])
CLUSTER_LABELS = np.tile([0, 1, 2], 3)


def nearest_center(points: Array) -> Array:
    """Scores (m, 3): minus the squared distance of each point to each center."""
    diff = points[:, None, :] - CENTERS[None, :, :]
    scores: Array = -np.square(diff).sum(axis=2)
    return scores


def bowl(points: Array) -> Array:
    """The loss w0**2 + 4 w1**2 at each point (m, 2)."""
    losses: Array = points[:, 0] ** 2 + 4.0 * points[:, 1] ** 2
    return losses


def rosenbrock(points: Array) -> Array:
    """(1 - w0)**2 + 100 (w1 - w0**2)**2 at each point (m, 2)."""
    w0, w1 = points[:, 0], points[:, 1]
    losses: Array = (1.0 - w0) ** 2 + 100.0 * (w1 - w0**2) ** 2
    return losses


def check_png(path: Path, width: int, height: int) -> None:
    """`path` is a PNG of width x height pixels that is not a single flat color."""
    raw = path.read_bytes()
    assert raw[:8] == PNG_SIGNATURE
    header = (int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big"))
    assert header == (width, height)
    pixels = imread(path)
    assert pixels.shape[:2] == (height, width)
    assert float(pixels[..., :3].var()) > 1e-3


# Output, options and matplotlib itself


def test_import_without_matplotlib_asks_for_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "nnfunc.plot")
    with pytest.raises(ImportError, match=r'pip install "nnfunc\[plot\]"'):
        importlib.import_module("nnfunc.plot")


def test_output_path_folders_options_and_global_settings_untouched(tmp_path: Path) -> None:
    before = matplotlib.rcParams.copy()
    target = tmp_path / "new" / "folder" / "curves.png"
    out = plot.curves({"a": [3.0, 1.0, 2.0]}, str(target), "step", "value", size=(5, 2), dpi=30)
    assert out == target
    assert isinstance(out, Path)
    check_png(target, 150, 60)
    assert matplotlib.rcParams.copy() == before
    # default size: PANEL_SIZE * 1.5 at DEFAULT_DPI
    width, height = (int(side * 1.5 * plot.DEFAULT_DPI) for side in plot.PANEL_SIZE)
    check_png(plot.curves({"a": [3.0, 1.0]}, tmp_path / "d.png", "x", "y"), width, height)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"path": "figure.jpg"}, ValueError, r"\.png file, given '.*figure\.jpg'"),
        ({"size": (0.0, 3.0)}, ValueError, r"size\[0\] must be a finite number > 0, given 0\.0"),
        ({"size": (4.0, "3")}, TypeError, r"size\[1\] must be a finite number > 0, given '3'"),
        ({"size": 4.0}, TypeError, r"size must be \(width, height\) in inches, given 4\.0"),
        ({"dpi": -1.0}, ValueError, r"dpi must be a finite number > 0, given -1\.0"),
        ({"dpi": 1j}, TypeError, r"dpi must be a finite number > 0, given complex"),
        ({"log_y": 1}, TypeError, r"log_y must be True or False, given 1"),
    ],
)
def test_bad_output_options_are_refused(
    tmp_path: Path, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    path = tmp_path / options.pop("path", "figure.png")
    with pytest.raises(error, match=message):
        plot.curves({"a": [1.0, 2.0]}, path, "x", "y", **options)
    assert not path.exists()


# history


def test_history_puts_train_and_val_of_each_quantity_in_one_panel(tmp_path: Path) -> None:
    # four columns, two panels (loss, accuracy): the default size is two panels wide
    out = plot.history(HISTORY, tmp_path / "history.png", dpi=DPI, title="fit")
    check_png(out, int(2 * plot.PANEL_SIZE[0] * DPI), int(plot.PANEL_SIZE[1] * DPI))
    out = plot.history(
        HISTORY,
        tmp_path / "loss.png",
        columns=["val_loss", "train_loss"],
        loss_scale="log",
        dpi=DPI,
    )
    check_png(out, int(plot.PANEL_SIZE[0] * DPI), int(plot.PANEL_SIZE[1] * DPI))
    one_epoch = History(HISTORY.names, HISTORY.rows[:1])
    check_png(plot.history(one_epoch, tmp_path / "one.png", size=SIZE, dpi=DPI), *PIXELS)


def test_history_refuses_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "h.png"
    with pytest.raises(ValueError, match=r"at least one row; given the columns .* and 0 rows"):
        plot.history(History(HISTORY.names), path)
    with pytest.raises(ValueError, match=r"an 'epoch' column .* \['step', 'train_loss'\] and 1"):
        plot.history(History(("step", "train_loss"), ((0.0, 1.0),)), path)
    with pytest.raises(
        ValueError,
        match=r"'val_accuracy'\]; given \['train_loss', 'val_acc'\], of which \['val_acc'\] a",
    ):
        plot.history(HISTORY, path, columns=["train_loss", "val_acc"])
    with pytest.raises(ValueError, match=r"given \['epoch'\], of which \['epoch'\] are not"):
        plot.history(HISTORY, path, columns=["epoch"])
    with pytest.raises(ValueError, match=r"given \[\], of which \[\] are not"):
        plot.history(HISTORY, path, columns=[])
    unchecked: Any = "symlog"  # what a caller without a type checker may pass
    with pytest.raises(
        ValueError, match=r"loss_scale must be one of \['linear', 'log'\], given 'symlog'"
    ):
        plot.history(HISTORY, path, loss_scale=unchecked)
    perfect = History(("epoch", "train_loss"), ((0.0, 0.5), (1.0, 0.0)))
    with pytest.raises(
        ValueError, match="log scale needs values > 0, but train_loss goes down to 0"
    ):
        plot.history(perfect, path, loss_scale="log")
    assert not path.exists()


# decision_grid and decision_boundary


def test_decision_grid_binary_logits_with_a_threshold() -> None:
    calls: list[tuple[tuple[int, ...], np.dtype[Any]]] = []

    def predict(points: Array) -> Array:
        calls.append((points.shape, points.dtype))
        logits: Array = points[:, :1] - 1.0  # class 1 where x0 > 1
        return logits

    x = np.array([[-1, -2], [3, 2]])  # integers: the grid is float64 anyway
    xx, yy, classes = plot.decision_grid(predict, x, resolution=5, padding=1.0, threshold=0.0)
    assert calls == [((25, 2), np.dtype(np.float64))]
    # the grid spans [-2, 4] x [-3, 3]; xx varies along axis 1, yy along axis 0
    np.testing.assert_array_equal(xx, np.tile([-2.0, -0.5, 1.0, 2.5, 4.0], (5, 1)))
    np.testing.assert_array_equal(yy, np.tile([[-3.0], [-1.5], [0.0], [1.5], [3.0]], (1, 5)))
    # at x0 = 1 the logit is exactly the threshold: class 0
    np.testing.assert_array_equal(classes, np.tile([0, 0, 0, 1, 1], (5, 1)))
    assert classes.dtype == np.int64


def test_decision_grid_probabilities_of_shape_m() -> None:
    # P(class 1) = x1 / 4 + 0.5 on the grid y in [-3, 3]: class 1 above y = 0
    x = np.array([[0.0, -2.0], [0.0, 2.0]])
    _, yy, classes = plot.decision_grid(lambda p: p[:, 1] / 4 + 0.5, x, resolution=3, padding=1.0)
    np.testing.assert_array_equal(yy[:, 0], [-3.0, 0.0, 3.0])
    np.testing.assert_array_equal(classes, [[0, 0, 0], [0, 0, 0], [1, 1, 1]])


def test_decision_grid_multiclass_argmax_in_each_corner() -> None:
    # grid [-3, 3] x [-3, 3] at integer steps: classes[r, c] is the point (c - 3, r - 3)
    xx, yy, classes = plot.decision_grid(nearest_center, CENTERS, resolution=7, padding=1.0)
    assert (xx[0, 6], yy[0, 6]) == (3.0, -3.0)
    assert classes[0, 0] == 0  # (-3, -3) nearest (-2, -2)
    assert classes[6, 6] == 1  # (3, 3) nearest (2, 2)
    assert classes[0, 6] == 2  # (3, -3) nearest (2, -2)
    assert classes[3, 5] == 1  # (2, 0): 4 from (2, 2), 4 from (2, -2), 32 from (-2, -2): tie -> 1
    assert classes[2, 5] == 2  # (2, -1): 9 from (2, 2), 1 from (2, -2)


@pytest.mark.parametrize(
    ("x", "options", "message"),
    [
        (np.zeros((4, 3)), {}, r"x must have shape \(n, 2\).*given \(4, 3\)"),
        (np.zeros((0, 2)), {}, r"given \(0, 2\)"),
        (np.array([[0.0, np.nan]]), {}, "x must be finite"),
        (np.array([[0.0, 1.0], [0.0, 2.0]]), {"padding": 0.0}, r"zero width: every x\[:, 0\]"),
        (CENTERS, {"padding": -1.0}, r"padding must be a finite number >= 0, given -1\.0"),
        (CENTERS, {"resolution": 1}, "resolution must be an int >= 2, given 1"),
    ],
)
def test_decision_grid_refuses_bad_x_and_options(
    x: Array, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot.decision_grid(nearest_center, x, **options)


@pytest.mark.parametrize(
    ("x", "options", "message"),
    [
        (CENTERS + 1j, {}, r"x must be an array of real numbers, given dtype complex128"),
        (CENTERS, {"resolution": 2.0}, r"resolution must be an int >= 2, given 2\.0"),
        (CENTERS, {"padding": "0.5"}, r"padding must be a finite number >= 0, given '0\.5'"),
        (CENTERS, {"threshold": None}, r"threshold must be a finite number, given None"),
    ],
)
def test_decision_grid_refuses_wrong_types(x: Array, options: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        plot.decision_grid(nearest_center, x, **options)


def test_decision_grid_takes_numpy_scalars_as_python_numbers() -> None:
    mine = plot.decision_grid(nearest_center, CENTERS, np.int64(7), np.float32(0.5))  # type: ignore[arg-type]
    python = plot.decision_grid(nearest_center, CENTERS, 7, 0.5)
    for got, want in zip(mine, python, strict=True):
        np.testing.assert_array_equal(got, want)


def test_decision_grid_refuses_scores_of_the_wrong_shape_or_not_finite() -> None:
    with pytest.raises(ValueError, match=r"m = 16; it returned shape \(16, 3, 1\)"):
        plot.decision_grid(lambda p: nearest_center(p)[:, :, None], CENTERS, resolution=4)
    with pytest.raises(ValueError, match=r"m = 16; it returned shape \(8, 3\)"):
        plot.decision_grid(lambda p: nearest_center(p)[:8], CENTERS, resolution=4)
    with pytest.raises(ValueError, match="scores predict returned must be finite"):
        plot.decision_grid(lambda p: np.where(p[:, :1] > 0, np.inf, 0.0), CENTERS, resolution=4)


def test_decision_boundary_draws_regions_and_points(tmp_path: Path) -> None:
    out = plot.decision_boundary(
        nearest_center, CLUSTERS, CLUSTER_LABELS, tmp_path / "three.png", 50, size=SIZE, dpi=DPI
    )
    check_png(out, *PIXELS)
    # binary logits with float 0/1 labels of shape (n, 1), as the binary losses take them
    binary = (CLUSTERS[:, :1] > 0).astype(np.float32)
    out = plot.decision_boundary(
        lambda p: p[:, :1], CLUSTERS, binary, tmp_path / "two.png", 50, threshold=0.0, dpi=DPI
    )
    check_png(out, *(int(side * 1.5 * DPI) for side in plot.PANEL_SIZE))


def tinted_pixels(pixels: Array, label: int) -> tuple[Array, Array]:
    """(rows, columns) of the pixels showing class `label`'s region: its tab10 color at
    REGION_ALPHA over white."""
    color = np.array(matplotlib.colormaps["tab10"](label)[:3])
    tint = plot.REGION_ALPHA * color + (1.0 - plot.REGION_ALPHA)
    rows, columns = np.nonzero((np.abs(pixels[..., :3] - tint) < 0.02).all(axis=2))
    return rows, columns


@pytest.mark.parametrize("axis", [0, 1])
def test_decision_boundary_regions_sit_where_their_class_is(tmp_path: Path, axis: int) -> None:
    # class 1 where x[:, axis] > 0: right of the middle (axis 0) or above it (axis 1)
    def predict(points: Array) -> Array:
        logits: Array = points[:, axis : axis + 1]
        return logits

    corners = np.array([[-1.0, -1.0], [1.0, 1.0]])
    out = plot.decision_boundary(
        predict, corners, [0, 1], tmp_path / "split.png", 40, threshold=0.0, size=SIZE, dpi=DPI
    )
    rows0, columns0 = tinted_pixels(imread(out), 0)
    rows1, columns1 = tinted_pixels(imread(out), 1)
    assert min(len(rows0), len(rows1)) > 3000  # each region is about half the axes
    if axis == 0:
        assert columns1.mean() > columns0.mean() + 40
        assert abs(rows1.mean() - rows0.mean()) < 15
    else:  # image rows go down
        assert rows1.mean() < rows0.mean() - 30
        assert abs(columns1.mean() - columns0.mean()) < 15


def test_decision_boundary_refuses_labels_that_do_not_fit(tmp_path: Path) -> None:
    path = tmp_path / "d.png"
    with pytest.raises(
        ValueError, match=r"one label per point of x, shape \(9,\) or \(9, 1\); given \(8,\)"
    ):
        plot.decision_boundary(nearest_center, CLUSTERS, CLUSTER_LABELS[:8], path)
    with pytest.raises(ValueError, match=r"given \(9, 3\)"):
        plot.decision_boundary(nearest_center, CLUSTERS, np.eye(3)[CLUSTER_LABELS], path)
    with pytest.raises(
        ValueError, match=r"y must hold whole numbers >= 0, given 0.5 at index \(1,\)"
    ):
        plot.decision_boundary(nearest_center, CLUSTERS, [0, 0.5, 1, 0, 1, 2, 0, 1, 2], path)
    with pytest.raises(ValueError, match=r"y must hold whole numbers >= 0, given -1"):
        plot.decision_boundary(nearest_center, CLUSTERS, CLUSTER_LABELS - 1, path)
    with pytest.raises(ValueError, match=r"x must have shape \(n, 2\)"):
        plot.decision_boundary(nearest_center, CLUSTERS[:, :1], CLUSTER_LABELS, path)
    assert not path.exists()


# activation_curve and activations


def test_activation_curves_are_what_the_layers_compute() -> None:
    x = np.array([-2.0, 0.0, 1.5])
    s = np.array([1.0 / (1.0 + math.exp(-v)) for v in x])
    t = np.tanh(x)
    expected = {
        "sigmoid": (s, s * (1.0 - s)),
        "softmax": (s, s * (1.0 - s)),  # softmax([x, 0])[0] is sigmoid(x)
        "tanh": (t, 1.0 - t**2),
        "relu": ([0.0, 0.0, 1.5], [0.0, 0.0, 1.0]),  # the slope at 0 is taken as 0
        "leaky_relu": ([-0.02, 0.0, 1.5], [0.01, 0.01, 1.0]),
        "identity": (x, [1.0, 1.0, 1.0]),
    }
    for name, (values, slopes) in expected.items():
        got_values, got_slopes = plot.activation_curve(name, x)
        assert got_values.dtype == got_slopes.dtype == np.float64
        np.testing.assert_allclose(got_values, values, rtol=1e-12, atol=1e-15, err_msg=name)
        np.testing.assert_allclose(got_slopes, slopes, rtol=1e-12, atol=1e-15, err_msg=name)


def test_activations_one_panel_each_in_rows_of_three(tmp_path: Path) -> None:
    # the six activations fill two rows of three panels
    out = plot.activations(tmp_path / "all.png", dpi=DPI, points=101)
    check_png(out, int(3 * plot.PANEL_SIZE[0] * DPI), int(2 * plot.PANEL_SIZE[1] * DPI))
    out = plot.activations(tmp_path / "two.png", ["relu", "softmax"], (-1.0, 2.0), dpi=DPI)
    check_png(out, int(2 * plot.PANEL_SIZE[0] * DPI), int(plot.PANEL_SIZE[1] * DPI))


def test_activations_refuse_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    with pytest.raises(ValueError, match=r"unknown activation 'gelu'; valid names: \['identity'"):
        plot.activations(path, ["relu", "gelu"])
    with pytest.raises(ValueError, match="names is empty"):
        plot.activations(path, [])
    with pytest.raises(ValueError, match=r"x_range must be \(low, high\) with low < high"):
        plot.activations(path, x_range=(1.0, 1.0))
    with pytest.raises(ValueError, match="points must be an int >= 2, given 1"):
        plot.activations(path, points=1)
    with pytest.raises(ValueError, match=r"x must have shape \(length,\)"):
        plot.activation_curve("tanh", np.zeros((2, 2)))
    assert not path.exists()


# optimization_paths


def test_optimization_paths_on_a_bowl_and_on_rosenbrock(tmp_path: Path) -> None:
    descent = np.array([[2.0, 1.0], [1.0, 0.2], [0.5, 0.0], [0.0, 0.0]])
    paths = {"sgd": descent, "momentum": descent[[0, 2, 3]] * [1.0, -1.0]}
    out = plot.optimization_paths(bowl, paths, tmp_path / "bowl.png", size=SIZE, dpi=DPI)
    check_png(out, *PIXELS)
    out = plot.optimization_paths(
        rosenbrock,
        {"adam": np.array([[-1.5, 2.0], [0.0, 0.5], [1.0, 1.0]])},
        tmp_path / "rosenbrock.png",
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        resolution=60,
        log_scale=True,
        size=SIZE,
        dpi=DPI,
    )
    check_png(out, *PIXELS)
    # no paths: the landscape alone, on the given bounds
    out = plot.optimization_paths(bowl, {}, tmp_path / "alone.png", bounds=((-1, 1), (-1, 1)))
    check_png(out, *(int(side * 1.5 * plot.DEFAULT_DPI) for side in plot.PANEL_SIZE))


def test_optimization_paths_refuse_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    square = ((-1.0, 1.0), (-1.0, 1.0))
    with pytest.raises(ValueError, match=r"x must have shape \(n, 2\).*given \(3, 3\)"):
        plot.optimization_paths(bowl, {"sgd": np.zeros((3, 3))}, path)
    with pytest.raises(ValueError, match="give bounds or at least one path"):
        plot.optimization_paths(bowl, {}, path)
    with pytest.raises(
        ValueError, match=r"bounds\[1\] must be \(low, .* given tuple \(2\.0, -2\.0\)"
    ):
        plot.optimization_paths(bowl, {}, path, bounds=((-1.0, 1.0), (2.0, -2.0)))
    with pytest.raises(
        ValueError, match=r"shape \(100,\) for points \(100, 2\); it returned shape \(100, 1\)"
    ):
        plot.optimization_paths(lambda p: bowl(p)[:, None], {}, path, bounds=square, resolution=10)
    with pytest.raises(ValueError, match="losses loss_fn2d returned must be finite"):
        plot.optimization_paths(
            lambda p: np.where(p[:, 0] > 0, np.nan, bowl(p)), {}, path, bounds=square
        )
    with pytest.raises(ValueError, match=r"the loss is 2\.0 everywhere on the grid"):
        plot.optimization_paths(lambda p: np.full(len(p), 2.0), {}, path, bounds=square)
    # an odd resolution puts a grid point on the minimum, where the bowl is exactly 0
    with pytest.raises(ValueError, match=r"loss on the grid goes down to 0\.0$"):
        plot.optimization_paths(bowl, {}, path, bounds=square, resolution=11, log_scale=True)
    with pytest.raises(ValueError, match="levels must be an int >= 2, given 1"):
        plot.optimization_paths(bowl, {}, path, bounds=square, levels=1)
    assert not path.exists()


# confusion_matrix


def test_confusion_matrix_heat_map(tmp_path: Path) -> None:
    matrix = np.array([[50, 2, 0], [3, 45, 2], [0, 1, 49]])
    out = plot.confusion_matrix(matrix, tmp_path / "cm.png", ["setosa", "versicolor", "virginica"])
    side = max(plot.PANEL_SIZE[1], 2.0 + 0.6 * 3)
    check_png(out, int((side + 1.0) * plot.DEFAULT_DPI), int(side * plot.DEFAULT_DPI))
    # whole-number floats are counts too; an all-zero matrix still draws its grid
    check_png(
        plot.confusion_matrix(np.zeros((2, 2)), tmp_path / "z.png", size=SIZE, dpi=DPI), *PIXELS
    )


def test_confusion_matrix_refuses_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "cm.png"
    with pytest.raises(
        ValueError, match=r"matrix must have shape \(k, k\), k >= 1, given \(2, 3\)"
    ):
        plot.confusion_matrix(np.ones((2, 3)), path)
    with pytest.raises(ValueError, match=r"given \(0, 0\)"):
        plot.confusion_matrix(np.ones((0, 0)), path)
    with pytest.raises(
        ValueError, match=r"matrix must hold whole numbers >= 0, given -1 at index \(1, 0\)"
    ):
        plot.confusion_matrix([[1, 0], [-1, 2]], path)
    with pytest.raises(ValueError, match=r"given 0.5 at index \(0, 1\)"):
        plot.confusion_matrix([[1.0, 0.5], [0.0, 2.0]], path)
    with pytest.raises(ValueError, match="labels must name the 2 classes of the matrix, given 3"):
        plot.confusion_matrix([[1, 0], [0, 2]], path, ["a", "b", "c"])
    assert not path.exists()


# curves


def test_curves_with_shared_x_and_log_axes(tmp_path: Path) -> None:
    sizes = [16.0, 64.0, 256.0, 1024.0]
    out = plot.curves(
        {"nnfunc": [0.1, 0.3, 1.2, 5.0], "numpy": [0.2, 0.5, 1.9, 7.0]},
        tmp_path / "scaling.png",
        "hidden units",
        "seconds",
        True,
        x=sizes,
        log_x=True,
        size=SIZE,
        dpi=DPI,
    )
    check_png(out, *PIXELS)
    # without x, series of different lengths against their own index
    norms = {"layer 0": np.geomspace(1.0, 1e-3, 50), "layer 2": np.geomspace(2.0, 0.1, 80)}
    check_png(
        plot.curves(norms, tmp_path / "norms.png", "step", "norm", size=SIZE, dpi=DPI), *PIXELS
    )


def test_curves_refuse_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "c.png"
    with pytest.raises(ValueError, match="named_series is empty"):
        plot.curves({}, path, "x", "y")
    with pytest.raises(ValueError, match=r"series 'a' must have shape \(length,\).*given \(2, 2\)"):
        plot.curves({"a": np.ones((2, 2))}, path, "x", "y")
    with pytest.raises(ValueError, match=r"series 'b' must have shape.*given \(0,\)"):
        plot.curves({"a": [1.0], "b": []}, path, "x", "y")
    with pytest.raises(ValueError, match="series 'a' must be finite"):
        plot.curves({"a": [1.0, np.inf]}, path, "x", "y")
    with pytest.raises(ValueError, match="series 'b' has 2 values but x has 3"):
        plot.curves({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0]}, path, "x", "y", x=[1, 2, 3])
    with pytest.raises(
        ValueError, match=r"log scale needs values > 0, but series 'b' goes down to -1\.0$"
    ):
        plot.curves({"a": [1.0], "b": [-1.0]}, path, "x", "y", log_y=True)
    with pytest.raises(ValueError, match="log_x needs x values > 0, given none"):
        plot.curves({"a": [1.0, 2.0]}, path, "x", "y", log_x=True)
    with pytest.raises(ValueError, match=r"but x goes down to 0\.0$"):
        plot.curves({"a": [1.0, 2.0]}, path, "x", "y", x=[0.0, 1.0], log_x=True)
    assert not path.exists()
