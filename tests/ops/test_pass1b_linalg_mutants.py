"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in ops, against PyTorch.

This file: ops/linalg.py (products with an added input, cross, norms, solves, bad arguments)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr


def _errors(call):
    """The exception torch and chainrule raise for `call(module)` (both must raise)."""
    caught = []
    for m in (torch, cr):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:  # noqa: PT011 - compared below
                call(m)
        caught.append(info.value)
    return caught


# the bad calls where chainrule raises torch's exception type, its message containing torch's (after the op name)
SAME_MESSAGE = {
    # ops/linalg.py addmv: `mat.ndim != 2 or vec.ndim != 1` (3-D mat, 1-D vec; 2-D mat, 2-D vec)
    "addmv_mat_3d": lambda m: m.addmv(m.ones(2), m.ones(2, 3, 1), m.ones(3)),
    "addmv_vec_2d": lambda m: m.addmv(m.ones(2), m.ones(2, 3), m.ones(3, 1)),
    # ops/linalg.py baddbmm: batch1 not 3-D
    "baddbmm_batch1": lambda m: m.baddbmm(m.ones(2, 2, 2), m.ones(2, 2), m.ones(2, 2, 2)),
    # ops/linalg.py cross: inputs of different ndim; no dimension of size 3 without dim=
    "cross_ndim": lambda m: m.cross(m.ones(3), m.ones(1, 3)),
    "cross_no_size_3": lambda m: m.cross(m.ones(2, 4), m.ones(2, 4)),
    # ops/linalg.py cdist: a negative p
    "cdist_negative_p": lambda m: m.cdist(m.ones(2, 3), m.ones(2, 3), p=-1.0),
    # ops/linalg.py cholesky_solve: B 1-D; B's rows not L's size
    "cholesky_solve_1d": lambda m: m.cholesky_solve(m.ones(2), m.eye(2)),
    "cholesky_solve_sizes": lambda m: m.cholesky_solve(m.ones(3, 1), m.eye(2)),
    # ops/linalg.py solve: a vector B with left=False (also batched)
    "solve_left_false_vector": lambda m: m.linalg.solve(m.eye(2), m.ones(2), left=False),
    "solve_left_false_batched_vector": lambda m: m.linalg.solve(m.eye(2).expand(3, 2, 2), m.ones(3, 2), left=False),
    # ops/linalg.py vector_norm: a string ord (torch: TypeError)
    "vector_norm_str_ord": lambda m: m.linalg.vector_norm(m.ones(2, 3), ord="fro"),
    # ops/linalg.py matrix_power: a float n
    "matrix_power_float_n": lambda m: m.linalg.matrix_power(m.eye(2), 2.0),
    # ops/linalg.py addmv: vec's length is not mat's column count
    "addmv_sizes": lambda m: m.addmv(m.ones(2), m.ones(2, 3), m.ones(4)),
    # ops/linalg.py baddbmm: batch2's sizes (rows; batches)
    "baddbmm_rows": lambda m: m.baddbmm(m.ones(2, 2, 2), m.ones(2, 2, 3), m.ones(2, 2, 2)),
    "baddbmm_batches": lambda m: m.baddbmm(m.ones(2, 2, 2), m.ones(2, 2, 3), m.ones(3, 3, 2)),
    # ops/linalg.py matrix_norm: the same dim twice
    "matrix_norm_same_dims": lambda m: m.linalg.matrix_norm(m.ones(2, 3), dim=(0, 0)),
    # ops/linalg.py solve: A and B of different dtypes
    "solve_dtypes": lambda m: m.linalg.solve(m.eye(2), m.ones(2, dtype=m.float64)),
    # ops/linalg.py tensordot: dimension lists of different lengths
    "tensordot_lengths": lambda m: m.tensordot(m.ones(2, 3), m.ones(3, 2), dims=([0, 1], [1])),
}


