"""Command-line options every example shares: --seed, --out and --fast; --epochs for some."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def parser(script: str, description: str | None) -> argparse.ArgumentParser:
    """An argument parser with --seed, --out (default out/<script name>) and --fast."""
    name = Path(script).stem
    options = argparse.ArgumentParser(prog=f"examples/{name}.py", description=description)
    options.add_argument("--seed", type=int, default=0, help="seed of the run's key (default 0)")
    options.add_argument(
        "--out",
        type=Path,
        default=Path("out") / name,
        help=f"folder for the plots (default out/{name})",
    )
    options.add_argument(
        "--fast",
        action="store_true",
        default=os.environ.get("NNFUNC_FAST") == "1",
        help="a much shorter run, as the tests use (also NNFUNC_FAST=1)",
    )
    return options


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, given {value}")
    return value


def add_epochs(
    options: argparse.ArgumentParser, default: int, fast: int, what: str = "epochs to train"
) -> None:
    """Add --epochs (an int >= 1): `default` when not given, `fast` with --fast."""
    options.add_argument(
        "--epochs", type=_positive_int, help=f"{what} (default {default}, {fast} with --fast)"
    )
    options.set_defaults(epoch_defaults=(default, fast))


def epochs(args: argparse.Namespace) -> int:
    """The epochs chosen on a command line parsed by a parser with `add_epochs`."""
    default, fast = args.epoch_defaults
    return int(args.epochs if args.epochs is not None else fast if args.fast else default)
