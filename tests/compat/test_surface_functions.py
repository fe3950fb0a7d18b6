"""Top-level functions (and their Tensor methods) that small models and tutorials use: as_tensor, atan2, moveaxis,
normal, take, flipud/fliplr, cartesian_prod, block_diag, dist, diag_embed, addmv/addbmm/baddbmm, trapezoid,
bincount, histc. Values, first and second order gradients (the op table's harness: float32 and float64) and errors
against PyTorch 2.13."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from ops._ops_harness import Case, check_parity

C = Case
INF = float("inf")

CASES = [
    C("moveaxis", lambda m, a: (m.moveaxis(a, 0, -1), a.moveaxis((0, 1), (2, 0)), m.movedim(a, [0, 2], [1, 0]),
                                a.movedim(-1, 0), m.moveaxis(a, (), ())), ((2, 3, 4),)),
    C("take", lambda m, a: (m.take(a, m.tensor([[0, 5], [-1, 2]])), a.take(m.tensor(3)),
                            m.take(a, m.tensor([1, 1, 1, 0])), m.take(a[0, 0], m.tensor([0]))), ((2, 3),)),
    C("flipud_fliplr", lambda m, a: (m.flipud(a), a.fliplr(), m.flipud(a[0]), m.fliplr(a[None])), ((2, 3),)),
    C("cartesian_prod", lambda m, a, b: (m.cartesian_prod(a, b, a[:2]), m.cartesian_prod(a) * 1.0,
                                         m.cartesian_prod(b, a)), ((3,), (2,))),
    C("block_diag", lambda m, a, b: (m.block_diag(a, b, a[0, 0], b[0]), m.block_diag(b), m.block_diag(a[0], a)),
      ((2, 3), (3, 2))),
    C("dist", lambda m, a, b: tuple(m.dist(a, b, p) for p in (2, 1, 3, 1.5, INF, -INF)) + (a.dist(b[0]),),
      ((3, 4), (3, 4)), domain="distinct"),
    C("dist_p0", lambda m, a, b: (m.dist(a, b, 0), a.dist(b * (a > 0), 0)), ((3, 4), (3, 4)), grad=False),
    C("diag_embed", lambda m, a: (m.diag_embed(a), a.diag_embed(1), m.diag_embed(a, -2), m.diag_embed(a, 0, 0, 2),
                                  m.diag_embed(a, 1, -1, 0), a[0].diag_embed(), m.diag_embed(a, 0, 1, 0)), ((2, 3),)),
    C("addmv", lambda m, a, b, c: (m.addmv(a, b, c), a.addmv(b, c, beta=0.5, alpha=2.0), m.addmv(a[0], b, c),
                                   m.addmv(a, b, c, beta=0)), ((3,), (3, 4), (4,))),
    C("baddbmm", lambda m, a, b, c: (m.baddbmm(a, b, c), a.baddbmm(b, c, beta=-1.0, alpha=0.5),
                                     m.baddbmm(a[0, 0], b, c, alpha=3)), ((2, 3, 5), (2, 3, 4), (2, 4, 5))),
    C("addbmm", lambda m, a, b, c: (m.addbmm(a, b, c), a.addbmm(b, c, beta=2.0, alpha=-1.0),
                                    m.addbmm(a[0], b, c, beta=0)), ((3, 5), (2, 3, 4), (2, 4, 5))),
    C("inplace_atan2_addmv", lambda m, a, b, v: ((a * 1.0).atan2_(b), (a * 1.0).arctan2_(b[0]) * a,
                                                (a[:, 0] * 1.0).addmv_(a, v), (a[:, 0] * 2.0).addmv_(b, v, beta=0.5)),
      ((3, 4), (3, 4), (4,)), domain="nonzero"),
    C("inplace_bmm", lambda m, a, b, c: ((a * 1.0).baddbmm_(b, c, alpha=2.0), (a[0] * 1.0).addbmm_(b, c, beta=0.5)),
      ((2, 3, 5), (2, 3, 4), (2, 4, 5))),
    C("torch_linalg_spellings", lambda m, a: (m.slogdet(a[:, :3]).logabsdet, a[:, :3].slogdet()[0], m.pinverse(a),
                                              a.pinverse(rcond=1e-3), m.matrix_power(a[:, :3], 2),
                                              a[0, :3].matrix_power(-1), m.svd(a).S, a.svd(some=False)[0][..., :3] ** 2,
                                              m.svd(a)[2] ** 2, a.svd(compute_uv=False).S,
                                              m.svd(a, compute_uv=False).U),
      ((2, 4, 3),)),
    C("torch_cholesky", lambda m, a: (m.cholesky(a @ a.mT + m.eye(3, dtype=a.dtype)),
                                      (a @ a.mT + m.eye(3, dtype=a.dtype)).cholesky(upper=True)), ((2, 3, 3),)),
    C("trapezoid_dx", lambda m, a: (m.trapezoid(a), m.trapezoid(a, dx=0.5), m.trapezoid(a, dim=0),
                                    m.trapezoid(a, dx=2, dim=-2), m.trapz(a), m.trapezoid(a[:, :1])), ((3, 4),)),
    C("trapezoid_x", lambda m, a, x, x2: (m.trapezoid(a, x), m.trapezoid(a, x2), m.trapezoid(a, x[:3], dim=0),
                                          m.trapz(a, x2[0])), ((3, 4), (4,), (3, 4)), domain="distinct"),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_parity_with_torch(case, dtype):
    check_parity(case, dtype)


def test_dist_p0_gradient_is_zero():
    """torch leaves the gradient undefined (.grad None); chainrule's is 0 (sign's), the same math."""
    a = np.array([1.0, 2.0, 3.0])
    c, t = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    cr.dist(c, cr.tensor([1.0, 0.0, 0.0]), 0).backward()
    torch.dist(t, torch.tensor([1.0, 0.0, 0.0]), 0).backward()
    assert c.grad.tolist() == [0.0, 0.0, 0.0] and t.grad is None


def test_torch_cholesky_warns_as_torch():
    a = cr.eye(2, dtype=cr.float64) * 4.0
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        assert cr.cholesky(a).tolist() == [[2.0, 0.0], [0.0, 2.0]]


# ----------------------------------------------------------------------------- not differentiable
def test_bincount_as_torch():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 7, 20)
    w64, w32, wint = rng.standard_normal(20), rng.standard_normal(20).astype(np.float32), rng.integers(0, 5, 20)
    for kw in ({}, {"minlength": 10}, {"minlength": 2}):
        for w in (None, w64, w32, wint):
            c = cr.bincount(cr.tensor(x), None if w is None else cr.tensor(w), **kw)
            t = torch.bincount(torch.tensor(x), None if w is None else torch.tensor(w), **kw)
            assert str(c.dtype).split(".")[1] == str(t.dtype).split(".")[1]
            np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-6)
    assert cr.tensor(x).bincount().tolist() == torch.tensor(x).bincount().tolist()
    assert cr.bincount(cr.tensor([], dtype=cr.int64)).tolist() == []


def test_histc_as_torch():
    rng = np.random.default_rng(1)
    data = [rng.standard_normal(50), rng.standard_normal((4, 5)).astype(np.float32), np.array([1.0, 1.0, 1.0]),
            np.linspace(0, 1, 11)]
    for d in data:
        for args in ((), (4,), (4, 0, 3), (7, -1.0, 1.0), (10, 0.0, 1.0), (3, 2.0, 2.0)):
            c, t = cr.histc(cr.tensor(d), *args), torch.histc(torch.tensor(d), *args)
            assert c.dtype == getattr(cr, str(t.dtype).split(".")[1])
            np.testing.assert_array_equal(c.numpy(), t.numpy(), err_msg=f"{d} {args}")
    nan = np.array([0.0, 1.0, 5.0, np.nan, 3.0, -1.0])  # NaN is not counted; without a range it makes none
    np.testing.assert_array_equal(cr.histc(cr.tensor(nan), 4, 0, 3).numpy(),
                                  torch.histc(torch.tensor(nan), 4, 0, 3).numpy())
    with pytest.raises(RuntimeError, match="not finite"):
        torch.histc(torch.tensor(nan), 4)
    with pytest.raises(RuntimeError, match="not finite"):
        cr.histc(cr.tensor(nan), 4)
    x = cr.tensor(data[0], requires_grad=True)
    assert not x.histc(5).requires_grad


# ----------------------------------------------------------------------------- normal
def test_normal_overloads():
    cr.manual_seed(0)
    mean = cr.zeros(2, 3, dtype=cr.float64, requires_grad=True)
    std = cr.full((3,), 2.0, dtype=cr.float64, requires_grad=True)
    for out, name in ((cr.normal(mean, std), "NormalBackward3"), (cr.normal(mean, 0.5), "NormalBackward1"),
                      (cr.normal(1.0, std), "NormalBackward2")):
        assert out.grad_fn.name() == name
        assert out.dtype == cr.float64 and out.requires_grad
        out.sum().backward()
    # PyTorch's gradients of a draw: zeros for mean and std
    assert mean.grad.tolist() == [[0.0] * 3] * 2 and std.grad.tolist() == [0.0] * 3
    assert tuple(cr.normal(mean, std).shape) == (2, 3)
    assert tuple(cr.normal(1.0, std).shape) == (3,)
    leaf = cr.normal(2.0, 3.0, (4000,))
    assert leaf.dtype == cr.float32 and leaf.is_leaf and not leaf.requires_grad
    assert abs(leaf.mean().item() - 2.0) < 0.2 and abs(leaf.std().item() - 3.0) < 0.2
    assert cr.normal(0.0, 1.0, size=(2, 2), dtype=cr.float64, requires_grad=True).requires_grad
    g1, g2 = cr.Generator().manual_seed(5), cr.Generator().manual_seed(5)
    assert cr.normal(mean, std, generator=g1).tolist() == cr.normal(mean, std, generator=g2).tolist()
    assert cr.normal(0.0, 0.0, (3,)).tolist() == [0.0, 0.0, 0.0]


def test_as_tensor_shares_when_it_can():
    a = np.arange(6.0)
    t = cr.as_tensor(a)
    a[0] = 7.0
    assert t.dtype == cr.float64 and t[0].item() == 7.0
    f = cr.as_tensor(a, dtype=cr.float32)
    a[1] = 9.0
    assert f.dtype == cr.float32 and f[1].item() == 1.0  # a conversion: a copy
    x = cr.ones(3, requires_grad=True)
    assert cr.as_tensor(x) is x and cr.as_tensor(x, cr.float32) is x
    y = cr.as_tensor(x, dtype=cr.float64)
    assert y.dtype == cr.float64 and y.grad_fn.name() == torch.as_tensor(
        torch.ones(3, requires_grad=True), dtype=torch.float64).grad_fn.name()
    assert cr.as_tensor([1, 2]).dtype == cr.int64 and cr.as_tensor(2.5).dtype == cr.float32
    assert cr.as_tensor([1, 2], device="cpu").tolist() == [1, 2]


# ----------------------------------------------------------------------------- errors
def _f64(m, *shape):
    return m.ones(shape, dtype=m.float64)


ERRORS = [
    lambda m: m.take(_f64(m, 2, 3), m.tensor([6])),
    lambda m: m.take(_f64(m, 2, 3), m.tensor([-7])),
    lambda m: m.take(_f64(m, 2, 3), m.tensor([1.0])),
    lambda m: m.fliplr(_f64(m, 3)),
    lambda m: m.flipud(_f64(m)),
    lambda m: m.cartesian_prod(_f64(m, 2, 2), _f64(m, 2)),
    lambda m: m.block_diag(_f64(m, 2, 2, 2)),
    lambda m: m.addmv(_f64(m, 3), _f64(m, 3, 4), _f64(m, 3)),
    lambda m: m.baddbmm(_f64(m, 2, 3, 5), _f64(m, 2, 3, 4), _f64(m, 3, 4, 5)),
    lambda m: m.addbmm(_f64(m, 3, 5), _f64(m, 3, 4), _f64(m, 2, 4, 5)),
    lambda m: m.diag_embed(_f64(m, 3), 0, 1, 1),
    lambda m: m.moveaxis(_f64(m, 2, 3), (0, 1), (0,)),
    lambda m: m.moveaxis(_f64(m, 2, 3), 2, 0),
    lambda m: m.bincount(m.tensor([1.0, 2.0])),
    lambda m: m.bincount(m.tensor([-1, 2])),
    lambda m: m.bincount(m.tensor([[1, 2]])),
    lambda m: m.histc(m.tensor([1, 2]), 3),
    lambda m: m.histc(_f64(m, 3), 3, 2.0, 1.0),
    lambda m: m.normal(_f64(m, 3), -1.0),
    lambda m: m.trapezoid(_f64(m, 3), _f64(m, 4)),
]


@pytest.mark.parametrize("call", ERRORS, ids=range(len(ERRORS)))
def test_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(cr)
