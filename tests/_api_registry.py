"""The API battery's registry: a case for each public callable of nnfunc and its modules
(keyed "fit", "optim.adam", ...), and the callables left out, each with its reason.
Cases of the models (core, layers, train, optim) are in tests/_api_models.py."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from hypothesis import strategies as st

import nnfunc as nf
from tests import _api_kinds as K
from tests._api_kinds import Variant
from tests._api_models import MODEL_CASES
from tests._api_setups import KEYS, A, Case, _data, _one_hot, make

R = nf.random
N = st.integers(1, 6)
SHAPES = st.tuples(N, N)
FLOATS = st.floats(-3, 3, allow_nan=False)
REAL = K.real()
POSITIVE = K.real(0.0)
COUNT = K.integer(1)
SHAPE = K.one_of(
    Variant("negative dim", (2, -1), "refuse"), Variant("float dim", (2.0, 1), "refuse"),
    Variant("str", "2", "refuse"), Variant("np.int64", np.int64(3), "same", 3),
    Variant("huge", (2**62, 2**62), "either"), *K.WRONG_TYPES,
)  # fmt: skip
DTYPE = K.one_of(
    Variant("'float64'", "float64", "same", np.float64), Variant("int32", np.int32, "refuse"),
    Variant("complex64", np.complex64, "refuse"), Variant("float16", np.float16, "either"),
    Variant("'x'", "x", "refuse"), Variant("object()", object(), "refuse"),
)  # fmt: skip
ARRAY = K.array()


def arrays_of(shape: Any) -> st.SearchStrategy[np.ndarray[Any, Any]]:
    """Float64 arrays of normal entries, shapes from a strategy or a fixed shape."""
    shapes = shape if isinstance(shape, st.SearchStrategy) else st.just(shape)
    return st.tuples(shapes, st.integers(0, 99)).map(lambda s: _data(*s))


def _in_file(save: Any) -> Any:
    """save(path, ...) into a fresh temporary directory, then the file's path."""

    def call(**kwargs: Any) -> Any:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "file"
            save(path, **kwargs)
            return path.stat().st_size

    return call


def _round_trip(save: Any, load: Any, template: bool = False) -> Any:
    def call(**kwargs: Any) -> Any:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "file"
            value = kwargs.pop("tree", None) if template else None
            save(path, value if template else kwargs.pop("array"))
            return load(path, **kwargs)

    return call


PAIRS = st.tuples(st.integers(4, 8), st.integers(1, 3), st.integers(0, 99)).map(
    lambda s: (_data((s[0], s[1]), s[2]), _data((s[0], 1), s[2] + 1))
)
LABELS = st.tuples(st.integers(1, 8), st.integers(0, 99)).map(
    lambda s: np.random.default_rng(s[1]).integers(0, 3, s[0])
)


def _pair_case(label: str, call: Any, **extra: tuple[Any, Any]) -> Case:
    """A case of call(x, y, ...) over matching (x, y) pairs."""
    valid = st.tuples(PAIRS, st.fixed_dictionaries({k: s for k, (s, _) in extra.items()}))
    kinds = {"x": ARRAY, "y": ARRAY, **{k: kind for k, (_, kind) in extra.items() if kind}}
    return Case(label, call, valid.map(lambda v: {"x": v[0][0], "y": v[0][1], **v[1]}), kinds)


def _metric(label: str, call: Any, probs: bool = False, **extra: Any) -> Case:
    """A case of metric(pred, target): (n, 1) predictions (probabilities) and targets."""

    def pair(s: tuple[int, int]) -> dict[str, Any]:
        pred = _data((s[0], 1), s[1])
        target = (pred > 0).astype(np.float64)
        return {"pred": 1 / (1 + np.exp(-pred)) if probs else pred, "target": target}

    valid = st.tuples(st.integers(1, 8), st.integers(0, 99)).map(pair)
    return Case(label, call, valid, {"pred": ARRAY, "target": ARRAY}, **extra)


def _labels_pair(**kwargs: Any) -> Any:
    return nf.metrics.confusion_matrix(**kwargs)


