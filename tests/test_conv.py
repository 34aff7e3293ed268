"""Conv2D, MaxPool2D, AvgPool2D, Flatten, Reshape: hand-computed values, naive-loop
references, TensorFlow's 'same' padding, gradients of whole conv nets, errors, and a
checkpoint round trip."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import nnfunc as nf
from nnfunc import optim
from nnfunc.layers.conv import Conv2D
from nnfunc.layers.dense import Conv2DParams
from nnfunc.layers.pooling import AvgPool2D, MaxPool2D
from nnfunc.layers.reshape import Flatten, Reshape
from nnfunc.layers.windows import geometry

F64 = npt.NDArray[Any]
NO_INPUT_GRAD = nf.layers.INFERENCE.with_flags(False, False)

# A 3x3 image with one channel: the pixels 1 to 9 row by row.
NINE = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)


def _normal(seed: int, shape: tuple[int, ...]) -> F64:
    return nf.random.normal(nf.random.key(seed), shape, np.float64)


def _same_pads(size: int, window: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding: out = ceil(size / stride), the extra pixel after."""
    total = max((math.ceil(size / stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _naive(
    x: F64, window: tuple[int, int], stride: tuple[int, int], padding: str, reduce: Any
) -> F64:
    """reduce(patch (kh, kw, c)) -> (c_out,) at every window, by explicit loops over pixels.

    Padding holds NaN, so each reduce says what it makes of it."""
    (kh, kw), (sh, sw), (_, height, width, _) = window, stride, x.shape
    pads = (
        ((0, 0), (0, 0))
        if padding == "valid"
        else (_same_pads(height, kh, sh), _same_pads(width, kw, sw))
    )
    padded = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=np.nan)
    out_h = (padded.shape[1] - kh) // sh + 1
    out_w = (padded.shape[2] - kw) // sw + 1
    rows = []
    for n, i, j in itertools.product(range(len(x)), range(out_h), range(out_w)):
        rows.append(reduce(padded[n, i * sh : i * sh + kh, j * sw : j * sw + kw]))
    return np.array(rows).reshape(len(x), out_h, out_w, -1)


def test_conv2d_matches_hand_computed_values_valid_and_same() -> None:
    ones = Conv2DParams(np.ones((2, 2, 1, 1)), np.array([0.5]))
    y, _, _ = Conv2D(1, 1, 2).apply(ones, None, NINE)
    np.testing.assert_array_equal(y[0, :, :, 0], [[12.5, 16.5], [24.5, 28.5]])
    # 'same' pads one row and one column of zeros after (bottom, right), none before.
    y, _, _ = Conv2D(1, 1, 2, padding="same").apply(ones, None, NINE)
    np.testing.assert_array_equal(
        y[0, :, :, 0], [[12.5, 16.5, 9.5], [24.5, 28.5, 15.5], [15.5, 17.5, 9.5]]
    )
    # Cross-correlation, not convolution: the kernel is not flipped.
    corner = Conv2DParams(np.array([1.0, 0, 0, 0]).reshape(2, 2, 1, 1), np.zeros(1))
    y, _, _ = Conv2D(1, 1, 2, stride=2, padding="same").apply(corner, None, NINE)
    np.testing.assert_array_equal(y[0, :, :, 0], [[1.0, 3.0], [7.0, 9.0]])


def test_conv2d_mixes_channels_like_a_dense_layer_per_pixel() -> None:
    w = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0]])  # 2 channels in, 3 out
    b = np.array([0.0, 1.0, -1.0])
    x = _normal(0, (2, 3, 4, 2))
    y, _, _ = Conv2D(2, 3, 1).apply(Conv2DParams(w.reshape(1, 1, 2, 3), b), None, x)
    np.testing.assert_allclose(y, x @ w + b, rtol=1e-14)


