"""Piecewise activations at the exact points where their pieces meet (a `>` against a `>=` there changes the
value or the gradient only on that point): values and gradients against PyTorch in float64, to the last bits.
Found by mutation testing (softplus at beta*x == threshold); written for every piecewise activation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as CF

CASES = [
    ("softplus", {}, [20.0, -20.0, 19.5, 0.0, 20.5, 21.0]),  # 20.5, 21: the default threshold is 20, not 21
    ("softplus", {"beta": 2.0, "threshold": 4.0}, [2.0, 1.999, 2.001]),
    ("softplus", {"beta": 0.5, "threshold": 1.0}, [2.0, -2.0]),
    ("hardtanh", {}, [-1.0, 1.0, 0.0]),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}, [-2.0, 0.5]),
    ("relu6", {}, [0.0, 6.0]),
    ("relu", {}, [0.0]),
    ("hardsigmoid", {}, [-3.0, 3.0, 0.0]),
    ("hardswish", {}, [-3.0, 3.0, 0.0]),
    ("leaky_relu", {"negative_slope": 0.2}, [0.0]),
    ("elu", {}, [0.0]),
    ("elu", {"alpha": 2.0}, [0.0, -1.0]),
    ("celu", {"alpha": 0.5}, [0.0]),
    ("selu", {}, [0.0]),
    ("silu", {}, [0.0]),
    ("mish", {}, [0.0]),
    ("gelu", {}, [0.0]),
    ("logsigmoid", {}, [0.0, -40.0, 40.0]),
]


@pytest.mark.parametrize("name,kwargs,points", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_value_and_gradient_at_the_boundaries_match_torch(name, kwargs, points):
    results = []
    for lib, F in ((torch, TF), (cr, CF)):
        x = lib.tensor(points, dtype=lib.float64, requires_grad=True)
        y = getattr(F, name)(x, **kwargs)
        (g,) = lib.autograd.grad(y.sum(), x)
        results.append((y.detach().numpy().copy(), g.numpy().copy()))
    (ty, tg), (cy, cg) = results
    # tight: softplus's two pieces differ by 2e-9 at its threshold; torch's hardsigmoid/hardswish slope 1/6
    # is a float32 constant even in float64 (3e-8 off), so those gradients get 1e-7
    grad_rtol = 1e-7 if name.startswith("hard") else 1e-12
    np.testing.assert_allclose(cy, ty, rtol=1e-12, atol=1e-16, err_msg=f"{name}{kwargs} values at {points}")
    np.testing.assert_allclose(cg, tg, rtol=grad_rtol, atol=1e-16, err_msg=f"{name}{kwargs} gradients at {points}")