CASES = [
    # random
    make("random.key", R.key, {"seed": A(st.integers(0, 2**32), K.integer(0))}),
    make("random.Key", R.Key, {"hi": A(st.integers(0, 9), K.integer(0)), "lo": A(1, K.integer(0))}),
    make("random.check_key", R.check_key, {"value": A(KEYS, K.key)}, names={"value": ("key",)}),
    make(
        "random.fold_in",
        R.fold_in,
        {"k": A(KEYS, K.key), "data": A(N, K.integer(0))},
        names={"k": ("key",)},
    ),
    make("random.split", R.split, {"k": A(KEYS, K.key), "num": A(N, COUNT)}, names={"k": ("key",)}),
    make(
        "random.generator",
        lambda k: R.generator(k).random(),
        {"k": A(KEYS, K.key)},
        names={"k": ("key",)},
    ),
    make(
        "random.permutation",
        R.permutation,
        {"k": A(KEYS, K.key), "n": A(N, K.integer(0))},
        names={"k": ("key",)},
    ),
    make(
        "random.normal",
        R.normal,
        {"k": A(KEYS, K.key), "shape": A(SHAPES, SHAPE), "dtype": A(np.float32, DTYPE)},
        names={"k": ("key",)},
    ),
    make(
        "random.uniform",
        R.uniform,
        {
            "k": A(KEYS, K.key),
            "shape": A(SHAPES, SHAPE),
            "low": A(-1.0, REAL),
            "high": A(2.0, REAL),
            "dtype": A(np.float64, DTYPE),
        },
        names={"k": ("key",)},
    ),
    make(
        "random.bernoulli",
        R.bernoulli,
        {"k": A(KEYS, K.key), "p": A(st.floats(0, 1), K.real(0.0)), "shape": A(SHAPES, SHAPE)},
        names={"k": ("key",)},
    ),
    make(
        "random.randint",
        R.randint,
        {
            "k": A(KEYS, K.key),
            "shape": A(SHAPES, SHAPE),
            "low": A(0, K.integer()),
            "high": A(5, K.integer()),
        },
        names={"k": ("key",)},
    ),
    # data
    make(
        "data.check_finite",
        nf.data.check_finite,
        {"name": A("x"), "array": A(arrays_of(SHAPES), ARRAY)},
        names={"array": ("x",)},
    ),
    _pair_case(
        "data.batches",
        lambda **kw: list(nf.data.batches(**kw)),
        key=A(KEYS, K.key),
        batch_size=A(st.integers(1, 4), COUNT),
        drop_last=A(False, K.boolean),
    ),
    _pair_case(
        "data.train_test_split",
        nf.data.train_test_split,
        key=A(KEYS, K.key),
        test_size=A(st.floats(0.25, 0.5), K.real(0.0)),
    ),
    make(
        "data.num_batches",
        nf.data.num_batches,
        {
            "n": A(st.integers(1, 50), K.integer(1)),
            "batch_size": A(N, COUNT),
            "drop_last": A(st.booleans(), K.boolean),
        },
    ),
    make(
        "data.Standardizer",
        nf.data.Standardizer,
        {"mean": A(arrays_of(3), ARRAY), "std": A(arrays_of(3).map(np.abs), ARRAY)},
    ),
    make("data.Standardizer.fit", nf.data.Standardizer.fit, {"x": A(arrays_of((5, 3)), ARRAY)}),
    # datasets
    make(
        "datasets.binary_targets",
        nf.datasets.binary_targets,
        {"labels": A(LABELS.map(lambda a: a % 2), K.labels(2))},
    ),
    make(
        "datasets.one_hot",
        nf.datasets.one_hot,
        {"labels": A(LABELS, K.labels(3)), "num_classes": A(3, COUNT)},
    ),
    make("datasets.make_xor", nf.datasets.make_xor, {}),
    make(
        "datasets.make_moons",
        nf.datasets.make_moons,
        {"key": A(KEYS, K.key), "n": A(N, COUNT), "noise": A(0.1, K.real(0.0))},
    ),
    make(
        "datasets.make_circles",
        nf.datasets.make_circles,
        {
            "key": A(KEYS, K.key),
            "n": A(N, COUNT),
            "noise": A(0.1, K.real(0.0)),
            "factor": A(0.5, K.real(0.0)),
        },
    ),
    make(
        "datasets.make_xor_noisy",
        nf.datasets.make_xor_noisy,
        {"key": A(KEYS, K.key), "n": A(N, COUNT), "noise": A(0.1, K.real(0.0))},
    ),
    make(
        "datasets.make_blobs",
        nf.datasets.make_blobs,
        {
            "key": A(KEYS, K.key),
            "n": A(N, COUNT),
            "centers": A(3, COUNT),
            "std": A(1.0, K.real(0.0)),
            "features": A(2, K.integer(1, optional=True)),
            "center_box": A(
                (-1.0, 1.0),
                K.one_of(
                    Variant("reversed", (1.0, -1.0), "refuse"),
                    Variant("NaN", (np.nan, 1.0), "refuse"),
                    *K.WRONG_TYPES,
                ),
            ),
        },
    ),
    make(
        "datasets.make_classification",
        nf.datasets.make_classification,
        {
            "key": A(KEYS, K.key),
            "n": A(st.integers(4, 9), COUNT),
            "features": A(5, COUNT),
            "informative": A(2, COUNT),
            "redundant": A(1, K.integer(0)),
            "classes": A(2, COUNT),
            "clusters_per_class": A(1, COUNT),
            "class_sep": A(1.0, K.real(0.0)),
            "flip_y": A(0.01, K.real(0.0)),
        },
    ),
    make(
        "datasets.make_regression_tabular",
        nf.datasets.make_regression_tabular,
        {"key": A(KEYS, K.key), "n": A(N, COUNT), "noise_std": A(1.0, K.real(0.0))},
    ),
    make(
        "datasets.save_idx",
        _in_file(nf.datasets.save_idx),
        {"array": A(arrays_of(SHAPES), ARRAY), "compress": A(False, K.boolean)},
        nan_shows=False,
    ),
    make(
        "datasets.load_idx",
        _round_trip(nf.datasets.save_idx, nf.datasets.load_idx),
        {"array": A(arrays_of(SHAPES))},
    ),
    # metrics
    _metric("metrics.accuracy", nf.metrics.accuracy),
    _metric("metrics.mae", nf.metrics.mae),
    _metric("metrics.mse", nf.metrics.mse),
    Case(
        "metrics.r2",
        nf.metrics.r2,
        st.tuples(st.integers(2, 8), st.integers(0, 99)).map(
            lambda s: {"pred": _data((s[0], 1), s[1]), "target": np.arange(s[0] * 1.0)[:, None]}
        ),
        {"pred": ARRAY, "target": ARRAY},
    ),
    make(
        "metrics.predicted_labels",
        nf.metrics.predicted_labels,
        {"pred": A(arrays_of(SHAPES), ARRAY), "threshold": A(0.5, REAL)},
    ),
    Case(
        "metrics.log_loss",
        nf.metrics.log_loss,
        st.tuples(N, st.integers(0, 9), st.sampled_from([1e-7, 0.1])).map(
            lambda s: {
                "probs": _one_hot(s[0], 3, s[1]) * 0.7 + 0.1,
                "target": _one_hot(s[0], 3, s[1] + 1),
                "eps": s[2],
            }
        ),
        {"probs": ARRAY, "target": ARRAY, "eps": K.real(0.0)},
    ),
    Case(
        "metrics.confusion_matrix",
        _labels_pair,
        LABELS.map(lambda a: {"true_labels": a, "pred_labels": a[::-1].copy(), "num_classes": 3}),
        {
            "true_labels": K.labels(3),
            "pred_labels": K.labels(3),
            "num_classes": K.integer(1, optional=True),
        },
    ),
    # initializers
    make("initializers.Normal", nf.initializers.Normal, {"std": A(0.5, POSITIVE)}),
    make("initializers.Zeros", nf.initializers.Zeros, {}),
    make(
        "initializers.VarianceScaling",
        nf.initializers.VarianceScaling,
        {
            "scale": A(1.0, POSITIVE),
            "mode": A("fan_in", K.choice),
            "distribution": A("normal", K.choice),
        },
    ),
    make(
        "initializers.get",
        nf.initializers.get,
        {"init": A(st.sampled_from(sorted(nf.initializers.BY_NAME)), K.choice)},
    ),
    # perceptron
    make(
        "perceptron.init",
        nf.perceptron.init,
        {"n_features": A(N, K.integer(1, huge=True)), "dtype": A(np.float64, DTYPE)},
        frozen=True,
    ),
    make(
        "perceptron.PerceptronParams",
        nf.perceptron.PerceptronParams,
        {"w": A(arrays_of(3), ARRAY), "b": A(0.5, REAL)},
    ),
    # gradcheck lives with the models
]
for _name in sorted(
    set(nf.initializers.__all__)
    - {"BY_NAME", "Initializer", "Normal", "VarianceScaling", "Zeros", "get"}
):
    CASES.append(
        make(
            f"initializers.{_name}",
            getattr(nf.initializers, _name),
            {"key": A(KEYS, K.key), "shape": A(SHAPES, SHAPE), "dtype": A(np.float32, DTYPE)},
            frozen=False,
        )
    )
