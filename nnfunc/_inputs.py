"""How a user's x becomes a batch for a net: its rank checked, cast to the params' dtype."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from nnfunc import tree
from nnfunc._arrays import FloatArray, FloatDType, float_dtype, is_real


def params_dtype(params: object) -> FloatDType | None:
    """The dtype of the first array leaf of `params`; None for params with no leaves."""
    leaf = tree.first_leaf(params)
    return None if leaf is None else float_dtype(np.asarray(leaf).dtype, "params dtype")


def as_input(x: npt.ArrayLike, dtype: FloatDType | None) -> FloatArray:
    """`x` as a batch, (batch, features) or (batch, ...) such as images, of `dtype`.

    ValueError for a scalar, a 1-D array (say how to reshape) or no rows. With dtype
    None (a net without params) a float32 or float64 `x` keeps its dtype and anything
    else becomes float32. Each layer checks the shape it needs.
    """
    if type(x) is np.ndarray and x.dtype == dtype and x.ndim >= 2 and x.shape[0]:
        return x  # already a batch of the params' dtype: the common case, checked cheaply
    array = np.asarray(x)
    if dtype is None:
        dtype = array.dtype if array.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    if array.ndim < 2:
        hint = (
            "; reshape it: x.reshape(-1, 1) for one feature, x.reshape(1, -1) for one example"
            if array.ndim == 1
            else ""
        )
        raise ValueError(f"x must have shape (batch, features), given shape {array.shape}{hint}")
    if array.shape[0] == 0:
        raise ValueError(f"x is an empty batch of shape {array.shape}; give at least one row")
    if not (is_real(array.dtype)):
        raise TypeError(f"x must be numeric, given dtype {array.dtype}")
    return array.astype(dtype, copy=False)
