"""Default arguments of ops (survivors of the exhaustive pass that edit a default in a `def` line): each function
called WITHOUT the argument, against torch 2.13.0 called without it too (or, for `normal`, whose draws come from
chainrule's own generator, against the same call with PyTorch's default value spelled out, PyTorch shown to agree
with itself the same way). Also `cr.normal`'s mean, which PyTorch requires (chainrule had a default of 0.0: a
real difference, fixed)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _pair(a: np.ndarray) -> tuple[torch.Tensor, cr.Tensor]:
    return torch.tensor(a), cr.tensor(a)


def test_tensordot_default_dims_is_2() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4, 5))
    (ta, ca), (tb, cb) = _pair(a), _pair(b)
    want = torch.tensordot(ta, tb)
    got = cr.tensordot(ca, cb)
    assert tuple(got.shape) == tuple(want.shape) == (2, 5)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_linalg_svd_default_gives_full_matrices() -> None:
    a = np.random.default_rng(1).standard_normal((4, 2))
    ta, ca = _pair(a)
    want, got = torch.linalg.svd(ta), cr.linalg.svd(ca)
    for w, g in zip(want, got, strict=True):
        assert tuple(g.shape) == tuple(w.shape)
    assert tuple(got.U.shape) == (4, 4)
    np.testing.assert_allclose(got.S.numpy(), want.S.numpy(), rtol=1e-12)


def test_torch_svd_default_is_some() -> None:
    """`torch.svd(A)` keeps only min(m, n) singular vectors (some=True)."""
    a = np.random.default_rng(2).standard_normal((2, 5))
    ta, ca = _pair(a)
    want, got = torch.svd(ta), cr.svd(ca)
    for w, g in zip(want, got, strict=True):
        assert tuple(g.shape) == tuple(w.shape)
    assert tuple(got.V.shape) == (5, 2)
    np.testing.assert_allclose((got.U @ cr.diag(got.S) @ got.V.mT).numpy(), a, atol=1e-12)


def test_dist_default_p_is_2() -> None:
    a, b = np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([[0.0, 1.0], [2.0, -1.0]])
    (ta, ca), (tb, cb) = _pair(a), _pair(b)
    ta.requires_grad_()
    ca.requires_grad_()
    want, got = torch.dist(ta, tb), cr.dist(ca, cb)
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-14)
    want.backward()
    got.backward()
    np.testing.assert_allclose(ca.grad.numpy(), ta.grad.numpy(), rtol=1e-14)


@pytest.mark.parametrize("m", [torch, cr], ids=["torch", "chainrule"])
def test_normal_with_a_tensor_mean_has_std_1_by_default(m) -> None:
    mean = m.tensor([0.0, 10.0, -5.0], dtype=m.float64)
    m.manual_seed(11)
    a = m.normal(mean)
    m.manual_seed(11)
    b = m.normal(mean, 1.0)
    assert (a == b).all().item()
    assert not (a == mean).all().item()


@pytest.mark.parametrize("m", [torch, cr], ids=["torch", "chainrule"])
def test_normal_requires_a_mean(m) -> None:
    with pytest.raises(TypeError):
        m.normal(std=m.ones(2))
    with pytest.raises(TypeError):
        m.normal(size=(2,))
