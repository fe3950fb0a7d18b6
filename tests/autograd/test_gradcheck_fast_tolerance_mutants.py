"""gradcheck's fast mode scales atol by sum(u) * sum(v) (PyTorch's `_adjusted_atol`): with positive random unit
vectors over 100 elements those sums are about 8.7 each, so an analytical gradient scaled by 1 + delta (v^T J u
off by delta * v.u, under 1) passes for delta = 0.02 with atol = 1e-3 (tolerance about 0.075) and fails for
delta = 0.5, in torch as in chainrule (found by mutation testing: dividing by sum(u) instead went unnoticed)."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


def _off_by(lib, delta):
    class Off(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 1.0

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            return g * (1.0 + delta)

    return Off.apply


@pytest.mark.parametrize("delta,passes", [(0.02, True), (0.5, False)])
def test_fast_mode_tolerance_is_scaled_like_torch(delta, passes):
    for lib in (torch, cr):
        x = lib.linspace(-1.0, 1.0, 100, dtype=lib.float64).requires_grad_()
        ok = lib.autograd.gradcheck(_off_by(lib, delta), (x,), fast_mode=True, atol=1e-3, rtol=0.0,
                                    raise_exception=False, check_undefined_grad=False)
        assert ok is passes, (lib.__name__, delta)
