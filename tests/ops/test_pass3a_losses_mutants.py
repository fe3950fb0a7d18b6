"""Tests for survivors of the first exhaustive mutation pass, resumed part (h/p3opsa), against PyTorch.

This file: ops/losses.py (smooth_l1_loss and huber_loss at the switch |d| = beta, bit for bit)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

_LOSSES = [("smooth_l1_loss", "beta"), ("huber_loss", "delta")]


def _both(name, kw, x, y, beta, reduction="none"):
    t = getattr(torch.nn.functional, name)(torch.from_numpy(x), torch.from_numpy(y), reduction=reduction,
                                           **{kw: beta}).numpy()
    c = getattr(cr.nn.functional, name)(cr.tensor(x), cr.tensor(y), reduction=reduction, **{kw: beta}).numpy()
    return t, c


@pytest.mark.parametrize("name, kw", _LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_robust_losses_at_the_switch_are_pytorchs_bits(name, kw, dtype):
    """At |d| == beta PyTorch takes the linear side (`z < beta ? quadratic : linear`). The two sides agree there only
    up to rounding: smooth_l1's 0.5 d^2 / beta differs from d - 0.5 beta in the last bit for many beta
    (smooth_l1 `a < beta` -> `a <= beta` survived), and huber's 0.5 d^2 from delta (d - 0.5 delta) when the result
    is subnormal (huber used `a <= beta`: a real difference, fixed)."""
    rng = np.random.default_rng(7)
    tiny = 1e-160 if dtype is np.float64 else 1e-21  # results below the smallest normal number
    for scale in (1.0, tiny):
        betas = (rng.uniform(0.01, 5.0, 400) * scale).astype(dtype)
        y = (rng.uniform(-3.0, 3.0, 400) * scale).astype(dtype)
        x = (y + betas).astype(dtype)
        tie = np.abs(x - y) == betas
        assert tie.sum() > 100
        for beta, xi, yi in zip(betas[tie], x[tie], y[tie], strict=True):
            t, c = _both(name, kw, np.array([xi, -xi]), np.array([yi, -yi]), float(beta))
            assert c.dtype == t.dtype
            np.testing.assert_array_equal(c, t, err_msg=f"beta={beta!r}, x={xi!r}, y={yi!r}")


@pytest.mark.parametrize("name, kw", _LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("beta", [1.0, 0.3, 1.7, 0.01])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_robust_losses_are_pytorchs_bits(name, kw, dtype, beta, reduction):
    """Both sides round as PyTorch's kernels (0.5 |d| |d| first; smooth_l1 then divides by beta): the same bits
    for every element (smooth_l1's former d d (0.5 / beta) was one ulp off for many inputs)."""
    rng = np.random.default_rng(8)
    x = rng.uniform(-2 * beta, 2 * beta, 2000).astype(dtype)
    y = rng.uniform(-0.1, 0.1, 2000).astype(dtype)
    t, c = _both(name, kw, x, y, beta, "none")
    np.testing.assert_array_equal(c, t)
    t, c = _both(name, kw, x, y, beta, reduction)
    np.testing.assert_allclose(c, t, rtol=1e-6 if dtype is np.float32 else 1e-13)


@pytest.mark.parametrize("name, kw", _LOSSES)
def test_robust_losses_subnormal_results(name, kw):
    """Inside the quadratic part with subnormal results: 0.5 |d| |d| rounds once, as PyTorch's (d d 0.5 rounded
    twice)."""
    rng = np.random.default_rng(9)
    beta = 1e-155
    x = rng.uniform(-1e-155, 1e-155, 3000)
    t, c = _both(name, kw, x, np.zeros_like(x), beta)
    np.testing.assert_array_equal(c, t)
