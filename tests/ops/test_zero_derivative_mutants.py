"""Ops whose derivative is zero everywhere (sign, floor, ceil, round, trunc): PyTorch's backward is
`zeros_like(grad)`, so the gradient is 0 even where the upstream gradient is NaN or infinite, and under
create_graph it hangs on no graph (it does not require grad). chainrule computed `g * 0` (NaN for a NaN g,
and a gradient that required grad whenever g did)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

OPS = ["sign", "floor", "ceil", "round", "trunc"]


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("create_graph", [False, True])
def test_zero_derivative_matches_torch(name, create_graph):
    out = {}
    for lib in (torch, cr):
        x = lib.tensor([1.5, -2.25, 0.0], dtype=lib.float64, requires_grad=True)
        g_up = lib.tensor([float("nan"), float("inf"), 2.0], dtype=lib.float64, requires_grad=create_graph)
        (g,) = lib.autograd.grad(getattr(x, name)(), x, g_up, create_graph=create_graph)
        out[lib.__name__] = (g.detach().numpy().copy(), g.requires_grad)
    np.testing.assert_array_equal(out["chainrule"][0], out["torch"][0])
    assert out["chainrule"][1] == out["torch"][1]
