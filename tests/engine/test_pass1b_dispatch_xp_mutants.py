"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in engine, against exact known
values (NumPy dtypes) and the engine's documented error messages."""
from __future__ import annotations

import numpy as np
import pytest

from chainrule.engine.dispatch import _NotLoaded
from chainrule.engine.xp import NumpyXP


def test_tensor_methods_before_the_ops_are_loaded_raise_a_clear_error() -> None:
    # engine/dispatch.py:22 (`raise RuntimeError(...)`): before `chainrule.ops` binds its namespace, a Tensor
    # method says what is missing instead of returning None
    with pytest.raises(RuntimeError, match=r"Tensor\.exp: the ops are not loaded; `import chainrule` loads them"):
        _NotLoaded().exp()


def test_numpy_namespace_astype_casts_to_the_dtype_of_its_model() -> None:
    # engine/xp.py:115 (`x.dtype != like.dtype`): the NumPy helper casts exactly when the dtypes differ, as the
    # Tensor namespace's `xp_astype` does
    x32 = np.ones(3, np.float32)
    out = NumpyXP.astype(x32, np.zeros((), np.float64))
    assert out.dtype == np.float64 and np.array_equal(out, np.ones(3))
    same = np.ones(3, np.float64)
    assert NumpyXP.astype(same, np.zeros((), np.float64)) is same
