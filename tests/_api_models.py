"""The API battery's cases of the models: core functions, layers, losses, optimizers,
training, trees, checkpoints and the gradient check (each over tests/_api_setups.py)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from hypothesis import strategies as st

import nnfunc as nf
from tests import _api_kinds as K
from tests._api_kinds import Variant
from tests._api_setups import KEYS, NETS, SETUPS, STATELESS, A, Case, Setup, _data, make

OPT = nf.optim
ARRAY, COUNT, REAL, POSITIVE = K.array(), K.integer(1), K.real(), K.real(0.0)
RATE = K.real(0.0, open_low=True) if False else K.real(0.0)
LOSS = K.one_of(
    Variant("str", "mse", "refuse"), Variant("class", nf.losses.MSE, "refuse"), *K.WRONG_TYPES
)
NET_KINDS = {"x": ARRAY, "params": K.params, "loss_fn": LOSS}
NAMES = {"x": ("layer", "the net", "input"), "y": ("target",), "loss_fn": ("loss",)}


def net_case(
    label: str, call: Callable[..., Any], fields: Callable[[Setup, Any], dict[str, Any]],
    kinds: dict[str, K.Kind], **options: Any,
) -> Case:  # fmt: skip
    """A case over the setups: fields(setup, key) gives the keyword arguments."""
    nets = options.pop("nets", NETS)
    valid = st.tuples(nets, KEYS).map(lambda s: fields(*s))
    names = {**NAMES, **options.pop("names", {})}
    return Case(label, call, valid, kinds, names=names, **options)


def _xy(s: Setup) -> dict[str, Any]:
    return {"net": s.net, "params": s.params, "x": s.x, "y": s.y, "loss_fn": s.loss_fn}


XY_KINDS = {**NET_KINDS, "y": ARRAY}
GRADS = st.sampled_from(SETUPS).map(lambda s: (s.params, nf.tree.map(np.ones_like, s.params)))


def _run_optimizer(optimizer: Any) -> Any:
    """Two steps of `optimizer` on the first setup's params: (params, state)."""
    params = SETUPS[1].params
    state = optimizer.init(params)
    grads = nf.tree.map(np.ones_like, params)
    for _ in range(2):
        params, state = OPT.step(optimizer, grads, state, params)
    return params, state


def _schedule(schedule: Any) -> Any:
    return [schedule(step) for step in (0, 1, 7, 10**6, 2**62)]


def _opt(label: str, make_fn: Callable[..., Any], run: Callable[[Any], Any] = _run_optimizer,
         **args: Any) -> Case:  # fmt: skip
    names: dict[str, tuple[str, ...]] = args.pop("names", {})
    return make(
        label, lambda **kw: run(make_fn(**kw)), args, frozen=run is _run_optimizer, names=names
    )


def _file(action: Callable[[Path, dict[str, Any]], Any]) -> Callable[..., Any]:
    def call(**kwargs: Any) -> Any:
        with tempfile.TemporaryDirectory() as folder:
            return action(Path(folder) / "tree.npz", kwargs)

    return call


def _saved(path: Path, value: Any, then: Callable[[], Any]) -> Any:
    """then() after saving `value` as a checkpoint at `path`."""
    nf.checkpoint.save(path, value)
    return then()


