"""Layers in a row: the params are a tuple aligned with the layers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import attrs

from nnfunc import _checks, initializers, random
from nnfunc._arrays import FloatArray, FloatDType
from nnfunc._parts import check_parts
from nnfunc.layers import activations
from nnfunc.layers.base import (
    INFERENCE,
    AnyLayer,
    Context,
    Kind,
    LocatedError,
    ParamsError,
    StateError,
    Traits,
)
from nnfunc.layers.dense import Dense
from nnfunc.layers.windows import Size

SequentialParams = tuple[Any, ...]
"""One entry per layer: that layer's params, or None for a layer without params.

Typed `Any` because each entry's type is fixed by its layer, known only at run time.
"""

SequentialState = tuple[Any, ...]
"""One entry per layer: that layer's state, or None for a layer without state."""

SequentialCache = tuple[Any, ...]
"""One entry per layer: what its backward pass needs."""


def _then(first: Kind, second: Kind) -> Kind:
    """The kind of an array that passes through a layer of kind `first`, then `second`."""
    return first if second == "view" else second


def _compose(kinds: Sequence[Kind]) -> Kind:
    result: Kind = "view"
    for kind in kinds:
        result = _then(result, kind)
    return result


@attrs.frozen(init=False)
class Sequential:
    """Apply `layers` in order; a Sequential is itself a layer, so nets nest.

    Its traits follow from its layers' (an output is new when the last layer that is not
    a view makes it new), so a nested Sequential takes the same scratch arrays as a flat one.
    """

    layers: tuple[AnyLayer, ...]
    traits: Traits = attrs.field(eq=False, repr=False)
    _forward: tuple[tuple[AnyLayer, bool, bool], ...] = attrs.field(eq=False, repr=False)
    """Per layer: (the layer, whether its output is new, whether it is a view of its input)."""
    _backward: tuple[tuple[int, AnyLayer, bool, bool], ...] = attrs.field(eq=False, repr=False)
    """The same of the input grads, last layer first, with each layer's index."""
    _no_states: tuple[None, ...] = attrs.field(eq=False, repr=False)

    def __init__(self, *layers: AnyLayer) -> None:
        check_parts(
            "Sequential", "layer", layers, ("init_params", "init_state", "apply", "backward")
        )
        for i, layer in enumerate(layers):
            if not isinstance(getattr(layer, "traits", None), Traits):
                raise TypeError(
                    f"Sequential: layer {i} must declare its traits (an nf.layers.Traits "
                    f"attribute; subclass nf.layers.Stateless for the defaults), given "
                    f"{type(layer).__name__}: {layer!r}"
                )
        outputs = [layer.traits.output for layer in layers]
        grads = [layer.traits.input_grad for layer in layers]
        traits = Traits(
            output=_compose(outputs),
            input_grad=_compose(grads[::-1]),
            random=any(layer.traits.random for layer in layers),
            grads="new" if all(layer.traits.grads == "new" for layer in layers) else "kept",
        )
        forward = tuple(
            (layer, kind == "new", kind == "view")
            for layer, kind in zip(layers, outputs, strict=True)
        )
        backward = tuple(
            (i, layers[i], grads[i] == "new", grads[i] == "view")
            for i in range(len(layers) - 1, -1, -1)
        )
        self.__attrs_init__(tuple(layers), traits, forward, backward, (None,) * len(layers))

    def __repr__(self) -> str:
        return f"Sequential({', '.join(repr(layer) for layer in self.layers)})"

    def init_params(self, key: random.Key, dtype: FloatDType) -> SequentialParams:
        """A tuple of each layer's params, each drawn from its own child of `key`."""
        keys = random.split(key, len(self.layers))
        pairs = zip(self.layers, keys, strict=True)
        return tuple(layer.init_params(k, dtype) for layer, k in pairs)

    def init_state(self, dtype: FloatDType) -> SequentialState:
        """A tuple of each layer's state (None for layers without state)."""
        return tuple(layer.init_state(dtype) for layer in self.layers)

    def _check(self, params: object) -> SequentialParams:
        if isinstance(params, tuple) and len(params) == len(self.layers):
            return params
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

    def _states(self, state: object) -> SequentialState:
        if state is None:
            return self._no_states
        if isinstance(state, tuple) and len(state) == len(self.layers):
            return state
        raise StateError(
            "",
            f"the state of {self!r} must be the tuple of {len(self.layers)} entries "
            f"that nf.init_state makes, given {type(state).__name__}",
        )

    def apply(
        self,
        params: SequentialParams,
        state: SequentialState | None,
        x: FloatArray,
        ctx: Context = INFERENCE,
    ) -> tuple[FloatArray, SequentialCache, SequentialState]:
        """(output, each layer's cache, each layer's new state): x (batch, in) to
        (batch, out); each layer gets its own child of `ctx.key`, and may overwrite its
        input when the layer before made it new."""
        params = self._check(params)
        states = self._states(state)
        keys = None if ctx.key is None else random.split(ctx.key, len(self.layers))
        free = ctx.overwrite
        caches, new_states = [], []
        for i, (layer, makes_new, passes_on) in enumerate(self._forward):
            if keys is None:
                layer_ctx = ctx.with_flags(free)
            else:
                layer_ctx = Context(ctx.training, keys[i], free, True, ctx.buffers)
            try:
                x, cache, layer_state = layer.apply(params[i], states[i], x, layer_ctx)
            except LocatedError as error:
                raise error.nested(f"[{i}]") from None
            caches.append(cache)
            new_states.append(layer_state)
            free = makes_new or (free and passes_on)
        return x, tuple(caches), tuple(new_states)

    def backward(
        self,
        params: SequentialParams,
        cache: SequentialCache,
        dy: FloatArray,
        ctx: Context = INFERENCE,
    ) -> tuple[SequentialParams, FloatArray | None]:
        """(tuple of each layer's param grads, input grad): walks the layers back once.

        Layers before the first one with params are skipped unless `ctx.input_grad`.
        """
        input_grad = ctx.input_grad
        first = 0
        while not input_grad and first < len(params) and params[first] is None:
            first += 1
        grads: list[object] = list(self._no_states)
        grad: FloatArray | None = dy
        free = ctx.overwrite
        for i, layer, makes_new, passes_on in self._backward:
            if i < first:
                break
            assert grad is not None
            layer_ctx = ctx.with_flags(free, input_grad or i > first)
            grads[i], grad = layer.backward(params[i], cache[i], grad, layer_ctx)
            free = makes_new or (free and passes_on)
        return tuple(grads), (grad if input_grad else None)


