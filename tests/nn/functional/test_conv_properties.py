"""conv2d and pooling against PyTorch over random shapes, strides and paddings (hypothesis)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
import chainrule.nn.functional as F


@st.composite
def conv_cases(draw):
    n, c, o = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h, w = draw(st.integers(max(1, kh - 2 * ph), 9)), draw(st.integers(max(1, kw - 2 * pw), 9))
    seed = draw(st.integers(0, 2**16))
    return n, c, o, (kh, kw), (sh, sw), (ph, pw), (h, w), seed


def _pair(x: np.ndarray, requires_grad: bool = True) -> tuple[cr.Tensor, torch.Tensor]:
    return cr.tensor(x, requires_grad=requires_grad), torch.tensor(x, requires_grad=requires_grad)


@settings(max_examples=40, deadline=None)
@given(conv_cases())
def test_conv2d_matches_torch(case) -> None:
    n, c, o, k, s, p, (h, w), seed = case
    rng = np.random.default_rng(seed)
    x, xt = _pair(rng.standard_normal((n, c, h, w)).astype(np.float32))
    wc, wt = _pair(rng.standard_normal((o, c) + k).astype(np.float32))
    bc, bt = _pair(rng.standard_normal(o).astype(np.float32))
    yc, yt = F.conv2d(x, wc, bc, s, p), TF.conv2d(xt, wt, bt, stride=s, padding=p)
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = rng.standard_normal(yt.shape).astype(np.float32)
    (yc * cr.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    for a, b in ((x, xt), (wc, wt), (bc, bt)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-4)


@settings(max_examples=40, deadline=None)
@given(conv_cases(), st.booleans())
def test_pooling_matches_torch(case, use_max: bool) -> None:
    n, c, _, k, s, p, (h, w), seed = case
    rng = np.random.default_rng(seed)
    data = rng.integers(-3, 4, (n, c, h, w)).astype(np.float32)  # small integers: ties in max pooling
    x, xt = _pair(data)
    ours, theirs = (F.max_pool2d, TF.max_pool2d) if use_max else (F.avg_pool2d, TF.avg_pool2d)
    yc, yt = ours(x, k, s, p), theirs(xt, k, s, p)
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(yt.shape).astype(np.float32)
    (yc * cr.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
