"""Scatter survivors of the exhaustive pass (ops/scatter.py:33): the index is copied at the call."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr

CASES = {
    "scatter_add": lambda m, x, i, s: m.scatter_add(x, 0, i, s),
    "scatter": lambda m, x, i, s: m.scatter(x, 0, i, s),
    "scatter_reduce_prod": lambda m, x, i, s: m.scatter_reduce(x, 0, i, s, "prod"),
    "scatter_reduce_amax": lambda m, x, i, s: m.scatter_reduce(x, 0, i, s, "amax"),
    "scatter_reduce_mean": lambda m, x, i, s: m.scatter_reduce(x, 0, i, s, "mean"),
    "index_add": lambda m, x, i, s: m.index_add(x, 0, i, s),
    "index_copy": lambda m, x, i, s: m.index_copy(x, 0, i, s),
}


@pytest.mark.parametrize("name", list(CASES))
def test_writing_into_the_index_after_the_call_does_not_move_the_gradient(name):
    """Was a real bug: the backward read the int64 index tensor's live memory, so `i[0] = 3` after the call gave
    gradients for positions the call never used (an int32 index was copied and was right). PyTorch raises
    "modified by an inplace operation" there; chainrule now differentiates the call as it was made: the
    gradients equal PyTorch's without the write."""
    def grads(m, write):
        x = m.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        s = m.tensor([5.0, 6.0], requires_grad=True)
        i = m.tensor([0, 2])
        y = CASES[name](m, x, i, s)
        if write:
            i[0] = 3
        gx, gs = m.autograd.grad(y, [x, s], m.tensor([1.0, 2.0, 3.0, 4.0]))
        return gx.tolist(), gs.tolist()

    assert grads(cr, write=True) == grads(torch, write=False)