@pytest.mark.parametrize(
    ("size", "window", "stride", "pads", "out"),
    [
        (5, 3, 1, (1, 1), 5),
        (5, 4, 1, (1, 2), 5),  # odd total: the extra pixel on the bottom / right
        (6, 3, 2, (0, 1), 3),
        (7, 3, 2, (1, 1), 4),
        (6, 1, 2, (0, 0), 3),  # a window smaller than the stride needs no padding
        (2, 5, 1, (2, 2), 2),  # 'same' fits any window
    ],
)
def test_same_padding_is_tensorflows(
    size: int, window: int, stride: int, pads: tuple[int, int], out: int
) -> None:
    assert _same_pads(size, window, stride) == pads
    geo = geometry("layer", np.zeros((1, size, 4, 1)), (window, 1), (stride, 1), "same")
    assert geo.pads[0] == pads
    assert geo.out[0] == out


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2, (2, 1)])
@pytest.mark.parametrize("kernel", [1, 3, (2, 3)])
def test_conv2d_matches_a_naive_loop(padding: str, stride: Any, kernel: Any) -> None:
    layer = Conv2D(3, 4, kernel, stride=stride, padding=padding)
    params = nf.init(layer, nf.random.key(1), np.float64)
    params = Conv2DParams(params.w, _normal(2, (4,)))
    x = _normal(3, (2, 7, 6, 3))
    y, _, _ = layer.apply(params, None, x)
    w = params.w.reshape(-1, 4)

    def dot(patch: F64) -> F64:
        out: F64 = np.nan_to_num(patch).reshape(-1) @ w + params.b  # padding is zeros
        return out

    reference = _naive(x, layer.kernel_size, layer.stride, padding, dot)
    np.testing.assert_allclose(y, reference, rtol=1e-12, atol=1e-14)
    expected_hw = [
        math.ceil(n / s) if padding == "same" else (n - k) // s + 1
        for n, k, s in zip((7, 6), layer.kernel_size, layer.stride, strict=True)
    ]
    assert y.shape == (2, *expected_hw, 4)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize(("pool", "stride"), [(2, None), (3, 1), (3, 2), ((2, 3), 2)])
def test_pools_match_a_naive_loop(padding: str, pool: Any, stride: Any) -> None:
    x = _normal(4, (2, 7, 6, 3))
    max_pool = MaxPool2D(pool, stride, padding)
    y_max, _, _ = max_pool.apply(None, None, x)
    y_avg, _, _ = AvgPool2D(pool, stride, padding).apply(None, None, x)
    geo = max_pool.pool_size, max_pool.stride, padding
    # Padding (NaN) takes no part in either pool: TensorFlow's rule.
    ref_max = _naive(x, *geo, lambda p: np.nanmax(p, axis=(0, 1)))
    ref_avg = _naive(x, *geo, lambda p: np.nanmean(p, axis=(0, 1)))
    np.testing.assert_array_equal(y_max, ref_max)
    np.testing.assert_allclose(y_avg, ref_avg, rtol=1e-14)


def test_pools_match_hand_computed_values_and_leave_padding_out() -> None:
    y, _, _ = MaxPool2D(2).apply(None, None, NINE)
    assert y.tolist() == [[[[5.0]]]]
    y, _, _ = MaxPool2D(2, padding="same").apply(None, None, NINE)
    np.testing.assert_array_equal(y[0, :, :, 0], [[5.0, 6.0], [8.0, 9.0]])
    y, _, _ = AvgPool2D(2, stride=1).apply(None, None, NINE)
    np.testing.assert_array_equal(y[0, :, :, 0], [[3.0, 4.0], [6.0, 7.0]])
    y, _, _ = AvgPool2D(2, padding="same").apply(
        None, None, NINE
    )  # divides by 4, 2, 2 and 1 pixels
    np.testing.assert_array_equal(y[0, :, :, 0], [[3.0, 4.5], [7.5, 9.0]])
    y, _, _ = MaxPool2D(2, padding="same").apply(None, None, -NINE)  # -inf padding, not 0
    np.testing.assert_array_equal(y[0, :, :, 0], [[-1.0, -3.0], [-7.0, -9.0]])


def test_max_pool_routes_the_gradient_to_the_first_maximum() -> None:
    x = np.array([[2.0, 2.0, 1.0, 7.0], [2.0, 0.0, 7.0, 7.0]]).reshape(1, 2, 4, 1)
    layer = MaxPool2D(2)
    y, cache, _ = layer.apply(None, None, x)
    assert y[0, :, :, 0].tolist() == [[2.0, 7.0]]
    _, dx = layer.backward(None, cache, np.array([10.0, 20.0]).reshape(1, 1, 2, 1))
    assert dx is not None
    assert dx[0, :, :, 0].tolist() == [[10.0, 0.0, 0.0, 20.0], [0.0, 0.0, 0.0, 0.0]]


def test_overlapping_windows_add_their_gradients() -> None:
    layer = AvgPool2D(2, stride=1)
    _, cache, _ = layer.apply(None, None, NINE)
    _, dx = layer.backward(None, cache, np.full((1, 2, 2, 1), 4.0))
    assert dx is not None
    assert dx[0, :, :, 0].tolist() == [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]


def test_flatten_and_reshape_keep_row_major_order() -> None:
    x = np.arange(24.0).reshape(2, 2, 2, 3)
    y, cache, _ = Flatten().apply(None, None, x)
    np.testing.assert_array_equal(y, np.arange(24.0).reshape(2, 12))
    _, dx = Flatten().backward(None, cache, y * 2)
    np.testing.assert_array_equal(dx, x * 2)
    y, cache, _ = Reshape((3, -1)).apply(None, None, x)
    assert y.shape == (2, 3, 4)
    assert y[1, 2].tolist() == [20.0, 21.0, 22.0, 23.0]
    assert Reshape((3, 4)).apply(None, None, x)[0].shape == (2, 3, 4)
    assert Reshape(12).apply(None, None, x)[0].shape == (2, 12)
    assert Reshape((2, 2, 3)) == Reshape([2, 2, 3])


