"""Training loops from pure pieces: `train_step`, `epoch`, and `fit` built from them.

`fit` is a fold over epochs and batches: every epoch's shuffle comes from
`random.fold_in(key, epoch)`, so the same key gives byte-identical params and
history, and a run stopped after epoch k resumes exactly (pass the params, the
optimizer state and `initial_epoch=k` back in).
"""

from nnfunc.train._fit import EarlyStopping, EpochEnd, FitResult, History, Metric, fit
from nnfunc.train._loop import DivergenceError, ScanResult, epoch, scan
from nnfunc.train._step import TrainStep, make_step, train_step

for _public in (
    DivergenceError,
    EarlyStopping,
    EpochEnd,
    FitResult,
    History,
    ScanResult,
    TrainStep,
):
    _public.__module__ = __name__  # the name users import, in messages, pickles and checkpoints

__all__ = [
    "DivergenceError",
    "EarlyStopping",
    "EpochEnd",
    "FitResult",
    "History",
    "Metric",
    "ScanResult",
    "TrainStep",
    "epoch",
    "fit",
    "make_step",
    "scan",
    "train_step",
]
