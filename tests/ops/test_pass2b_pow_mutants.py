"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in ops, against PyTorch."""

import warnings

import torch

import chainrule as cr


# ops/elementwise.py:189 `safe = xp.where((a == 0) & (b >= 0), 1.0, a)` -- the exponent's gradient at a zero base
# is 0 (PyTorch's), computed without taking log(0): no RuntimeWarning, as PyTorch gives none
def test_pow_exponent_gradient_at_zero_base_without_warning():
    a, b = torch.tensor([0.0, 0.0, 2.0]), torch.tensor([2.0, 0.0, 3.0], requires_grad=True)
    torch.pow(a, b).sum().backward()
    x, y = cr.tensor([0.0, 0.0, 2.0]), cr.tensor([2.0, 0.0, 3.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cr.pow(x, y).sum().backward()
    assert torch.allclose(torch.tensor(y.grad.tolist()), b.grad)
