"""Tests that kill survivors of the seed-1818 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_without_arguments_fills_a_standard_normal(dtype: str) -> None:
    """`t.normal_()` fills mean 0 and std 1, PyTorch's defaults: over 200,000 draws the sample mean is within
    0.01 of 0 and the sample std within 0.01 of 1, as for torch's `normal_()` (seed-1818 survivor
    engine/tensor_methods.py:911, the default `std=1.0` -> 2.0: a std of 2)."""
    cr.manual_seed(0)
    torch.manual_seed(0)
    for lib in (torch, cr):
        t = lib.empty(200_000, dtype=getattr(lib, dtype))
        assert t.normal_() is t
        sample = t.numpy().astype(np.float64)
        assert abs(sample.mean()) < 0.01 and abs(sample.std() - 1.0) < 0.01, (lib.__name__, sample.std())
        assert str(t.dtype).split(".")[-1] == dtype