def mlp(
    sizes: Sequence[Size],
    activation: str = "relu",
    output_activation: str | None = None,
    init: str | initializers.Initializer = initializers.glorot_uniform,
    thread_invariant: bool = False,
) -> Sequential:
    """Dense layers of `sizes` with `activation` between them; the last layer is linear
    unless `output_activation` is named. [2, 4, 1] with "tanh" is
    Sequential(Dense(2, 4), Tanh(), Dense(4, 1)). `thread_invariant`: each Dense's option.
    """
    given: object = sizes
    if isinstance(given, str) or not isinstance(given, Sequence):
        raise TypeError(f"sizes must be a sequence of ints >= 1, given {given!r:.80}")
    sizes = [_checks.size(f"sizes[{i}]", n) for i, n in enumerate(given)]
    if len(sizes) < 2:
        raise ValueError(f"mlp needs at least 2 sizes (inputs and outputs), given {sizes!r}")
    hidden = activations.get(activation)
    layers: list[AnyLayer] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(Dense(n_in, n_out, init=init, thread_invariant=thread_invariant))
        if i < len(sizes) - 2:
            layers.append(hidden)
    if output_activation is not None:
        layers.append(activations.get(output_activation, "output_activation"))
    return Sequential(*layers)


__all__ = [
    "Sequential",
    "SequentialCache",
    "SequentialParams",
    "SequentialState",
    "mlp",
]
