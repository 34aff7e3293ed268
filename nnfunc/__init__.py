"""nnfunc: purely functional neural networks on NumPy and attrs.

Specs (layers, losses) are frozen values; params are frozen attrs pytrees of
read-only arrays; `init`, `forward`, `loss`, `grads`, `value_and_grads` and
`sgd_step` are pure functions; all randomness comes from an explicit `Key`.
"""

from nnfunc import (
    checkpoint,
    data,
    datasets,
    idx,
    initializers,
    layers,
    losses,
    metrics,
    optim,
    perceptron,
    random,
    train,
    tree,
)
from nnfunc.core import (
    backprop,
    forward,
    grads,
    init,
    loss,
    sgd_step,
    value_and_grads,
)
from nnfunc.gradcheck import GradCheck, check_grads
from nnfunc.layers import (
    Dense,
    DenseParams,
    Identity,
    InputError,
    Layer,
    LeakyReLU,
    ParamsError,
    ReLU,
    Sequential,
    SequentialParams,
    Sigmoid,
    Softmax,
    Tanh,
    mlp,
)
from nnfunc.random import Key
from nnfunc.train import fit, train_step
from nnfunc.tree import pytree, static_field

__version__ = "0.1.0"

__all__ = [
    "Dense",
    "DenseParams",
    "GradCheck",
    "Identity",
    "InputError",
    "Key",
    "Layer",
    "LeakyReLU",
    "ParamsError",
    "ReLU",
    "Sequential",
    "SequentialParams",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "__version__",
    "backprop",
    "check_grads",
    "checkpoint",
    "data",
    "datasets",
    "fit",
    "forward",
    "grads",
    "idx",
    "init",
    "initializers",
    "layers",
    "loss",
    "losses",
    "metrics",
    "mlp",
    "optim",
    "perceptron",
    "pytree",
    "random",
    "sgd_step",
    "static_field",
    "train",
    "train_step",
    "tree",
    "value_and_grads",
]
