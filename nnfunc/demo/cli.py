"""The demo's command line: its options, parsed and checked into an `Options` value."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from nnfunc.demo.sets import DATASETS, FEATURES

MIN_SAMPLES = 20
"""The fewest points the demo accepts, so that every split holds some."""


@attrs.frozen
class Length:
    """The default --samples and --epochs of a run."""

    samples: int
    epochs: int


FULL = Length(samples=2000, epochs=30)
FAST = Length(samples=400, epochs=8)

HIDDEN = (32, 32)
"""The hidden layer sizes when --sizes is not given."""

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")


@attrs.frozen
class Options:
    """The demo's settings, checked: what the command line asked for, defaults resolved."""

    data: str
    classes: int
    sizes: tuple[int, ...]
    activation: str
    samples: int
    epochs: int
    batch_size: int
    learning_rate: float
    seed: int
    out: Path


def _sizes(text: str) -> tuple[int, ...]:
    """--sizes "2,32,32,3" as (2, 32, 32, 3): two or more comma-separated ints >= 1."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            "expected two or more comma-separated ints >= 1 (inputs, hidden..., classes) "
            f"such as 2,32,32,3; given {text!r}"
        )
    return sizes


def _int_from(low: int) -> Callable[[str], int]:
    """An argparse type: an int >= low."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an int >= {low}, given {text!r}")
        return value

    return parse


def _positive_float(text: str) -> float:
    """An argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, given {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    """The demo's command-line options."""
    options = argparse.ArgumentParser(
        prog="python -m nnfunc",
        description="Train a small MLP (softmax cross-entropy on its logits, adam) on a "
        "synthetic 2-D data set and report its test accuracy; with matplotlib, also save "
        "the loss curves, the decision regions and the confusion matrix.",
    )
    add = options.add_argument
    add("--data", choices=list(DATASETS), default="blobs", help="the data set (default blobs)")
    add(
        "--classes",
        type=_int_from(2),
        help="number of classes: blobs 2-10, classification 2-4 (default 3); moons and "
        "circles have 2",
    )
    add(
        "--sizes",
        type=_sizes,
        help="layer sizes, inputs first and one logit per class last "
        f"(default 2,{','.join(map(str, HIDDEN))},<classes>)",
    )
    add(
        "--activation", choices=ACTIVATIONS, default="relu", help="hidden activation (default relu)"
    )
    add(
        "--samples",
        type=_int_from(MIN_SAMPLES),
        help=f"number of points (default {FULL.samples}, {FAST.samples} with --fast)",
    )
    add(
        "--epochs",
        type=_int_from(1),
        help=f"training epochs (default {FULL.epochs}, {FAST.epochs} with --fast)",
    )
    add("--batch-size", type=_int_from(1), default=32, help="mini-batch size (default 32)")
    add("--lr", type=_positive_float, default=0.003, help="adam's learning rate (default 0.003)")
    add("--seed", type=int, default=0, help="seed of the run's key (default 0)")
    add(
        "--out",
        type=Path,
        default=Path("out") / "demo",
        help="folder for the plots (default out/demo)",
    )
    add(
        "--fast",
        action="store_true",
        default=os.environ.get("NNFUNC_FAST") == "1",
        help="a short run: fewer points and epochs (also NNFUNC_FAST=1)",
    )
    return options


def parse(options: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> Options:
    """Options from argv (default sys.argv[1:]), checked against the data set.

    Exits through `options.error` (code 2, with the message) for a bad option, a class
    count the data set does not have, or sizes whose first is not the 2 features or
    whose last is not the number of classes.
    """
    args = options.parse_args(argv)
    chosen = DATASETS[args.data]
    classes = chosen.default_classes if args.classes is None else args.classes
    if classes > chosen.max_classes:
        has = "2 classes" if chosen.max_classes == 2 else f"2 to {chosen.max_classes} classes"
        options.error(f"--classes: --data {args.data} has {has}, given {classes}")
    sizes = (FEATURES, *HIDDEN, classes) if args.sizes is None else args.sizes
    if sizes[0] != FEATURES:
        options.error(
            f"--sizes: the first size is the input width, {FEATURES} (the data's features), "
            f"given {sizes[0]}"
        )
    if sizes[-1] != classes:
        hint = f" (or add --classes {sizes[-1]})" if 2 <= sizes[-1] <= chosen.max_classes else ""
        options.error(
            f"--sizes: the last size is one logit per class, {classes} for --data "
            f"{args.data} with {classes} classes, given {sizes[-1]}{hint}"
        )
    defaults = FAST if args.fast else FULL
    return Options(
        data=args.data,
        classes=classes,
        sizes=tuple(sizes),
        activation=args.activation,
        samples=defaults.samples if args.samples is None else args.samples,
        epochs=defaults.epochs if args.epochs is None else args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        seed=args.seed,
        out=args.out,
    )


__all__ = [
    "ACTIVATIONS",
    "FAST",
    "FULL",
    "HIDDEN",
    "MIN_SAMPLES",
    "Length",
    "Options",
    "parse",
    "parser",
]
