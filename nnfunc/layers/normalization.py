"""BatchNorm and LayerNorm: normalize, then scale and shift with learned params.

Both normalize each feature (the last axis). BatchNorm takes statistics over the
batch (and any spatial axes) in training and keeps running averages of them as
state for inference; LayerNorm takes them over each example's features, the same
in training and inference, and keeps no state.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import _checks, random, tree
from nnfunc._arrays import LEAF, FloatArray, FloatDType, freeze
from nnfunc.layers.base import (
    INFERENCE,
    Context,
    InputError,
    ParamsError,
    StateError,
    Stateless,
    Traits,
    expect_arrays,
)


@attrs.frozen
class NormParams:
    """Learned `scale` and `shift`, each of shape (features,), read-only; weight decay
    applies to neither by default."""

    scale: npt.NDArray[Any] = attrs.field(converter=LEAF, metadata={tree.DECAY: False})  # type: ignore[misc]
    shift: npt.NDArray[Any] = attrs.field(converter=LEAF, metadata={tree.DECAY: False})  # type: ignore[misc]


@attrs.frozen
class BatchNormState:
    """BatchNorm's running `mean` and `var` of each feature, shape (features,), read-only."""

    mean: npt.NDArray[Any] = attrs.field(converter=LEAF)  # type: ignore[misc]
    var: npt.NDArray[Any] = attrs.field(converter=LEAF)  # type: ignore[misc]


def _init_norm_params(features: int, dtype: FloatDType) -> NormParams:
    return NormParams(freeze(np.ones(features, dtype)), freeze(np.zeros(features, dtype)))


@attrs.frozen
class _Norm:
    """Shared plumbing of the normalizations: `features` and `eps`, scale 1 and shift 0,
    the checks of params and input. The output is new; the cache keeps x_hat."""

    traits: ClassVar[Traits] = Traits(output="new", input_grad="new", grads="new")

    features: int = attrs.field(
        converter=_checks.canonical, validator=_checks.validate(_checks.size)
    )

    def init_params(self, key: random.Key, dtype: FloatDType) -> NormParams:
        """scale 1, shift 0."""
        return _init_norm_params(self.features, dtype)

    def _check(self, params: object, x: FloatArray) -> NormParams:
        """The params, after checking them and the input's rank, features and dtype."""
        if not isinstance(params, NormParams):
            given = type(params).__name__
            raise ParamsError("", f"{self!r} needs NormParams(scale, shift), given {given}")
        if x.ndim < 2 or x.shape[-1] != self.features:
            raise InputError(
                "",
                f"{self!r} expects inputs of shape (batch, ..., {self.features}), given {x.shape}",
            )
        vector = (self.features,)
        expect_arrays(self, params, ParamsError, (("scale", vector), ("shift", vector)), x.dtype)
        return params


@attrs.frozen
class _NormCache:
    """What the backward pass of a normalization needs; `axes` None for statistics that
    are constants (BatchNorm's running ones at inference)."""

    x_hat: FloatArray
    inv_std: FloatArray
    axes: tuple[int, ...] | None


def _normalize(
    x: FloatArray, mean: FloatArray, var: FloatArray, eps: float, axes: tuple[int, ...] | None
) -> _NormCache:
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))
    return _NormCache((x - mean) * inv_std, inv_std, axes)


def _scale_shift(params: NormParams, cache: _NormCache) -> FloatArray:
    y: FloatArray = cache.x_hat * params.scale
    y += params.shift
    return y


def _norm_backward(
    params: NormParams, cache: _NormCache, dy: FloatArray, ctx: Context
) -> tuple[NormParams, FloatArray | None]:
    """Gradients of y = scale * x_hat + shift with x_hat normalized over `cache.axes`
    (through the statistics), or by constant statistics when the axes are None."""
    param_axes = tuple(range(dy.ndim - 1))
    grads = NormParams(
        freeze((dy * cache.x_hat).sum(axis=param_axes)), freeze(dy.sum(axis=param_axes))
    )
    if not ctx.input_grad:
        return grads, None
    d_hat = dy * params.scale
    if cache.axes is None:
        constant: FloatArray = d_hat * cache.inv_std
        return grads, constant
    mean_d = d_hat.mean(axis=cache.axes, keepdims=True)
    mean_dx = (d_hat * cache.x_hat).mean(axis=cache.axes, keepdims=True)
    dx: FloatArray = (d_hat - mean_d - cache.x_hat * mean_dx) * cache.inv_std
    return grads, dx


