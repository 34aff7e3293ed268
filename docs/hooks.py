"""MkDocs hook: a line `<!-- submodules nnfunc.x -->` on a reference page becomes one
section per public submodule of the package nnfunc.x, documenting the names that the
submodule's `__all__` exports and the package's does not (the rest are on the page).
Computed at each build, so a name added to an `__all__` appears without an edit here."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

MARK = re.compile(r"^<!-- submodules (nnfunc[\w.]*) -->$", re.MULTILINE)


def sections(package_name: str) -> str:
    """The `::: module` blocks for the submodules' own names, in the order pkgutil lists."""
    package = importlib.import_module(package_name)
    blocks = []
    for info in pkgutil.iter_modules(package.__path__, package_name + "."):
        if info.name.rpartition(".")[2].startswith("_"):
            continue
        names = [n for n in importlib.import_module(info.name).__all__ if n not in package.__all__]
        if names:
            members = "".join(f"\n        - {name}" for name in names)
            blocks.append(f"::: {info.name}\n    options:\n      members:{members}")
    return "\n\n".join(blocks)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """The page with each submodules mark replaced by its sections."""
    return MARK.sub(lambda match: sections(match.group(1)), markdown)
