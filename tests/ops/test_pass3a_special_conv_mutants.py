"""Tests for survivors of the first exhaustive mutation pass, resumed part (h/p3opsa).

This file: ops/special.py (digamma's derivative at +inf, against PyTorch; erfinv's accuracy, against mpmath) and
ops/conv.py (conv_transpose2d's bias gradient only when the bias takes one)."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.ops import special


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_digamma_derivative_at_plus_infinity_is_zero(dtype):
    # trigamma: `np.where(np.isposinf(v), 0.0, out)` (digamma's derivative, polygamma(1, x), is 0 at +inf)
    grads = []
    for m in (torch, cr):
        x = m.tensor([np.inf, 3.0, 0.25], dtype=getattr(m, dtype), requires_grad=True)
        m.digamma(x).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    assert grads[1][0] == grads[0][0] == 0.0
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6 if dtype == "float32" else 1e-9)


def test_erfinv_is_correctly_rounded_for_most_of_the_central_range():
    """Accuracy, against mpmath at 30 digits: erfinv (Giles' approximation, then four Newton steps) is within 2 ulp
    everywhere (tests/ops/test_special_accuracy.py) and correctly rounded for about two thirds of the points of
    the central range |y| < 0.9966, where Giles' central polynomial in w - 2.5 starts the iteration (measured: 67%
    over these 3,000 points; with the polynomial evaluated at w - 3.5, a start about 30% off, four steps still
    converge but only 60% round correctly). A statistical bound, with a margin of about 4 points either side."""
    ys = np.concatenate([np.linspace(-0.996, 0.996, 1201), np.linspace(0.001, 0.9965, 997),
                         np.linspace(-0.9, 0.9, 800) + 1e-4])
    with mpmath.workdps(30):
        want = np.array([float(mpmath.erfinv(mpmath.mpf(float(v)))) for v in ys])
    got = special.erfinv(ys)
    ulps = np.abs(got - want) / np.spacing(np.abs(want))
    assert ulps.max() <= 2
    assert (ulps == 0).mean() >= 0.635


def test_conv_transpose2d_sends_no_gradient_to_a_bias_that_takes_none():
    # _conv_t_vjp: `if b is not None and needs[2]:` (a bias without requires_grad gets no gradient computed: the
    # observed step's contribution to it is None, as BackwardStep.contributions documents), x and w PyTorch's
    rng = np.random.default_rng(2)
    xs, ws, bs = rng.standard_normal((2, 4, 3, 3)), rng.standard_normal((4, 3, 2, 2)), rng.standard_normal(6)
    xt, wt = torch.tensor(xs, requires_grad=True), torch.tensor(ws, requires_grad=True)
    (torch.nn.functional.conv_transpose2d(xt, wt, torch.tensor(bs), groups=2) ** 2).sum().backward()
    x, w = cr.tensor(xs, requires_grad=True), cr.tensor(ws, requires_grad=True)
    y = cr.nn.functional.conv_transpose2d(x, w, cr.tensor(bs), groups=2)
    with cr.autograd.observe() as steps:
        (y ** 2).sum().backward()
    (step,) = [s for s in steps if s.op_name == "conv_transpose2d"]
    assert step.contributions[2] is None
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-10)
