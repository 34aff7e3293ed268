"""Export the digits CNN to ONNX and run it with onnxruntime alone: the same predictions.

Trains the conv net of examples/cnn_digits.py on scikit-learn's 8x8 digits, exports it
with `nnfunc.onnx.export` (every axis but the batch fixed by an example image), then
loads the file into an onnxruntime session, which knows nothing of nnfunc, and runs
the test images through it. Prints the model's operators, the largest difference
between the logits of nnfunc and of onnxruntime, and that the predicted digits agree;
exits 1 if they do not. Saves the model as digits_cnn.onnx.

Run: python examples/export_onnx.py [--epochs N] [--seed S] [--out DIR] [--fast]
It needs scikit-learn, onnx and onnxruntime: pip install "nnfunc[examples,onnx]".
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import NoReturn

import numpy as np
from cnn_digits import EPOCHS, conv_net, split_images, train

import nnfunc as nf
from _cli import add_epochs, parser
from _cli import epochs as chosen_epochs

FAST_EPOCHS = 1


def missing_onnx() -> NoReturn:
    """Exit with code 2 and the command that installs onnx and onnxruntime."""
    print(
        "examples/export_onnx.py needs onnx and onnxruntime; install them with: "
        'pip install "nnfunc[onnx]"',
        file=sys.stderr,
    )
    raise SystemExit(2)


def main() -> None:
    options = parser(__file__, __doc__)
    add_epochs(options, EPOCHS, FAST_EPOCHS)
    args = options.parse_args()
    try:
        import onnxruntime

        from nnfunc import onnx as nf_onnx
    except ImportError:
        missing_onnx()
    epochs = chosen_epochs(args)
    out: Path = args.out

    k_split, k_init, k_fit = nf.random.split(nf.random.key(args.seed), 3)
    x_train, x_test, y_train, y_test = split_images(k_split)
    net = conv_net()
    params = train(net, nf.init(net, k_init), x_train, y_train, k_fit, epochs).params
    logits = nf.forward(net, params, x_test)
    accuracy = nf.metrics.accuracy(logits, y_test)
    print(f"trained the digits CNN for {epochs} epoch(s): nnfunc's test accuracy {accuracy:.3f}")

    out.mkdir(parents=True, exist_ok=True)
    path = out / "digits_cnn.onnx"
    model = nf_onnx.export(net, params, x_test[:1], path=path)
    ops = Counter(node.op_type for node in model.graph.node)
    print(f"exported {path}: opset {nf_onnx.OPSET}, {sum(ops.values())} nodes")
    print("  " + ", ".join(f"{op} x{n}" if n > 1 else op for op, n in ops.items()))

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    onnx_logits = session.run(None, {"x": x_test.astype(np.float32)})[0]
    difference = float(np.abs(onnx_logits - logits).max())
    print(
        f"onnxruntime on the {len(x_test)} test images: largest logit difference {difference:.1e}"
    )
    agree = int((onnx_logits.argmax(axis=1) == logits.argmax(axis=1)).sum())
    print(f"predictions agree: {agree} of {len(x_test)}")
    if agree != len(x_test):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
