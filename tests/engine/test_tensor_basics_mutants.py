"""Tensor basics no test executed (mutation testing found them): against PyTorch where it has them."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import torch

import chainrule as cr


def test_legacy_constructor_of_a_float_and_its_flags():
    t = cr.Tensor(2.5)
    assert t.dtype == cr.float32 and float(t) == 2.5 and not t.requires_grad
    assert cr.Tensor([1.0, 2.0], requires_grad=True).requires_grad
    with cr.inference_mode():
        assert cr.Tensor([1.0]).is_inference()
    assert not cr.Tensor([1.0]).is_inference()


def test_detach_in_place_like_torch():
    for lib in (cr, torch):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        assert y.detach_() is y
        assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_deepcopy_copies_the_gradient_like_torch():
    for lib in (cr, torch):
        x = lib.ones(2, requires_grad=True)
        (x * 3).sum().backward()
        c = copy.deepcopy(x)
        assert c.grad is not None and c.grad.tolist() == [3.0, 3.0]
        c.grad.add_(1.0)
        assert x.grad.tolist() == [3.0, 3.0]  # its own copy


@pytest.mark.parametrize("delta,equal_nan", [(0.95e-5, False), (1.05e-5, False), (0.0, False), (0.0, True)])
def test_allclose_isclose_defaults_like_torch(delta, equal_nan):
    a = [1.0, 0.0, float("nan")]
    b = [1.0 + delta, 0.95e-8 if delta < 1e-5 else 1.05e-8, float("nan")]
    for fn in ("allclose", "isclose"):
        kw = {"equal_nan": True} if equal_nan else {}
        t = getattr(torch, fn)(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64), **kw)
        c = getattr(cr, fn)(cr.tensor(a, dtype=cr.float64), cr.tensor(b, dtype=cr.float64), **kw)
        m = getattr(cr.tensor(a, dtype=cr.float64), fn)(cr.tensor(b, dtype=cr.float64), **kw)
        expected = t if fn == "allclose" else t.tolist()
        assert (c if fn == "allclose" else c.tolist()) == expected
        assert (m if fn == "allclose" else m.tolist()) == expected


@pytest.mark.parametrize("shape", [(2, 3), (4, 2, 3)])
def test_mT_like_torch(shape):  # noqa: N802
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    np.testing.assert_array_equal(cr.tensor(a).mT.numpy(), torch.tensor(a).mT.numpy())
    with pytest.raises(RuntimeError):
        cr.ones(3).mT  # noqa: B018
    with pytest.raises(RuntimeError):
        torch.ones(3).mT  # noqa: B018


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_without_dim_picks_torchs_legacy_dim(ndim, fn):
    shape = (2, 3, 4, 5)[:ndim]
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) / 17.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn.functional, fn)(torch.tensor(a)).numpy()
        ours = getattr(cr.nn.functional, fn)(cr.tensor(a)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
