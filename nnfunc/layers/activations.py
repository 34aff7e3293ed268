"""Elementwise and row-wise activations; none has params (its slot in params is None)."""

from __future__ import annotations

import attrs
import numpy as np

from nnfunc._arrays import FloatArray, FloatDType
from nnfunc.layers.base import expect_no_params
from nnfunc.random import Key


def softplus_of_negative(x: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """log(1 + exp(-x)) without overflow for any x, in x's dtype; into `out` if given."""
    y = np.negative(x, out=out)
    np.logaddexp(0, y, out=y)
    return y


def sigmoid(x: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """1 / (1 + exp(-x)) as exp(-softplus(-x)), without overflow for any x, in x's dtype;
    into `out` if given."""
    y = softplus_of_negative(x, out)
    np.negative(y, out=y)
    np.exp(y, out=y)
    return y


def softmax(x: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """Softmax over the last axis, e.g. the k classes of x (batch, k); stable for any logits.
    Into `out` if given."""
    y: FloatArray = np.subtract(x, x.max(axis=-1, keepdims=True), out=out)
    np.exp(y, out=y)
    y /= y.sum(axis=-1, keepdims=True)
    return y


@attrs.frozen
class Activation:
    """Shared plumbing: no params, and `forward`/`gradient` supplied by each subclass.

    Both take an `out`: None for a fresh result, or an array of the result's shape the
    caller owns (x for forward, dy for gradient), computed in place, bit for bit the same.
    """

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def init_params(self, key: Key, dtype: FloatDType) -> None:
        """None: an activation has no params."""
        return None

    def apply(self, params: None, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(f(x), what `gradient` needs): any shape in, the same shape out."""
        expect_no_params(self, params)
        return self.forward(x, None)

    def backward(
        self, params: None, cache: FloatArray, dy: FloatArray, input_grad: bool
    ) -> tuple[None, FloatArray | None]:
        """(None, dy times the local derivative), or (None, None) without input_grad."""
        return None, (self.gradient(cache, dy, None) if input_grad else None)

    def forward(self, x: FloatArray, out: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """(f(x), cache for `gradient`), the first into `out` when given."""
        raise NotImplementedError

    def gradient(self, cache: FloatArray, dy: FloatArray, out: FloatArray | None) -> FloatArray:
        """The gradient w.r.t. the input, given the output gradient dy; into `out` if given."""
        raise NotImplementedError


@attrs.frozen(repr=False)
class Sigmoid(Activation):
    """y = 1 / (1 + exp(-x)); dy/dx = y (1 - y)."""

    def forward(self, x: FloatArray, out: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """(sigmoid(x), sigmoid(x))."""
        y = sigmoid(x, out)
        return y, y

    def gradient(self, cache: FloatArray, dy: FloatArray, out: FloatArray | None) -> FloatArray:
        """y * (1 - y) * dy."""
        y = cache
        slope = 1.0 - y
        slope *= y
        dx: FloatArray = np.multiply(slope, dy, out=out)
        return dx


@attrs.frozen(repr=False)
class Tanh(Activation):
    """y = tanh(x); dy/dx = 1 - y**2."""

    def forward(self, x: FloatArray, out: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """(tanh(x), tanh(x))."""
        y = np.tanh(x, out=out)
        return y, y

    def gradient(self, cache: FloatArray, dy: FloatArray, out: FloatArray | None) -> FloatArray:
        """(1 - y**2) * dy."""
        slope = np.square(cache)
        np.subtract(1.0, slope, out=slope)
        dx: FloatArray = np.multiply(slope, dy, out=out)
        return dx


@attrs.frozen(repr=False)
class ReLU(Activation):
    """y = max(x, 0); dy/dx = 1 where x > 0 (where y > 0), else 0."""

    def forward(self, x: FloatArray, out: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """(max(x, 0), the same y). The zeros are a row broadcast over x: NumPy's maximum
        has a vector loop for two arrays but not for an array and a scalar (2x faster)."""
        y = np.maximum(x, np.zeros(x.shape[-1:], x.dtype), out=out)
        return y, y

    def gradient(self, cache: FloatArray, dy: FloatArray, out: FloatArray | None) -> FloatArray:
        """dy times 1 where y > 0, else times 0."""
        return np.multiply(dy, cache > 0, out=out)


def _alpha(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"LeakyReLU alpha must be in [0, 1), given {value!r}")


@attrs.frozen
class LeakyReLU(Activation):
    """y = x where x > 0, else alpha * x, which is max(x, alpha x); dy/dx = 1 or alpha."""

    alpha: float = attrs.field(default=0.01, validator=_alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"

    def forward(self, x: FloatArray, out: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """(leaky_relu(x), the same y): y > 0 exactly where x > 0, as alpha >= 0."""
        y = np.maximum(x, x * x.dtype.type(self.alpha), out=out)
        return y, y

    def gradient(self, cache: FloatArray, dy: FloatArray, out: FloatArray | None) -> FloatArray:
        """dy times 1 where y > 0, else times alpha."""
        slope = np.where(cache > 0, dy.dtype.type(1), dy.dtype.type(self.alpha))
        return np.multiply(dy, slope, out=out)


@attrs.frozen(repr=False)
class Softmax(Activation):
    """y = exp(x) / sum(exp(x)) over the last axis (the k features of (batch, k)).

    For classification, prefer logits with `losses.softmax_cross_entropy`: it is
    the fused, numerically stable path.
    """

    def forward(self, x: FloatArray, out: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """(softmax(x), softmax(x))."""
        y = softmax(x, out)
        return y, y

    def gradient(self, cache: FloatArray, dy: FloatArray, out: FloatArray | None) -> FloatArray:
        """(dy - sum(dy * y) per row) * y: the Jacobian-vector product of softmax."""
        y = cache
        dx: FloatArray = np.subtract(dy, (dy * y).sum(axis=-1, keepdims=True), out=out)
        dx *= y
        return dx


@attrs.frozen(repr=False)
class Identity(Activation):
    """y = x; the linear output of a net that returns logits or regression values."""

    def forward(self, x: FloatArray, out: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """(x, x): nothing to compute, so never a copy."""
        return x, x

    def gradient(self, cache: FloatArray, dy: FloatArray, out: FloatArray | None) -> FloatArray:
        """dy."""
        return dy


BY_NAME: dict[str, Activation] = {
    "sigmoid": Sigmoid(),
    "tanh": Tanh(),
    "relu": ReLU(),
    "leaky_relu": LeakyReLU(),
    "softmax": Softmax(),
    "identity": Identity(),
}


NAMES: tuple[str, ...] = tuple(sorted(BY_NAME))
"""The activation names `mlp` and `get` accept."""


def get(name: str) -> Activation:
    """The activation named `name`; ValueError listing the valid names otherwise."""
    if not isinstance(name, str) or name not in BY_NAME:
        raise ValueError(f"unknown activation {name!r}; valid names: {sorted(BY_NAME)}")
    return BY_NAME[name]
