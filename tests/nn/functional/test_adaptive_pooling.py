"""Adaptive average pooling is one op (`ops.conv.adaptive_avg_pool`, PyTorch's AdaptiveAvgPool2DBackward0):
values, gradients and second derivatives against torch, for windows that overlap or differ in size."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as F
from nn_helpers import close

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("shape, size", [((2, 3, 5, 7), (2, 3)), ((3, 6, 4), (4, None)), ((2, 1, 4, 4), 1),
                                         ((2, 3, 7, 5), (7, 5))])
def test_adaptive_avg_pool2d_twice_differentiable_like_torch(shape, size) -> None:
    x = RNG.standard_normal(shape)
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, yt = F.adaptive_avg_pool2d(xc, size), TF.adaptive_avg_pool2d(xt, size)
    close(yc, yt, 1e-12, 1e-12)
    assert yc.grad_fn.name() == type(yt.grad_fn).__name__  # AdaptiveAvgPool2DBackward0 (MeanBackward1 for size 1)
    v = RNG.standard_normal(tuple(yt.shape))
    (gc,) = cr.autograd.grad((yc * cr.tensor(v)).sum() ** 2, xc, create_graph=True)
    (gt,) = torch.autograd.grad((yt * torch.tensor(v)).sum() ** 2, xt, create_graph=True)
    close(gc, gt, 1e-10, 1e-12)
    w = RNG.standard_normal(shape)
    (hc,) = cr.autograd.grad((gc * cr.tensor(w)).sum(), xc)
    (ht,) = torch.autograd.grad((gt * torch.tensor(w)).sum(), xt)
    close(hc, ht, 1e-10, 1e-12)


@pytest.mark.parametrize("shape, size", [((2, 3, 7), 3), ((4, 5), 5), ((1, 2, 9), 4)])
def test_adaptive_avg_pool1d_like_torch(shape, size) -> None:
    x = RNG.standard_normal(shape).astype(np.float32)
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, yt = F.adaptive_avg_pool1d(xc, size), TF.adaptive_avg_pool1d(xt, size)
    close(yc, yt, 1e-6, 1e-6)
    v = RNG.standard_normal(tuple(yt.shape)).astype(np.float32)
    (yc * cr.tensor(v)).sum().backward()
    (yt * torch.tensor(v)).sum().backward()
    close(xc.grad, xt.grad, 1e-6, 1e-6)
