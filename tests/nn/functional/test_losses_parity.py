"""Every loss against PyTorch (values and input gradients) for each reduction, plus the numerically
hard cases: huge logits, ignore_index, label smoothing, class weights, probabilities as targets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as F
from nn_helpers import close

RNG = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


def randn(*shape: int, scale: float = 1.0) -> np.ndarray:
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def compare(ours, theirs, x: np.ndarray, *args, rtol: float = 1e-5, atol: float = 1e-6, **kwargs) -> None:
    """ours(x_cr, *args) vs theirs(x_torch, *args) in value and gradient with respect to x."""
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    conv_c = [cr.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    conv_t = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    kw_c = {k: cr.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    kw_t = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    yc, yt = ours(xc, *conv_c, **kw_c), theirs(xt, *conv_t, **kw_t)
    close(yc, yt, rtol, atol)
    w = randn(*yt.shape)
    (yc * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(xc.grad, xt.grad, rtol, atol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_and_l1(reduction: str) -> None:
    x, t = randn(4, 3), randn(4, 3)
    compare(F.mse_loss, TF.mse_loss, x, t, reduction=reduction)
    compare(F.l1_loss, TF.l1_loss, x, t, reduction=reduction)
    compare(cr.nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction), x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_indices(reduction: str) -> None:
    x, t = randn(6, 5), RNG.integers(0, 5, 6)
    compare(F.cross_entropy, TF.cross_entropy, x, t, reduction=reduction)
    compare(cr.nn.CrossEntropyLoss(reduction=reduction), torch.nn.CrossEntropyLoss(reduction=reduction), x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_weights_ignore_index_and_label_smoothing(reduction: str) -> None:
    x, t = randn(8, 4), np.array([0, 1, 2, 3, -100, 1, 2, -100])
    w = np.array([0.5, 2.0, 1.0, 3.0], np.float32)
    compare(F.cross_entropy, TF.cross_entropy, x, t, weight=w, reduction=reduction)
    compare(F.cross_entropy, TF.cross_entropy, x, t, weight=w, reduction=reduction, label_smoothing=0.2)
    compare(F.cross_entropy, TF.cross_entropy, x, np.array([0, 1, 2, 3, 7, 1, 2, 7]), ignore_index=7,
            reduction=reduction, label_smoothing=0.1)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_probabilities(reduction: str) -> None:
    x = randn(5, 4)
    p = np.exp(randn(5, 4))
    p = (p / p.sum(1, keepdims=True)).astype(np.float32)
    w = np.array([1.0, 2.0, 0.5, 1.5], np.float32)
    compare(F.cross_entropy, TF.cross_entropy, x, p, reduction=reduction)
    compare(F.cross_entropy, TF.cross_entropy, x, p, weight=w, reduction=reduction, label_smoothing=0.3)


def test_cross_entropy_spatial_and_unbatched() -> None:
    compare(F.cross_entropy, TF.cross_entropy, randn(2, 3, 4, 5), RNG.integers(0, 3, (2, 4, 5)))
    compare(F.cross_entropy, TF.cross_entropy, randn(2, 3, 4), RNG.integers(0, 3, (2, 4)), reduction="none")
    compare(F.cross_entropy, TF.cross_entropy, randn(5), np.array(2))


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    x = np.array([[1000.0, -1000.0, 0.0], [-5e4, 5e4, 1.0]], np.float32)
    compare(F.cross_entropy, TF.cross_entropy, x, np.array([1, 1]))
    loss = F.cross_entropy(cr.tensor(x), cr.tensor([0, 1]))
    assert np.isfinite(loss.item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction: str) -> None:
    logp = TF.log_softmax(torch.tensor(randn(6, 4)), 1).numpy()
    t = np.array([0, 3, 2, 1, 1, -100])
    compare(F.nll_loss, TF.nll_loss, logp, t, reduction=reduction)
    compare(cr.nn.NLLLoss(weight=cr.tensor([1.0, 2.0, 3.0, 4.0]), reduction=reduction),
            torch.nn.NLLLoss(weight=torch.tensor([1.0, 2.0, 3.0, 4.0]), reduction=reduction), logp, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction: str) -> None:
    p = (1 / (1 + np.exp(-randn(4, 3)))).astype(np.float32)
    t = RNG.integers(0, 2, (4, 3)).astype(np.float32)
    compare(F.binary_cross_entropy, TF.binary_cross_entropy, p, t, reduction=reduction)
    compare(F.binary_cross_entropy, TF.binary_cross_entropy, p, t, weight=randn(3) ** 2, reduction=reduction)
    compare(cr.nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), p, t)


def test_binary_cross_entropy_clamps_logs_at_saturated_probabilities() -> None:
    p = np.array([0.0, 1.0, 0.5, 1.0], np.float32)
    t = np.array([1.0, 0.0, 1.0, 1.0], np.float32)
    compare(F.binary_cross_entropy, TF.binary_cross_entropy, p, t, reduction="none")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction: str) -> None:
    x, t = randn(4, 3, scale=3), RNG.random((4, 3)).astype(np.float32)
    compare(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, x, t, reduction=reduction)
    compare(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, x, t, reduction=reduction,
            weight=randn(3) ** 2, pos_weight=np.array([0.5, 2.0, 3.0], np.float32))
    compare(cr.nn.BCEWithLogitsLoss(reduction=reduction), torch.nn.BCEWithLogitsLoss(reduction=reduction), x, t)


def test_binary_cross_entropy_with_logits_is_stable_and_right_at_zero() -> None:
    x = np.array([-200.0, -30.0, 0.0, 30.0, 200.0], np.float32)
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0], np.float32)
    compare(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, x, t, reduction="none")
    xc = cr.zeros(3, requires_grad=True)
    F.binary_cross_entropy_with_logits(xc, cr.tensor([0.0, 1.0, 0.5]), reduction="sum").backward()
    np.testing.assert_allclose(xc.grad.numpy(), [0.5, -0.5, 0.0])  # sigmoid(0) - y


def test_one_hot_matches_torch() -> None:
    idx = np.array([[0, 2], [1, 3]])
    assert np.array_equal(F.one_hot(cr.tensor(idx), 5).numpy(), TF.one_hot(torch.tensor(idx), 5).numpy())
    assert F.one_hot(cr.tensor([0, 2])).shape == (2, 3)
    assert F.one_hot(cr.tensor([1])).dtype == cr.int64


def test_invalid_reduction_is_refused() -> None:
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.mse_loss(cr.zeros(2), cr.zeros(2), reduction="avg")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nll_loss_at_plain_class_indices(reduction: str, dtype) -> None:
    """The common form (no weight, nothing ignored), `F.nll_loss(F.log_softmax(x), y)`: picks -x[n, y[n]]; a -inf
    log-probability of another class leaves the loss and gradient finite (0 * -inf would be nan), as in torch."""
    logp = TF.log_softmax(torch.tensor(randn(6, 4)), 1).numpy().astype(dtype)
    t = np.array([0, 3, 2, 1, 1, 0])
    compare(F.nll_loss, TF.nll_loss, logp, t, reduction=reduction)
    logp[1, 0] = logp[4, 3] = -np.inf
    compare(F.nll_loss, TF.nll_loss, logp, t, reduction=reduction)
    assert np.isfinite(F.nll_loss(cr.tensor(logp), cr.tensor(t), reduction=reduction).detach().numpy()).all()


def test_nll_loss_at_plain_class_indices_twice_differentiable() -> None:
    """create_graph through the index form: d/dx of (dL/dx * v).sum() agrees with torch (zero: nll is linear),
    and the first gradient has torch's values."""
    x = randn(5, 3).astype(np.float64)
    t = np.array([2, 0, 1, 1, 0])
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gc, = cr.autograd.grad(F.nll_loss(F.log_softmax(xc, 1), cr.tensor(t)), xc, create_graph=True)
    gt, = torch.autograd.grad(TF.nll_loss(TF.log_softmax(xt, 1), torch.tensor(t)), xt, create_graph=True)
    close(gc, gt, 1e-12, 1e-12)
    v = randn(5, 3).astype(np.float64)
    (hc,) = cr.autograd.grad((gc * cr.tensor(v)).sum(), xc)
    (ht,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), xt)
    close(hc, ht, 1e-10, 1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_weighted_or_ignoring_is_finite_at_minus_inf_elsewhere(reduction: str) -> None:
    """The weighted and ignore_index forms (a weighted one-hot product, also for (N, C, d) inputs): a -inf or nan
    log-probability of a class that is not the target, or of an ignored row, leaves loss and gradient finite,
    as torch (it picks the target's entry); 0 * -inf used to make the loss nan. A -inf at the target is inf."""
    logp = TF.log_softmax(torch.tensor(randn(6, 4)), 1).numpy()
    t = np.array([0, 3, 2, 1, 1, -100])
    logp[1, 0] = logp[4, 3] = -np.inf
    logp[5, 2] = np.nan  # the ignored row
    weight = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    compare(F.nll_loss, TF.nll_loss, logp, t, reduction=reduction, weight=weight)
    compare(F.nll_loss, TF.nll_loss, logp, t, reduction=reduction)
    assert np.isfinite(F.nll_loss(cr.tensor(logp), cr.tensor(t), weight=cr.tensor(weight),
                                  reduction=reduction).detach().numpy()).all()
    spatial = np.stack([logp[:3], logp[3:]], 2)  # (3, 4, 2): classes on dimension 1
    ts = np.stack([t[:3], t[3:]], 1)
    compare(F.nll_loss, TF.nll_loss, spatial, ts, reduction=reduction, weight=weight)
    logp[0, 0] = -np.inf  # at the target: the loss is inf, as torch
    assert float(F.nll_loss(cr.tensor(logp), cr.tensor(t), weight=cr.tensor(weight), reduction="sum")) == \
        float(TF.nll_loss(torch.tensor(logp), torch.tensor(t), weight=torch.tensor(weight), reduction="sum"))
