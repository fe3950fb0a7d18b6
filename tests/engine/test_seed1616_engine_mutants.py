"""Tests that kill survivors of the seed-1616 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.filterwarnings("ignore:To copy construct from a tensor:UserWarning")  # torch's advice, not an error
@pytest.mark.parametrize("dtype", [None, "float32", "float64"])
def test_tensor_of_a_tensor_is_a_copy(dtype: str | None) -> None:
    """`tensor(t)` copies t's values, as `torch.tensor(t)`: writing into the new tensor (or into t) leaves the
    other unchanged, for a whole tensor and for a view, with or without a dtype (seed-1616 survivor
    engine/tensor.py:556, `np.array(..., copy=True)` -> `copy=False`: the new tensor then shared t's memory)."""
    for lib in (torch, cr):
        kind = None if dtype is None else getattr(lib, dtype)
        src = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        new = lib.tensor(src, dtype=kind)
        row = lib.tensor(src[1], dtype=kind)
        new.add_(10.0)
        row.mul_(-1.0)
        np.testing.assert_array_equal(src.numpy(), [[1.0, 2.0], [3.0, 4.0]])
        src.zero_()
        np.testing.assert_array_equal(new.numpy(), [[11.0, 12.0], [13.0, 14.0]])
        np.testing.assert_array_equal(row.numpy(), [-3.0, -4.0])
