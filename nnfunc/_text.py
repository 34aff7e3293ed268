"""Plain-text tables: the one formatter behind every table nnfunc prints."""

from __future__ import annotations

from collections.abc import Sequence


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """`header` and `rows` as lines of columns two spaces apart, trailing blanks stripped.

    `align` has one letter per column, "l" (left, the default for a missing letter) or
    "r" (right). Every row has as many cells as the header.
    """
    sides = align.ljust(len(header), "l")
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(
            cell.rjust(width) if side == "r" else cell.ljust(width)
            for cell, width, side in zip(line, widths, sides, strict=True)
        ).rstrip()
        for line in [header, *rows]
    )