TREES = st.sampled_from(SETUPS).map(lambda s: s.params)
SIZE = K.integer(1, huge=True)
MODEL_CASES = [
    net_case(
        "init",
        nf.init,
        lambda s, k: {"net": s.net, "key": k, "dtype": np.float64},
        {
            "key": K.key,
            "dtype": K.one_of(
                Variant("int", np.int32, "refuse"), Variant("str", "float64", "same", np.float64)
            ),
        },
        frozen=True,
    ),
    net_case("init_state", nf.init_state, lambda s, k: {"net": s.net}, {}, frozen=True),
    net_case(
        "forward",
        nf.forward,
        lambda s, k: {"net": s.net, "params": s.params, "x": s.x, "state": s.state},
        {**NET_KINDS, "state": K.params},
    ),
    net_case(
        "apply",
        nf.apply,
        lambda s, k: {
            "net": s.net,
            "params": s.params,
            "x": s.x,
            "state": s.state,
            "key": k,
            "training": True,
        },
        {**NET_KINDS, "state": K.params, "key": K.optional_key, "training": K.boolean},
    ),
    net_case("loss", nf.loss, lambda s, k: {**_xy(s), "state": s.state}, XY_KINDS),
    net_case(
        "backprop",
        lambda **kw: attrs.astuple(nf.backprop(**kw), recurse=False),
        lambda s, k: {**_xy(s), "state": s.state, "key": k, "training": True, "input_grad": True},
        {**XY_KINDS, "input_grad": K.boolean, "training": K.boolean},
        frozen=False,
    ),
    net_case("value_and_grads", nf.value_and_grads, lambda s, k: _xy(s), XY_KINDS, nets=STATELESS),
    net_case(
        "grads",
        nf.grads,
        lambda s, k: _xy(s),
        XY_KINDS,
        frozen=True,
        nets=STATELESS,
        nan_shows=False,  # a net without params (reshape) has no grads to show it
    ),
    net_case(
        "train_value_and_grads",
        nf.train_value_and_grads,
        lambda s, k: {**_xy(s), "state": s.state, "key": k},
        {**XY_KINDS, "key": K.optional_key},
    ),
    net_case(
        "sgd_step",
        nf.sgd_step,
        lambda s, k: {"params": s.params, "grads": nf.grads(**_xy(s)), "learning_rate": 0.1},
        {"params": K.params, "grads": K.params, "learning_rate": REAL},
        frozen=True,
        nets=STATELESS,
    ),
    net_case(
        "gradcheck.check_grads",
        nf.check_grads,
        lambda s, k: {**_xy(s), "state": s.state, "key": k, "eps": 1e-4},
        {"eps": POSITIVE, "training": K.boolean, "inputs": K.boolean, "loss_fn": LOSS},
        examples=2,
    ),
    net_case(
        "train_step",
        nf.train_step,
        lambda s, k: {
            **_xy(s),
            "opt_state": OPT.sgd(0.1).init(s.params),
            "optimizer": OPT.sgd(0.1),
        },
        XY_KINDS,
        frozen=True,
        nets=STATELESS,
    ),
    net_case(
        "train.epoch",
        nf.train.epoch,
        lambda s, k: {
            "net": s.net,
            "params": s.params,
            "loss_fn": s.loss_fn,
            "opt_state": OPT.adam(0.1).init(s.params),
            "optimizer": OPT.adam(0.1),
            "batches": [(s.x, s.y)],
            "epoch_index": 0,
        },
        {"params": K.params, "loss_fn": LOSS, "epoch_index": K.integer(0)},
        nets=STATELESS,
    ),
    net_case(
        "fit",
        nf.fit,
        lambda s, k: {**_xy(s), "optimizer": OPT.sgd(0.01), "key": k, "epochs": 2, "batch_size": 2},
        {
            **XY_KINDS,
            "key": K.key,
            "epochs": COUNT,
            "batch_size": COUNT,
            "validation_split": POSITIVE,
            "drop_last": K.boolean,
            "progress": K.boolean,
            "initial_epoch": K.integer(0),
            "callbacks": K.sequence(),
            "metrics": K.one_of(
                Variant("list", ["accuracy"], "refuse"), Variant("fn", len, "refuse")
            ),
            "validation_data": K.one_of(
                Variant("1-tuple", (np.zeros((2, 3)),), "refuse"), Variant("str", "x", "refuse")
            ),
        },
        examples=2,
        nets=STATELESS,
    ),
    net_case(
        "train.scan",
        lambda **kw: attrs.astuple(nf.train.scan(**kw), recurse=False),
        lambda s, k: {
            "step": nf.train.make_step(s.net, s.loss_fn, OPT.sgd(0.01)),
            "params": s.params,
            "opt_state": OPT.sgd(0.01).init(s.params),
            "xs": np.stack([s.x, s.x[::-1]]),
            "ys": np.stack([s.y, s.y[::-1]]),
            "state": s.state,
            "key": k,
        },
        {
            "step": K.one_of(Variant("fn", len, "refuse"), *K.WRONG_TYPES),
            "params": K.params,
            "xs": K.array(listable=False),  # a list beside an array: refused, as documented
            "ys": K.array(listable=False),
            "key": K.optional_key,
        },
        names={"xs": ("x", "input", "layer"), "ys": ("y", "target")},
    ),
    net_case(
        "train.make_step",
        nf.train.make_step,
        lambda s, k: {"net": s.net, "loss_fn": s.loss_fn, "optimizer": OPT.sgd(0.1)},
        {
            "loss_fn": LOSS,
            "optimizer": K.one_of(Variant("class", OPT.sgd, "refuse"), *K.WRONG_TYPES),
        },
        names={"optimizer": ("optimizer",)},
    ),
    make(
        "train.EarlyStopping",
        nf.train.EarlyStopping,
        {
            "monitor": A("val_loss", K.one_of(*K.WRONG_TYPES)),
            "patience": A(2, K.integer(0)),
            "min_delta": A(0.0, K.real(0.0)),
            "mode": A("min", K.choice),
            "restore_best": A(True, K.boolean),
        },
    ),
    make(
        "train.History",
        nf.train.History,
        {
            "names": A(("loss",), K.sequence([Variant("dup", ("a", "a"), "refuse")])),
            "rows": A(
                ((1.0,), (0.5,)),
                K.one_of(
                    Variant("ragged", ((1.0, 2.0),), "refuse"), Variant("str", (("1",),), "refuse")
                ),
            ),
        },
    ),
    # losses
    make("losses.L2", nf.losses.L2, {"strength": A(0.1, POSITIVE)}),
    make("losses.BinaryCrossEntropy", nf.losses.BinaryCrossEntropy, {"eps": A(1e-7, POSITIVE)}),
    make(
        "losses.check_loss",
        nf.losses.check_loss,
        {"loss_fn": A(nf.losses.mse, LOSS)},
        names={"loss_fn": ("loss",)},
    ),
    # optim
    Case(
        "optim.apply_updates",
        OPT.apply_updates,
        TREES.map(lambda t: {"params": t, "updates": t}),
        {"params": K.params, "updates": K.params},
        frozen=True,
    ),
    make("optim.decay_mask", OPT.decay_mask, {"params": A(TREES, K.tree)}, nan_shows=False),
    Case(
        "optim.descend",
        OPT.descend,
        TREES.map(lambda t: {"params": t, "grads": t, "learning_rate": 0.1}),
        {"params": K.params, "grads": K.params, "learning_rate": REAL},
        frozen=True,
    ),
    make(
        "optim.check_optimizer",
        OPT.check_optimizer,
        {
            "optimizer": A(
                OPT.sgd(0.1), K.one_of(Variant("class", OPT.sgd, "refuse"), *K.WRONG_TYPES)
            )
        },
    ),
    make(
        "optim.step",
        OPT.step,
        {
            "optimizer": A(OPT.adam(0.1)),
            "grads": A(SETUPS[1].params, K.params),
            "state": A(OPT.adam(0.1).init(SETUPS[1].params)),
            "params": A(SETUPS[1].params, K.params),
        },
        frozen=True,
    ),
    _opt(
        "optim.sgd",
        OPT.sgd,
        learning_rate=A(0.1, RATE),
        momentum=A(0.5, POSITIVE),
        nesterov=A(False, K.boolean),
        weight_decay=A(0.0, POSITIVE),
    ),
    _opt(
        "optim.adam",
        OPT.adam,
        learning_rate=A(0.1, RATE),
        b1=A(0.9, POSITIVE),
        b2=A(0.99, POSITIVE),
        eps=A(1e-8, POSITIVE),
    ),
    _opt("optim.adamw", OPT.adamw, learning_rate=A(0.1, RATE), weight_decay=A(0.1, POSITIVE)),
    _opt(
        "optim.rmsprop",
        OPT.rmsprop,
        learning_rate=A(0.1, RATE),
        decay=A(0.9, POSITIVE),
        momentum=A(0.1, POSITIVE),
    ),
    _opt("optim.scale_by_adam", OPT.scale_by_adam, b1=A(0.9, POSITIVE), eps=A(1e-8, POSITIVE)),
    _opt("optim.scale_by_rms", OPT.scale_by_rms, decay=A(0.9, POSITIVE)),
    _opt("optim.scale_by_learning_rate", OPT.scale_by_learning_rate, learning_rate=A(0.1, RATE)),
    _opt("optim.scale", OPT.scale, factor=A(0.5, REAL)),
    _opt("optim.clip", OPT.clip, max_delta=A(0.5, POSITIVE)),
    _opt("optim.clip_by_global_norm", OPT.clip_by_global_norm, max_norm=A(0.5, POSITIVE)),
    _opt("optim.trace", OPT.trace, decay=A(0.5, POSITIVE), nesterov=A(False, K.boolean)),
    _opt("optim.add_decayed_weights", OPT.add_decayed_weights, weight_decay=A(0.1, POSITIVE)),
    _opt(
        "optim.masked",
        OPT.masked,
        inner=A(OPT.scale(2.0)),
        mask=A(OPT.decay_mask(SETUPS[1].params), K.one_of(*K.WRONG_TYPES)),
    ),
    _opt(
        "optim.chain",
        lambda **kw: OPT.chain(*kw["transforms"]),
        transforms=A((OPT.scale(0.5), OPT.clip(1.0)), K.one_of(Variant("fn", [len], "refuse"))),
        names={"transforms": ("transformation",)},
    ),
    _opt("optim.constant", OPT.constant, _schedule, value=A(0.1, REAL)),
    _opt(
        "optim.step_decay",
        OPT.step_decay,
        _schedule,
        init=A(0.1, POSITIVE),
        decay_rate=A(0.5, POSITIVE),
        step_size=A(3, COUNT),
    ),
    _opt(
        "optim.exponential_decay",
        OPT.exponential_decay,
        _schedule,
        init=A(0.1, POSITIVE),
        decay_rate=A(0.5, POSITIVE),
        decay_steps=A(3, COUNT),
    ),
    _opt(
        "optim.cosine_decay",
        OPT.cosine_decay,
        _schedule,
        init=A(0.1, POSITIVE),
        decay_steps=A(3, COUNT),
        alpha=A(0.0, POSITIVE),
    ),
    _opt(
        "optim.linear_warmup",
        OPT.linear_warmup,
        _schedule,
        peak=A(0.1, POSITIVE),
        warmup_steps=A(3, K.integer(0)),
    ),
    # tree
    Case(
        "tree.add",
        nf.tree.add,
        TREES.map(lambda t: {"a": t, "b": t}),
        {"a": K.params, "b": K.params},
    ),
    Case(
        "tree.sub",
        nf.tree.sub,
        TREES.map(lambda t: {"a": t, "b": t}),
        {"a": K.params, "b": K.params},
    ),
    Case(
        "tree.vdot",
        nf.tree.vdot,
        TREES.map(lambda t: {"a": t, "b": t}),
        {"a": K.params, "b": K.params},
    ),
    make(
        "tree.scale",
        nf.tree.scale,
        {"factor": A(0.5, K.real(finite=False)), "tree": A(TREES, K.tree)},
    ),
    make("tree.astype", nf.tree.astype, {"tree": A(TREES, K.tree), "dtype": A(np.float64)}),
    make("tree.zeros_like", nf.tree.zeros_like, {"tree": A(TREES, K.tree)}, nan_shows=False),
    make("tree.global_norm", nf.tree.global_norm, {"tree": A(TREES, K.tree)}),
    make("tree.equal", nf.tree.equal, {"a": A(TREES), "b": A(TREES)}),
    make("tree.leaves", nf.tree.leaves, {"tree": A(TREES)}, aliases=True),
    make("tree.first_leaf", nf.tree.first_leaf, {"tree": A(TREES)}, aliases=True),
    make("tree.flatten", nf.tree.flatten, {"tree": A(TREES)}, aliases=True),
    make("tree.structure", nf.tree.structure, {"tree": A(TREES)}),
    make(
        "tree.leaves_with_path",
        nf.tree.leaves_with_path,
        {"tree": A(TREES), "root": A("params", K.one_of(*K.WRONG_TYPES))},
        aliases=True,
    ),
    make(
        "tree.map", nf.tree.map, {"f": A(np.negative, K.one_of(*K.WRONG_TYPES)), "tree": A(TREES)}
    ),
    make(
        "tree.unflatten",
        lambda **kw: nf.tree.unflatten(nf.tree.structure(kw["tree"]), kw["leaves"]),
        {
            "tree": A(SETUPS[0].params),
            "leaves": A(
                nf.tree.leaves(SETUPS[0].params),
                K.one_of(Variant("short", [], "refuse"), *K.WRONG_TYPES),
            ),
        },
        aliases=True,
    ),
    # checkpoint
    make(
        "checkpoint.save",
        _file(lambda p, kw: nf.checkpoint.save(p, **kw)),
        {
            "tree": A(
                TREES,
                K.one_of(
                    Variant("object", object(), "refuse"),
                    Variant("complex leaf", (np.zeros(2) + 1j,), "either"),
                ),
            )
        },
    ),
    make(
        "checkpoint.load",
        _file(lambda p, kw: _saved(p, kw["tree"], lambda: nf.checkpoint.load(p, kw["template"]))),
        {"tree": A(SETUPS[1].params), "template": A(SETUPS[1].params, K.params)},
        frozen=True,
        nan_shows=False,
    ),
    make(
        "checkpoint.inspect",
        _file(lambda p, kw: _saved(p, kw["tree"], lambda: nf.checkpoint.inspect(p))),
        {"tree": A(TREES)},
    ),
]


