"""Layers in a row: the params are a tuple aligned with the layers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import attrs

from nnfunc import initializers, random
from nnfunc._arrays import FloatArray, FloatDType
from nnfunc._parts import check_parts
from nnfunc.layers import activations
from nnfunc.layers.base import (
    Layer,
    LocatedError,
    ParamsError,
    apply_infer,
    apply_train,
    has_training_mode,
    layer_state,
)
from nnfunc.layers.dense import Dense
from nnfunc.random import Key, split

SequentialParams = tuple[Any, ...]
"""One entry per layer: that layer's params, or None for a layer without params.

Typed `Any` because each entry's type is fixed by its layer, known only at run time.
"""


@attrs.frozen(init=False)
class Sequential:
    """Apply `layers` in order; a Sequential is itself a layer, so nets nest."""

    layers: tuple[Layer[Any, Any], ...]

    def __init__(self, *layers: Layer[Any, Any]) -> None:
        check_parts("Sequential", "layer", layers, ("init_params", "apply", "backward"))
        self.__attrs_init__(tuple(layers))

    def __repr__(self) -> str:
        return f"Sequential({', '.join(repr(layer) for layer in self.layers)})"

    def init_params(self, key: random.Key, dtype: FloatDType) -> SequentialParams:
        """A tuple of each layer's params, each drawn from its own child of `key`."""
        keys = random.split(key, len(self.layers))
        pairs = zip(self.layers, keys, strict=True)
        return tuple(layer.init_params(k, dtype) for layer, k in pairs)

    def _check(self, params: object) -> SequentialParams:
        if not isinstance(params, tuple) or len(params) != len(self.layers):
            given = (
                f"{type(params).__name__} of length {len(params)}"
                if isinstance(params, Sequence)
                else type(params).__name__
            )
            raise ParamsError(
                "",
                f"expected a tuple of {len(self.layers)} entries, one per layer of "
                f"{self!r}, given {given}",
            )
        return params

    def init_state(self, dtype: FloatDType) -> tuple[object, ...]:
        """A tuple of each layer's state (None for layers without state)."""
        return tuple(layer_state(layer, dtype) for layer in self.layers)

    def has_training_mode(self) -> bool:
        """True when some layer trains differently from how it infers."""
        return any(has_training_mode(layer) for layer in self.layers)

    def _states(self, state: object) -> tuple[object, ...]:
        if state is None:
            return (None,) * len(self.layers)
        if not isinstance(state, tuple) or len(state) != len(self.layers):
            raise ParamsError(
                "",
                f"the state of {self!r} must be the tuple of {len(self.layers)} entries "
                f"that nf.init_state makes, given {type(state).__name__}",
            )
        return state

    def apply_train(
        self, params: SequentialParams, state: object, x: FloatArray, key: Key | None
    ) -> tuple[FloatArray, tuple[object, ...], tuple[object, ...]]:
        """(output, caches, new states): the training pass, each layer with its own key."""
        self._check(params)
        states = self._states(state)
        keys = split(key, len(self.layers)) if key is not None else (None,) * len(self.layers)
        caches, new_states = [], []
        for i, layer in enumerate(self.layers):
            try:
                x, cache, layer_state_ = apply_train(layer, params[i], states[i], x, keys[i])
            except LocatedError as error:
                raise error.nested(f"[{i}]") from None
            caches.append(cache)
            new_states.append(layer_state_)
        return x, tuple(caches), tuple(new_states)

    def apply_infer(self, params: SequentialParams, state: object, x: FloatArray) -> FloatArray:
        """The inference pass with each layer's state."""
        self._check(params)
        states = self._states(state)
        for i, layer in enumerate(self.layers):
            try:
                x = apply_infer(layer, params[i], states[i], x)
            except LocatedError as error:
                raise error.nested(f"[{i}]") from None
        return x

    def apply(
        self, params: SequentialParams, x: FloatArray
    ) -> tuple[FloatArray, tuple[object, ...]]:
        """(output, the tuple of every layer's cache): x (batch, in) to (batch, out)."""
        self._check(params)
        caches = []
        for i, (layer, layer_params) in enumerate(zip(self.layers, params, strict=True)):
            try:
                x, cache = layer.apply(layer_params, x)
            except LocatedError as error:
                raise error.nested(f"[{i}]") from None
            caches.append(cache)
        return x, tuple(caches)

    def backward(
        self,
        params: SequentialParams,
        cache: tuple[object, ...],
        dy: FloatArray,
        input_grad: bool,
    ) -> tuple[SequentialParams, FloatArray | None]:
        """(tuple of each layer's param grads, input grad): walks the layers back once.

        Layers before the first one with params are skipped unless `input_grad`.
        """
        first = 0
        while not input_grad and first < len(params) and params[first] is None:
            first += 1
        grads: list[object] = [None] * len(self.layers)
        grad: FloatArray | None = dy
        for i in range(len(self.layers) - 1, first - 1, -1):
            assert grad is not None
            grads[i], grad = self.layers[i].backward(
                params[i], cache[i], grad, input_grad or i > first
            )
        return tuple(grads), (grad if input_grad else None)


def mlp(
    sizes: Sequence[int],
    activation: str = "relu",
    output_activation: str | None = None,
    init: str | initializers.Initializer = initializers.glorot_uniform,
) -> Sequential:
    """Dense layers of `sizes` with `activation` between them; the last layer is linear
    unless `output_activation` is named. [2, 4, 1] with "tanh" is
    Sequential(Dense(2, 4), Tanh(), Dense(4, 1)).
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"mlp needs at least 2 sizes (inputs and outputs), given {sizes!r}")
    hidden = activations.get(activation)
    layers: list[Layer[Any, Any]] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(Dense(n_in, n_out, init=init))
        if i < len(sizes) - 2:
            layers.append(hidden)
    if output_activation is not None:
        layers.append(activations.get(output_activation))
    return Sequential(*layers)
