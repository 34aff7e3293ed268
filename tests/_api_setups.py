"""Small nets, their params and data, and the case type of the API battery's registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
from hypothesis import strategies as st

import nnfunc as nf
from tests._api_kinds import Kind


@attrs.frozen
class Case:
    """A public callable, a strategy of valid keyword arguments, the kind of each argument
    that gets swapped, the words an error may use for an argument besides its name."""

    label: str
    call: Callable[..., Any]
    valid: st.SearchStrategy[Mapping[str, Any]]
    kinds: Mapping[str, Kind]
    names: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    frozen: bool = False
    """Every array of the result is read-only (params, grads, state)."""
    aliases: bool = False
    """The callable hands back the arrays it was given by design (tree walks)."""
    check: Callable[[dict[str, Any], Any], None] | None = None
    examples: int = 3
    nan_shows: bool = True
    """A NaN given must show in the result (False when the result is not computed from it)."""


def A(strategy: Any, kind: Kind | None = None) -> tuple[st.SearchStrategy[Any], Kind | None]:
    """An argument: its valid values (a strategy or one value) and its kind (None: not swapped)."""
    if not isinstance(strategy, st.SearchStrategy):
        strategy = st.just(strategy)
    return strategy, kind


def make(
    label: str,
    call: Callable[..., Any],
    args: Mapping[str, tuple[st.SearchStrategy[Any], Kind | None]],
    **options: Any,
) -> Case:
    """A case whose arguments are drawn independently."""
    valid = st.fixed_dictionaries({name: strategy for name, (strategy, _) in args.items()})
    kinds = {name: kind for name, (_, kind) in args.items() if kind is not None}
    return Case(label, call, valid, kinds, **options)


KEYS = st.integers(0, 2**32 - 1).map(nf.random.key)


def _data(shape: tuple[int, ...], seed: int) -> np.ndarray[Any, Any]:
    return np.random.default_rng(seed).normal(size=shape)


def _one_hot(n: int, k: int, seed: int) -> np.ndarray[Any, Any]:
    return np.eye(k)[np.random.default_rng(seed).integers(0, k, n)]


@attrs.frozen
class Setup:
    """A net with params, state, a batch (x, y) and the loss it trains with."""

    name: str
    net: Any
    params: Any
    state: Any
    x: np.ndarray[Any, Any]
    y: np.ndarray[Any, Any]
    loss_fn: Any


def _setup(name: str, net: Any, x_shape: tuple[int, ...], y: Any, loss_fn: Any) -> Setup:
    params = nf.init(net, nf.random.key(7))
    return Setup(name, net, params, nf.init_state(net), _data(x_shape, 1), y, loss_fn)


SETUPS = (
    _setup("mlp", nf.mlp([3, 5, 2]), (4, 3), _data((4, 2), 2), nf.losses.MSE()),
    _setup(
        "norm",
        nf.Sequential(
            nf.Dense(3, 4), nf.BatchNorm(4), nf.Tanh(), nf.Dropout(0.25), nf.LayerNorm(4),
            nf.Dense(4, 3),
        ),
        (5, 3), _one_hot(5, 3, 3), nf.losses.SoftmaxCrossEntropy(),
    ),
    _setup(
        "conv",
        nf.Sequential(
            nf.Conv2D(2, 3, 2), nf.LeakyReLU(0.1), nf.MaxPool2D(2), nf.AvgPool2D(1),
            nf.Flatten(), nf.Dense(12, 1), nf.Sigmoid(),
        ),
        (3, 5, 5, 2), (np.arange(3) % 2.0)[:, None], nf.losses.BinaryCrossEntropy(),
    ),
    _setup(
        "reshape", nf.Sequential(nf.Reshape((2, 2)), nf.Flatten(), nf.Identity(), nf.ReLU()),
        (2, 4), _data((2, 4), 4), nf.losses.mse,
    ),
)  # fmt: skip
NETS = st.sampled_from(SETUPS)
STATELESS = st.sampled_from([s for s in SETUPS if s.name != "norm"])
