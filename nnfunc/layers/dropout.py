"""Dropout: random masks from a key in training, the identity at inference."""

from __future__ import annotations

import attrs

from nnfunc import random
from nnfunc._arrays import FloatArray, FloatDType
from nnfunc.layers.base import expect_no_params, require_key


def _rate(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"Dropout rate must be in [0, 1), given {value!r}")


@attrs.frozen
class Dropout:
    """Zero each input with probability `rate` in training and scale the rest by
    1 / (1 - rate) (inverted dropout), so inference is the identity. No params."""

    rate: float = attrs.field(validator=_rate)

    def init_params(self, key: random.Key, dtype: FloatDType) -> None:
        """None: dropout has no params."""
        return None

    def apply(self, params: None, x: FloatArray) -> tuple[FloatArray, FloatArray | None]:
        """The inference pass: (x, None)."""
        expect_no_params(self, params)
        return x, None

    def apply_train(
        self, params: None, state: object, x: FloatArray, key: random.Key | None
    ) -> tuple[FloatArray, FloatArray | None, object]:
        """(x * mask, mask, state): the mask is 0 or 1 / (1 - rate), drawn from `key`."""
        expect_no_params(self, params)
        if self.rate == 0.0:
            return x, None, state
        keep = random.bernoulli(require_key(self, key), 1.0 - self.rate, x.shape)
        mask = keep.astype(x.dtype)
        mask *= x.dtype.type(1.0 / (1.0 - self.rate))
        return x * mask, mask, state

    def backward(
        self, params: None, cache: FloatArray | None, dy: FloatArray, input_grad: bool
    ) -> tuple[None, FloatArray | None]:
        """(None, dy * mask), or dy itself after an inference pass."""
        if not input_grad:
            return None, None
        return None, dy if cache is None else dy * cache
