"""The demo behind `python -m nnfunc`: an MLP learns a synthetic 2-D classification task.

It needs nothing beyond numpy and attrs. It prints a header (data set, net,
optimizer), the progress of each epoch on stderr (a tqdm bar with the `progress`
extra, one plain line per epoch without), then `test accuracy: ...`; with matplotlib
(the `plot` extra) it also saves the loss curves, the decision regions and the test
confusion matrix as PNG files and prints their paths. `python -m nnfunc --help`
lists the options; a bad option is an argparse error (exit code 2).

Its parts, one concern each: `sets` (the data-set registry), `cli` (the options),
`run` (data split, training, the header), `plots` (the saved figures) and `app`
(`main`, which ties them together).
"""

from nnfunc.demo.app import main
from nnfunc.demo.cli import FAST, FULL, Options, parse, parser
from nnfunc.demo.plots import save_plots
from nnfunc.demo.run import (
    Outcome,
    Split,
    fit_net,
    header,
    initial_params,
    network,
    split_data,
)
from nnfunc.demo.sets import DATASETS, DataSet

__all__ = [
    "DATASETS",
    "FAST",
    "FULL",
    "DataSet",
    "Options",
    "Outcome",
    "Split",
    "fit_net",
    "header",
    "initial_params",
    "main",
    "network",
    "parse",
    "parser",
    "save_plots",
    "split_data",
]
