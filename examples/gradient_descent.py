"""Gradient descent at work: optimizers on 2-D landscapes, vanishing gradients, clipping.

1. Plain gradient descent, momentum and Adam (the real `nf.optim` transformations, on a
   params tree holding one 2-vector) on an ill-conditioned quadratic and on Rosenbrock's
   valley: the steps each needs to come within a tolerance of the minimum, and their paths.
2. Vanishing gradients: the gradient norm of every Dense layer at init in 10-hidden-layer
   nets of width 32 with sigmoid, tanh and ReLU (He init) on the two-moons task; the
   sigmoid net's first layers get gradients orders of magnitude smaller.
3. Gradient clipping: full-batch SGD on unscaled regression targets (mean about 75) diverges,
   and `optim.chain(optim.clip_by_global_norm(c), optim.sgd(lr))` trains the same net.

Run: python examples/gradient_descent.py [--tolerance T] [--max-norm C] [--out DIR] [--fast]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

import nnfunc as nf
from _cli import parser
from nnfunc import optim, plot

Array = npt.NDArray[np.float64]
Data = npt.NDArray[np.floating[Any]]
"""Data sets and net outputs: float64 or float32 arrays."""

# 1. Optimizers on 2-D loss landscapes.

QUADRATIC_CURVATURES = (1.0, 50.0)
QUADRATIC_MINIMUM = (2.0, -1.0)


@nf.pytree
class Weights:
    """The params of a 2-D landscape: one float64 vector w of shape (2,)."""

    w: Array


def quadratic(points: Array) -> Array:
    """0.5 (w0 - 2)^2 + 25 (w1 + 1)^2 at each point: (..., 2) -> (...)."""
    offsets = points - np.array(QUADRATIC_MINIMUM)
    losses: Array = 0.5 * (np.square(offsets) @ np.array(QUADRATIC_CURVATURES))
    return losses


def quadratic_grad(w: Array) -> Array:
    """The gradient of `quadratic` at w (2,): (w0 - 2, 50 (w1 + 1))."""
    grad: Array = np.array(QUADRATIC_CURVATURES) * (w - np.array(QUADRATIC_MINIMUM))
    return grad


def rosenbrock(points: Array) -> Array:
    """(1 - w0)^2 + 100 (w1 - w0^2)^2 at each point: (..., 2) -> (...)."""
    w0, w1 = points[..., 0], points[..., 1]
    losses: Array = np.square(1.0 - w0) + 100.0 * np.square(w1 - np.square(w0))
    return losses


def rosenbrock_grad(w: Array) -> Array:
    """The gradient of `rosenbrock` at w (2,)."""
    w0, w1 = float(w[0]), float(w[1])
    valley = w1 - w0 * w0
    return np.array([-2.0 * (1.0 - w0) - 400.0 * w0 * valley, 200.0 * valley])


@attrs.frozen
class Landscape:
    """A 2-D loss with its gradient, where descent starts, its minimum and the rates used."""

    name: str
    formula: str
    loss: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    start: tuple[float, float]
    minimum: tuple[float, float]
    sgd_lr: float
    momentum: float
    adam_lr: float
    log_scale: bool = False
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None

    def optimizers(self) -> dict[str, optim.GradientTransformation]:
        """Plain gradient descent, momentum at the same rate, and Adam, by display name."""
        return {
            f"gd (lr {self.sgd_lr:g})": optim.sgd(self.sgd_lr),
            f"momentum {self.momentum:g} (lr {self.sgd_lr:g})": optim.sgd(
                self.sgd_lr, momentum=self.momentum
            ),
            f"adam (lr {self.adam_lr:g})": optim.adam(self.adam_lr),
        }


QUADRATIC = Landscape(
    "quadratic",
    "0.5 (w0 - 2)^2 + 25 (w1 + 1)^2, condition number 50",
    quadratic,
    quadratic_grad,
    start=(-3.0, 1.5),
    minimum=QUADRATIC_MINIMUM,
    sgd_lr=0.035,
    momentum=0.5,
    adam_lr=0.1,
)
ROSENBROCK = Landscape(
    "rosenbrock",
    "(1 - w0)^2 + 100 (w1 - w0^2)^2",
    rosenbrock,
    rosenbrock_grad,
    start=(-1.5, 2.0),
    minimum=(1.0, 1.0),
    sgd_lr=0.001,
    momentum=0.9,
    adam_lr=0.05,
    log_scale=True,
    bounds=((-2.0, 2.0), (-1.0, 3.0)),  # a grid that misses the minimum, where the loss is 0
)


@attrs.frozen
class Descent:
    """The positions of a descent (steps + 1, 2), from the start, and the steps it took to
    come within the tolerance of the minimum (None when it did not within its budget)."""

    path: Array
    steps: int | None


def descend(
    landscape: Landscape,
    optimizer: optim.GradientTransformation,
    tolerance: float,
    max_steps: int,
) -> Descent:
    """Run `optimizer` from the landscape's start until |w - minimum| < tolerance, or
    for max_steps steps."""
    params = Weights(np.array(landscape.start))
    state = optimizer.init(params)
    minimum = np.array(landscape.minimum)
    path = [params.w]
    for step in range(1, max_steps + 1):
        updates, state = optimizer.update(Weights(landscape.grad(params.w)), state, params)
        params = optim.apply_updates(params, updates)
        path.append(params.w)
        if np.linalg.norm(params.w - minimum) < tolerance:
            return Descent(np.stack(path), step)
    return Descent(np.stack(path), None)


def describe_descent(landscape: Landscape, descent: Descent) -> str:
    """Steps to tolerance (or how far it stayed) and the final loss of a descent."""
    end = descent.path[-1]
    loss = float(landscape.loss(end))
    if descent.steps is not None:
        return f"{descent.steps:>6} steps to tolerance, final loss {loss:.1e}"
    distance = float(np.linalg.norm(end - np.array(landscape.minimum)))
    return (
        f"not within tolerance after {len(descent.path) - 1} steps "
        f"(|w - w*| = {distance:.2g}, loss {loss:.1e})"
    )


def compare_optimizers(
    landscape: Landscape, tolerance: float, max_steps: int, out: Path
) -> dict[str, Descent]:
    """Descend the landscape with each optimizer, print how each did, plot their paths."""
    print(
        f"{landscape.name}: {landscape.formula}; from {landscape.start} to "
        f"|w - {landscape.minimum}| < {tolerance:g}"
    )
    descents = {
        name: descend(landscape, optimizer, tolerance, max_steps)
        for name, optimizer in landscape.optimizers().items()
    }
    for name, descent in descents.items():
        print(f"  {name:<26}{describe_descent(landscape, descent)}")
    saved = plot.optimization_paths(
        landscape.loss,
        {name: descent.path for name, descent in descents.items()},
        out / f"{landscape.name}_paths.png",
        bounds=landscape.bounds,
        log_scale=landscape.log_scale,
        title=f"{landscape.name}: {landscape.formula}",
    )
    print(f"saved {saved}")
    return descents


# 2. Vanishing gradients in deep sigmoid nets.

DEPTH = 10
WIDTH = 32
INITS = {"sigmoid": "glorot_uniform", "tanh": "glorot_uniform", "relu": "he_normal"}
"""Each hidden activation of the deep nets, with the init that suits it."""


def deep_net(activation: str) -> nf.Sequential:
    """2 inputs, DEPTH hidden layers of WIDTH with `activation`, one logit."""
    return nf.mlp([2, *[WIDTH] * DEPTH, 1], activation=activation, init=INITS[activation])


def layer_gradient_norms(net: nf.Sequential, key: nf.Key, x: Data, y: Data) -> Array:
    """The global norm of each Dense layer's gradient at init: float64 (Dense layers,).

    x: (n, 2) points; y: (n, 1) 0/1 targets for the net's one logit.
    """
    params = nf.init(net, key)
    grads = nf.grads(net, params, x, y, nf.losses.sigmoid_binary_cross_entropy)
    return np.array([nf.tree.global_norm(g) for g in grads if isinstance(g, nf.DenseParams)])


def vanishing_gradients(key: nf.Key, out: Path) -> dict[str, Array]:
    """Print and plot the per-layer gradient norms at init of each deep net on two moons."""
    k_data, k_init = nf.random.split(key)
    x, labels = nf.datasets.make_moons(k_data, 256)
    y = nf.datasets.binary_targets(labels)
    norms = {name: layer_gradient_norms(deep_net(name), k_init, x, y) for name in INITS}
    print(
        f"gradient norm of each Dense layer at init, {DEPTH} hidden layers of {WIDTH} "
        f"(sigmoid cross-entropy on {len(x)} two-moons points):"
    )
    print(f"{'layer':>7}" + "".join(f"{f'{n} ({i})':>26}" for n, i in INITS.items()))
    for layer, row in enumerate(zip(*norms.values(), strict=True), start=1):
        print(f"{layer:>7}" + "".join(f"{value:>26.2e}" for value in row))
    sigmoid, relu = norms["sigmoid"][0], norms["relu"][0]
    print(
        f"first layer: sigmoid {sigmoid:.2e} vs relu {relu:.2e}, "
        f"{relu / sigmoid:.1e} times smaller with sigmoid"
    )
    layers = np.arange(1, len(norms["sigmoid"]) + 1)
    saved = plot.curves(
        norms,
        out / "layer_gradients.png",
        "Dense layer (1 = next to the input)",
        "gradient norm at init",
        log_y=True,
        x=layers,
        title=f"Vanishing gradients: {DEPTH} hidden layers of {WIDTH}",
    )
    print(f"saved {saved}")
    return norms


# 3. Gradient clipping.

CLIP_LR = 0.01
CLIP_SIZES = (5, 32, 32, 1)
TRACE_STEPS = 5


@attrs.frozen
class Run:
    """A full-batch training run: the loss before each step it took (float64 (steps,)),
    the loss after the last step, or the DivergenceError that ended it."""

    losses: Array
    final_loss: float | None
    divergence: nf.train.DivergenceError | None


def train(
    net: nf.Sequential,
    params: nf.SequentialParams,
    data: tuple[Data, Data],
    optimizer: optim.GradientTransformation,
    key: nf.Key,
    steps: int,
) -> Run:
    """Full-batch `nf.fit` with the mse loss for `steps` steps, divergence caught."""
    x, y = data
    seen: list[float] = []

    def record(end: nf.train.EpochEnd[nf.SequentialParams, Any]) -> None:
        seen.append(float(end.history["train_loss"][-1]))

    try:
        result = nf.fit(
            net,
            params,
            x,
            y,
            nf.losses.mse,
            optimizer,
            key=key,
            epochs=steps,
            batch_size=len(x),
            callbacks=[record],
        )
    except nf.train.DivergenceError as error:
        return Run(np.array(seen), None, error)
    return Run(np.array(seen), nf.loss(net, result.params, x, y, nf.losses.mse), None)


def clipping_trace(
    net: nf.Sequential,
    params: nf.SequentialParams,
    data: tuple[Data, Data],
    optimizer: optim.GradientTransformation,
    steps: int,
) -> list[tuple[float, float, float]]:
    """(loss, gradient norm, clipped norm) of the first `steps` full-batch steps of
    `optimizer`, a clip followed by sgd(CLIP_LR): the clipped norm is |update| / CLIP_LR."""
    state = optimizer.init(params)
    rows = []
    for _ in range(steps):
        value, grads = nf.value_and_grads(net, params, *data, nf.losses.mse)
        updates, state = optimizer.update(grads, state, params)
        rows.append((value, nf.tree.global_norm(grads), nf.tree.global_norm(updates) / CLIP_LR))
        params = optim.apply_updates(params, updates)
    return rows


def describe_run(name: str, run: Run) -> str:
    """One line: the final loss of a run, or where and how it diverged."""
    if run.divergence is None:
        return f"{name}: final loss {run.final_loss:.3g} after {len(run.losses)} steps"
    error = run.divergence
    return (
        f"{name}: diverged at step {error.epoch} (loss {error.loss}; first non-finite value "
        f"in {error.path}); last finite loss {run.losses[-1]:.3g}"
    )


def gradient_clipping(key: nf.Key, max_norm: float, steps: int, out: Path) -> dict[str, Run]:
    """Train one net with and without clipping; print the first clipped steps and both ends."""
    k_data, k_init, k_fit = nf.random.split(key, 3)
    data = nf.datasets.make_regression_tabular(k_data, 256, noise_std=1.0)
    net = nf.mlp(CLIP_SIZES, activation="relu")
    params = nf.init(net, k_init)
    clipped = optim.chain(optim.clip_by_global_norm(max_norm), optim.sgd(CLIP_LR))
    print(
        f"gradient clipping: mlp {list(CLIP_SIZES)} (relu), mse on {len(data[0])} rows of "
        f"unscaled targets (mean {float(data[1].mean()):.1f}), full-batch sgd({CLIP_LR:g})"
    )
    print(f"first steps with clip_by_global_norm({max_norm:g}):")
    print(f"{'step':>6}{'loss':>12}{'grad norm':>14}{'clipped norm':>16}")
    for step, (value, norm, after) in enumerate(
        clipping_trace(net, params, data, clipped, TRACE_STEPS)
    ):
        print(f"{step:>6}{value:>12.1f}{norm:>14.1f}{after:>16.3f}")
    plain_name = f"sgd({CLIP_LR:g}) without clipping"
    clipped_name = f"sgd({CLIP_LR:g}) with clip_by_global_norm({max_norm:g})"
    with np.errstate(over="ignore", invalid="ignore"):  # this run overflows on purpose
        plain = train(net, params, data, optim.sgd(CLIP_LR), k_fit, steps)
    runs = {plain_name: plain, clipped_name: train(net, params, data, clipped, k_fit, steps)}
    for name, run in runs.items():
        print(describe_run(name, run))
    saved = plot.curves(
        {name: run.losses for name, run in runs.items()},
        out / "clipping.png",
        "step",
        "mse loss before the step",
        log_y=True,
        title="Full-batch SGD with and without gradient clipping",
    )
    print(f"saved {saved}")
    return runs


def main(argv: Sequence[str] | None = None) -> None:
    """Run the three demonstrations and save their figures under --out."""
    options = parser(__file__, __doc__)
    options.add_argument(
        "--tolerance",
        type=float,
        default=1e-3,
        help="distance to the minimum at which a descent counts as arrived (default 1e-3)",
    )
    options.add_argument(
        "--max-norm", type=float, default=5.0, help="the clipping threshold c (default 5)"
    )
    args = options.parse_args(argv)
    out = Path(args.out)
    key = nf.random.key(args.seed)
    k_deep, k_clip = nf.random.split(key)
    print("== 1. gradient descent, momentum and Adam on 2-D landscapes")
    for landscape in (QUADRATIC, ROSENBROCK):
        compare_optimizers(landscape, args.tolerance, 2_000 if args.fast else 20_000, out)
    print("\n== 2. vanishing gradients")
    vanishing_gradients(k_deep, out)
    print("\n== 3. gradient clipping")
    gradient_clipping(k_clip, args.max_norm, 200 if args.fast else 500, out)


if __name__ == "__main__":
    main()
