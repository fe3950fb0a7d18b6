"""`out=` with an `out` that requires grad is refused BEFORE the function runs, as in PyTorch (whose autograd
layer checks before the kernel): an invalid call reports the out= error, not the function's own, and a random
creation function refused this way draws nothing (the generator's state is unchanged). Against torch 2.13.0."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr

_MSG = "functions with out=... arguments don't support automatic differentiation"


@pytest.mark.parametrize("m", [torch, cr], ids=["torch", "chainrule"])
def test_compute_out_requiring_grad_refused_before_the_shape_check(m):
    out = m.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=_MSG):
        m.add(m.ones(2), m.ones(3), out=out)  # mismatched shapes: the out= refusal comes first


@pytest.mark.parametrize("m", [torch, cr], ids=["torch", "chainrule"])
def test_create_out_requiring_grad_refused_before_the_size_check(m):
    out = m.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=_MSG):
        m.zeros(-1, out=out)  # a negative size: the out= refusal comes first


@pytest.mark.parametrize("name", ["rand", "randperm"])  # (torch.randn: another message)
@pytest.mark.parametrize("m", [torch, cr], ids=["torch", "chainrule"])
def test_random_create_into_out_requiring_grad_draws_nothing(m, name):
    m.manual_seed(123)
    expected = m.rand(4)
    m.manual_seed(123)
    out = m.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=_MSG):
        getattr(m, name)(3, out=out)
    assert m.equal(m.rand(4), expected)  # the refused call did not advance the generator
    assert out.tolist() == [0.0, 0.0, 0.0]