def _core(message: str) -> str:
    """torch's message without the argument-list details that differ in wording."""
    return message.split(" (position")[0].replace("linalg_matrix_power()", "").replace("same length", "")


@pytest.mark.parametrize("name", sorted(SAME_MESSAGE))
def test_bad_arguments_raise_torchs_error(name: str) -> None:
    want, got = _errors(SAME_MESSAGE[name])
    assert type(got) is type(want), (got, want)
    if name in LOOSE:
        words = [w for w in _core(str(want)).replace(".", " ").split() if w.isalpha() and w.islower() and len(w) > 3]
        for word in words:
            assert word in str(got), (word, str(got), str(want))
    else:
        assert str(want) in str(got)


# the calls whose messages say the same as torch's in other words
LOOSE = {"cross_ndim", "matrix_power_float_n", "tensordot_lengths", "solve_dtypes"}


# the bad calls where chainrule's message differs from torch's; the type must agree and the message name the op
OTHER_MESSAGE = {
    # ops/linalg.py _add_product: an input that does not broadcast to the product (`fits`, the except branch)
    "addmv_input": (lambda m: m.addmv(m.ones(3), m.ones(2, 3), m.ones(3)), "addmv"),
    "addbmm_input": (lambda m: m.addbmm(m.ones(3, 3), m.ones(2, 2, 3), m.ones(2, 3, 2)), "addbmm"),
    "addbmm_input_rows": (lambda m: m.addbmm(m.ones(3, 2), m.ones(2, 2, 3), m.ones(2, 3, 2)), "addbmm"),
    "baddbmm_input": (lambda m: m.baddbmm(m.ones(2, 3, 3), m.ones(2, 2, 3), m.ones(2, 3, 2)), "baddbmm"),
    # ops/linalg.py addbmm: batch2's sizes
    "addbmm_batches": (lambda m: m.addbmm(m.ones(2, 2), m.ones(2, 2, 3), m.ones(3, 3, 2)), "addbmm"),
    # ops/linalg.py linalg.cross: shapes that do not broadcast
    "linalg_cross_shapes": (lambda m: m.linalg.cross(m.ones(2, 3), m.ones(4, 3)), "linalg.cross"),
    # ops/linalg.py solve: batch dimensions that do not broadcast
    "solve_batches": (lambda m: m.linalg.solve(m.ones(2, 2, 2) + m.eye(2), m.ones(3, 2, 1)), "linalg.solve"),
    # ops/linalg.py matrix_norm: dim not a 2-tuple
    "matrix_norm_dim": (lambda m: m.linalg.matrix_norm(m.ones(2, 3), dim=(0,)), "dim must be a 2-tuple"),
    # ops/linalg.py cholesky_inverse: a zero on the factor's diagonal (torch: its LinAlgError, a RuntimeError)
    "cholesky_inverse_zero": (lambda m: m.cholesky_inverse(m.zeros(2, 2)), "cholesky_inverse"),
}


@pytest.mark.parametrize("name", sorted(OTHER_MESSAGE))
def test_bad_arguments_raise_torchs_error_type_naming_the_op(name: str) -> None:
    call, words = OTHER_MESSAGE[name]
    want, got = _errors(call)
    assert isinstance(got, RuntimeError) and isinstance(want, RuntimeError), (got, want)
    assert words in str(got)
    if isinstance(want, torch.linalg.LinAlgError):
        assert isinstance(got, cr.linalg.LinAlgError)


def test_add_product_broadcasts_an_input_that_fits() -> None:
    # ops/linalg.py _add_product: the check `fits` lets a broadcastable input through
    for m in (torch, cr):
        out = m.addbmm(m.ones(1, 2), m.ones(2, 2, 3), m.ones(2, 3, 2))
        assert out.tolist() == [[7.0, 7.0], [7.0, 7.0]]


