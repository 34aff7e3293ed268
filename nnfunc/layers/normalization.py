"""BatchNorm and LayerNorm: normalize, then scale and shift with learned params.

Both normalize each feature (the last axis). BatchNorm takes statistics over the
batch (and any spatial axes) in training and keeps running averages of them as
state for inference; LayerNorm takes them over each example's features, the same
in training and inference, and keeps no state.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from nnfunc import random
from nnfunc._arrays import FloatArray, FloatDType, freeze, readonly
from nnfunc.layers.base import InputError, ParamsError


@attrs.frozen
class NormParams:
    """Learned `scale` and `shift`, each of shape (features,), read-only."""

    scale: npt.NDArray[Any] = attrs.field(converter=readonly)
    shift: npt.NDArray[Any] = attrs.field(converter=readonly)


@attrs.frozen
class BatchNormState:
    """BatchNorm's running `mean` and `var` of each feature, shape (features,), read-only."""

    mean: npt.NDArray[Any] = attrs.field(converter=readonly)
    var: npt.NDArray[Any] = attrs.field(converter=readonly)


def _positive_int(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be an int >= 1, given {value!r}")


def _init_norm_params(features: int, dtype: FloatDType) -> NormParams:
    return NormParams(freeze(np.ones(features, dtype)), freeze(np.zeros(features, dtype)))


def _check(layer: Any, params: object, x: FloatArray, min_rank: int) -> NormParams:
    """The params, after checking them and the input's rank and feature count."""
    if not isinstance(params, NormParams):
        given = type(params).__name__
        raise ParamsError("", f"{layer!r} needs NormParams(scale, shift), given {given}")
    expected = (layer.features,)
    for name in ("scale", "shift"):
        if getattr(params, name).shape != expected:
            given_shape = getattr(params, name).shape
            raise ParamsError(
                f".{name}", f"{layer!r} expects shape {expected}, given {given_shape}"
            )
    if x.ndim < min_rank or x.shape[-1] != layer.features:
        raise InputError(
            "", f"{layer!r} expects inputs of shape (batch, ..., {layer.features}), given {x.shape}"
        )
    return params


@attrs.frozen
class _NormCache:
    """What the backward pass of a normalization needs."""

    x_hat: FloatArray
    inv_std: FloatArray
    axes: tuple[int, ...]


def _normalize(
    x: FloatArray, mean: FloatArray, var: FloatArray, eps: float, axes: tuple[int, ...]
) -> _NormCache:
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))
    return _NormCache((x - mean) * inv_std, inv_std, axes)


def _scale_shift(params: NormParams, cache: _NormCache) -> FloatArray:
    y: FloatArray = cache.x_hat * params.scale
    y += params.shift
    return y


def _norm_backward(
    params: NormParams, cache: _NormCache, dy: FloatArray, input_grad: bool
) -> tuple[NormParams, FloatArray | None]:
    """Gradients of y = scale * x_hat + shift with x_hat normalized over `cache.axes`."""
    param_axes = tuple(range(dy.ndim - 1))
    grads = NormParams(
        freeze((dy * cache.x_hat).sum(axis=param_axes)), freeze(dy.sum(axis=param_axes))
    )
    if not input_grad:
        return grads, None
    d_hat = dy * params.scale
    mean_d = d_hat.mean(axis=cache.axes, keepdims=True)
    mean_dx = (d_hat * cache.x_hat).mean(axis=cache.axes, keepdims=True)
    dx: FloatArray = (d_hat - mean_d - cache.x_hat * mean_dx) * cache.inv_std
    return grads, dx


@attrs.frozen
class BatchNorm:
    """Normalize each of `features` (the last axis) with batch statistics in training and
    running ones at inference; y = scale * x_hat + shift.

    Running statistics follow PyTorch: r <- (1 - momentum) r + momentum * batch value,
    the variance's batch value unbiased. They are state (`nf.init_state`), not params:
    inference is `nf.forward(net, params, x, state=state)`.
    """

    features: int = attrs.field(validator=_positive_int)
    momentum: float = attrs.field(
        default=0.1, validator=[attrs.validators.gt(0.0), attrs.validators.le(1.0)]
    )
    eps: float = attrs.field(default=1e-5, validator=attrs.validators.gt(0.0))

    def init_params(self, key: random.Key, dtype: FloatDType) -> NormParams:
        """scale 1, shift 0."""
        return _init_norm_params(self.features, dtype)

    def init_state(self, dtype: FloatDType) -> BatchNormState:
        """Running mean 0 and variance 1."""
        return BatchNormState(
            freeze(np.zeros(self.features, dtype)), freeze(np.ones(self.features, dtype))
        )

    def apply(self, params: NormParams, x: FloatArray) -> tuple[FloatArray, _NormCache]:
        """Refused: BatchNorm needs its state at inference and a training pass to learn."""
        raise InputError(
            "",
            f"{self!r} needs its running statistics: infer with nf.forward(net, params, x, "
            "state=state) and train with nf.train_value_and_grads or fit",
        )

    def apply_train(
        self, params: NormParams, state: BatchNormState, x: FloatArray, key: random.Key | None
    ) -> tuple[FloatArray, _NormCache, BatchNormState]:
        """(y, cache, new state): normalized with this batch's mean and (biased) variance."""
        _check(self, params, x, 2)
        if not isinstance(state, BatchNormState):
            raise ParamsError("", f"{self!r} needs a BatchNormState, given {type(state).__name__}")
        axes = tuple(range(x.ndim - 1))
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

    def apply_infer(self, params: NormParams, state: BatchNormState, x: FloatArray) -> FloatArray:
        """y normalized with the running statistics."""
        _check(self, params, x, 2)
        if not isinstance(state, BatchNormState):
            raise ParamsError("", f"{self!r} needs a BatchNormState, given {type(state).__name__}")
        cache = _normalize(x, state.mean, state.var, self.eps, tuple(range(x.ndim - 1)))
        return _scale_shift(params, cache)

    def backward(
        self, params: NormParams, cache: _NormCache, dy: FloatArray, input_grad: bool
    ) -> tuple[NormParams, FloatArray | None]:
        """Gradients through the batch statistics of the training pass."""
        return _norm_backward(params, cache, dy, input_grad)


@attrs.frozen
class LayerNorm:
    """Normalize each example over its `features` (the last axis); y = scale * x_hat + shift.
    The same in training and inference; no state."""

    features: int = attrs.field(validator=_positive_int)
    eps: float = attrs.field(default=1e-5, validator=attrs.validators.gt(0.0))

    def init_params(self, key: random.Key, dtype: FloatDType) -> NormParams:
        """scale 1, shift 0."""
        return _init_norm_params(self.features, dtype)

    def apply(self, params: NormParams, x: FloatArray) -> tuple[FloatArray, _NormCache]:
        """(y, cache): statistics over the last axis of each example."""
        _check(self, params, x, 2)
        axes = (x.ndim - 1,)
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        cache = _normalize(x, mean, var, self.eps, axes)
        return _scale_shift(params, cache), cache

    def backward(
        self, params: NormParams, cache: _NormCache, dy: FloatArray, input_grad: bool
    ) -> tuple[NormParams, FloatArray | None]:
        """Gradients through each example's statistics."""
        return _norm_backward(params, cache, dy, input_grad)
