"""Tests that kill survivors of the seed-1010 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


def _saved_before_saving(lib, requires_grad: bool) -> tuple:  # noqa: ANN001
    seen: list[tuple] = []

    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            seen.append(tuple(ctx.saved_tensors))
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            (x,) = ctx.saved_tensors
            return g * 2

    x = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=requires_grad)
    y = Twice.apply(x)
    if requires_grad:
        y.sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]
    return seen[0]


@pytest.mark.parametrize("requires_grad", [True, False])
def test_saved_tensors_read_in_forward_before_saving_are_empty(requires_grad: bool) -> None:
    """A fresh ctx has recorded nothing: `ctx.saved_tensors` read in forward before save_for_backward is (), as
    PyTorch's, whether or not the call is recorded (seed-1010 survivor autograd/function.py:69, a new ctx
    starting as `_recorded = True`, which looked for a node that does not exist yet)."""
    assert _saved_before_saving(torch, requires_grad) == ()
    assert _saved_before_saving(cr, requires_grad) == ()
