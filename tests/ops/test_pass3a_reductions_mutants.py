"""Tests for survivors of the first exhaustive mutation pass, resumed part (h/p3opsa), against PyTorch unless said.

This file: ops/reductions.py (amin of empty tensors, the norms' second derivatives at zeros, cumsum of a 0-d
tensor in cr.compile's source, logcumsumexp's double backward and its empty case)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.compile import CompileWarning


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_amin_of_an_empty_tensor(lib):
    # amin: `_check_nonempty(input, None if dim in ((), None) else dims, "amin")` (no dim: RuntimeError; a dim of
    # size 0: IndexError; another dim: an empty result)
    x = lib.ones(0, 3)
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        lib.amin(x)
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        lib.amin(x, 0)
    assert tuple(lib.amin(x, 1).shape) == (0,)
    assert tuple(lib.amin(x, (1,), keepdim=True).shape) == (0, 1)


def _hessian_diagonal_terms(lib, data, p):
    x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
    (g,) = lib.autograd.grad(lib.linalg.vector_norm(x, p), x, create_graph=True)
    (h,) = lib.autograd.grad((g * lib.arange(1.0, len(data) + 1, dtype=lib.float64)).sum(), x)
    return np.asarray(g.tolist()), np.asarray(h.tolist())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("p", [1.5, 1.25, 1.75])
@pytest.mark.parametrize("data", [[0.0, 1.0, -2.0], [0.0, 0.0, 0.0], [0.5, -1.0, 2.0]])
def test_p_norm_second_derivative_with_1_lt_p_lt_2(p, data):
    # p_norm: `if p >= 1:` (for 1 < p < 2 the plain power: its second derivative at an element 0 is NaN, as
    # PyTorch's, where the p < 1 composition's masks give 0)
    tg, th = _hessian_diagonal_terms(torch, data, p)
    cg, ch = _hessian_diagonal_terms(cr, data, p)
    np.testing.assert_allclose(cg, tg, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ch, th, rtol=1e-12, atol=1e-15)  # NaN where PyTorch's is NaN
    assert np.isnan(ch).tolist() == [v == 0.0 for v in data]


@pytest.mark.parametrize("data", [[0.0, 0.0, 0.0], [[0.0, 0.0], [0.0, 0.0]]])
def test_2_norm_second_derivative_at_the_origin_is_zero(data):
    """The 2-norm's gradient at the origin is 0 (the subgradient, docs/semantics.md), and "second derivatives at
    the ties follow from the first-derivative conventions" (same page): the masked branch sends nothing back, so
    the second derivative there is 0, not NaN (a deliberate difference: PyTorch gives NaN). The placeholder
    `xp.where(o == 0, 1.0, o)` must cover exactly the origin: `o == 1` divided by 0 there under create_graph."""
    x = cr.tensor(data, dtype=cr.float64, requires_grad=True)
    (g,) = cr.autograd.grad(cr.linalg.vector_norm(x), x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), np.zeros_like(data))
    (h,) = cr.autograd.grad((g * cr.ones_like(x)).sum(), x)
    np.testing.assert_array_equal(h.numpy(), np.zeros_like(data))
    # the first derivative is PyTorch's
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    torch.linalg.vector_norm(t).backward()
    np.testing.assert_array_equal(g.detach().numpy(), t.grad.numpy())


@pytest.mark.parametrize("dim", [0, -1])
def test_cumsum_of_a_0d_tensor_in_compiled_source(dim):
    # cumsum: `wrap_dim(dim, input.ndim, "cumsum") if input.ndim else 0` (a 0-d input's dim is recorded as 0, the
    # one dim PyTorch accepts for it; cr.compile's readable source shows the recorded dim)
    x = cr.tensor(2.0, requires_grad=True)

    @cr.compile
    def step(x):
        y = cr.cumsum(x * 3.0, dim)
        y.backward()
        return y

    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)  # the step is replayed, not run eagerly
        for _ in range(3):
            x.grad = None
            y = step(x)
    assert y.item() == 6.0 and x.grad.item() == 3.0
    lines = [line for line in step.source.splitlines() if "op_cumsum(" in line]
    assert lines and all("dim=0" in line for line in lines), lines


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("x", [[-np.inf, 0.0, 1.0], [0.5, -1.0, 2.0], [-np.inf, -np.inf, 1.0]])
@pytest.mark.parametrize("v", [[0.0, 1.0, -2.0], [-0.0, 2.0, 0.0], [1.0, 0.0, 0.0], [0.0, -3.0, 1.0]])
def test_logcumsumexp_double_backward_with_zero_upstream_entries(x, v):
    # _logcumsumexp_vjp: `where(g > 0, log|g|, lowest)`, `where(g < 0, log|g|, lowest)` (a zero of the upstream
    # gradient takes the finite `lowest`, as PyTorch's logcumsumexp_backward; log|0| = -inf there changes the
    # second derivatives where the input holds -inf)
    res = []
    for m in (torch, cr):
        t = m.tensor(x, dtype=m.float64, requires_grad=True)
        vv = m.tensor(v, dtype=m.float64, requires_grad=True)
        (g,) = m.autograd.grad(m.logcumsumexp(t, 0), t, grad_outputs=vv, create_graph=True)
        hx, hv = m.autograd.grad((g * m.tensor([1.0, -2.0, 3.0], dtype=m.float64)).sum(), (t, vv))
        res.append([np.asarray(a.tolist()) for a in (g, hx, hv)])
    for c, t in zip(res[1], res[0], strict=True):
        np.testing.assert_allclose(c, t, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape,dim", [((0,), 0), ((0, 3), 0), ((2, 0), 1), ((0, 3), 1)])
def test_logcumsumexp_of_an_empty_tensor_is_its_own_node(shape, dim):
    """An empty input gets LogcumsumexpBackward0, as PyTorch's (it was sent through cumsum: CumsumBackward0), with
    the empty result and gradient of its shape and dtype."""
    names = []
    for lib in (torch, cr):
        x = lib.zeros(shape, dtype=lib.float64, requires_grad=True)
        y = lib.logcumsumexp(x, dim)
        names.append(y.grad_fn.name())
        y.sum().backward()
        assert tuple(y.shape) == shape and tuple(x.grad.shape) == shape
        assert str(y.dtype).endswith("float64") and str(x.grad.dtype).endswith("float64")
    assert names[1] == names[0] == "LogcumsumexpBackward0"
