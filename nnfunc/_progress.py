"""Progress over a known number of steps: the one display behind `fit` and `sweep.run`.

With `enabled`, a tqdm bar on stderr when tqdm is installed (the `progress` extra),
else one plain line per step on stderr; nothing at all when not enabled. Each step
gives a short status (shown beside the bar) and the line printed without tqdm.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from tqdm import tqdm


class Progress:
    """A display of `done` of `total` steps, counted in `unit` ("epoch", "run")."""

    def __init__(
        self, total: int, *, done: int = 0, unit: str, status: str = "", enabled: bool
    ) -> None:
        self.total = total
        self.done = done
        self._enabled = enabled
        self._started = time.perf_counter()
        self._bar: tqdm[NoReturn] | None = None
        if not enabled:
            return
        try:
            from tqdm import tqdm as make_bar
        except ImportError:
            return
        self._bar = make_bar(total=total, initial=done, unit=unit, file=sys.stderr)
        if status:
            self._bar.set_postfix_str(status)

    def seconds(self) -> float:
        """The wall time since the display started or the last step was shown."""
        return time.perf_counter() - self._started

    def step(self, status: str, line: str) -> None:
        """Count one step: `status` beside the bar, or `line` printed on stderr without tqdm."""
        self.done += 1
        if self._bar is not None:
            self._bar.set_postfix_str(status)
            self._bar.update(1)
        elif self._enabled:
            print(line, file=sys.stderr)
        self._started = time.perf_counter()

    def close(self) -> None:
        """Close the bar, if any."""
        if self._bar is not None:
            self._bar.close()
