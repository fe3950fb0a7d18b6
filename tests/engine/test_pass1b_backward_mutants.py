"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in engine, against PyTorch
(grad mode inside a custom Function's backward)."""
from __future__ import annotations

import torch

import chainrule as cr


def _mode_recording(lib, seen: list):  # noqa: ANN001, ANN202
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 2

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            seen.append(lib.is_grad_enabled())
            return g * 2

    return Double


def test_a_custom_backward_runs_with_grad_mode_off_in_a_plain_backward() -> None:
    # engine/backward.py:233 (`modes = enter_backward(False)`): a plain loss.backward() runs a Function's backward
    # with grad mode off, as PyTorch (create_graph=False), and leaves grad mode on afterwards
    for lib in (torch, cr):
        seen: list = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        _mode_recording(lib, seen).apply(x).sum().backward()
        assert (seen, x.grad.tolist(), x.grad.requires_grad, lib.is_grad_enabled()) == \
            ([False], [2.0, 2.0], False, True), lib.__name__
