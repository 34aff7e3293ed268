"""The demo's pictures: loss curves, decision regions and the test confusion matrix."""

from __future__ import annotations

from pathlib import Path

from nnfunc import metrics
from nnfunc.demo.run import Outcome, Split


def save_plots(outcome: Outcome, split: Split, out: Path) -> list[Path]:
    """Save history.png, decision_regions.png (test points) and confusion_matrix.png in out.

    Raises ImportError, saying how to install it, when matplotlib is missing.
    """
    from nnfunc import plot  # the `plot` extra: matplotlib

    x_test, y_test = split.test
    logits = outcome.logits(x_test)
    matrix = metrics.confusion_matrix(y_test, metrics.predicted_labels(logits), logits.shape[1])
    accuracy = metrics.accuracy(logits, y_test)
    return [
        plot.history(outcome.history, out / "history.png", title="loss and accuracy per epoch"),
        plot.decision_boundary(
            outcome.logits,
            x_test,
            y_test,
            out / "decision_regions.png",
            title="decision regions and test points",
        ),
        plot.confusion_matrix(
            matrix, out / "confusion_matrix.png", title=f"test confusion matrix ({accuracy:.3f})"
        ),
    ]


__all__ = ["save_plots"]
