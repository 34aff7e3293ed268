"""Activations written the way a user would, outside nnfunc: subclasses of
`nf.layers.Activation` with their own arithmetic (the same operations as the built-in
ones, so that a timing compares the engine, not the formula)."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

import nnfunc as nf

F = npt.NDArray[Any]


@attrs.frozen(repr=False)
class MyReLU(nf.layers.Activation):
    """max(x, 0), its gradient dy where y > 0."""

    def forward(self, x: F, out: F | None) -> tuple[F, F]:
        y: F = np.maximum(x, np.zeros(x.shape[-1:], x.dtype), out=out)
        return y, y

    def gradient(self, cache: F, dy: F, out: F | None) -> F:
        dx: F = np.multiply(dy, cache > 0, out=out)
        return dx


@attrs.frozen(repr=False)
class MySigmoid(nf.layers.Activation):
    """1 / (1 + exp(-x)) as exp(-log(1 + exp(-x))), its gradient y (1 - y) dy."""

    def forward(self, x: F, out: F | None) -> tuple[F, F]:
        y: F = np.negative(x, out=out)
        np.logaddexp(0, y, out=y)
        np.negative(y, out=y)
        np.exp(y, out=y)
        return y, y

    def gradient(self, cache: F, dy: F, out: F | None) -> F:
        slope = 1.0 - cache
        slope *= cache
        dx: F = np.multiply(slope, dy, out=out)
        return dx


USER: dict[type, Any] = {nf.ReLU: MyReLU(), nf.Sigmoid: MySigmoid()}
"""The user's class standing in for each built-in activation."""