def _built(layer: Any) -> Any:
    """The layer, its params and its state, as `init` and `init_state` make them."""
    return layer, nf.init(layer, nf.random.key(0)), nf.init_state(layer)


def _layer(label: str, cls: Callable[..., Any], **args: Any) -> Case:
    names: dict[str, tuple[str, ...]] = args.pop("names", {})
    return make(f"layers.{label}", lambda **kw: _built(cls(**kw)), args, names=names)


SIZE_OR_PAIR = K.one_of(
    Variant("0", 0, "refuse"), Variant("pair with 0", (2, 0), "refuse"),
    Variant("np.int64", np.int64(2), "same", 2), Variant("float", 2.0, "refuse"),
    Variant("triple", (1, 1, 1), "refuse"), *K.WRONG_TYPES,
)  # fmt: skip
STRIDE = lambda v: [  # noqa: E731
    x if x.label != "None" else Variant("None", None, "either") for x in SIZE_OR_PAIR(v)
]
"""A pooling stride: None is the default (the pool size)."""
RESHAPE = K.one_of(
    Variant("0", 0, "refuse"), Variant("pair with 0", (2, 0), "refuse"),
    Variant("float", 2.0, "refuse"), Variant("triple", (1, 1, 1), "either"), *K.WRONG_TYPES,
)  # fmt: skip
"""A target shape per example: (1, 1, 1) is one, unlike a window size (SIZE_OR_PAIR)."""
PAIRS = st.tuples(st.integers(1, 8), st.integers(0, 99)).map(
    lambda s: {"pred": _data((s[0], 3), s[1]), "target": np.eye(3)[np.arange(s[0]) % 3]}
)


