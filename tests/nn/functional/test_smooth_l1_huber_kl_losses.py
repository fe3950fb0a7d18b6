"""SmoothL1Loss, HuberLoss and KLDivLoss against PyTorch 2.13 (values and input gradients, every
reduction, float32 and float64), and gradcheck of the new functional forms and the hardswish op."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as F
from nn_helpers import close

RNG = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


def randn(*shape: int, dtype: type = np.float32, scale: float = 1.0) -> np.ndarray:
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def compare(ours, theirs, x: np.ndarray, t: np.ndarray, dtype: type, **kwargs) -> None:
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-11, 1e-12)
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, yt = ours(xc, cr.tensor(t), **kwargs), theirs(xt, torch.tensor(t), **kwargs)
    close(yc, yt, rtol, atol)
    assert yc.dtype == (cr.float32 if dtype == np.float32 else cr.float64)
    w = randn(*yt.shape, dtype=dtype)
    (yc * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(xc.grad, xt.grad, rtol, atol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.3, 0.0, 2.5])
def test_smooth_l1_loss(reduction: str, beta: float, dtype: type) -> None:
    x, t = randn(5, 4, dtype=dtype, scale=2), randn(5, 4, dtype=dtype)
    compare(F.smooth_l1_loss, TF.smooth_l1_loss, x, t, dtype, reduction=reduction, beta=beta)
    compare(cr.nn.SmoothL1Loss(reduction=reduction, beta=beta), torch.nn.SmoothL1Loss(reduction=reduction, beta=beta),
            x, t, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.4, 3.0])
def test_huber_loss(reduction: str, delta: float, dtype: type) -> None:
    x, t = randn(5, 4, dtype=dtype, scale=2), randn(5, 4, dtype=dtype)
    compare(F.huber_loss, TF.huber_loss, x, t, dtype, reduction=reduction, delta=delta)
    compare(cr.nn.HuberLoss(reduction=reduction, delta=delta), torch.nn.HuberLoss(reduction=reduction, delta=delta),
            x, t, dtype)


def test_smooth_l1_and_huber_at_the_switch_points() -> None:
    """|d| == beta/delta exactly, and d == 0: PyTorch's one-sided choices."""
    x = np.array([0.0, 1.0, -1.0, 0.5, -0.5, 2.0], np.float32)
    t = np.zeros_like(x)
    for beta in (1.0, 0.5):
        compare(F.smooth_l1_loss, TF.smooth_l1_loss, x, t, np.float32, reduction="none", beta=beta)
        compare(F.huber_loss, TF.huber_loss, x, t, np.float32, reduction="none", delta=beta)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction: str, log_target: bool, dtype: type) -> None:
    x = np.log(np.random.default_rng(1).dirichlet(np.ones(5), 4)).astype(dtype)
    p = np.random.default_rng(2).dirichlet(np.ones(5), 4)
    p[0, 1] = 0.0  # a zero probability contributes 0 (0 log 0)
    t = (np.log(p + 1e-3) if log_target else p).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(F.kl_div, TF.kl_div, x, t, dtype, reduction=reduction, log_target=log_target)
        compare(cr.nn.KLDivLoss(reduction=reduction, log_target=log_target),
                torch.nn.KLDivLoss(reduction=reduction, log_target=log_target), x, t, dtype)


def test_kl_div_mean_warns_as_pytorch() -> None:
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(cr.zeros(2, 3), cr.ones(2, 3) / 3)


# ----------------------------------------------------------------------------- gradcheck
def t64(*shape: int, scale: float = 1.0) -> cr.Tensor:
    return cr.tensor(RNG.standard_normal(shape) * scale, dtype=cr.float64, requires_grad=True)


