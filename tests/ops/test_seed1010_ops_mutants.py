"""Tests that kill survivors of the seed-1010 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_local_derivatives_observed_under_create_graph_are_tensors_like_the_step(dtype: str) -> None:
    """With create_graph=True the backward pass runs on tensors: an observed step's local derivatives are
    tensors too, of the output's dtype, and upstream * local is the contribution; the derivatives against
    PyTorch's (seed-1010 survivor ops/registry.py:227, `_unit_like`'s tensor branch dropped, which gave NumPy
    ones as the unit upstream)."""
    values = [0.5, -1.25, 2.0]
    x = cr.tensor(values, dtype=getattr(cr, dtype), requires_grad=True)
    with cr.autograd.observe() as steps:
        (g,) = cr.autograd.grad((x.tanh() * x).sum(), x, create_graph=True)
    elementwise = [s for s in steps if s.op_name in ("tanh", "mul")]
    assert sorted(s.op_name for s in elementwise) == ["mul", "tanh"]
    for step in elementwise:
        for local, contribution in zip(step.local, step.contributions):
            assert type(local) is cr.Tensor and local.dtype == getattr(cr, dtype), (step.op_name, type(local))
            np.testing.assert_allclose((step.upstream * local).detach().numpy(), contribution.detach().numpy())
    tx = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    (tg,) = torch.autograd.grad((tx.tanh() * tx).sum(), tx, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-6)
    tanh = next(s for s in elementwise if s.op_name == "tanh")
    np.testing.assert_allclose(tanh.local[0].detach().numpy(), 1 - np.tanh(np.array(values)) ** 2, rtol=1e-6)
