"""Layer specs: frozen, hashable values; their params live apart, in trees of arrays."""

from nnfunc.layers.activations import (
    NAMES as ACTIVATIONS,
)
from nnfunc.layers.activations import (
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    sigmoid,
    softmax,
)
from nnfunc.layers.base import InputError, Layer, LocatedError, ParamsError
from nnfunc.layers.dense import Dense, DenseParams
from nnfunc.layers.dropout import Dropout
from nnfunc.layers.normalization import BatchNorm, BatchNormState, LayerNorm, NormParams
from nnfunc.layers.sequential import Sequential, SequentialParams, mlp

__all__ = [
    "ACTIVATIONS",
    "BatchNorm",
    "BatchNormState",
    "Dense",
    "DenseParams",
    "Dropout",
    "Identity",
    "InputError",
    "Layer",
    "LayerNorm",
    "LeakyReLU",
    "LocatedError",
    "NormParams",
    "ParamsError",
    "ReLU",
    "Sequential",
    "SequentialParams",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "mlp",
    "sigmoid",
    "softmax",
]