def TARGET(v: Any) -> list[Variant]:
    """One-hot targets: `array`'s variants and rows that are no probabilities."""
    return [
        *K.array()(v),
        Variant("negative one-hot", v * -1.0, "refuse"),
        Variant("rows sum 2", v * 2.0, "refuse"),
        Variant("zero rows", v * 0.0, "refuse"),
    ]


MODEL_CASES += [
    _layer(
        "Dense",
        nf.Dense,
        in_features=A(3, SIZE),
        out_features=A(2, SIZE),
        init=A("he_normal", K.choice),
        bias_init=A("zeros", K.choice),
    ),
    _layer(
        "Conv2D",
        nf.Conv2D,
        in_channels=A(2, SIZE),
        out_channels=A(3, SIZE),
        kernel_size=A(2, SIZE_OR_PAIR),
        stride=A(1, SIZE_OR_PAIR),
        padding=A("same", K.choice),
    ),
    _layer(
        "BatchNorm",
        nf.BatchNorm,
        features=A(3, SIZE),
        momentum=A(0.1, POSITIVE),
        eps=A(1e-5, POSITIVE),
    ),
    _layer("LayerNorm", nf.LayerNorm, features=A(3, SIZE), eps=A(1e-5, POSITIVE)),
    _layer("Dropout", nf.Dropout, rate=A(0.5, POSITIVE)),
    _layer("LeakyReLU", nf.LeakyReLU, alpha=A(0.1, POSITIVE)),
    _layer(
        "MaxPool2D",
        nf.MaxPool2D,
        pool_size=A(2, SIZE_OR_PAIR),
        stride=A(1, STRIDE),
        padding=A("valid", K.choice),
    ),
    _layer(
        "AvgPool2D",
        nf.AvgPool2D,
        pool_size=A(2, SIZE_OR_PAIR),
        stride=A(None),
        padding=A("same", K.choice),
    ),
    _layer("Reshape", nf.Reshape, shape=A((2, 3), RESHAPE)),
    _layer(
        "Sequential",
        lambda layers: nf.Sequential(*layers),
        layers=A(
            (nf.Dense(3, 2), nf.ReLU()),
            K.one_of(
                Variant("a class", (nf.Dense(3, 2), nf.ReLU), "refuse"),
                Variant("a function", (len,), "refuse"),
                Variant("mismatch", (nf.Dense(3, 2), nf.Dense(3, 2)), "either"),
            ),
        ),
        names={"layers": ("layer",)},
    ),
    _layer(
        "mlp",
        nf.mlp,
        sizes=A(
            [3, 4, 2],
            K.one_of(
                Variant("np ints", [np.int64(3), np.int64(2)], "same", [3, 2]),
                Variant("zero", [3, 0], "refuse"),
                Variant("one size", [3], "refuse"),
                Variant("floats", [3.0, 2.0], "refuse"),
                Variant("str", "32", "refuse"),
                *K.WRONG_TYPES,
            ),
        ),
        activation=A("relu", K.choice),
        output_activation=A(None, K.one_of(Variant("x", "x", "refuse"))),
    ),
    make(
        "layers.DenseParams",
        nf.DenseParams,
        {"w": A(_data((3, 2), 0), K.leaf), "b": A(_data((2,), 1), K.leaf)},
    ),
    make(
        "layers.NormParams",
        nf.NormParams,
        {"scale": A(_data((3,), 0), K.leaf), "shift": A(_data((3,), 1), K.leaf)},
    ),
    make(
        "layers.BatchNormState",
        nf.BatchNormState,
        {"mean": A(_data((3,), 0), K.leaf), "var": A(np.ones(3), K.leaf)},
    ),
    make("layers.sigmoid", nf.layers.sigmoid, {"x": A(_data((3, 2), 0), ARRAY)}),
    make("layers.softmax", nf.layers.softmax, {"x": A(_data((3, 2), 0), ARRAY)}),
    Case(
        "losses.softmax_cross_entropy",
        nf.losses.softmax_cross_entropy,
        PAIRS,
        {"pred": ARRAY, "target": TARGET},
    ),
    Case("losses.mse", nf.losses.mse, PAIRS, {"pred": ARRAY, "target": ARRAY}),
    Case(
        "losses.sigmoid_binary_cross_entropy",
        nf.losses.sigmoid_binary_cross_entropy,
        PAIRS.map(lambda d: {**d, "target": (d["target"] > 0) * 1.0}),
        {"pred": ARRAY, "target": ARRAY},
    ),
    Case(
        "losses.binary_cross_entropy",
        nf.losses.binary_cross_entropy,
        PAIRS.map(
            lambda d: {"pred": 1 / (1 + np.exp(-d["pred"])), "target": (d["target"] > 0) * 1.0}
        ),
        {"pred": ARRAY, "target": ARRAY},
    ),
]
