"""Tests for the mutation survivors that waited for a decision (docs/testing.md, "Decided")."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def test_assigning_data_keeps_the_version_counter_as_pytorch() -> None:
    """`x.data = y` rebinds the storage without counting an in-place change: PyTorch's `_version` stays
    (seed-909 survivor engine/tensor.py:301, decided for PyTorch's behaviour)."""
    c, t = cr.ones(3, requires_grad=True), torch.ones(3, dtype=torch.float64, requires_grad=True)
    cv, tv = c[:2], t[:2]
    for x in (c, t):
        x.data = (cr if x is c else torch).zeros(3, dtype=(cr if x is c else torch).float64)
    assert (c._version, cv._version) == (t._version, tv._version) == (0, 0)


def test_a_graph_over_the_old_data_keeps_its_forward_values() -> None:
    """The documented deviation: chainrule's backward uses the arrays the forward saw, so rebinding `.data`
    afterwards neither raises nor changes the gradient (PyTorch reads the new data: 0 here)."""
    x = cr.ones(3, requires_grad=True)
    y = (x * x).sum()
    x.data = cr.zeros(3)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_no_grad_records_nothing_through_the_generic_apply() -> None:
    """Ops outside the elementwise fast paths (matmul, reductions with dims, joins, clamp with bounds) record no
    node under no_grad, also while another thread is recording (ops/registry.py:327 with `not` dropped)."""
    w = cr.randn(3, 3, requires_grad=True)
    with cr.no_grad():
        outs = [w @ w, cr.matmul(w, w), w.sum(0), cr.cat([w, w]), w.clamp(0, 1), cr.where(w > 0, w, w * 2)]
    for y in outs:
        assert not y.requires_grad and y.grad_fn is None
    assert (w @ w).requires_grad  # and records again afterwards


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_second_derivative_uses_the_saved_result(include_self: bool) -> None:
    """prod's backward divides the saved result by each factor (ops/scatter.py:294 now reads the saved output,
    as PyTorch's formula); first and second derivatives against PyTorch, with zeros among the factors."""
    rng = np.random.default_rng(7)
    x0 = rng.uniform(0.5, 1.5, (3, 4))
    s0 = rng.uniform(0.5, 1.5, (3, 4))
    s0[0, 1] = 0.0
    idx = np.array([[0, 1, 2, 0], [1, 2, 0, 1], [2, 0, 1, 2]])
    grads = []
    for lib in (cr, torch):
        x = lib.tensor(x0, requires_grad=True)
        s = lib.tensor(s0, requires_grad=True)
        out = x.scatter_reduce(0, lib.tensor(idx), s, "prod", include_self=include_self)
        gx, gs = lib.autograd.grad((out * out).sum(), (x, s), create_graph=True)
        hx, hs = lib.autograd.grad((gx.sum() + gs.sum()), (x, s))
        grads.append([v.detach().numpy() for v in (out, gx, gs, hx, hs)])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