@pytest.mark.parametrize("layer", [Conv2D(2, 2, 3, padding="same"), MaxPool2D(2), Flatten()])
def test_backward_without_input_grad_returns_none(layer: Any) -> None:
    params = layer.init_params(nf.random.key(0), np.dtype(np.float64))
    y, cache, _ = layer.apply(params, None, _normal(5, (2, 4, 4, 2)))
    grads, dx = layer.backward(params, cache, np.ones_like(y), NO_INPUT_GRAD)
    assert dx is None
    assert nf.tree.structure(grads) == nf.tree.structure(params)


CONV_NETS = {
    "conv_tanh_conv_stride": nf.Sequential(
        Conv2D(2, 3, 3, padding="same"),
        nf.Tanh(),
        Conv2D(3, 2, 2, stride=2),
        Flatten(),
        nf.Dense(18, 2),
    ),
    "conv_pools": nf.Sequential(
        Conv2D(2, 3, (3, 2), stride=(1, 2), padding="same"),
        MaxPool2D(2, stride=1, padding="same"),
        nf.Sigmoid(),
        AvgPool2D((3, 2), stride=2, padding="same"),
        Reshape((-1, 3)),
        Flatten(),
        nf.Dense(18, 2),
    ),
}


@pytest.mark.parametrize("name", CONV_NETS)
def test_conv_nets_pass_finite_differences_in_float64(name: str) -> None:
    net = CONV_NETS[name]
    params = nf.init(net, nf.random.key(6), dtype=np.float64)
    x, y = _normal(7, (2, 6, 6, 2)), _normal(8, (2, 2))
    check = nf.check_grads(net, params, x, y, nf.losses.mse)
    assert check.num_checked == sum(p.size for p in nf.tree.leaves(params)) + x.size
    assert check.max_rel_error < 1e-6, check


def test_conv2d_kernel_initializers_use_receptive_field_fans() -> None:
    k = nf.random.key(0)
    glorot = nf.init(Conv2D(16, 32, 3), k, np.float64).w  # fans 144 and 288
    assert glorot.shape == (3, 3, 16, 32)
    assert abs(glorot).max() <= np.sqrt(6 / 432)
    assert glorot.std() == pytest.approx(np.sqrt(2 / 432), rel=0.03)
    he = nf.init(Conv2D(16, 32, 3, init="he_normal"), k, np.float64).w
    assert he.std() == pytest.approx(np.sqrt(2 / 144), rel=0.03)
    assert not nf.init(Conv2D(16, 32, 3), k).b.any()


@pytest.mark.parametrize(
    ("layer", "shape", "match"),
    [
        (
            Conv2D(3, 4, 3),
            (5, 8, 3),
            r"Conv2D\(3, 4, .*\) expects \(batch, height, width, channels\), given shape "
            r"\(5, 8, 3\)",
        ),
        (
            Conv2D(3, 4, 3),
            (5, 8, 8, 2),
            r"expects 3 input channels .*, given 2 in shape \(5, 8, 8, 2\)",
        ),
        (
            Conv2D(3, 4, (3, 5)),
            (2, 8, 4, 3),
            r"window of \(height, width\) \(3, 5\), larger than the input's \(8, 4\) with "
            r"padding 'valid': given shape \(2, 8, 4, 3\)",
        ),
        (
            Conv2D(3, 4, 3, stride=2, padding="valid"),
            (2, 2, 9, 3),
            r"\(3, 3\), larger than the input's \(2, 9\)",
        ),
        (MaxPool2D(2), (4, 8), r"MaxPool2D\(pool_size=\(2, 2\).* expects \(batch, height"),
        (AvgPool2D(3), (1, 2, 5, 1), r"AvgPool2D.* \(3, 3\), larger than the input's \(2, 5\)"),
        (Reshape((5, -1)), (2, 3, 4), r"Reshape\(\(5, -1\)\) expects examples of a multiple of 5"),
        (Reshape((3, 3)), (2, 3, 4), r"expects examples of 9 values, given shape \(2, 3, 4\)"),
        (Flatten(), (4,), r"Flatten\(\) expects inputs of shape \(batch, \.\.\.\), given \(4,\)"),
    ],
)
def test_bad_inputs_are_refused_with_expected_and_given(
    layer: Any, shape: tuple[int, ...], match: str
) -> None:
    params = layer.init_params(nf.random.key(0), np.dtype(np.float64))
    with pytest.raises(nf.InputError, match=match):
        layer.apply(params, None, np.zeros(shape))


