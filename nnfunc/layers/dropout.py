"""Dropout: random masks from a key in training, the identity at inference."""

from __future__ import annotations

from typing import ClassVar

import attrs

from nnfunc import _checks, random
from nnfunc._arrays import FloatArray, FloatDType
from nnfunc.layers.base import INFERENCE, Context, Stateless, Traits, expect_no_params, require_key


@attrs.frozen
class Dropout(Stateless):
    """Zero each input with probability `rate` in training and scale the rest by
    1 / (1 - rate) (inverted dropout), so inference is the identity. No params.

    Raises TypeError or ValueError for a rate that is not a number in [0, 1)."""

    traits: ClassVar[Traits] = Traits(output="view", input_grad="view", random=True, grads="new")

    rate: float = attrs.field(
        converter=_checks.canonical,
        validator=_checks.validate(_checks.real, 0.0, 1.0, open_high=True),
    )

    def init_params(self, key: random.Key, dtype: FloatDType) -> None:
        """None: dropout has no params."""
        return None

    def apply(
        self, params: None, state: None, x: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[FloatArray, FloatArray | None, None]:
        """In training (x * mask, mask, None), the mask 0 or 1 / (1 - rate) drawn from
        `ctx.key`; at inference (x, None, None)."""
        expect_no_params(self, params)
        if not ctx.training or self.rate == 0.0:
            return x, None, None
        keep = random.bernoulli(require_key(self, ctx), 1.0 - self.rate, x.shape)
        mask = keep.astype(x.dtype)
        mask *= x.dtype.type(1.0 / (1.0 - self.rate))
        return x * mask, mask, None

    def backward(
        self, params: None, cache: FloatArray | None, dy: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[None, FloatArray | None]:
        """(None, dy * mask), or dy itself after an inference pass."""
        if not ctx.input_grad:
            return None, None
        return None, dy if cache is None else dy * cache


__all__ = [
    "Dropout",
]
