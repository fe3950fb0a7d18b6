"""Tests that kill survivors of the seed-707 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("mean", [0.0, 2.5, -1.0])
def test_normal_with_std_zero_fills_the_mean(mean: float) -> None:
    """ops/random_fills.py:50 (`std < 0` -> `<=`): std=0 is allowed and gives the mean everywhere, as
    PyTorch's normal_; a negative std is refused with RuntimeError by both."""
    ours, theirs = cr.empty(2, 3), torch.empty(2, 3)
    assert ours.normal_(mean, 0.0) is ours
    theirs.normal_(mean, 0.0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(ours.numpy(), np.full((2, 3), mean, np.float32))
    with pytest.raises(RuntimeError, match="std"):
        torch.empty(2).normal_(mean, -0.5)
    with pytest.raises(RuntimeError, match="std"):
        cr.empty(2).normal_(mean, -0.5)


def test_uniform_with_an_empty_range_is_refused_and_a_point_range_fills_it() -> None:
    """ops/random_fills.py:44 (the from > to check): uniform_(2, 1) raises RuntimeError, uniform_(1.5, 1.5)
    fills 1.5, as PyTorch's."""
    for lib in (torch, cr):
        with pytest.raises(RuntimeError, match="from"):
            lib.empty(3).uniform_(2.0, 1.0)
        t = lib.empty(3).uniform_(1.5, 1.5)
        np.testing.assert_array_equal(t.numpy(), np.full(3, 1.5, np.float32))