@attrs.frozen
class BatchNorm(_Norm):
    """Normalize each of `features` (the last axis) with batch statistics in training and
    running ones at inference; y = scale * x_hat + shift.

    Running statistics follow PyTorch: r <- (1 - momentum) r + momentum * batch value,
    the variance's batch value unbiased. They are state (`nf.init_state`), not params:
    inference is `nf.forward(net, params, x, state=state)`.
    """

    momentum: float = attrs.field(
        default=0.1,
        converter=_checks.canonical,
        validator=_checks.validate(_checks.real, 0.0, 1.0, open_low=True),
    )
    eps: float = attrs.field(
        default=1e-5,
        converter=_checks.canonical,
        validator=_checks.validate(_checks.real, 0.0, open_low=True),
    )

    def init_state(self, dtype: FloatDType) -> BatchNormState:
        """Running mean 0 and variance 1."""
        return BatchNormState(
            freeze(np.zeros(self.features, dtype)), freeze(np.ones(self.features, dtype))
        )

    def _state(self, state: object, x: FloatArray) -> BatchNormState:
        """The state, checked like params: a BatchNormState of (features,) in x's dtype."""
        if not isinstance(state, BatchNormState):
            hint = (
                ": make it with nf.init_state(net), or train with nf.train_value_and_grads "
                "or fit, which keep it"
                if state is None
                else ""
            )
            raise StateError(
                "", f"{self!r} needs a BatchNormState, given {type(state).__name__}{hint}"
            )
        vector = (self.features,)
        expect_arrays(self, state, StateError, (("mean", vector), ("var", vector)), x.dtype)
        return state

    def apply(
        self, params: NormParams, state: BatchNormState, x: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[FloatArray, _NormCache, BatchNormState]:
        """(y, cache, new state): in training normalized with this batch's mean and (biased)
        variance, the running ones updated; at inference with the running ones, unchanged."""
        self._check(params, x)
        state = self._state(state, x)
        axes = tuple(range(x.ndim - 1))
        if not ctx.training:
            cache = _normalize(x, state.mean, state.var, self.eps, None)
            return _scale_shift(params, cache), cache, state
        count = x.size // self.features
        if count < 2:
            raise InputError(
                "",
                f"{self!r} in training needs more than one value per feature to take "
                f"batch statistics, given a batch of shape {x.shape}",
            )
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        cache = _normalize(x, mean, var, self.eps, axes)
        m = x.dtype.type(self.momentum)
        unbiased = var * x.dtype.type(count / (count - 1))
        new_state = BatchNormState(
            freeze((1 - m) * state.mean + m * mean), freeze((1 - m) * state.var + m * unbiased)
        )
        return _scale_shift(params, cache), cache, new_state

    def backward(
        self, params: NormParams, cache: _NormCache, dy: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[NormParams, FloatArray | None]:
        """Gradients through the batch statistics of the training pass (or the constant
        running ones of the inference pass)."""
        return _norm_backward(params, cache, dy, ctx)


@attrs.frozen
class LayerNorm(_Norm, Stateless):
    """Normalize each example over its `features` (the last axis); y = scale * x_hat + shift.
    The same in training and inference; no state."""

    eps: float = attrs.field(
        default=1e-5,
        converter=_checks.canonical,
        validator=_checks.validate(_checks.real, 0.0, open_low=True),
    )

    def apply(
        self, params: NormParams, state: None, x: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[FloatArray, _NormCache, None]:
        """(y, cache, None): statistics over the last axis of each example."""
        self._check(params, x)
        axes = (x.ndim - 1,)
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        cache = _normalize(x, mean, var, self.eps, axes)
        return _scale_shift(params, cache), cache, None

    def backward(
        self, params: NormParams, cache: _NormCache, dy: FloatArray, ctx: Context = INFERENCE
    ) -> tuple[NormParams, FloatArray | None]:
        """Gradients through each example's statistics."""
        return _norm_backward(params, cache, dy, ctx)


__all__ = [
    "BatchNorm",
    "BatchNormState",
    "LayerNorm",
    "NormParams",
]