@pytest.mark.parametrize("op", ["addmm", "addmv", "addbmm", "baddbmm"])
def test_beta_zero_ignores_a_nan_input(op: str) -> None:
    # ops/linalg.py addmm/_add_product: `if beta == 0` returns alpha * product without reading the input (NaN too),
    # and the product's gradients are torch's (the input's: torch 0, chainrule None, not compared)
    shapes = {"addmm": ((2, 2), (2, 3), (3, 2)), "addmv": ((2,), (2, 3), (3,)),
              "addbmm": ((2, 2), (4, 2, 3), (4, 3, 2)), "baddbmm": ((4, 2, 2), (4, 2, 3), (4, 3, 2))}[op]
    rng = np.random.default_rng(0)
    arrays = [np.full(shapes[0], np.nan)] + [rng.standard_normal(s) for s in shapes[1:]]
    results = []
    for m in (torch, cr):
        ts = [m.tensor(a, requires_grad=True) for a in arrays]
        out = getattr(m, op)(*ts, beta=0, alpha=2.0)
        out.sum().backward()
        results.append((out.detach().numpy(), [t.grad.numpy() for t in ts[1:]]))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    assert not np.isnan(results[1][0]).any()
    for g_cr, g_t in zip(results[1][1], results[0][1], strict=True):
        np.testing.assert_allclose(g_cr, g_t, rtol=1e-12)


def test_cross_without_dim_takes_the_first_dimension_of_size_3() -> None:
    # ops/linalg.py cross: `sizes = [i for i, n in enumerate(input.shape) if n == 3]` and its warning, which points
    # at the caller (stacklevel=2)
    rng = np.random.default_rng(1)
    for shape in [(2, 3), (3, 3), (4, 3, 3), (3,)]:
        a, b = rng.standard_normal(shape), rng.standard_normal(shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = torch.cross(torch.tensor(a), torch.tensor(b))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = cr.cross(cr.tensor(a), cr.tensor(b))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
        assert [w.category for w in caught] == [UserWarning]
        assert caught[0].filename == __file__


@pytest.mark.parametrize("ord", ["nuc", 2, -2, 1, float("inf")])
def test_matrix_norm_with_a_dtype_returns_that_dtype(ord) -> None:
    # ops/linalg.py matrix_norm: `sv if target == sv.array.dtype else cast(sv, target)` (and the same for A)
    a = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]], np.float32)
    for dtype in ("float64", "float32"):
        want = torch.linalg.matrix_norm(torch.tensor(a), ord, dtype=getattr(torch, dtype))
        got = cr.linalg.matrix_norm(cr.tensor(a), ord, dtype=getattr(cr, dtype))
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1] == dtype
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_pinv_refuses_atol_and_a_tensor_rtol() -> None:
    # ops/linalg.py pinv: atol= and a tensor rtol are not supported (docs/semantics.md): NotImplementedError, not a
    # silently different result
    with pytest.raises(NotImplementedError, match="atol"):
        cr.linalg.pinv(cr.ones(2, 3), atol=0.1)
    with pytest.raises(NotImplementedError, match="tensor rtol"):
        cr.linalg.pinv(cr.ones(2, 3), rtol=cr.tensor(0.1))


def test_solve_triangular_refuses_mixed_dtypes() -> None:
    # ops/linalg.py solve_triangular: A and B of different dtypes (linalg.solve raises the same in torch)
    with pytest.raises(RuntimeError, match="same dtype"):
        cr.linalg.solve_triangular(cr.eye(2), cr.ones(2, 2, dtype=cr.float64), upper=True)
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.linalg.solve(torch.eye(2), torch.ones(2, dtype=torch.float64))


def test_cholesky_solve_with_a_zero_on_the_factors_diagonal_raises() -> None:
    # ops/linalg.py _cholesky_solve_forward: a singular factor raises LinAlgError (documented; torch returns NaN)
    with pytest.raises(cr.linalg.LinAlgError, match="zero on its diagonal"):
        cr.cholesky_solve(cr.ones(2, 1), cr.zeros(2, 2))


