"""The documentation site (docs/, mkdocs.yml): `mkdocs build --strict` passes, every public
name has a docstring and a place in the built reference, and every Python block runs.

A ```python block runs unless its fence line says more than `python` (```python
title="examples/xor.py", used for included sources) or the line before it is
`<!-- norun -->`. The blocks of one page run in order in one namespace, in a fresh
temporary folder, as a reader would paste them.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import griffe
import pytest

from tests.conftest import ROOT
from tests.test_surface import _public_modules

DOCS = ROOT / "docs"
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                   re.MULTILINE | re.DOTALL)  # fmt: skip
NORUN = "<!-- norun -->"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once from this checkout with `mkdocs build --strict`."""
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_MKDOCS_2_WARNING="1")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def _exports() -> list[tuple[str, str]]:
    """(module, name) for every name in the `__all__` of every public module."""
    return [
        (module, name)
        for module in _public_modules()
        for name in importlib.import_module(module).__all__
    ]


def _code_blocks(page: Path) -> list[str]:
    """The Python blocks of a page meant to run, dedented, in page order."""
    text = page.read_text()
    blocks = []
    for match in FENCE.finditer(text):
        if match.group("info").strip() != "python":
            continue
        before = text[: match.start()].rstrip().splitlines()
        if before and before[-1].strip() == NORUN:
            continue
        blocks.append(textwrap.dedent(match.group("body")))
    return blocks


def test_every_public_name_has_a_docstring() -> None:
    """As griffe (mkdocstrings) reads it: a constant needs its string literal below it."""
    package = griffe.load("nnfunc", search_paths=[str(ROOT)], resolve_aliases=True)
    bare = []
    for module, name in _exports():
        found = package[module.removeprefix("nnfunc.")] if module != "nnfunc" else package
        target = found[name]
        if isinstance(target, griffe.Alias):
            target = target.final_target
        if target.docstring is None or not target.docstring.value.strip():
            value = getattr(importlib.import_module(module), name)
            if not (inspect.isclass(value) or inspect.isroutine(value)) or not value.__doc__:
                bare.append(f"{module}.{name}")  # a class under a second name has the class's
    assert not bare, f"public names without a docstring: {bare}"


def test_every_public_name_is_in_the_built_reference(site: Path) -> None:
    pages = (site / "reference").rglob("*.html")
    anchors = {a for page in pages for a in re.findall(r'id="(nnfunc[\w.]*)"', page.read_text())}
    exports = _exports()
    homes: dict[str, set[str]] = {}  # a name -> the modules that export it
    for module, name in exports:
        homes.setdefault(name, set()).add(module)
    missing = []
    for module, name in exports:
        value = getattr(importlib.import_module(module), name)
        shown_in = [
            other
            for other in homes[name]
            if f"{other}.{name}" in anchors
            and getattr(importlib.import_module(other), name) is value
        ]
        if not shown_in:
            missing.append(f"{module}.{name}")
    assert not missing, f"public names not in the built reference: {missing}"
    assert len(anchors) > 300


def test_the_site_has_every_page_of_the_nav_and_the_figures(site: Path) -> None:
    for kind in ("tutorials", "how-to", "explanation", "reference"):
        assert (site / kind / "index.html").is_file(), kind
    figures = sorted((DOCS / "figures").rglob("*.png"))
    assert len(figures) >= 20
    built = {p.relative_to(site / "figures") for p in (site / "figures").rglob("*.png")}
    assert {p.relative_to(DOCS / "figures") for p in figures} == built
    shown = set()
    for page in site.rglob("*.html"):
        shown.update(re.findall(r'src="(?:\.\./)*figures/([^"]+\.png)"', page.read_text()))
    assert shown == {str(p.relative_to(DOCS / "figures")) for p in figures}, "unshown figures"


PAGES = sorted(page for page in DOCS.rglob("*.md") if _code_blocks(page))


def test_the_blocks_are_found_and_norun_is_honoured(tmp_path: Path) -> None:
    page = "a\n```python\nx = 1\n```\n<!-- norun -->\n```python\nraise\n```\n" + (
        '```python title="t.py"\nraise\n```\n    ```python\n    y = 2\n    ```\n'
    )
    assert len(PAGES) >= 10
    scratch = tmp_path / "page.md"
    scratch.write_text(page)
    assert _code_blocks(scratch) == ["x = 1\n", "y = 2\n"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_python_block_on_the_page_runs(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, block in enumerate(_code_blocks(page)):
        code = compile(block, f"{page.relative_to(DOCS)} block {number}", "exec")
        exec(code, namespace)
