"""`cr.linalg` against `torch.linalg` 2.13: the norms (values, gradients, second order, in float32 and float64 through
the op table's harness), the factorizations' errors (LinAlgError, a RuntimeError) and the argument checks. The new
ops themselves (inv, slogdet, solve, cholesky, pinv) are rows of tests/ops/_ops_cases.py."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from ops._ops_harness import Case, check_parity

C = Case
INF = float("inf")

CASES = [
    C("vector_norm", lambda m, a: (m.linalg.vector_norm(a), m.linalg.vector_norm(a, 1, dim=1),
                                   m.linalg.vector_norm(a, 3, dim=(0, 2), keepdim=True),
                                   m.linalg.vector_norm(a, INF, dim=-1), m.linalg.vector_norm(a, -INF),
                                   m.linalg.vector_norm(a, 0.5, dim=0), m.linalg.vector_norm(a, -1.5, dim=2)),
      ((2, 3, 4),), domain="distinct"),
    C("vector_norm_ord0", lambda m, a: (m.linalg.vector_norm(a, 0), m.linalg.vector_norm(a * (a > 0), 0, dim=1)),
      ((2, 3),), grad=False),
    C("vector_norm_dtype", lambda m, a: m.linalg.vector_norm(a, dtype=m.float64), ((3, 4),)),
    C("matrix_norm", lambda m, a: (m.linalg.matrix_norm(a), m.linalg.matrix_norm(a, 1),
                                   m.linalg.matrix_norm(a, -1), m.linalg.matrix_norm(a, INF, keepdim=True),
                                   m.linalg.matrix_norm(a, -INF, dim=(0, 2)), m.linalg.matrix_norm(a, 1, dim=(2, 0)),
                                   m.linalg.matrix_norm(a, "fro", dim=(-1, 0), keepdim=True),
                                   m.linalg.matrix_norm(a, "nuc"), m.linalg.matrix_norm(a, 2, dim=(2, 0)),
                                   m.linalg.matrix_norm(a, -2, keepdim=True),
                                   m.linalg.matrix_norm(a, "nuc", dim=(0, 1), keepdim=True),
                                   m.linalg.norm(a[0], 2), m.linalg.norm(a, "nuc", dim=(1, 2))),
      ((2, 3, 4),), domain="distinct"),
    C("linalg_norm", lambda m, a: (m.linalg.norm(a), m.linalg.norm(a, dim=1), m.linalg.norm(a[0, 0], 3),
                                   m.linalg.norm(a[0], INF), m.linalg.norm(a[:, :, 0], 1),
                                   m.linalg.norm(a, "fro", dim=(0, 1)),
                                   m.linalg.norm(a, -INF, dim=(1, 2), keepdim=True),
                                   m.linalg.norm(a, 2.5, dim=-1), m.linalg.norm(a[0, 0], dim=0)),
      ((2, 3, 4),), domain="distinct"),
    C("solve_triangular", lambda m, a, b: (
        m.linalg.solve_triangular(a + 3 * m.eye(3, dtype=a.dtype), b, upper=True),
        m.linalg.solve_triangular(a + 3 * m.eye(3, dtype=a.dtype), b, upper=False),
        m.linalg.solve_triangular(a, b, upper=False, unitriangular=True),
        m.linalg.solve_triangular(a[0] + 3 * m.eye(3, dtype=a.dtype), b.mT, upper=True, left=False),
        m.linalg.solve_triangular(a, b[0].mT, upper=True, left=False, unitriangular=True)),
      ((2, 3, 3), (2, 3, 2))),
    C("linalg_cond", lambda m, a: (m.linalg.cond(a), m.linalg.cond(a, -2), m.linalg.cond(a[0], 2)), ((2, 3, 3),)),
    # torch's backward of the norm-based condition numbers fails (an in-place write into inv's output): values only
    C("linalg_cond_norms", lambda m, a: (m.linalg.cond(a, "fro"), m.linalg.cond(a[0], 1), m.linalg.cond(a, INF),
                                         m.linalg.cond(a, "nuc"), m.linalg.cond(a, -1)), ((2, 3, 3),), grad=False),
    C("linalg_compositions", lambda m, a, b: (
        m.linalg.vecdot(a, b), m.linalg.vecdot(a, b[0], dim=0), m.linalg.multi_dot([a[0], b[0].mT, a[1]]),
        m.linalg.multi_dot([a[0, 0], b[0].mT, a[1], b[1, 0]]), m.linalg.matrix_power(a[:, :, :3], 3),
        m.linalg.matrix_power(a[:, :, :3], 0), m.linalg.matrix_power(a[0, :, :3], -2),
        m.linalg.matrix_power(a[:, :, :3], 1), m.linalg.cross(a[..., :3], b[..., :3]),
        m.linalg.cross(a[:, :1, :3], b[:1, :, 1:], dim=-1), m.linalg.diagonal(a), m.linalg.diagonal(a, offset=1),
        m.linalg.diagonal(a, dim1=0, dim2=2)), ((2, 3, 4), (2, 3, 4))),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_parity_with_torch(case, dtype):
    check_parity(case, dtype)


def test_solve_matches_torch_on_batches_and_vectors():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((4, 1, 3, 3)), rng.standard_normal((2, 3, 5))
    np.testing.assert_allclose(cr.linalg.solve(cr.tensor(a), cr.tensor(b)).numpy(),
                               torch.linalg.solve(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-10, atol=1e-12)
    v = rng.standard_normal((4, 1, 3))  # A's shape less the last dimension: a batch of vectors
    np.testing.assert_allclose(cr.linalg.solve(cr.tensor(a), cr.tensor(v)).numpy(),
                               torch.linalg.solve(torch.tensor(a), torch.tensor(v)).numpy(), rtol=1e-10, atol=1e-12)


def test_pinv_of_a_rank_deficient_matrix_and_rtol():
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])  # rank 1
    np.testing.assert_allclose(cr.linalg.pinv(cr.tensor(a)).numpy(), torch.linalg.pinv(torch.tensor(a)).numpy(),
                               rtol=1e-10, atol=1e-12)
    b = np.diag([1.0, 1e-3, 1e-9])
    for rtol in (1e-2, 1e-6, None):
        np.testing.assert_allclose(cr.linalg.pinv(cr.tensor(b), rtol=rtol).numpy(),
                                   torch.linalg.pinv(torch.tensor(b), rtol=rtol).numpy(), rtol=1e-10)


@pytest.mark.parametrize("p", ["fro", "nuc", 1, -1, INF, -INF])
def test_norm_based_condition_numbers_have_numerically_checked_gradients(p):
    """torch cannot differentiate these (see linalg_cond_norms): gradcheck in float64 instead."""
    a = cr.tensor(np.random.default_rng(10).standard_normal((3, 3)) + 2 * np.eye(3), requires_grad=True)
    assert cr.gradcheck(lambda x: cr.linalg.cond(x, p), (a,), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_matrix_rank_as_torch():
    rng = np.random.default_rng(9)
    full, low = rng.standard_normal((2, 4, 3)), rng.standard_normal((4, 2)) @ rng.standard_normal((2, 5))
    for a, kw in ((full, {}), (low, {}), (low, {"rtol": 0.5}), (low, {"atol": 1.0}),
                  (full, {"atol": 0.1, "rtol": 0.2})):
        c, t = cr.linalg.matrix_rank(cr.tensor(a), **kw), torch.linalg.matrix_rank(torch.tensor(a), **kw)
        assert c.tolist() == t.tolist() and c.dtype == cr.int64


def test_slogdet_result_and_overflow():
    a = np.eye(200) * 100.0
    a[0, 0] = -100.0
    c, t = cr.linalg.slogdet(cr.tensor(a)), torch.linalg.slogdet(torch.tensor(a))
    assert c.sign.item() == t.sign.item() == -1.0
    assert abs(c.logabsdet.item() - t.logabsdet.item()) < 1e-9
    assert cr.linalg.det(cr.tensor(a)).item() == torch.linalg.det(torch.tensor(a)).item() == -INF


def test_eigh_reads_one_triangle_and_its_eigenvectors_agree_up_to_sign():
    a = np.random.default_rng(4).standard_normal((3, 5, 5))
    for uplo in ("L", "U"):
        c, t = cr.linalg.eigh(cr.tensor(a), UPLO=uplo), torch.linalg.eigh(torch.tensor(a), UPLO=uplo)
        np.testing.assert_allclose(c.eigenvalues.numpy(), t.eigenvalues.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.abs(c.eigenvectors.numpy()), np.abs(t.eigenvectors.numpy()), atol=1e-10)
        np.testing.assert_allclose(cr.linalg.eigvalsh(cr.tensor(a), uplo).numpy(), t.eigenvalues.numpy(), rtol=1e-10,
                                   atol=1e-12)
    assert cr.linalg.eigh(cr.tensor(a[0])).eigenvectors.grad_fn is None


def test_qr_gradients_refused_as_torch():
    a = np.random.default_rng(6).standard_normal((4, 3))
    for lib in (cr, torch):
        x = lib.tensor(a, requires_grad=True)
        q, r = lib.linalg.qr(x, mode="r")
        assert tuple(q.shape) == (0,) and tuple(r.shape) == (3, 3)
        with pytest.raises(RuntimeError, match="mode='r'"):
            r.sum().backward()
        with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
            lib.linalg.qr(x, mode="complete").Q.sum().backward()
    np.testing.assert_allclose(cr.linalg.qr(cr.tensor(a), "r").R.numpy(), torch.linalg.qr(torch.tensor(a), "r").R
                               .numpy(), rtol=1e-10, atol=1e-12)


def test_linalg_errors_are_linalg_errors():
    assert issubclass(cr.linalg.LinAlgError, RuntimeError)
    singular = np.zeros((2, 2))
    for fn in (lambda m: m.linalg.inv(m.tensor(singular)), lambda m: m.linalg.solve(m.tensor(singular), m.ones(2,
               dtype=m.float64)), lambda m: m.linalg.cholesky(-m.eye(2, dtype=m.float64))):
        with pytest.raises(torch.linalg.LinAlgError):
            fn(torch)
        with pytest.raises(cr.linalg.LinAlgError):
            fn(cr)


def _f64(m, *shape):
    return m.ones(shape, dtype=m.float64)


ERRORS = [
    lambda m: m.linalg.inv(_f64(m, 2, 3)),
    lambda m: m.linalg.inv(_f64(m, 3)),
    lambda m: m.linalg.det(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.slogdet(_f64(m, 3, 2)),
    lambda m: m.linalg.solve(_f64(m, 3, 3), _f64(m, 2, 1)),
    lambda m: m.linalg.solve(_f64(m, 3, 3), m.ones(3)),
    lambda m: m.linalg.solve(_f64(m, 3, 3), _f64(m, 3), left=False),
    lambda m: m.linalg.cholesky(_f64(m, 2, 3)),
    lambda m: m.linalg.pinv(_f64(m, 3)),
    lambda m: m.linalg.vector_norm(m.tensor([1, 2])),
    lambda m: m.linalg.vector_norm(_f64(m, 2, 3), dim=2),
    lambda m: m.linalg.matrix_norm(_f64(m, 3)),
    lambda m: m.linalg.matrix_norm(_f64(m, 3, 3), 3),
    lambda m: m.linalg.matrix_norm(_f64(m, 3, 3), dim=(0, 0)),
    lambda m: m.linalg.qr(_f64(m, 3, 3), mode="full"),
    lambda m: m.linalg.qr(_f64(m, 3)),
    lambda m: m.linalg.qr(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.eigh(_f64(m, 2, 3)),
    lambda m: m.linalg.svd(_f64(m, 3)),
    lambda m: m.linalg.svdvals(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.svd(_f64(m, 2, 2), driver="gesvd"),
    lambda m: m.linalg.matrix_norm(_f64(m, 3, 3), "nuc", dim=(1, 1)),
    lambda m: m.linalg.solve_triangular(_f64(m, 3, 3), _f64(m, 3)),
    lambda m: m.linalg.solve_triangular(_f64(m, 3, 3), _f64(m, 3), upper=True),
    lambda m: m.linalg.solve_triangular(_f64(m, 3, 3), _f64(m, 2, 2), upper=True),
    lambda m: m.linalg.multi_dot([_f64(m, 3, 3)]),
    lambda m: m.linalg.multi_dot([_f64(m, 3, 3), _f64(m, 3), _f64(m, 3, 3)]),
    lambda m: m.linalg.matrix_power(_f64(m, 2, 3), 2),
    lambda m: m.linalg.cross(_f64(m, 3, 2), _f64(m, 3, 2)),
    lambda m: m.linalg.cross(_f64(m, 2, 3), _f64(m, 3)),
    lambda m: m.linalg.eigh(_f64(m, 3, 3), UPLO="X"),
    lambda m: m.linalg.eigvalsh(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.norm(_f64(m, 2, 2, 2), 1),
    lambda m: m.linalg.norm(_f64(m, 2, 2), 3),
    lambda m: m.linalg.norm(_f64(m, 2, 2, 2), 2, dim=(0, 1, 2)),
]


@pytest.mark.parametrize("call", ERRORS, ids=range(len(ERRORS)))
def test_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(cr)


def test_svd_factors_agree_with_torch_up_to_sign():
    a = np.random.default_rng(8).standard_normal((2, 5, 3))
    for full in (True, False):
        c, t = cr.linalg.svd(cr.tensor(a), full), torch.linalg.svd(torch.tensor(a), full)
        assert [tuple(x.shape) for x in c] == [tuple(x.shape) for x in t]
        np.testing.assert_allclose(c.S.numpy(), t.S.numpy(), rtol=1e-10)
        k = 3
        for mine, theirs in ((c.U[..., :k], t.U[..., :k]), (c.Vh, t.Vh)):
            np.testing.assert_allclose(np.abs(mine.numpy()), np.abs(theirs.numpy()), atol=1e-10)
        np.testing.assert_allclose(((c.U[..., :k] * c.S.unsqueeze(-2)) @ c.Vh[..., :k, :]).numpy(), a, atol=1e-12)
