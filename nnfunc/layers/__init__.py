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
from nnfunc.layers.conv import Conv2D, Conv2DParams
from nnfunc.layers.dense import Dense, DenseParams
from nnfunc.layers.dropout import Dropout
from nnfunc.layers.normalization import BatchNorm, BatchNormState, LayerNorm, NormParams
from nnfunc.layers.pooling import AvgPool2D, MaxPool2D
from nnfunc.layers.reshape import Flatten, Reshape
from nnfunc.layers.sequential import Sequential, SequentialParams, mlp

__all__ = [
    "ACTIVATIONS",
    "AvgPool2D",
    "BatchNorm",
    "BatchNormState",
    "Conv2D",
    "Conv2DParams",
    "Dense",
    "DenseParams",
    "Dropout",
    "Flatten",
    "Identity",
    "InputError",
    "Layer",
    "LayerNorm",
    "LeakyReLU",
    "LocatedError",
    "MaxPool2D",
    "NormParams",
    "ParamsError",
    "ReLU",
    "Reshape",
    "Sequential",
    "SequentialParams",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "mlp",
    "sigmoid",
    "softmax",
]
