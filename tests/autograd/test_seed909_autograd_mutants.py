"""Tests that kill survivors of the seed-909 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import torch

import chainrule as cr


def _functions(lib):  # noqa: ANN001, ANN202
    class Scale(lib.autograd.Function):
        """PyTorch 2's style: forward without ctx, setup_context saves what backward needs."""

        @staticmethod
        def forward(input, factor):  # noqa: A002, ANN001, ANN205
            return input * factor

        @staticmethod
        def setup_context(ctx, inputs, output):  # noqa: ANN001, ANN205
            ctx.factor = inputs[1]

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            return g * ctx.factor, None

    class OldScale(lib.autograd.Function):
        """The classic style: forward(ctx, ...)."""

        @staticmethod
        def forward(ctx, input, factor):  # noqa: A002, ANN001, ANN205
            ctx.factor = factor
            return input * factor

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            return g * ctx.factor, None

    return Scale, OldScale


def test_a_functions_argument_names_are_its_forwards_in_both_styles() -> None:
    """autograd/function.py:171 (`not setup_style and params` -> `or`: the first parameter was dropped as if it
    were ctx in the setup_context style too): explanations name a Function's inputs by its forward's
    parameters, (input, factor) in both styles. The gradients are PyTorch's."""
    for ours, theirs in zip(_functions(cr), _functions(torch)):
        x = cr.tensor([1.0, -2.0], requires_grad=True)
        y = ours.apply(x, 3.0)
        assert y.grad_fn.op.arg_names == ("input", "factor")
        loss = y.sum()
        loss.name = "L"
        node = next(n for n in cr.explain.graph(loss).data["nodes"] if n["kind"] == "op" and n["arg_names"] != ["x"])
        assert node["arg_names"] == ["input", "factor"]
        loss.backward()
        tx = torch.tensor([1.0, -2.0], requires_grad=True)
        theirs.apply(tx, 3.0).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
