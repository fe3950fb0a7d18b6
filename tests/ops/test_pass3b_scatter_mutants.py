"""Scatter survivors of the exhaustive pass (ops/scatter.py:33): writing into the index after the call."""

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
def test_writing_into_the_index_after_the_call_makes_backward_raise(name):
    """Was a real bug: the backward read the int64 index tensor's live memory, so `i[0] = 3` after the call gave
    gradients for positions the call never used, silently. PyTorch saves the index and raises "modified by an
    inplace operation"; so does chainrule now (the engine checks an op's saved index arrays); without the write
    the gradients are PyTorch's."""
    def run(m, write):
        x = m.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        s = m.tensor([5.0, 6.0], requires_grad=True)
        i = m.tensor([0, 2])
        y = CASES[name](m, x, i, s)
        if write:
            i[0] = 3
        gx, gs = m.autograd.grad(y, [x, s], m.tensor([1.0, 2.0, 3.0, 4.0]))
        return gx.tolist(), gs.tolist()

    for m in (torch, cr):
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            run(m, write=True)
    assert run(cr, write=False) == run(torch, write=False)
