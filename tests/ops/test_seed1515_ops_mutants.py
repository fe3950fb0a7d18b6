"""Tests that kill survivors of the seed-1515 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("rows", [1, 2])
def test_searchsorted_with_a_sorter_matches_torch(rows: int, right: bool) -> None:
    """`searchsorted(seq, values, sorter=idx)` sorts each row of an unsorted sequence by `idx` (along its last
    dimension) first, as PyTorch's (seed-1515 survivor ops/sorting.py:136, `axis=-1` -> `axis=-2`: no test passed a
    sorter)."""
    rng = np.random.default_rng(1515)
    seq = rng.permutation(6) * 1.5 if rows == 1 else np.stack([rng.permutation(6) * 1.5,
                                                               rng.permutation(6) * 2.0 - 3.0])
    sorter = np.argsort(seq, axis=-1, kind="stable")
    values = np.array([-1.0, 0.0, 1.5, 4.0, 7.5, 10.0]) if rows == 1 else np.array([[-1.0, 1.5, 4.0],
                                                                                    [0.0, 3.0, 10.0]])
    want = torch.searchsorted(torch.tensor(seq), torch.tensor(values), right=right, sorter=torch.tensor(sorter))
    got = cr.searchsorted(cr.tensor(seq), cr.tensor(values), right=right, sorter=cr.tensor(sorter))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.dtype == cr.int64


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # 0 * inf, NaN as in torch
@pytest.mark.parametrize("slope", [-0.5, 0.01, float("inf")])
def test_leaky_relu_at_zero_takes_the_slope_branch_as_torch(slope: float) -> None:
    """`leaky_relu` at +0 and -0 gives `x * negative_slope` (PyTorch's `x > 0 ? x : x * slope`): -0 from +0 with a
    negative slope, NaN with an infinite one (seed-1515 survivor ops/activations.py:68, `x > 0` -> `x >= 0` in the
    forward: +0 then passed through unchanged)."""
    data = np.array([0.0, -0.0, 1.0, -2.0])
    want = torch.nn.functional.leaky_relu(torch.tensor(data), slope).numpy()
    got = cr.nn.functional.leaky_relu(cr.tensor(data), slope).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    keep = ~np.isnan(want)
    np.testing.assert_array_equal(got[keep], want[keep])
    np.testing.assert_array_equal(np.signbit(got[keep]), np.signbit(want[keep]))