def test_gradients_at_a_singular_matrix_raise() -> None:
    # ops/linalg.py det's and slogdet's gradients need the inverse: at a singular matrix they raise (documented)
    a = cr.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="det: the gradient of det at a singular matrix"):
        cr.linalg.det(a).backward()
    with pytest.raises(cr.linalg.LinAlgError, match="slogdet: the input matrix is singular"):
        cr.linalg.slogdet(a).logabsdet.backward()


@pytest.mark.parametrize("some", [True, False])
def test_svd_some_gives_reduced_or_full_factors(some: bool) -> None:
    # ops/linalg.py svd (torch.svd): `full_matrices=not some`
    a = np.random.default_rng(5).standard_normal((4, 2))
    want = torch.svd(torch.tensor(a), some=some)
    got = cr.svd(cr.tensor(a), some=some)
    assert [tuple(t.shape) for t in got] == [tuple(t.shape) for t in want]
    np.testing.assert_allclose(got.S.numpy(), want.S.numpy(), rtol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_cholesky_gradient_with_a_non_symmetric_upstream_gradient(n: int) -> None:
    # ops/linalg.py _cholesky_vjp: Phi = (M + tril(M, -1)^T) / 2 for any upstream gradient (not only symmetric)
    rng = np.random.default_rng(n)
    b = rng.standard_normal((n, n))
    a = b @ b.T + n * np.eye(n)
    w = rng.standard_normal((n, n))
    for upper in (False, True):
        grads = []
        for m in (torch, cr):
            x = m.tensor(a, requires_grad=True)
            (m.linalg.cholesky(x, upper=upper) * m.tensor(w)).sum().backward()
            grads.append(x.grad.numpy())
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-12)


def test_cholesky_solve_gradient_with_a_factor_broadcast_over_a_batch() -> None:
    # ops/linalg.py _cholesky_solve_vjp: L's gradient is summed over the batch it was broadcast to
    rng = np.random.default_rng(6)
    c = rng.standard_normal((3, 3))
    low = np.linalg.cholesky(c @ c.T + 3 * np.eye(3))
    bs = rng.standard_normal((4, 3, 2))
    grads = []
    for m in (torch, cr):
        b, l = m.tensor(bs, requires_grad=True), m.tensor(low, requires_grad=True)
        (m.cholesky_solve(b, l) * m.tensor(np.arange(24.0).reshape(4, 3, 2))).sum().backward()
        grads.append((b.grad.numpy(), l.grad.numpy()))
    for got, want in zip(grads[1], grads[0], strict=True):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_cdist_with_p_0_counts_the_differing_coordinates() -> None:
    # ops/linalg.py cdist: p = 0 is allowed (`if p < 0`), the count of differing coordinates, gradient 0
    results = []
    for m in (torch, cr):
        a = m.tensor([[0.0, 1.0], [2.0, 2.0]], requires_grad=True)
        y = m.cdist(a, m.tensor([[0.0, 3.0], [2.0, 2.0], [1.0, 1.0]]), p=0)
        y.sum().backward()
        results.append((y.tolist(), a.grad.tolist()))
    assert results[1] == results[0] == ([[1.0, 2.0, 1.0], [2.0, 0.0, 2.0]], [[0.0, 0.0], [0.0, 0.0]])


