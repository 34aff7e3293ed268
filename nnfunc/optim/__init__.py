"""Optimizers as values: gradient transformations with a pure `init` and a pure `update`.

A gradient transformation is a frozen, hashable, picklable spec with two methods:

    state = opt.init(params)                           # a frozen pytree of read-only arrays
    updates, state = opt.update(grads, state, params)  # updates: params' structure
    params = optim.apply_updates(params, updates)      # params + updates, leaf by leaf
    params, state = optim.step(opt, grads, state, params)  # the two above, bit for bit

Small transformations (`scale`, `scale_by_learning_rate`, `trace`, `scale_by_adam`,
`scale_by_rms`, `add_decayed_weights`, `clip_by_global_norm`, `clip`, `masked`) compose
with `chain`, whose state is the tuple of its parts' states. The named optimizers `sgd`,
`rmsprop`, `adam` and `adamw` are chains of them that follow the update rules PyTorch
documents for torch.optim. A learning rate is a float or a schedule (`constant`,
`step_decay`, `exponential_decay`, `cosine_decay`, `linear_warmup`): a function of the
step count that `scale_by_learning_rate` keeps in its state, 0 at the first update.
`decay_mask` says which params weight decay applies to by default (declared with
`nnfunc.tree.param_field`, else the leaves of two or more dimensions).

A user-defined optimizer is one new pair of functions on a frozen class. Sign descent,
which steps against the sign of each gradient:

    @attrs.frozen
    class ScaleBySign:
        def init(self, params):
            return optim.EmptyState()

        def update(self, grads, state, params=None):
            return nf.tree.map(np.sign, grads), state

    sign_descent = optim.chain(ScaleBySign(), optim.scale_by_learning_rate(0.01))

Updates and states returned here hold read-only arrays of the grads' dtype (the params'
dtype after `apply_updates`), new ones but for grads already read-only that pass through
unchanged; no argument is changed. Grads, state and params must share one structure and
their leaves' shapes: a ValueError names the path where they do not.
"""

from nnfunc.optim._base import (
    EmptyState,
    GradientTransformation,
    LearningRate,
    OptState,
    Schedule,
    check_optimizer,
)
from nnfunc.optim.aliases import adam, adamw, rmsprop, sgd
from nnfunc.optim.apply import apply_updates, descend, step
from nnfunc.optim.clipping import clip, clip_by_global_norm
from nnfunc.optim.masking import add_decayed_weights, decay_mask, masked
from nnfunc.optim.schedules import (
    constant,
    cosine_decay,
    exponential_decay,
    linear_warmup,
    step_decay,
)
from nnfunc.optim.transforms import (
    ScaleByAdamState,
    ScaleByLearningRateState,
    ScaleByRmsState,
    TraceState,
    chain,
    scale,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    trace,
)

__all__ = [
    "EmptyState",
    "GradientTransformation",
    "LearningRate",
    "OptState",
    "ScaleByAdamState",
    "ScaleByLearningRateState",
    "ScaleByRmsState",
    "Schedule",
    "TraceState",
    "adam",
    "adamw",
    "add_decayed_weights",
    "apply_updates",
    "chain",
    "check_optimizer",
    "clip",
    "clip_by_global_norm",
    "constant",
    "cosine_decay",
    "decay_mask",
    "descend",
    "exponential_decay",
    "linear_warmup",
    "masked",
    "rmsprop",
    "scale",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_rms",
    "sgd",
    "step",
    "step_decay",
    "trace",
]
