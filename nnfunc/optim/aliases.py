"""The named optimizers: chains of transformations that follow the update rules PyTorch
documents for torch.optim."""

from __future__ import annotations

from nnfunc import _checks
from nnfunc.optim._base import GradientTransformation, LearningRate, check_nesterov
from nnfunc.optim.masking import AddDecayedWeights, every_leaf
from nnfunc.optim.transforms import Chain, ScaleByAdam, ScaleByLearningRate, ScaleByRms, Trace


def _weight_decay(owner: str, weight_decay: float) -> tuple[GradientTransformation, ...]:
    """add_decayed_weights of every param (PyTorch's rule) when weight_decay > 0, else
    nothing; errors name `owner.weight_decay`."""
    decay = _checks.real(f"{owner}.weight_decay", weight_decay, 0.0)
    return (AddDecayedWeights(decay, mask=every_leaf),) if decay > 0.0 else ()


def _momentum(owner: str, momentum: float, nesterov: bool = False) -> tuple[Trace, ...]:
    """trace(momentum, nesterov) when momentum > 0, else nothing; errors name `momentum`."""
    rate = _checks.real(f"{owner}.momentum", momentum, 0.0, 1.0, open_high=True)
    flag = check_nesterov(owner, "momentum", rate, nesterov)
    return (Trace(rate, flag),) if rate > 0.0 else ()


def sgd(
    learning_rate: LearningRate,
    momentum: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
) -> Chain:
    """torch.optim.SGD with dampening 0, at each update:
    g <- g + weight_decay*p; b <- momentum*b + g (b_1 = g); g <- g + momentum*b with
    nesterov, else g <- b; p <- p - lr*g. Weight decay applies to every param.

    Raises ValueError for a negative learning_rate or weight_decay, momentum outside
    [0, 1), and nesterov without momentum.
    """
    return Chain(
        *_weight_decay("sgd", weight_decay),
        *_momentum("sgd", momentum, nesterov),
        ScaleByLearningRate(learning_rate),
    )


def rmsprop(
    learning_rate: LearningRate, decay: float = 0.99, eps: float = 1e-8, momentum: float = 0.0
) -> Chain:
    """torch.optim.RMSprop (alpha = decay, centered=False), at each update:
    v <- decay*v + (1 - decay)*g^2 (v_0 = 0); g <- g / (sqrt(v) + eps);
    b <- momentum*b + g (b_0 = 0) and g <- b when momentum > 0; p <- p - lr*g.

    Raises ValueError for a negative learning_rate, decay or momentum outside [0, 1),
    and eps <= 0.
    """
    return Chain(
        ScaleByRms(decay, eps), *_momentum("rmsprop", momentum), ScaleByLearningRate(learning_rate)
    )


def adam(
    learning_rate: LearningRate, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> Chain:
    """torch.optim.Adam, at update t = 1, 2, ... (m_0 = v_0 = 0):
    m <- b1*m + (1 - b1)*g; v <- b2*v + (1 - b2)*g^2;
    p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).

    Raises ValueError for a negative learning_rate, b1 or b2 outside [0, 1), and eps <= 0.
    """
    return Chain(ScaleByAdam(b1, b2, eps), ScaleByLearningRate(learning_rate))


def adamw(
    learning_rate: LearningRate,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.01,
) -> Chain:
    """torch.optim.AdamW (decoupled weight decay): Adam's step, plus the decay of every
    param before the step, both scaled by lr:
    p <- p - lr * ((m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + weight_decay*p).

    Raises ValueError for a negative learning_rate or weight_decay, b1 or b2 outside
    [0, 1), and eps <= 0.
    """
    return Chain(
        ScaleByAdam(b1, b2, eps),
        *_weight_decay("adamw", weight_decay),
        ScaleByLearningRate(learning_rate),
    )


__all__ = [
    "adam",
    "adamw",
    "rmsprop",
    "sgd",
]