def test_svdvals_gradient_of_non_square_matrices() -> None:
    # ops/linalg.py svdvals: the reduced SVD (`full_matrices: False`) and its gradient
    rng = np.random.default_rng(7)
    for shape in ((4, 2), (2, 5), (3, 3, 2)):
        a = rng.standard_normal(shape)
        grads = []
        for m in (torch, cr):
            x = m.tensor(a, requires_grad=True)
            s = m.linalg.svdvals(x)
            (s * m.tensor(np.arange(1.0, s.shape[-1] + 1))).sum().backward()
            grads.append((s.detach().numpy(), x.grad.numpy()))
        for got, want in zip(grads[1], grads[0], strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_qr_and_pinv_of_non_finite_batches_keep_their_shapes() -> None:
    # ops/linalg.py _qr_forward/_pinv_forward: a non-finite input gives NaN factors of the batch's shapes (torch's
    # pinv of an inf input is NaN too; its QR computes something, compared by shape only)
    a = np.array([[1.0, np.inf], [2.0, 3.0], [1.0, 1.0]])
    for arr in (a, np.stack([a, a])):
        for mode in ("reduced", "complete"):
            want = torch.linalg.qr(torch.tensor(arr), mode=mode)
            got = cr.linalg.qr(cr.tensor(arr), mode=mode)
            assert [tuple(t.shape) for t in got] == [tuple(t.shape) for t in want]
        want = torch.linalg.pinv(torch.tensor(arr))
        got = cr.linalg.pinv(cr.tensor(arr))
        assert tuple(got.shape) == tuple(want.shape)
        assert np.isnan(got.numpy()).all() and np.isnan(want.numpy()).all()


@pytest.mark.parametrize("p", [None, 2, -2])
def test_cond_of_a_singular_matrix_from_the_singular_values(p) -> None:
    # ops/linalg.py cond: p None, 2, -2 use the singular values (a singular matrix has no inverse)
    for a in ([[1.0, 2.0], [2.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]]):
        want = torch.linalg.cond(torch.tensor(a, dtype=torch.float64), p)
        got = cr.linalg.cond(cr.tensor(a, dtype=cr.float64), p)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_eigh_of_a_non_finite_1x1_matrix() -> None:
    # ops/linalg.py _eigh_forward: non-finite input: NaN eigenvalues of shape (..., n) (`nan[..., 0]`)
    for arr in ([[float("nan")]], [[[float("nan")]], [[2.0]]]):
        want = torch.linalg.eigh(torch.tensor(arr)).eigenvalues
        got = cr.linalg.eigh(cr.tensor(arr)).eigenvalues
        assert tuple(got.shape) == tuple(want.shape)
        assert np.isnan(got.numpy()[0]).all() and np.isnan(want.numpy()[0]).all()


@pytest.mark.parametrize("a", [[[3.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [2.0, 4.0]], [[1.0, 2.0], [0.5, 3.0]]])
def test_svd_gradient_through_vh_of_a_square_matrix(a: list) -> None:
    # ops/linalg.py _svd_vjp: only wide matrices take the term that divides by S (`x.shape[-2] < x.shape[-1]`); a
    # square matrix with a zero singular value must not (PyTorch: finite); (Vh**2) weighs each row
    # sign-independently
    w = np.array([[1.0, 2.0], [3.0, 5.0]])
    grads = []
    for m in (torch, cr):
        x = m.tensor(a, dtype=m.float64, requires_grad=True)
        (m.linalg.svd(x).Vh ** 2 * m.tensor(w)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-7)


def test_deprecated_cholesky_warns_at_the_caller() -> None:
    # ops/linalg.py cr.cholesky: PyTorch's deprecation warning, pointing at the caller (stacklevel=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cr.cholesky(cr.eye(2) * 4.0)
    assert [w.category for w in caught] == [UserWarning]
    assert "deprecated" in str(caught[0].message) and caught[0].filename == __file__


def test_eigh_eigenvector_gradient() -> None:
    # ops/linalg.py _eigh_vjp: the gaps lam_j - lam_i between eigenvalues; (V**2) weighs each column sign-independently
    rng = np.random.default_rng(9)
    b = rng.standard_normal((4, 4))
    a = b + b.T
    w = rng.standard_normal((4, 4))
    grads = []
    for m in (torch, cr):
        x = m.tensor(a, requires_grad=True)
        vals, vecs = m.linalg.eigh(x)
        ((vecs ** 2) * m.tensor(w)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-8, atol=1e-10)