def test_errors_inside_a_net_name_the_layer() -> None:
    net = nf.Sequential(Conv2D(1, 2, 3), nf.ReLU(), Conv2D(3, 2, 3))
    params = nf.init(net, nf.random.key(0))
    with pytest.raises(ValueError, match=r"^layer \[2\]: Conv2D\(3, 2, .*expects 3 input channels"):
        nf.forward(net, params, np.zeros((1, 8, 8, 1)))
    with pytest.raises(ValueError, match=r"^layer \[0\]: .*\(batch, height, width, channels\)"):
        nf.forward(net, params, np.zeros((1, 64)))


def test_bad_conv_params_are_refused_with_their_path() -> None:
    layer = Conv2D(2, 3, 3)
    good = nf.init(layer, nf.random.key(0))
    x = np.zeros((1, 4, 4, 2), np.float32)
    with pytest.raises(nf.ParamsError, match=r"params\.w: .* expects shape \(3, 3, 2, 3\), given"):
        layer.apply(Conv2DParams(np.zeros((3, 3, 3, 2), np.float32), good.b), None, x)
    with pytest.raises(nf.ParamsError, match=r"params\.b: .* expects shape \(3,\), given \(2,\)"):
        layer.apply(Conv2DParams(good.w, np.zeros(2, np.float32)), None, x)
    with pytest.raises(
        nf.ParamsError, match=r"params\.w: .* expects shape \(3, 3, 2, 3\), given \(2, 3\)"
    ):
        layer.apply(nf.DenseParams(good.w[0, 0], good.b), None, x)
    with pytest.raises(nf.ParamsError, match=r"params\.w: .*expects dtype float64, the input's"):
        layer.apply(good, None, x.astype(np.float64))
    with pytest.raises(nf.ParamsError, match="has no params"):
        MaxPool2D(2).apply(good, None, x)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Conv2D(0, 3, 3), "in_channels must be an int >= 1, given 0"),
        (lambda: Conv2D(2, 3, 0), r"kernel_size must be an int >= 1 or a pair of them, given 0"),
        (lambda: Conv2D(2, 3, (3, -1)), r"kernel_size .* given \(3, -1\)"),
        (lambda: Conv2D(2, 3, (3, 3, 3)), r"kernel_size .* given \(3, 3, 3\)"),  # type: ignore[arg-type]
        (lambda: Conv2D(2, 3, 3, stride=0), "stride must be an int >= 1"),
        (lambda: Conv2D(2, 3, 3, padding="full"), r"padding must be one of \['valid', 'same'\]"),
        (lambda: Conv2D(2, 3, 3, init="bogus"), "unknown initializer 'bogus'"),
        (lambda: MaxPool2D(0), "pool_size must be an int >= 1"),
        (lambda: AvgPool2D(2, stride=(1, 0)), r"stride .* given \(1, 0\)"),
        (lambda: AvgPool2D(2, padding="SAME"), "padding must be one of .* given 'SAME'"),
        (lambda: Reshape((-1, -1)), r"at most one -1, given \(-1, -1\)"),
        (lambda: Reshape((3, 0)), r"ints >= 1, .* given \(3, 0\)"),
        (lambda: Reshape(()), r"non-empty"),
    ],
)
def test_bad_specs_are_refused(make: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_spatial_specs_are_values() -> None:
    assert MaxPool2D(2) == MaxPool2D((2, 2), stride=2, padding="valid")
    assert hash(Conv2D(2, 3, 3)) == hash(Conv2D(2, 3, (3, 3), stride=1))
    assert Conv2D(2, 3, 3) != Conv2D(2, 3, 3, padding="same")
    assert repr(AvgPool2D(2, 1)) == "AvgPool2D(pool_size=(2, 2), stride=(1, 1), padding='valid')"
    assert repr(Conv2D(2, 3, 3)) == (
        "Conv2D(2, 3, kernel_size=(3, 3), stride=(1, 1), padding='valid')"
    )


def test_conv_params_and_adam_state_round_trip_through_a_checkpoint(tmp_path: Path) -> None:
    net = CONV_NETS["conv_pools"]
    params = nf.init(net, nf.random.key(0))
    opt = optim.adam(1e-3)
    state = opt.update(nf.tree.map(np.ones_like, params), opt.init(params), params)[1]
    nf.checkpoint.save(tmp_path / "cnn.npz", {"params": params, "opt_state": state})
    template = {"params": nf.init(net, nf.random.key(1)), "opt_state": opt.init(params)}
    loaded = nf.checkpoint.load(tmp_path / "cnn.npz", template)
    assert nf.tree.equal(loaded, {"params": params, "opt_state": state})
    assert isinstance(loaded["params"][0], Conv2DParams)
