"""Every elementwise math function on every integer dtype, as a function and as a Tensor method: the result's
dtype and values as PyTorch's (exp, sin, sqrt, ... of an int tensor are float32; abs, sign, square, floor,
round, ... keep the integer dtype). A mutation survivor (`square`'s `keep_int=True` -> False at
`ops/elementwise.py`) showed that only a dozen of these ops had their integer dtypes checked. Bool inputs
are left to `test_ops_properties.py` (chainrule is deliberately more lenient there: docs/semantics.md)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")  # log(0), sqrt(-1): NumPy's

FUNCTIONS = ["exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal",
             "abs", "absolute", "sign", "sin", "cos", "tan", "tanh", "sinh", "cosh", "erf", "floor", "ceil",
             "round", "trunc", "neg", "negative", "sigmoid", "relu", "atan", "arctan"]
DTYPES = ["int64", "int32", "int16", "int8", "uint8"]
VALUES = {"uint8": [[0, 1, 2], [3, 7, 20]]}
DEFAULT = [[-3, -1, 0], [1, 2, 5]]


def _run(lib, name: str, dtype: str, method: bool):
    x = lib.tensor(VALUES.get(dtype, DEFAULT), dtype=getattr(lib, dtype))
    out = getattr(x, name)() if method else getattr(lib, name)(x)
    return str(out.dtype).split(".")[-1], np.asarray(out.tolist(), dtype=np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_an_integer_input_gives_torchs_dtype_and_values(name: str, dtype: str) -> None:
    for method in (False, True):
        if method and not hasattr(torch.Tensor, name):
            continue
        (d1, v1), (d2, v2) = _run(cr, name, dtype, method), _run(torch, name, dtype, method)
        assert d1 == d2, f"{name}({dtype}){' as a method' if method else ''}: {d1} vs torch {d2}"
        np.testing.assert_allclose(v1, v2, rtol=1e-6, equal_nan=True, err_msg=f"{name}({dtype})")
