"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all), against PyTorch.

This file: engine/size.py (concatenation with non-tuples)."""
from __future__ import annotations

import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("other", [[3], "ab", range(2)])
def test_size_plus_non_tuple_refused(other):
    # Size.__add__: `if not isinstance(other, tuple): return NotImplemented` (only tuples concatenate)
    with pytest.raises(TypeError):
        torch.Size([1, 2]) + other
    with pytest.raises(TypeError):
        cr.Size([1, 2]) + other


def test_size_plus_tuple():
    assert cr.Size([1, 2]) + (3,) == torch.Size([1, 2]) + (3,) == (1, 2, 3)
    assert type(cr.Size([1, 2]) + (3,)) is cr.Size