for _name in ("save_idx", "load_idx"):
    _case = next(c for c in CASES if c.label == f"datasets.{_name}")
    CASES.append(attrs.evolve(_case, label=f"idx.{_name}"))

_labels_of = LABELS.map(lambda a: a % 2)
CASES += [
    make(
        "perceptron.predict",
        nf.perceptron.predict,
        {"params": A(nf.perceptron.init(3), K.params), "x": A(arrays_of((4, 3)), ARRAY)},
        nan_shows=False,  # labels 0 or 1: a NaN score gives a label, as a NaN pred does
    ),
    make(
        "perceptron.step",
        nf.perceptron.step,
        {
            "params": A(nf.perceptron.init(3), K.params),
            "x": A(arrays_of((4, 3)), ARRAY),
            "y": A(np.array([0, 1, 1, 0]), K.labels(2)),
            "learning_rate": A(0.1, POSITIVE),
        },
        frozen=True,
    ),
    make(
        "perceptron.train",
        nf.perceptron.train,
        {
            "params": A(nf.perceptron.init(3), K.params),
            "x": A(arrays_of((4, 3)), ARRAY),
            "y": A(np.array([0, 1, 1, 0]), K.labels(2)),
            "learning_rate": A(0.1, POSITIVE),
            "epochs": A(2, COUNT),
            "key": A(KEYS, K.optional_key),
        },
    ),
]

