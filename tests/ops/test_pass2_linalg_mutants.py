"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all), against PyTorch.

This file: ops/linalg.py (bmm, einsum's equation checks, linear, addmm, kron, norms, qr, multi_dot, matrix_rank)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _both_raise(call, exc=RuntimeError, match=None):
    with pytest.raises(exc):
        call(torch)
    with pytest.raises(exc, match=match):
        call(cr)


@pytest.mark.parametrize("a, b", [((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5))])
def test_bmm_one_operand_not_3d(a, b):
    # bmm: `if input.ndim != 3 or mat2.ndim != 3:` (either operand not 3-D)
    _both_raise(lambda m: m.bmm(m.ones(a), m.ones(b)), match="3-D")


def test_einsum_operand_count_mismatch():
    # _einsum_parse: `if len(inputs) != len(ndims):`
    _both_raise(lambda m: m.einsum("ij,jk->ik", m.ones(2, 3)), match="2 operands but 1 tensors")
    _both_raise(lambda m: m.einsum("ij->ij", m.ones(2, 3), m.ones(2, 3)), match="1 operands but 2 tensors")


@pytest.mark.parametrize("eq", ["ij->ii", "ij->k", "ij->ik", "ij,jk->iik"])
def test_einsum_bad_output_subscripts(eq):
    # _einsum_parse: `if len(set(rhs)) != len(rhs) or not set(rhs) <= set(...)` and its raise
    ops = (lambda m: (m.ones(2, 2), m.ones(2, 2))) if "," in eq else (lambda m: (m.ones(2, 2),))
    _both_raise(lambda m: m.einsum(eq, *ops(m)), match="output subscripts")


def test_linear_grad_to_bias_only():
    # linear: `(bias is not None and bias.requires_grad)` (a bias alone requiring grad records the node)
    grads = []
    for m in (torch, cr):
        x, w = m.ones(2, 3, dtype=m.float64), m.ones(4, 3, dtype=m.float64)
        b = m.zeros(4, dtype=m.float64, requires_grad=True)
        y = m.nn.functional.linear(x, w, b)
        assert y.requires_grad
        y.sum().backward()
        grads.append(np.asarray(b.grad.tolist()))
    np.testing.assert_array_equal(grads[1], grads[0])


def test_addmm_beta0_result_not_an_expand_view():
    # addmm: `expand(prod, shape) if tuple(prod.shape) != shape else prod` (the product itself, no expand node)
    m1 = cr.ones(2, 3, requires_grad=True)
    out = cr.addmm(cr.ones(4), m1, cr.ones(3, 4), beta=0)
    t = torch.addmm(torch.ones(4), torch.ones(2, 3, requires_grad=True), torch.ones(3, 4), beta=0)
    assert tuple(out.shape) == tuple(t.shape)
    assert "Expand" not in repr(out) and "Expand" not in repr(t)


@pytest.mark.parametrize("a, b", [((2, 2), (3,)), ((2, 3, 2), (2,)), ((2,), (2, 3, 1)), ((2, 3), (1, 2, 2))])
def test_kron_operands_of_different_ndim(a, b):
    # kron: `sa = (1,) * (n - input.ndim) + ...` / `sb = (1,) * (n - other.ndim) + ...`
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(a), rng.standard_normal(b)
    t = torch.kron(torch.from_numpy(x), torch.from_numpy(y))
    c = cr.kron(cr.tensor(x), cr.tensor(y))
    assert tuple(c.shape) == tuple(t.shape)
    np.testing.assert_allclose(np.asarray(c.tolist()), t.numpy())


@pytest.mark.parametrize("dim", [None, 0, (0, 1)])
def test_vector_norm_ord2_grad_at_zero(dim):
    # vector_norm: `if ord == 2:` (the 2-norm's own backward: the subgradient 0 at the origin, as PyTorch)
    grads = []
    for m in (torch, cr):
        x = m.zeros(2, 3, dtype=m.float64, requires_grad=True)
        m.linalg.vector_norm(x, 2, dim).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_array_equal(grads[1], grads[0])
    assert not np.isnan(grads[1]).any()


def test_vector_norm_ord2_backward_name():
    # vector_norm: `if ord == 2:` (the 2-norm is one LinalgVectorNormBackward0 node, as PyTorch, not p_norm's)
    t = torch.linalg.vector_norm(torch.ones(2, 3, requires_grad=True), 2, 1)
    c = cr.linalg.vector_norm(cr.ones(2, 3, requires_grad=True), 2, 1)
    assert "grad_fn=<LinalgVectorNormBackward0>" in repr(t)
    assert "grad_fn=<LinalgVectorNormBackward0>" in repr(c)


def test_linalg_norm_ord_without_dim_on_3d():
    # linalg.norm: `if A.ndim not in (1, 2):` (ord given, dim not, input 3-D)
    _both_raise(lambda m: m.linalg.norm(m.ones(2, 2, 2), ord=2), match="1D or 2D")
    _both_raise(lambda m: m.linalg.norm(m.ones(2, 2, 2), ord="fro"), match="1D or 2D")


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4, 3)])
@pytest.mark.parametrize("of_q", [True, False])
def test_qr_grad_square_and_tall(shape, of_q):
    # _qr_vjp: `if m >= n:` (square and tall inputs take the square-R formula)
    rng = np.random.default_rng(1)
    data = rng.standard_normal(shape)
    w = rng.standard_normal(shape if of_q else shape[:-2] + (shape[-1], shape[-1]))
    grads = []
    for m in (torch, cr):
        x = m.tensor(data, dtype=m.float64, requires_grad=True)
        q, r = m.linalg.qr(x)
        ((q if of_q else r) * m.tensor(w, dtype=m.float64)).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-9, atol=1e-12)


def test_multi_dot_two_tensors():
    # multi_dot: `if len(tensors) < 2:` (two tensors are enough)
    x, y = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    t = torch.linalg.multi_dot([torch.from_numpy(x), torch.from_numpy(y)])
    c = cr.linalg.multi_dot([cr.tensor(x), cr.tensor(y)])
    np.testing.assert_allclose(np.asarray(c.tolist()), t.numpy())
    _both_raise(lambda m: m.linalg.multi_dot([m.ones(2, 2)]))


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (2, 0, 0), (0, 0), (2, 3, 0, 4), (2, 3, 4, 0)])
@pytest.mark.parametrize("kw", [{}, {"atol": 0.5}, {"rtol": 0.1}])
def test_matrix_rank_empty(shape, kw):
    # matrix_rank: `s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)` (no singular values)
    t = torch.linalg.matrix_rank(torch.zeros(shape), **kw)
    c = cr.linalg.matrix_rank(cr.zeros(shape), **kw)
    assert tuple(c.shape) == tuple(t.shape)
    np.testing.assert_array_equal(np.asarray(c.tolist()), t.numpy())
