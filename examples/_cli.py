"""Command-line options every example shares: --seed, --out and --fast."""

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