for _label in (
    "layers.Flatten",
    "layers.Identity",
    "layers.ReLU",
    "layers.Sigmoid",
    "layers.Softmax",
    "layers.Tanh",
    "losses.MSE",
    "losses.SigmoidBinaryCrossEntropy",
    "losses.SoftmaxCrossEntropy",
):
    CASES.append(make(_label, eval(f"nf.{_label}"), {}))

_PROTOCOL = "a Protocol or type alias: nothing to call"
_ERROR = "an exception class nnfunc raises; its messages are checked where it is raised"
_RESULT = "a result type nnfunc builds from checked values; checked through its producer"
_DECORATOR = "builds classes, not values: tested by tests/test_tree.py"
EXCLUDED: dict[str, str] = {
    "layers.Layer": _PROTOCOL, "losses.Loss": _PROTOCOL, "losses.Penalty": _PROTOCOL,
    "optim.GradientTransformation": _PROTOCOL, "optim.OptState": _PROTOCOL,
    "optim.Schedule": _PROTOCOL, "initializers.Initializer": _PROTOCOL, "train.Metric": _PROTOCOL,
    "gradcheck.F64": _PROTOCOL, "layers.Activation": "base class of the activations",
    "layers.Stateless": "base class of the layers without state", "losses.LossBase": "base class",
    "layers.InputError": _ERROR, "layers.LocatedError": _ERROR, "layers.ParamsError": _ERROR,
    "layers.StateError": _ERROR, "train.DivergenceError": _ERROR,
    "Backprop": _RESULT, "gradcheck.GradCheck": _RESULT, "checkpoint.LeafInfo": _RESULT,
    "checkpoint.Manifest": _RESULT, "train.EpochEnd": _RESULT, "train.FitResult": _RESULT,
    "train.ScanResult": _RESULT, "checkpoint.Provenance": _RESULT,
    "checkpoint.ProvenanceWarning": "a warning class, tested in test_checkpoint",
    "tree.TreeDef": _RESULT, "optim.EmptyState": _RESULT, "optim.ScaleByAdamState": _RESULT,
    "optim.ScaleByLearningRateState": _RESULT, "optim.ScaleByRmsState": _RESULT,
    "optim.TraceState": _RESULT, "layers.SequentialParams": _RESULT,
    "layers.SequentialState": _RESULT,
    "layers.Context": "layer-author plumbing the engine builds; its fields are not user input",
    "layers.Traits": "a layer's declaration about its arrays, written by layer authors",
    "tree.pytree": _DECORATOR, "tree.static_field": _DECORATOR, "tree.param_field": _DECORATOR,
    "tree.declared": "reads a field's metadata, called by optim.decay_mask (registered)",
    "tree.map_many": "the engine's multi-output map behind optim's transforms (registered)",
    "train.TrainStep": "the class train.make_step (registered) builds",
}  # fmt: skip
KNOWN: dict[tuple[str, str], str] = {
    ("perceptron.PerceptronParams", "b"): "a params value, like DenseParams' b, holds what "
    "training gives, NaN and inf included (fit's divergence check reports them); the kind "
    "`real` of a bias argument refuses them, which a params class must not",
}
"""(case, argument) pairs whose failures the battery found and this branch has not mended,
each with what happens; the report lists them."""

REGISTRY: dict[str, Case] = {case.label: case for case in CASES + MODEL_CASES}
