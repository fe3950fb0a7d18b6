"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all), against PyTorch.

This file: ops/reductions.py (median, kthvalue, cumsum/cumprod of 0-d, var, prod, norm, trapezoid, logcumsumexp)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _grad(m, data, fn, dtype="float64"):
    x = m.tensor(data, dtype=getattr(m, dtype), requires_grad=True)
    fn(m, x).backward()
    return np.asarray(x.grad.tolist())


@pytest.mark.parametrize("n, seed", [(3, 0), (5, 1), (2001, 137), (5001, 131), (10001, 72), (10001, 115)])
def test_median_all_odd_sizes(n, seed):
    # _median_all_forward: np.partition(flat, (flat.size - 1) // 2) (the kth partitioned must be the one read;
    # partitioning at the element before leaves the middle one unsorted for these permutations)
    data = np.random.default_rng(seed).permutation(n).astype(np.float64)
    assert cr.median(cr.tensor(data)).item() == torch.median(torch.from_numpy(data)).item() == (n - 1) // 2


def test_kthvalue_0d_k_out_of_range():
    # kthvalue: `n = ... if input.ndim else 1` (a 0-d input has one element: k=2 is out of range)
    with pytest.raises(RuntimeError):
        torch.kthvalue(torch.tensor(5.0), 2)
    with pytest.raises(RuntimeError, match="out of range"):
        cr.kthvalue(cr.tensor(5.0), 2)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cum_0d_int32_promotes_to_int64(name):
    # _cumsum_forward / _cumprod_forward 0-d branch: `dtype=_acc(x) or x.dtype`
    t = getattr(torch, name)(torch.tensor(3, dtype=torch.int32), 0)
    c = getattr(cr, name)(cr.tensor(3, dtype=cr.int32), 0)
    assert str(c.dtype) == str(t.dtype).replace("torch", "chainrule") == "chainrule.int64"
    assert c.item() == t.item()


def test_cumprod_0d_backward():
    # cumprod: `wrap_dim(...) if input.ndim else 0` (the dim given to the 0-d op and its gradient)
    for m in (torch, cr):
        x = m.tensor(2.5, dtype=m.float64, requires_grad=True)
        y = m.cumprod(x, 0)
        y.backward()
        assert x.grad.item() == 1.0
        assert y.shape == ()
    # the dim recorded for a 0-d input is 0, as torch's saved dim
    y = cr.cumprod(cr.tensor(2.5, requires_grad=True), 0)
    assert y.grad_fn.attrs["dim"] == torch.cumprod(torch.tensor(2.5, requires_grad=True), 0).grad_fn._saved_dim == 0


def test_var_grad_two_elements_correction_one():
    # _dof: `n if n > 0 else float("nan")` (N - correction = 1 is a valid dof)
    data = [1.0, 4.0]
    t = _grad(torch, data, lambda m, x: m.var(x))
    c = _grad(cr, data, lambda m, x: m.var(x))
    np.testing.assert_allclose(c, t)
    assert np.isfinite(c).all()


@pytest.mark.parametrize("data", [[0.0, 0.0, 0.0], [0.0], [[0.0, 0.0], [0.0, 0.0]]])
def test_prod_grad_all_zeros(data):
    # _prod_vjp: `if np.all(raw != 0):` (all zeros must take the zero-safe path, not out / x)
    t = _grad(torch, data, lambda m, x: m.prod(x))
    np.testing.assert_array_equal(_grad(cr, data, lambda m, x: m.prod(x)), t)


def test_norm2_grad_at_unit_norm():
    # _norm2_vjp: `xp.where(o == 0, 0.0, x / safe)` (only a zero norm has the subgradient 0)
    data = [0.6, 0.8]
    for fn in (lambda m, x: m.linalg.vector_norm(x), lambda m, x: m.norm(x)):
        np.testing.assert_allclose(_grad(cr, data, fn), _grad(torch, data, fn))
        np.testing.assert_allclose(_grad(cr, data, fn), data)


@pytest.mark.parametrize("shape, dim", [((0,), -1), ((2, 0), 1), ((0, 3), 0)])
def test_trapezoid_empty_dim(shape, dim):
    # trapezoid: `if n == 0:` (an empty dim integrates to 0, not a select error)
    t = torch.trapezoid(torch.ones(shape), dim=dim)
    c = cr.trapezoid(cr.ones(shape), dim=dim)
    assert tuple(c.shape) == tuple(t.shape)
    np.testing.assert_array_equal(np.asarray(c.tolist()), t.numpy())


def test_trapezoid_x_wrong_length():
    # trapezoid: `if x.shape[0] != n:` (one x per sample point)
    with pytest.raises(RuntimeError):
        torch.trapezoid(torch.ones(4), torch.arange(3.0))
    with pytest.raises(RuntimeError, match="one `x` value for each sample point"):
        cr.trapezoid(cr.ones(4), cr.arange(3.0))


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_logcumsumexp_non_float_refused(dtype):
    # logcumsumexp: `if input.array.dtype.kind != "f":` (NotImplementedError as PyTorch)
    with pytest.raises(NotImplementedError):
        torch.logcumsumexp(torch.tensor([1, 0], dtype=getattr(torch, dtype)), 0)
    with pytest.raises(NotImplementedError, match="logcumsumexp"):
        cr.logcumsumexp(cr.tensor([1, 0], dtype=getattr(cr, dtype)), 0)
