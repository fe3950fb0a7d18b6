"""What user code sees of grad mode while backward runs (the walk switches this thread's mode only when it
reaches user code): tensor hooks, custom Function backwards and module backward hooks, against torch."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


def _seen(lib, create_graph):
    seen = {}

    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            seen["function"] = lib.is_grad_enabled()
            return g * 2

    lin = lib.nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: seen.__setitem__("module", lib.is_grad_enabled()))
    x = lib.ones(2, requires_grad=True)
    mid = Twice.apply(lin(x)).tanh()
    mid.register_hook(lambda g: seen.__setitem__("tensor", lib.is_grad_enabled()))
    mid.sum().backward(create_graph=create_graph)
    seen["after"] = lib.is_grad_enabled()
    return seen


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_mode_inside_user_code_during_backward_matches_torch(create_graph):
    assert _seen(cr, create_graph) == _seen(torch, create_graph)


def test_a_plain_backward_leaves_the_mode_alone():
    w = cr.tensor(0.5, requires_grad=True)
    with cr.no_grad():
        assert not cr.is_grad_enabled()
    loss = (w * 3.0) ** 2
    loss.backward()
    assert cr.is_grad_enabled() and w.grad.item() == pytest.approx(9.0)
