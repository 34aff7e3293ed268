"""The public surface: `__all__` in every public module, nothing private in `dir(nf)`,
and `mypy --strict -p nnfunc` clean without the optional extras installed."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import attr
import attrs
import numpy as np
import pytest

import nnfunc as nf

ROOT = Path(__file__).resolve().parents[1]


def _public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(nf.__path__, "nnfunc."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts):
            continue
        if parts[1] in {"plot"} or parts[1:2] == ["demo"]:
            continue  # the plot extra needs matplotlib; the demo is an application
        names.append(info.name)
    return names


@pytest.mark.parametrize("name", _public_modules())
def test_every_public_module_says_what_it_exports(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    missing = [item for item in exported if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names what it does not hold: {missing}"
    assert len(set(exported)) == len(exported)


def test_dir_of_the_package_shows_public_names_only() -> None:
    shown = dir(nf)
    assert shown == sorted(nf.__all__) or set(shown) == set(nf.__all__)
    assert not [name for name in shown if name.startswith("_") and name != "__version__"]
    for name in ("core", "fused", "_arrays", "_inputs", "_checks"):
        assert name not in shown


def test_mypy_strict_passes_without_the_optional_extras(tmp_path: Path) -> None:
    """In an environment where only numpy and attrs are installed: tqdm, matplotlib,
    ray and scikit-learn are not."""
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    for module in (np, attrs, attr):
        folder = Path(str(module.__file__)).parent
        (site / folder.name).symlink_to(folder)
    command = [
        sys.executable, "-m", "mypy", "--strict", "-p", "nnfunc",
        "--python-executable", str(venv / "bin" / "python"),
        "--cache-dir", str(tmp_path / "cache"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_built_wheel_holds_every_module_of_the_package(tmp_path: Path) -> None:
    """`pip install .` (the README's first command) installs what the tests import."""
    import zipfile

    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = tmp_path.glob("nnfunc-*.whl")
    shipped = {name for name in zipfile.ZipFile(wheel).namelist() if name.startswith("nnfunc/")}
    package = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "nnfunc").rglob("*")
        if path.suffix in {".py", ".typed"} and "__pycache__" not in path.parts
    }
    assert package <= shipped, sorted(package - shipped)
