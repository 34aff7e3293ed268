"""Elementwise and row-wise activations; none has params (its slot in params is None)."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from nnfunc import _checks
from nnfunc._arrays import FloatArray, FloatDType
from nnfunc.layers.base import INFERENCE, Context, Stateless, Traits, expect_no_params
from nnfunc.random import Key


def softplus_of_negative(x: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """log(1 + exp(-x)) without overflow for any x, in x's dtype; into `out` if given."""
    y = np.negative(x, out=out)
    np.logaddexp(0, y, out=y)
    return y


def _real_input(x: object, min_ndim: int) -> FloatArray:
    """`x` as a float array of at least `min_ndim` axes (a float array passes as is; bool
    and integer arrays become float64); TypeError for complex, strings or objects."""
    if type(x) is np.ndarray and x.dtype.kind == "f" and x.ndim >= min_ndim:
        return x  # the common case: a layer's own float input, checked cheaply
    array = _checks.real_array("x", x)
    if array.ndim < min_ndim:
        raise ValueError(f"x must have at least {min_ndim} axis, given shape {array.shape}")
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def sigmoid(x: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """1 / (1 + exp(-x)) as exp(-softplus(-x)), without overflow for any x, in x's dtype
    (float64 for bool or integer x); into `out` if given; x needs at least one axis."""
    y = softplus_of_negative(_real_input(x, 1), out)
    np.negative(y, out=y)
    np.exp(y, out=y)
    return y


def softmax(x: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """Softmax over the last axis, e.g. the k classes of x (batch, k); stable for any logits.
    Into `out` if given; x needs at least one axis."""
    x = _real_input(x, 1)
    y: FloatArray = np.subtract(x, x.max(axis=-1, keepdims=True), out=out)
    np.exp(y, out=y)
    y /= y.sum(axis=-1, keepdims=True)
    return y


@attrs.frozen
class Activation(Stateless):
    """Base of elementwise and row-wise activations: no params, no state; each subclass
    supplies `forward` and `gradient`, and gets in-place computation on scratch arrays.

    Both take an `out`: None for a fresh result, or an array of the result's shape and
    dtype that the walk alone holds (x for forward, dy for gradient, or a buffer of a
    scan), written there bit for bit the same. The output is kept as the cache, so it is
    not handed on as scratch.
    """

    traits: ClassVar[Traits] = Traits(output="kept", input_grad="new", grads="new")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def init_params(self, key: Key, dtype: FloatDType) -> None:
        """None: an activation has no params."""
        return None

    def apply(
        self, params: None, state: None, x: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[FloatArray, FloatArray, None]:
        """(f(x), what `gradient` needs, None): any shape in, the same shape out; in place
        in x when `ctx.overwrite`."""
        expect_no_params(self, params)
        y, cache = self.forward(x, x if ctx.overwrite else ctx.out(x.shape, x.dtype))
        return y, cache, None

    def backward(
        self, params: None, cache: FloatArray, dy: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[None, FloatArray | None]:
        """(None, dy times the local derivative), or (None, None) without `ctx.input_grad`;
        in place in dy when `ctx.overwrite`."""
        if not ctx.input_grad:
            return None, None
        return None, self.gradient(cache, dy, dy if ctx.overwrite else ctx.out(dy.shape, dy.dtype))

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


@attrs.frozen
class LeakyReLU(Activation):
    """y = x where x > 0, else alpha * x, which is max(x, alpha x); dy/dx = 1 or alpha."""

    alpha: float = attrs.field(
        default=0.01,
        converter=_checks.canonical,
        validator=_checks.validate(_checks.real, 0.0, 1.0, open_high=True),
    )

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
    """y = x; the linear output of a net that returns logits or regression values. Its
    output and input gradient are its input arrays themselves, never copies."""

    traits: ClassVar[Traits] = Traits(output="view", input_grad="view", grads="new")

    def forward(self, x: FloatArray, out: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """(x, x): nothing to compute, so never a copy (the cache is not used)."""
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
"""An instance of every activation by the name `mlp` and `get` accept."""


NAMES: tuple[str, ...] = tuple(sorted(BY_NAME))
"""The activation names `mlp` and `get` accept."""


def get(name: str, argument: str = "activation") -> Activation:
    """The activation named `name`; ValueError naming the `argument` that gave it and
    listing the valid names otherwise."""
    if not isinstance(name, str) or name not in BY_NAME:
        raise ValueError(f"{argument}: unknown activation {name!r}; valid names: {sorted(BY_NAME)}")
    return BY_NAME[name]


__all__ = [
    "BY_NAME",
    "NAMES",
    "Activation",
    "Identity",
    "LeakyReLU",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "get",
    "sigmoid",
    "softmax",
    "softplus_of_negative",
]
