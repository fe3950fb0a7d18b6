"""Boolean masks of several dimensions and integer arrays mixed with integer and slice indices, against PyTorch
(values and gradients). A mask of k dimensions consumes k dimensions of the indexed tensor; an integer array
consumes one, whatever its own shape."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

MASK2 = [[True, False, True], [False, True, True]]

CASES = {
    "mask2d_then_int": lambda t, m: t[m, 1],
    "mask2d_then_slice": lambda t, m: t[m, 1:3],
    "mask2d_then_neg_int": lambda t, m: t[m, -1],
    "mask2d_alone": lambda t, m: t[m],
    "mask2d_then_list": lambda t, m: t[m, [0, 2, 1, 3]],
    "int_array_then_int": lambda t, m: t[[1, 0, 1], 1],
    "int_then_int_array": lambda t, m: t[1, :, [3, 0]],
    "int_array2d_then_int": lambda t, m: t[[[1, 0], [0, 1]], 2],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_mask2d_mixed_with_other_indices(name) -> None:
    index = CASES[name]
    data = np.arange(24.0).reshape(2, 3, 4)
    tx = torch.tensor(data, requires_grad=True)
    cx = cr.tensor(data, requires_grad=True)
    tout = index(tx, torch.tensor(MASK2))
    cout = index(cx, cr.tensor(MASK2))
    assert tuple(cout.shape) == tuple(tout.shape)
    np.testing.assert_array_equal(cout.detach().numpy(), tout.detach().numpy())
    weights = np.arange(1.0, tout.numel() + 1).reshape(tuple(tout.shape))
    (tout * torch.tensor(weights)).sum().backward()
    (cout * cr.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(cx.grad.numpy(), tx.grad.numpy())


def test_mask_with_too_many_dimensions_is_a_clear_error() -> None:
    x = cr.zeros(2, 3)
    with pytest.raises(IndexError):
        x[cr.ones(2, 3, 4, dtype=cr.bool)]
