"""The margin and likelihood losses: CosineEmbeddingLoss, MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss,
MultiLabelSoftMarginLoss, GaussianNLLLoss, PoissonNLLLoss, TripletMarginLoss and their functionals. Values, first
and second order gradients (the op table's harness, float32 and float64), module reprs and errors against
PyTorch 2.13."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from ops._ops_harness import Case, check_parity


def F(m):
    return m.nn.functional


def _sign(m, t):
    """A +-1 target from a tensor (no gradient)."""
    return (t.detach() > 0).to(t.dtype) * 2 - 1


C = Case
REDUCTIONS = ("mean", "sum", "none")

CASES = [
    C("cosine_embedding_loss", lambda m, a, b, y: tuple(
        F(m).cosine_embedding_loss(a, b, _sign(m, y), reduction=r) for r in REDUCTIONS)
      + (F(m).cosine_embedding_loss(a, b, _sign(m, y), margin=0.2),
         F(m).cosine_embedding_loss(a[0], b[0], _sign(m, y[0]))),
      ((4, 5), (4, 5), (4,))),
    C("margin_ranking_loss", lambda m, a, b, y: tuple(
        F(m).margin_ranking_loss(a, b, _sign(m, y), reduction=r) for r in REDUCTIONS)
      + (F(m).margin_ranking_loss(a, b, _sign(m, y), margin=0.5),), ((6,), (6,), (6,)), domain="distinct"),
    C("hinge_embedding_loss", lambda m, a, y: tuple(F(m).hinge_embedding_loss(a, _sign(m, y), reduction=r)
                                                    for r in REDUCTIONS)
      + (F(m).hinge_embedding_loss(a, _sign(m, y), margin=2.0),), ((3, 4), (3, 4)), domain="distinct"),
    C("soft_margin_loss", lambda m, a, y: tuple(F(m).soft_margin_loss(a, _sign(m, y), reduction=r)
                                                for r in REDUCTIONS), ((3, 4), (3, 4))),
    C("multilabel_soft_margin_loss", lambda m, a, y, w: tuple(
        F(m).multilabel_soft_margin_loss(a, (y.detach() > 0).to(a.dtype), reduction=r) for r in REDUCTIONS)
      + (F(m).multilabel_soft_margin_loss(a, y.sigmoid(), w), F(m).multilabel_soft_margin_loss(a[0], y[0].sigmoid())),
      ((3, 4), (3, 4), (4,))),
    C("gaussian_nll_loss", lambda m, a, t, v: tuple(F(m).gaussian_nll_loss(a, t, v, reduction=r) for r in REDUCTIONS)
      + (F(m).gaussian_nll_loss(a, t, v[:, :1], full=True), F(m).gaussian_nll_loss(a, t, v[:, 0], eps=1e-1),
         F(m).gaussian_nll_loss(a, t, 0.7), F(m).gaussian_nll_loss(a, t, v * 0.0 + 1e-8)),
      ((3, 4), (3, 4), (3, 4)), domain="pos"),
    C("poisson_nll_loss", lambda m, a, t: tuple(F(m).poisson_nll_loss(a, t, reduction=r) for r in REDUCTIONS)
      + (F(m).poisson_nll_loss(a, t, log_input=False), F(m).poisson_nll_loss(a, t * 3.0, full=True),
         F(m).poisson_nll_loss(a, t * 3.0, log_input=False, full=True, eps=1e-3)), ((3, 4), (3, 4)), domain="pos"),
    C("triplet_margin_loss", lambda m, a, p, n: tuple(F(m).triplet_margin_loss(a, p, n, reduction=r)
                                                      for r in REDUCTIONS)
      + (F(m).triplet_margin_loss(a, p, n, margin=3.0, p=1), F(m).triplet_margin_loss(a, p, n, swap=True),
         F(m).triplet_margin_loss(a[0], p[0], n[0], eps=1e-3)), ((3, 4), (3, 4), (3, 4)), domain="distinct"),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_parity_with_torch(case, dtype):
    check_parity(case, dtype)


MODULES = [
    (lambda lib: lib.CosineEmbeddingLoss(), 3), (lambda lib: lib.CosineEmbeddingLoss(0.3, reduction="sum"), 3),
    (lambda lib: lib.MarginRankingLoss(), 3), (lambda lib: lib.MarginRankingLoss(margin=1.0, reduction="none"), 3),
    (lambda lib: lib.HingeEmbeddingLoss(), 2), (lambda lib: lib.HingeEmbeddingLoss(0.5), 2),
    (lambda lib: lib.SoftMarginLoss(), 2), (lambda lib: lib.SoftMarginLoss(reduction="sum"), 2),
    (lambda lib: lib.MultiLabelSoftMarginLoss(), 2),
    (lambda lib: lib.GaussianNLLLoss(), 3), (lambda lib: lib.GaussianNLLLoss(full=True, eps=1e-3), 3),
    (lambda lib: lib.PoissonNLLLoss(), 2), (lambda lib: lib.PoissonNLLLoss(False, True, eps=1e-4), 2),
    (lambda lib: lib.TripletMarginLoss(), 3), (lambda lib: lib.TripletMarginLoss(2.0, 1.0, swap=True), 3),
]


@pytest.mark.parametrize("make,n", MODULES, ids=range(len(MODULES)))
def test_loss_modules_as_torch(make, n):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(5)
    shape = (4,) if isinstance(ours, nn.MarginRankingLoss) else (4, 3)
    xs = [np.abs(rng.standard_normal(shape)) + 0.1 for _ in range(n)]
    if isinstance(ours, nn.CosineEmbeddingLoss | nn.MarginRankingLoss | nn.HingeEmbeddingLoss | nn.SoftMarginLoss):
        target = np.where(rng.standard_normal(shape[:1] if n == 3 and shape != (4,) else shape) > 0, 1.0, -1.0)
        xs = xs[:-1] + [target] if n == 2 else xs[:2] + [target]
        if isinstance(ours, nn.HingeEmbeddingLoss):
            xs[0] = rng.standard_normal(shape)
    signs = isinstance(ours, nn.CosineEmbeddingLoss | nn.MarginRankingLoss | nn.HingeEmbeddingLoss | nn.SoftMarginLoss)
    grads = [not (signs and i == len(xs) - 1) for i in range(len(xs))]  # a +-1 target takes no gradient
    cx = [cr.tensor(x, requires_grad=g) for x, g in zip(xs, grads)]
    tx = [torch.tensor(x, requires_grad=g) for x, g in zip(xs, grads)]
    cy, ty = ours(*cx), theirs(*tx)
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    cy.sum().backward()
    ty.sum().backward()
    for c, t in zip(cx, tx):
        if t.grad is not None:
            np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_multilabel_soft_margin_loss_weight_is_a_buffer():
    w = cr.tensor([1.0, 2.0, 0.5])
    ours, theirs = nn.MultiLabelSoftMarginLoss(w), torch.nn.MultiLabelSoftMarginLoss(torch.tensor([1.0, 2.0, 0.5]))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    x, y = np.random.default_rng(2).standard_normal((2, 3)), np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(ours(cr.tensor(x, dtype=cr.float32), cr.tensor(y, dtype=cr.float32)).item(),
                               theirs(torch.tensor(x).float(), torch.tensor(y).float()).item(), rtol=1e-6)


def _f(m, *shape):
    return m.ones(shape, dtype=m.float64)


ERRORS = [
    lambda m: F(m).cosine_embedding_loss(_f(m, 2, 3), _f(m, 2, 3), _f(m, 2, 1)),
    lambda m: F(m).cosine_embedding_loss(_f(m, 2, 3, 4), _f(m, 2, 3, 4), _f(m, 2, 3)),
    lambda m: F(m).margin_ranking_loss(_f(m, 3), _f(m, 3, 1), _f(m, 3)),
    lambda m: F(m).gaussian_nll_loss(_f(m, 3, 4), _f(m, 3, 4), _f(m, 2, 4)),
    lambda m: F(m).gaussian_nll_loss(_f(m, 3, 4), _f(m, 3, 4), -_f(m, 3, 4)),
    lambda m: F(m).gaussian_nll_loss(_f(m, 3, 4), _f(m, 3, 4), -1.0),
    lambda m: F(m).gaussian_nll_loss(_f(m, 3, 4), _f(m, 3, 4), _f(m, 3, 4), reduction="max"),
    lambda m: F(m).triplet_margin_loss(_f(m, 3, 4), _f(m, 3, 4), _f(m, 4)),
    lambda m: F(m).soft_margin_loss(_f(m, 3, 4), _f(m, 3, 4), reduction="avg"),
    lambda m: m.nn.TripletMarginLoss(margin=0.0),
]


@pytest.mark.parametrize("call", ERRORS, ids=range(len(ERRORS)))
def test_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(cr)
