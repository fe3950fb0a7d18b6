"""Tests that kill survivors of the seed-1212 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

_X = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("kwargs", [{"axis": 1}, {"axis": 0}, {"axis": -1, "keepdims": True},
                                    {"dim": 1, "keepdims": True}])
def test_max_min_take_numpy_axis_aliases(name: str, kwargs: dict) -> None:
    """`cr.max(x, axis=1)` reduces over axis 1 (values and indices), as `torch.max(x, axis=1)` (seed-1212 survivor
    ops/reductions.py:245, `axis is not None` -> `is None`: the alias was then ignored)."""
    got = getattr(cr, name)(cr.tensor(_X), **kwargs)
    ref = getattr(torch, name)(torch.tensor(_X), **kwargs)
    np.testing.assert_array_equal(got.values.numpy(), ref.values.numpy())
    np.testing.assert_array_equal(got.indices.numpy(), ref.indices.numpy())
    assert tuple(got.values.shape) == tuple(ref.values.shape)


@pytest.mark.parametrize("correction", [0, 1])
def test_std_second_derivative_at_a_constant_row_is_finite(correction: int) -> None:
    """std's gradient at a constant row (std 0) is 0, and so is its derivative: the double backward gives
    PyTorch's numbers, no NaN (seed-1212 survivor ops/reductions.py:321, the guard `o == 0` -> `o == 1`: the
    first derivative stayed 0 but the second became NaN)."""
    data = np.array([[2.0, 2.0, 2.0], [1.0, 3.0, 4.5]])
    w = np.array([[0.3, -1.2, 0.7], [1.1, 0.4, -0.9]])
    x = cr.tensor(data, requires_grad=True)
    g, = cr.autograd.grad(x.std(dim=-1, correction=correction).sum(), x, create_graph=True)
    h, = cr.autograd.grad((g * cr.tensor(w)).sum(), x)
    xt = torch.tensor(data, requires_grad=True)
    gt, = torch.autograd.grad(xt.std(dim=-1, correction=correction).sum(), xt, create_graph=True)
    ht, = torch.autograd.grad((gt * torch.tensor(w)).sum(), xt)
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h.numpy(), ht.numpy(), rtol=1e-10, atol=1e-15)
    assert np.isfinite(h.numpy()).all() and (h.numpy()[0] == 0).all()
