"""A custom autograd.Function that leaves out a method fails as PyTorch's does (mutation testing found these
defaults unexecuted)."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


def _no_forward(lib):
    class F(lib.autograd.Function):
        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            return g

    return F.apply(lib.ones(2, requires_grad=True))


def _no_backward(lib):
    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 2

    F.apply(lib.ones(2, requires_grad=True)).sum().backward()


@pytest.mark.parametrize("case,match", [
    (_no_forward, "ou must implement the forward function for custom autograd.Function."),
    (_no_backward, "ou must implement either the backward or vjp method"),
])
def test_a_missing_method_raises_like_torch(case, match):
    with pytest.raises(NotImplementedError, match=match):
        case(torch)
    with pytest.raises(NotImplementedError, match=match):
        case(cr)


def test_the_base_methods_raise_like_torch():
    for lib in (torch, cr):
        F = lib.autograd.Function  # noqa: N806
        with pytest.raises(NotImplementedError, match="forward function"):
            F.forward(None, 1)
        with pytest.raises(NotImplementedError, match="backward or vjp"):
            F.backward(None, 1)
        with pytest.raises(NotImplementedError, match="backward or vjp"):
            F.vjp(None, 1)
        with pytest.raises(NotImplementedError, match="setup_context is not implemented"):
            F.setup_context(None, (), None)
