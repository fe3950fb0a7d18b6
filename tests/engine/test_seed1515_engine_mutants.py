"""Tests that kill survivors of the seed-1515 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("middle", [0.5, 2e9])
def test_a_tensor_of_exactly_the_threshold_size_is_formatted_from_all_its_values(middle: float) -> None:
    """A tensor of exactly 1000 elements (PyTorch's print threshold) is printed whole, and the number format is
    chosen from all of its values, as PyTorch's repr: one fractional (or huge) value in the middle changes the
    format of every element (seed-1515 survivor engine/formatting.py:44, `arr.size <= 1000` -> `< 1000`: the
    format came from the first and last 30 values only)."""
    data = np.ones(1000, dtype=np.float32)
    data[500] = middle
    text = repr(cr.tensor(data))
    assert text == repr(torch.tensor(data))
    assert "..." not in text and ("0.5000" in text if middle == 0.5 else "2.0000e+09" in text)
