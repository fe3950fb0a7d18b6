"""scatter with a 0-d src into a 1-d tensor, and into a 0-d tensor, against PyTorch (found by mutation testing)."""

from __future__ import annotations

import numpy as np
import torch

import chainrule as cr


def test_zero_dim_src_and_index_like_torch():
    for make in (lambda lib: lib.zeros(3).scatter(0, lib.tensor([1]), lib.tensor(5.0)),
                 lambda lib: lib.zeros(3).scatter(0, lib.tensor(2), lib.tensor(5.0)),
                 lambda lib: lib.tensor(1.0).scatter(0, lib.tensor(0), lib.tensor(7.0)),
                 lambda lib: lib.tensor(1.0).scatter(0, lib.tensor([0]), lib.tensor([7.0])),
                 lambda lib: lib.zeros(3).scatter_add(0, lib.tensor([2]), lib.tensor(4.0))):
        ours, theirs = make(cr), make(torch)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_scatter_reduce_sends_no_gradient_to_an_input_that_needs_none():
    x = cr.tensor([1.0, 5.0, 2.0])  # needs no gradient
    src = cr.tensor([3.0, 4.0], requires_grad=True)
    with cr.autograd.observe() as steps:
        x.scatter_reduce(0, cr.tensor([0, 2]), src, "amax").sum().backward()
    step = next(s for s in steps if "scatter" in s.op_name.lower())
    assert step.contributions[0] is None and step.contributions[1] is not None
    assert src.grad.tolist() == [1.0, 1.0]