TARGET = cr.tensor(RNG.standard_normal((3, 4)), dtype=cr.float64)
CASES = [
    ("hardswish", lambda x: F.hardswish(x), ((3, 4),), 3.0),
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), ((2, 2, 7), (3, 2, 3), (3,)), 1.0),
    ("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1), ((2, 2, 7),), 1.0),
    ("avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1), ((2, 2, 7),), 1.0),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), ((2, 2, 5, 7),), 1.0),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), ((2, 4, 3), (4,), (4,)), 1.0),
    ("batch_norm_4d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), ((3, 2, 2, 3), (2,), (2,)),
     1.0),
    ("mish", lambda x: F.mish(x), ((3, 4),), 2.0),
    ("selu_celu", lambda x: F.selu(x) + F.celu(x, 0.6), ((3, 4),), 2.0),
    ("softsign", lambda x: F.softsign(x), ((3, 4),), 2.0),
    ("glu", lambda x: F.glu(x, 0), ((4, 3),), 1.0),
    ("prelu", lambda x, w: F.prelu(x, w), ((2, 3, 4), (3,)), 1.0),
    ("smooth_l1", lambda x: F.smooth_l1_loss(x, TARGET, beta=0.7), ((3, 4),), 1.5),
    ("huber", lambda x: F.huber_loss(x, TARGET, delta=0.7), ((3, 4),), 1.5),
    ("kl_div", lambda x: F.kl_div(x, TARGET.exp(), reduction="batchmean"), ((3, 4),), 1.0),
]


@pytest.mark.parametrize("name,fn,shapes,scale", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name: str, fn, shapes: tuple, scale: float) -> None:
    inputs = [t64(*s, scale=scale) for s in shapes]
    assert cr.gradcheck(fn, inputs)


@pytest.mark.parametrize("name", ["hardswish", "adaptive_avg_pool2d", "conv1d", "group_norm", "mish"])
def test_gradgradcheck(name: str) -> None:
    _, fn, shapes, scale = next(c for c in CASES if c[0] == name)
    inputs = [t64(*s, scale=scale) for s in shapes]
    assert cr.autograd.gradgradcheck(lambda *xs: fn(*xs) * fn(*xs), inputs)


def test_hardswish_is_one_registered_op_with_a_formula() -> None:
    from chainrule.ops import activations

    y = F.hardswish(cr.randn(3, requires_grad=True))
    assert y.grad_fn.name() == "HardswishBackward0"
    assert activations.HARDSWISH.formulas == ("0 if x <= -3 else x/3 + 1/2 if x < 3 else 1",)


@pytest.mark.parametrize("name, kw", [("smooth_l1_loss", {"beta": 0.6}), ("huber_loss", {"delta": 0.6})])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_smooth_l1_and_huber_twice_differentiable_and_broadcast_like_torch(name: str, kw: dict, reduction: str) -> None:
    """Each loss is one op (one step in explanations): its gradient under create_graph=True, its second
    derivative, a float64 target with a float32 input (the result promotes), and a target that broadcasts."""
    x = randn(4, 3, dtype=np.float64, scale=1.5)
    t = randn(4, 3, dtype=np.float64)
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc = getattr(F, name)(xc, cr.tensor(t), reduction=reduction, **kw)
    yt = getattr(TF, name)(xt, torch.tensor(t), reduction=reduction, **kw)
    close(yc, yt, 1e-12, 1e-12)
    v = randn(*yt.shape, dtype=np.float64)
    (gc,) = cr.autograd.grad((yc * cr.tensor(v)).sum(), xc, create_graph=True)
    (gt,) = torch.autograd.grad((yt * torch.tensor(v)).sum(), xt, create_graph=True)
    close(gc, gt, 1e-12, 1e-12)
    w = randn(4, 3, dtype=np.float64)
    (hc,) = cr.autograd.grad((gc * cr.tensor(w)).sum(), xc)
    (ht,) = torch.autograd.grad((gt * torch.tensor(w)).sum(), xt)
    close(hc, ht, 1e-12, 1e-12)
    assert getattr(F, name)(cr.tensor(x.astype(np.float32)), cr.tensor(t)).dtype == cr.float64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch's (and our) warning about a broadcast target
        row = randn(3, dtype=np.float64)
        xc.grad = None
        getattr(F, name)(xc, cr.tensor(row), reduction=reduction, **kw).sum().backward()
        xt.grad = None
        getattr(TF, name)(xt, torch.tensor(row), reduction=reduction, **kw).sum().backward()
    close(xc.grad, xt.grad, 1e-12, 1e-12)
    assert yc.grad_fn.name() == type(yt.grad_fn).__name__  # SmoothL1LossBackward0 / HuberLossBackward0
