"""Layer specs: frozen, hashable values; their params and state live apart, in trees.

Every layer follows one protocol (`Layer`, see `nnfunc.layers.base`): `init_params`,
`init_state`, `apply(params, state, x, ctx)` and `backward(params, cache, dy, ctx)`,
with `traits` saying which arrays it hands over as scratch.
"""

from nnfunc.layers.activations import NAMES as ACTIVATIONS
from nnfunc.layers.activations import (
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    sigmoid,
    softmax,
)
from nnfunc.layers.base import (
    INFERENCE,
    TRAINING,
    Context,
    InputError,
    Layer,
    LocatedError,
    ParamsError,
    StateError,
    Stateless,
    Traits,
)
from nnfunc.layers.conv import Conv2D
from nnfunc.layers.dense import Conv2DParams, Dense, DenseParams
from nnfunc.layers.dropout import Dropout
from nnfunc.layers.normalization import BatchNorm, BatchNormState, LayerNorm, NormParams
from nnfunc.layers.pooling import AvgPool2D, MaxPool2D
from nnfunc.layers.reshape import Flatten, Reshape
from nnfunc.layers.sequential import Sequential, SequentialParams, SequentialState, mlp

__all__ = [
    "ACTIVATIONS",
    "INFERENCE",
    "TRAINING",
    "Activation",
    "AvgPool2D",
    "BatchNorm",
    "BatchNormState",
    "Context",
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
    "SequentialState",
    "Sigmoid",
    "Softmax",
    "StateError",
    "Stateless",
    "Tanh",
    "Traits",
    "mlp",
    "sigmoid",
    "softmax",
]
