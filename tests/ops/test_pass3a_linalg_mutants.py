"""Tests for survivors of the first exhaustive mutation pass, resumed part (h/p3opsa), against PyTorch.

This file: ops/linalg.py (einsum's ellipsis and repeated subscripts, beta=0 products, pinv's and matrix_rank's
cut-off, cdist's operand check, qr's square case under create_graph)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("ndim", [3, 4, 5, 6, 7])
def test_einsum_two_ellipses_in_one_operand_are_refused(ndim):
    # _parse_einsum: `sub.replace("...", ell[...], 1)` (only the first ellipsis is expanded, so a second one is left
    # in the subscripts and refused; expanding both let a 7-d operand through as "abciabc", a diagonal)
    shape = (2,) * ndim
    with pytest.raises(RuntimeError):
        torch.einsum("...i...->i", torch.ones(shape))
    with pytest.raises(RuntimeError):
        cr.einsum("...i...->i", cr.ones(shape))


@pytest.mark.parametrize("eq, shape", [("iii->i", (3, 3, 3)), ("iii->", (3, 3, 3)), ("iiii->i", (2, 2, 2, 2)),
                                       ("iiij->j", (2, 2, 2, 3)), ("jiii->ij", (3, 2, 2, 2))])
def test_einsum_gradient_with_a_subscript_repeated_three_times(eq, shape):
    # _einsum_vjp: `if c in sub[:pos]:` (each repeat of a letter after its first gets a letter of its own, tied by an
    # identity; the edit tied the first occurrences instead, which left two repeats of the same output letter)
    rng = np.random.default_rng(3)
    data, w = rng.standard_normal(shape), None
    grads = []
    for m in (torch, cr):
        x = m.tensor(data, dtype=m.float64, requires_grad=True)
        y = m.einsum(eq, x)
        if w is None:
            w = rng.standard_normal(tuple(y.shape))
        (y * m.tensor(w, dtype=m.float64)).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name, shapes", [("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
                                          ("addbmm", [(3, 5), (2, 3, 4), (2, 4, 5)]),
                                          ("addmv", [(3,), (3, 4), (4,)])])
@pytest.mark.parametrize("alpha", [1, 2.5])
def test_beta0_product_is_not_an_expand_view(name, shapes, alpha):
    # _add_product: `expand(prod, shape) if tuple(prod.shape) != shape else prod` (the product of the right shape
    # is returned itself, with no ExpandBackward0 node on top, as PyTorch's result is no expand either)
    rng = np.random.default_rng(4)
    datas = [rng.standard_normal(s) for s in shapes]
    outs = []
    for m in (torch, cr):
        ts = [m.tensor(d, dtype=m.float64, requires_grad=i > 0) for i, d in enumerate(datas)]
        out = getattr(m, name)(*ts, beta=0, alpha=alpha)
        assert "Expand" not in repr(out)
        outs.append(np.asarray(out.tolist()))
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12)


@pytest.mark.parametrize("shape", [(2, 3), (3, 3), (2, 4, 2)])
def test_pinv_of_a_zero_matrix_is_zero(shape):
    # _pinv_forward: `keep = s > tol` (all singular values 0, tol 0: none is kept, as PyTorch; `>=` inverted 0)
    t = torch.linalg.pinv(torch.zeros(shape, dtype=torch.float64))
    c = cr.linalg.pinv(cr.zeros(shape, dtype=cr.float64))
    np.testing.assert_array_equal(c.numpy(), t.numpy())
    assert not c.numpy().any()


@pytest.mark.parametrize("rtol", [0.5, 1.0])
def test_pinv_drops_a_singular_value_equal_to_the_tolerance(rtol):
    # _pinv_forward: `keep = s > tol` (PyTorch keeps only the singular values above rtol * the largest)
    data = np.diag([2.0, 1.0])
    t = torch.linalg.pinv(torch.tensor(data), rtol=rtol)
    c = cr.linalg.pinv(cr.tensor(data), rtol=rtol)
    np.testing.assert_array_equal(c.numpy(), t.numpy())


@pytest.mark.parametrize("kw", [{}, {"atol": 1.0}, {"rtol": 0.5}, {"atol": 0.5, "rtol": 0.5}])
def test_matrix_rank_counts_singular_values_strictly_above_the_tolerance(kw):
    # matrix_rank: `np.sum(s > np.maximum(a, r * largest))` (a zero matrix has rank 0; a singular value equal to
    # the tolerance does not count, as PyTorch)
    for data in (np.zeros((3, 3)), np.diag([2.0, 1.0]), np.zeros((2, 3, 2))):
        t = torch.linalg.matrix_rank(torch.tensor(data), **kw)
        c = cr.linalg.matrix_rank(cr.tensor(data), **kw)
        np.testing.assert_array_equal(np.asarray(c.tolist()), t.numpy())


@pytest.mark.parametrize("a, b", [((3,), (2, 3)), ((2, 3), (3,))])
def test_cdist_with_one_1d_operand_raises(a, b):
    # cdist: `if x1.ndim < 2 or x2.ndim < 2:` (one operand 1-D is enough; `and` broadcast it as a row)
    with pytest.raises(RuntimeError, match="at least 2D"):
        torch.cdist(torch.ones(a), torch.ones(b))
    with pytest.raises(RuntimeError, match="at least 2D"):
        cr.cdist(cr.ones(a), cr.ones(b))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (4, 3)])
@pytest.mark.parametrize("of_q", [True, False])
def test_qr_square_gradient_under_create_graph(shape, of_q):
    # _qr_vjp: `if m >= n:` (a square input takes the square formula: its create_graph gradient ends in the
    # formula's own product, not in a concatenation with the wide case's empty block; PyTorch's ends in
    # LinalgSolveTriangularBackward0), and its second derivative is PyTorch's
    rng = np.random.default_rng(5)
    data = rng.standard_normal(shape)
    w = rng.standard_normal(shape if of_q else shape[:-2] + (shape[-1], shape[-1]))
    seconds = []
    for m in (torch, cr):
        x = m.tensor(data, dtype=m.float64, requires_grad=True)
        q, r = m.linalg.qr(x)
        (g,) = m.autograd.grad(((q if of_q else r) * m.tensor(w, dtype=m.float64)).sum(), x, create_graph=True)
        assert "Cat" not in g.grad_fn.name()
        (h,) = m.autograd.grad((g * g).sum(), x)
        seconds.append(np.asarray(h.tolist()))
    np.testing.assert_allclose(seconds[1], seconds[0], rtol=1e-8, atol=1e-10)
