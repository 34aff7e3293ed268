"""Clipping: elementwise (`clip`) and by the global norm of all leaves (`clip_by_global_norm`)."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import _checks, tree
from nnfunc._arrays import readonly
from nnfunc.optim._base import EmptyState, P, checked, expect_state


def _positive(owner: str) -> Any:
    return checked(owner, _checks.real, 0.0, open_low=True)


@attrs.frozen
class ClipByGlobalNorm:
    """updates = grads * max_norm / max(norm, max_norm), norm being the l2 norm of all leaves
    together (no epsilon, unlike torch.nn.utils.clip_grad_norm_'s 1e-6).

    Raises ValueError for max_norm <= 0.
    """

    max_norm: float = _positive("clip_by_global_norm")

    def init(self, params: object) -> EmptyState:
        """No state."""
        return EmptyState()

    def update(self, grads: P, state: EmptyState, params: P | None = None) -> tuple[P, EmptyState]:
        """(grads scaled down to global norm max_norm if above it, state)."""
        expect_state(self, state, EmptyState)
        norm = tree.global_norm(grads)
        if norm <= self.max_norm:
            return tree.map(readonly, grads), state
        return tree.scale(self.max_norm / norm, grads), state


@attrs.frozen
class Clip:
    """updates = grads clipped elementwise to [-max_delta, max_delta].

    Raises ValueError for max_delta <= 0.
    """

    max_delta: float = _positive("clip")

    def init(self, params: object) -> EmptyState:
        """No state."""
        return EmptyState()

    def update(self, grads: P, state: EmptyState, params: P | None = None) -> tuple[P, EmptyState]:
        """(clip(grads, -max_delta, max_delta), state)."""
        expect_state(self, state, EmptyState)
        low, high = -self.max_delta, self.max_delta

        def leaf(g: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], ...]:
            return (np.clip(g, low, high),)

        (updates,) = tree.map_many(leaf, 1, grads, names=("grads",), owner=self)
        return updates, state


clip = Clip
clip_by_global_norm = ClipByGlobalNorm

__all__ = [
    "Clip",
    "ClipByGlobalNorm",
    "clip",
    "clip_by_global_norm",
]
