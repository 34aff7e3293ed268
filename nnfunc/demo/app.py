"""`main`: the demo from the command line to the printed accuracy and the saved plots."""

from __future__ import annotations

from collections.abc import Sequence

from nnfunc.demo.cli import parse, parser
from nnfunc.demo.plots import save_plots
from nnfunc.demo.run import fit_net, header, initial_params, split_data


def main(argv: Sequence[str] | None = None) -> None:
    """Run the demo with the command-line options argv (default sys.argv[1:])."""
    options_parser = parser()
    options = parse(options_parser, argv)
    split = split_data(options)
    if options.batch_size > len(split.train[0]):
        options_parser.error(
            f"--batch-size must be at most the {len(split.train[0])} training points, "
            f"given {options.batch_size}"
        )
    params = initial_params(options)
    print("\n".join(header(options, split, params)), flush=True)
    outcome = fit_net(options, split, params, progress=True)
    print(f"final train loss: {outcome.history['train_loss'][-1]:.4f}")
    print(f"validation accuracy: {outcome.history['val_accuracy'][-1]:.3f}")
    print(f"test accuracy: {outcome.accuracy(*split.test):.3f}")
    try:
        saved = save_plots(outcome, split, options.out)
    except ImportError as error:
        print(f"plots: none saved: {error}")
        return
    print("\n".join(f"saved {path}" for path in saved))


__all__ = ["main"]
