"""nnfunc.initializers: specs checked when made, calls checked before drawing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nnfunc as nf
from nnfunc import initializers

INITS: Any = initializers  # untyped, to call with wrong types and NumPy scalars
KEY = nf.random.key(0)
F64 = np.dtype(np.float64)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: INITS.Normal(0.0),
            ValueError,
            r"Normal\.std must be a finite number > 0, given 0\.0",
        ),
        (
            lambda: INITS.Normal("0.1"),
            TypeError,
            r"Normal\.std must be a finite number > 0, given '0\.1'",
        ),
        (
            lambda: INITS.Normal(np.inf),
            ValueError,
            r"Normal\.std must be a finite number > 0, given inf",
        ),
        (
            lambda: INITS.VarianceScaling(-1.0, "fan_in", "normal"),
            ValueError,
            r"VarianceScaling\.scale must be a finite number > 0, given -1\.0",
        ),
        (
            lambda: INITS.VarianceScaling(1.0, "FAN_IN", "normal"),
            ValueError,
            r"VarianceScaling\.mode must be one of \['fan_avg', 'fan_in', 'fan_out'\], "
            r"given 'FAN_IN'",
        ),
        (
            lambda: INITS.VarianceScaling(1.0, "fan_in", "gauss"),
            ValueError,
            r"VarianceScaling\.distribution must be one of \['normal', 'uniform'\]",
        ),
        (lambda: INITS.get("bogus"), ValueError, r"init: unknown initializer 'bogus'"),
        (lambda: INITS.get(3), TypeError, r"init must be callable, given 3"),
    ],
)
def test_bad_specs_are_refused_naming_the_field(
    make: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    "init", [initializers.glorot_uniform, initializers.normal, initializers.zeros]
)
def test_calls_check_key_shape_and_dtype(init: initializers.Initializer) -> None:
    call: Any = init
    with pytest.raises(TypeError, match=r"key must be an nnfunc\.random\.Key"):
        call(0, (2, 3), F64)
    with pytest.raises(TypeError, match=r"shape\[1\] must be an int >= 0, given 3\.0"):
        call(KEY, (2, 3.0), F64)
    with pytest.raises(ValueError, match=r"dtype must be float32 or float64, given int64"):
        call(KEY, (2, 3), np.dtype(np.int64))


@pytest.mark.parametrize("init", [initializers.he_uniform, initializers.normal, initializers.zeros])
def test_numpy_shapes_and_scales_give_what_python_numbers_give(
    init: initializers.Initializer,
) -> None:
    call: Any = init
    np.testing.assert_array_equal(
        call(KEY, (np.int64(3), np.int32(2)), F64), init(KEY, (3, 2), F64)
    )
    mine = INITS.VarianceScaling(np.float64(2.0), "fan_in", "normal")(KEY, (3, 2), F64)
    np.testing.assert_array_equal(mine, initializers.he_normal(KEY, (3, 2), F64))
    assert type(INITS.Normal(np.float64(0.5)).std) is float
