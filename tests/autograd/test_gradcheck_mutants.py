"""gradgradcheck checks undefined (all-zero) gradients by default, as PyTorch's (a mutation survivor: the
default of `check_undefined_grad` flipped in `autograd/gradcheck.py: gradgradcheck`). The second derivative
below is right for every nonzero gradient, so only a check with zero gradients can notice it (PyTorch makes
that check always; chainrule only with `check_undefined_grad`, noted in docs/testing.md)."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


def _square(m):
    class Twice(m.autograd.Function):  # 2x, whose backward invents a gradient when it is handed zeros
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad if bool((grad != 0).any()) else m.ones_like(grad)

    class Square(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * Twice.apply(x)

    return Square.apply


@pytest.mark.parametrize("m", [torch, cr], ids=["torch", "chainrule"])
def test_gradgradcheck_notices_a_gradient_invented_from_zeros(m) -> None:
    x = m.tensor([0.5, -1.5, 2.0], dtype=m.float64, requires_grad=True)
    square = _square(m)
    assert m.autograd.gradcheck(square, (x,))
    # PyTorch: "backward not multiplied by grad_output" (a check it always makes); chainrule: its undefined-grad check
    with pytest.raises(RuntimeError, match="grad_output|undefined"):
        m.autograd.gradgradcheck(square, (x,))
