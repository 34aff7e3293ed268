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
    sweep,
    train,
    tree,
)
from nnfunc.core import (
    Backprop,
    apply,
    backprop,
    forward,
    grads,
    init,
    init_state,
    loss,
    sgd_step,
    train_value_and_grads,
    value_and_grads,
)
from nnfunc.gradcheck import GradCheck, check_grads
from nnfunc.layers import (
    AvgPool2D,
    BatchNorm,
    BatchNormState,
    Conv2D,
    Conv2DParams,
    Dense,
    DenseParams,
    Dropout,
    Flatten,
    Identity,
    InputError,
    Layer,
    LayerNorm,
    LeakyReLU,
    MaxPool2D,
    NormParams,
    ParamsError,
    ReLU,
    Reshape,
    Sequential,
    SequentialParams,
    SequentialState,
    Sigmoid,
    Softmax,
    Tanh,
    mlp,
)
from nnfunc.random import Key
from nnfunc.train import fit, train_step
from nnfunc.tree import pytree, static_field

__version__ = "0.1.0"


def __dir__() -> list[str]:
    """The public names only: submodules imported for their own use stay out of dir(nf)."""
    return list(__all__)


__all__ = [
    "AvgPool2D",
    "Backprop",
    "BatchNorm",
    "BatchNormState",
    "Conv2D",
    "Conv2DParams",
    "Dense",
    "DenseParams",
    "Dropout",
    "Flatten",
    "GradCheck",
    "Identity",
    "InputError",
    "Key",
    "Layer",
    "LayerNorm",
    "LeakyReLU",
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
    "Tanh",
    "__version__",
    "apply",
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
    "init_state",
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
    "sweep",
    "train",
    "train_step",
    "train_value_and_grads",
    "tree",
    "value_and_grads",
]
