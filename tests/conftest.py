"""Test settings (hypothesis derandomized; pytest turns warnings into errors) and the
`run_example` fixture that runs an example script in fast mode."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "nnfunc",
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci", parent=settings.get_profile("nnfunc"), print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "nnfunc")


ROOT = Path(__file__).resolve().parents[1]


@attrs.frozen
class ExampleRun:
    """What an example printed and the PNG files it saved."""

    stdout: str
    out: Path
    pngs: tuple[Path, ...]


@pytest.fixture
def run_example(tmp_path: Path) -> Callable[..., ExampleRun]:
    """Run examples/<script> in fast mode with --out in tmp_path; fail on a non-zero exit."""

    def run(script: str, *args: str) -> ExampleRun:
        out = tmp_path / Path(script).stem
        command = [sys.executable, str(ROOT / "examples" / script), "--fast", "--out", str(out)]
        done = subprocess.run(
            [*command, *args], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False
        )
        assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
        return ExampleRun(done.stdout, out, tuple(sorted(out.glob("*.png"))))

    return run
