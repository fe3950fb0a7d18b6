"""sort/topk indices (ops/sorting.py:85, a survivor of the exhaustive pass): the returned indices are a copy."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr

CASES = {
    "sort": lambda m, x: m.sort(x),
    "sort_descending": lambda m, x: m.sort(x, descending=True),
    "topk": lambda m, x: m.topk(x, 2),
    "topk_smallest": lambda m, x: m.topk(x, 3, largest=False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_writing_into_returned_indices_does_not_move_the_values_gradient(name):
    """Was a real bug: the values' backward kept the very array returned as `indices`, so `i[0] = 3` after the call
    sent the gradient to the wrong elements. PyTorch raises "modified by an inplace operation" there; chainrule
    differentiates the call as made: the gradient equals PyTorch's without the write."""
    def grad(m, write):
        x = m.tensor([3.0, 1.0, 4.0, 2.0], requires_grad=True)
        v, i = CASES[name](m, x)
        if write:
            i[0] = 3
        (g,) = m.autograd.grad(v, x, m.arange(1.0, 1.0 + v.numel()))
        return g.tolist()

    assert grad(cr, write=True) == grad(torch, write=False)
