"""The check shared by containers of parts (Sequential's layers, chain's transformations)."""

from __future__ import annotations

from collections.abc import Sequence


def check_parts(owner: str, what: str, parts: Sequence[object], methods: tuple[str, ...]) -> None:
    """Raise unless `parts` is non-empty and each part has every method in `methods`.

    ValueError for no parts; TypeError naming the index and type of a part without them.
    """
    if not parts:
        raise ValueError(f"{owner} needs at least one {what}, given none")
    for i, part in enumerate(parts):
        if isinstance(part, type):
            raise TypeError(
                f"{owner}: {what} {i} must be an instance, given the class {part.__name__}; "
                f"call it: {part.__name__}(...)"
            )
        if not all(callable(getattr(part, name, None)) for name in methods):
            raise TypeError(
                f"{owner}: {what} {i} must have {' and '.join(methods)} methods, given "
                f"{type(part).__name__}: {part!r}"
            )
