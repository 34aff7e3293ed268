"""Regenerate the site's figures from the examples: docs/figures/<example>/*.png.

Each example under examples/ runs as a script with --out docs/figures/<its name> (and
--fast unless --full is given), exactly as a user runs it; the benchmarks' scaling
plot is copied beside them. Run from anywhere: python docs/make_figures.py [--full]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "figures"
EXAMPLES = (
    "xor",
    "classification",
    "regression",
    "digits",
    "cnn_digits",
    "perceptron",
    "activations",
    "gradient_descent",
    "custom_loop",
    "sweep",
)
"""The examples whose plots the tutorials show (forward_only plots nothing)."""


def make(name: str, full: bool) -> list[Path]:
    """Run examples/<name>.py into docs/figures/<name>/ (old PNGs removed); its PNGs."""
    out = FIGURES / name
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, str(ROOT / "examples" / f"{name}.py"), "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    env.pop("NNFUNC_FAST", None)
    if not full:
        command.append("--fast")
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    return sorted(out.glob("*.png"))


def main() -> None:
    """Regenerate every example's figures, then copy benchmarks/scaling.png."""
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--full", action="store_true", help="full runs instead of --fast")
    options.add_argument("names", nargs="*", default=EXAMPLES, help="examples to run")
    args = options.parse_args()
    for name in args.names:
        for png in make(name, args.full):
            print(f"figure {png.relative_to(ROOT)}")
    shutil.copyfile(ROOT / "benchmarks" / "scaling.png", FIGURES / "scaling.png")


if __name__ == "__main__":
    main()
