"""`cr.autograd.backward`'s defaults against `torch.autograd.backward` (found by mutation testing)."""

from __future__ import annotations

import numpy as np
import torch

import chainrule as cr


def _run(lib, **kw):
    x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    y = (x ** 3).sum()
    lib.autograd.backward(y, **kw)
    return x.grad


def test_backward_default_builds_no_graph_like_torch():
    ours, theirs = _run(cr), _run(torch)
    assert ours.requires_grad is False and theirs.requires_grad is False
    assert ours.grad_fn is None and theirs.grad_fn is None
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_backward_with_create_graph_builds_one_like_torch():
    ours, theirs = _run(cr, create_graph=True), _run(torch, create_graph=True)
    assert ours.requires_grad and theirs.requires_grad
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())


def test_backward_list_of_one_without_create_graph_like_torch():
    for lib in (cr, torch):
        x = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        lib.autograd.backward([x * x * x])
        assert float(x.grad) == 12.0 and not x.grad.requires_grad
