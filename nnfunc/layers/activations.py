"""Elementwise and row-wise activations; none has params (its slot in params is None)."""

from __future__ import annotations

import attrs
import numpy as np

from nnfunc._arrays import FloatArray, FloatDType
from nnfunc.layers.base import expect_no_params
from nnfunc.random import Key


def sigmoid(x: FloatArray) -> FloatArray:
    """1 / (1 + exp(-x)) without overflow for any x, in x's dtype."""
    out = np.negative(x)
    np.logaddexp(0, out, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    return out


def softmax(x: FloatArray) -> FloatArray:
    """Softmax over the last axis, e.g. the k classes of x (batch, k); stable for any logits."""
    out: FloatArray = x - x.max(axis=-1, keepdims=True)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


@attrs.frozen
class _Activation:
    """Shared plumbing: no params, and `forward`/`derivative` supplied by each subclass."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def init_params(self, key: Key, dtype: FloatDType) -> None:
        """None: an activation has no params."""
        return None

    def apply(self, params: None, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(f(x), what `gradient` needs): any shape in, the same shape out."""
        expect_no_params(self, params)
        return self.forward(x)

    def backward(
        self, params: None, cache: FloatArray, dy: FloatArray, input_grad: bool
    ) -> tuple[None, FloatArray | None]:
        """(None, dy times the local derivative), or (None, None) without input_grad."""
        return None, (self.gradient(cache, dy) if input_grad else None)

    def forward(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(f(x), cache for `gradient`)."""
        raise NotImplementedError

    def gradient(self, cache: FloatArray, dy: FloatArray) -> FloatArray:
        """The gradient w.r.t. the input, given the output gradient dy."""
        raise NotImplementedError


@attrs.frozen(repr=False)
class Sigmoid(_Activation):
    """y = 1 / (1 + exp(-x)); dy/dx = y (1 - y)."""

    def forward(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(sigmoid(x), sigmoid(x))."""
        y = sigmoid(x)
        return y, y

    def gradient(self, cache: FloatArray, dy: FloatArray) -> FloatArray:
        """dy * y * (1 - y)."""
        y = cache
        dx = 1.0 - y
        dx *= y
        dx *= dy
        return dx


@attrs.frozen(repr=False)
class Tanh(_Activation):
    """y = tanh(x); dy/dx = 1 - y**2."""

    def forward(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(tanh(x), tanh(x))."""
        y = np.tanh(x)
        return y, y

    def gradient(self, cache: FloatArray, dy: FloatArray) -> FloatArray:
        """dy * (1 - y**2)."""
        y = cache
        dx = np.square(y)
        np.subtract(1.0, dx, out=dx)
        dx *= dy
        return dx


@attrs.frozen(repr=False)
class ReLU(_Activation):
    """y = max(x, 0); dy/dx = 1 where x > 0, else 0."""

    def forward(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(max(x, 0), x)."""
        return np.maximum(x, 0), x

    def gradient(self, cache: FloatArray, dy: FloatArray) -> FloatArray:
        """dy where x > 0, else 0."""
        return np.where(cache > 0, dy, 0).astype(dy.dtype, copy=False)


def _alpha(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"LeakyReLU alpha must be in [0, 1), given {value!r}")


@attrs.frozen
class LeakyReLU(_Activation):
    """y = x where x > 0, else alpha * x; dy/dx = 1 or alpha."""

    alpha: float = attrs.field(default=0.01, validator=_alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"

    def forward(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(leaky_relu(x), x)."""
        return np.where(x > 0, x, x * x.dtype.type(self.alpha)), x

    def gradient(self, cache: FloatArray, dy: FloatArray) -> FloatArray:
        """dy where x > 0, else alpha * dy."""
        dx: FloatArray = np.where(cache > 0, dy, dy * dy.dtype.type(self.alpha))
        return dx


@attrs.frozen(repr=False)
class Softmax(_Activation):
    """y = exp(x) / sum(exp(x)) over the last axis (the k features of (batch, k)).

    For classification, prefer logits with `losses.softmax_cross_entropy`: it is
    the fused, numerically stable path.
    """

    def forward(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(softmax(x), softmax(x))."""
        y = softmax(x)
        return y, y

    def gradient(self, cache: FloatArray, dy: FloatArray) -> FloatArray:
        """y * (dy - sum(dy * y) per row): the Jacobian-vector product of softmax."""
        y = cache
        dx: FloatArray = dy - (dy * y).sum(axis=-1, keepdims=True)
        dx *= y
        return dx


@attrs.frozen(repr=False)
class Identity(_Activation):
    """y = x; the linear output of a net that returns logits or regression values."""

    def forward(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(x, x)."""
        return x, x

    def gradient(self, cache: FloatArray, dy: FloatArray) -> FloatArray:
        """dy."""
        return dy


BY_NAME: dict[str, _Activation] = {
    "sigmoid": Sigmoid(),
    "tanh": Tanh(),
    "relu": ReLU(),
    "leaky_relu": LeakyReLU(),
    "softmax": Softmax(),
    "identity": Identity(),
}


NAMES: tuple[str, ...] = tuple(sorted(BY_NAME))
"""The activation names `mlp` and `get` accept."""


def get(name: str) -> _Activation:
    """The activation named `name`; ValueError listing the valid names otherwise."""
    if not isinstance(name, str) or name not in BY_NAME:
        raise ValueError(f"unknown activation {name!r}; valid names: {sorted(BY_NAME)}")
    return BY_NAME[name]
