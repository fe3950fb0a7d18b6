"""Tests that kill survivors of the seed-2020 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("dims", [(0,), (), (0, 1, 1), (0, 1, 0), (1, 0, 2)])
def test_rot90_refuses_a_dims_that_is_not_a_pair(dims: tuple) -> None:
    """`rot90(x, k, dims)` with dims of any length but 2 raises RuntimeError, with PyTorch's message, for the
    function and the method (seed-2020 survivor ops/shape_ops.py:540, the check removed: dims of three then rotated
    in the plane of the first two, and one or none raised IndexError)."""
    with pytest.raises(RuntimeError, match=f"expected total rotation dims == 2, but got dims = {len(dims)}"):
        torch.rot90(torch.arange(6.0).reshape(2, 3), 1, dims)
    x = cr.arange(6.0).reshape(2, 3)
    for call in (lambda: cr.rot90(x, 1, dims), lambda: x.rot90(1, dims)):
        with pytest.raises(RuntimeError, match=rf"rot90: expected total rotation dims == 2, but got dims = "
                                               rf"{len(dims)}"):
            call()


@pytest.mark.parametrize("dims", [(0, 1), [1, 0], (-1, 0)])
def test_rot90_with_a_pair_of_dims_matches_torch(dims: tuple) -> None:
    """The accepted side of the check: a pair, as a tuple or a list, rotates as PyTorch's."""
    want = torch.rot90(torch.arange(6.0).reshape(2, 3), 1, dims)
    np.testing.assert_array_equal(cr.rot90(cr.arange(6.0).reshape(2, 3), 1, dims).numpy(), want.numpy())
