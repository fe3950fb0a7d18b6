"""Tests that kill survivors of the seed-1212 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("method", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv_methods_default_value_is_one(method: str) -> None:
    """`x.addcmul(a, b)` / `x.addcdiv(a, b)` without `value` add 1 * a * b (a / b), with PyTorch's value and
    gradients (seed-1212 survivor engine/tensor_methods.py:365, the method's default `value=1` -> 2)."""
    rng = np.random.default_rng(1212)
    x0, a0, b0 = (rng.uniform(0.5, 2.0, (2, 3)) for _ in range(3))
    xs = [cr.tensor(v, requires_grad=True) for v in (x0, a0, b0)]
    ts = [torch.tensor(v, requires_grad=True) for v in (x0, a0, b0)]
    out = getattr(xs[0], method)(xs[1], xs[2])
    ref = getattr(ts[0], method)(ts[1], ts[2])
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=0)
    out.sum().backward()
    ref.sum().backward()
    for c, t in zip(xs, ts):
        np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=0)
    # the explicit value=1 gives the same, and the function form agrees with the method
    np.testing.assert_array_equal(out.detach().numpy(),
                                  getattr(cr, method)(*(c.detach() for c in xs), value=1).numpy())
