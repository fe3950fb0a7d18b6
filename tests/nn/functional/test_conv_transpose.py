"""`nn.ConvTranspose2d`, `nn.ConvTranspose1d`, `F.conv_transpose2d`, `F.conv_transpose1d` against PyTorch 2.13:
values and gradients (input, weight, bias) in float32 and float64 over stride, padding, output_padding, groups and
dilation; float64 gradcheck and gradgradcheck; the module's parameters, initialization, repr, state_dict and
`output_size=`; the errors; and the defining property: the transposed convolution is conv2d's input gradient."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import chainrule as cr
from nn_helpers import check_module

TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-11)}

CONFIGS_2D = [
    ({}, (2, 4, 5, 5), (4, 3, 3, 3)),
    (dict(stride=2, padding=1, output_padding=1), (2, 4, 5, 6), (4, 3, 3, 2)),
    (dict(stride=(2, 3), padding=(0, 2), output_padding=(1, 2), groups=2, dilation=(1, 2)), (2, 4, 5, 6),
     (4, 3, 3, 2)),
    (dict(stride=1, dilation=3, output_padding=2), (1, 2, 4, 4), (2, 2, 2, 3)),  # output_padding < dilation
    (dict(stride=2, groups=4), (1, 4, 3, 3), (4, 1, 3, 3)),  # depthwise
    (dict(padding=2), (2, 3, 4, 4), (3, 2, 5, 5)),
    (dict(stride=3), (3, 4, 4), (3, 2, 2, 2)),  # unbatched
]
CONFIGS_1D = [
    ({}, (2, 4, 7), (4, 3, 3)),
    (dict(stride=2, padding=1, output_padding=1, groups=2), (2, 4, 7), (4, 3, 3)),
    (dict(stride=3, dilation=2), (4, 7), (4, 3, 3)),
]


def _run(nd, cfg, xs, ws, dtype, bias=True, seed=0):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    b = rng.standard_normal(ws[1] * cfg.get("groups", 1))
    ours = [cr.tensor(a, dtype=getattr(cr, dtype), requires_grad=True) for a in (x, w, b)]
    ref = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in (x, w, b)]
    f_cr = getattr(cr.nn.functional, f"conv_transpose{nd}d")
    f_t = getattr(torch.nn.functional, f"conv_transpose{nd}d")
    out_c = f_cr(ours[0], ours[1], ours[2] if bias else None, **cfg)
    out_t = f_t(ref[0], ref[1], ref[2] if bias else None, **cfg)
    assert tuple(out_c.shape) == tuple(out_t.shape) and out_c.dtype == getattr(cr, dtype)
    np.testing.assert_allclose(out_c.detach().numpy(), out_t.detach().numpy(), **TOL[dtype])
    g = rng.standard_normal(tuple(out_t.shape))
    out_c.backward(cr.tensor(g, dtype=getattr(cr, dtype)))
    out_t.backward(torch.tensor(g, dtype=getattr(torch, dtype)))
    for a, t in zip(ours if bias else ours[:2], ref if bias else ref[:2]):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), **TOL[dtype])
    return out_c


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cfg,xs,ws", CONFIGS_2D)
def test_conv_transpose2d_matches_torch(cfg, xs, ws, dtype):
    out = _run(2, cfg, xs, ws, dtype)
    if len(xs) == 4:
        assert out.grad_fn.name() == "ConvolutionBackward0"
    _run(2, cfg, xs, ws, dtype, bias=False, seed=1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cfg,xs,ws", CONFIGS_1D)
def test_conv_transpose1d_matches_torch(cfg, xs, ws, dtype):
    _run(1, cfg, xs, ws, dtype)


@pytest.mark.parametrize("cfg,xs,ws", CONFIGS_2D[1:4] + CONFIGS_1D[1:2])
def test_gradcheck_and_gradgradcheck(cfg, xs, ws):
    rng = np.random.default_rng(2)
    xs = (1,) + xs[1:] if len(xs) == 4 else xs
    ins = [cr.tensor(rng.standard_normal(s), dtype=cr.float64, requires_grad=True)
           for s in (xs, ws, (ws[1] * cfg.get("groups", 1),))]
    fn = getattr(cr.nn.functional, f"conv_transpose{len(ws) - 2}d")

    def f(x, w, b):
        return fn(x, w, b, **cfg)

    assert cr.gradcheck(f, ins)
    assert cr.autograd.gradgradcheck(f, ins)


def test_it_is_the_input_gradient_of_conv2d():
    """conv_transpose2d(g, w) == d<conv2d(x, w), g>/dx: the definition, on chainrule alone."""
    rng = np.random.default_rng(3)
    x = cr.tensor(rng.standard_normal((2, 3, 10, 8)), dtype=cr.float64, requires_grad=True)
    w = cr.tensor(rng.standard_normal((5, 3, 3, 2)), dtype=cr.float64)
    y = cr.nn.functional.conv2d(x, w, stride=2, padding=1)
    g = cr.tensor(rng.standard_normal(tuple(y.shape)), dtype=cr.float64)
    (gx,) = cr.autograd.grad(y, x, g)
    # (10 - 1 + 2) // 2 windows do not reach the last row of x: output_padding=1 gives it back (as zeros)
    back = cr.nn.functional.conv_transpose2d(g, w, stride=2, padding=1, output_padding=(1, 0))
    np.testing.assert_allclose(back.numpy(), gx.numpy(), rtol=1e-12, atol=1e-12)


MODULES = [
    ("2d", lambda m: m.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), (2, 4, 5, 5)),
    ("2d_rect_dilated_nobias", lambda m: m.ConvTranspose2d(3, 2, (3, 2), dilation=2, bias=False), (2, 3, 4, 5)),
    ("2d_unbatched", lambda m: m.ConvTranspose2d(2, 3, 2, stride=2), (2, 4, 4)),
    ("1d", lambda m: m.ConvTranspose1d(4, 6, 3, stride=2, groups=2), (3, 4, 7)),
    ("1d_unbatched", lambda m: m.ConvTranspose1d(2, 3, 4, padding=1, output_padding=1, stride=3), (2, 5)),
]


@pytest.mark.parametrize("name,build,shape", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_torch(name, build, shape):
    ours, theirs = build(cr.nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, a), (_, b) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert tuple(a.shape) == tuple(b.shape), k
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "output_padding",
                 "groups", "padding_mode", "transposed"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    check_module(ours, theirs, x, rtol=1e-4, atol=1e-5)


def test_default_initialization_bounds_like_torch():
    """Weight and bias uniform in +-1/sqrt(fan_in), fan_in from the weight's dim 1: out_channels/groups * kernel."""
    cr.manual_seed(0)
    m = cr.nn.ConvTranspose2d(16, 12, (3, 2), groups=4)
    bound = 1 / math.sqrt(12 // 4 * 3 * 2)
    assert m.weight.abs().max().item() <= bound and m.weight.abs().max().item() > 0.9 * bound
    assert m.bias.abs().max().item() <= bound
    assert tuple(m.weight.shape) == (16, 3, 3, 2) and m.weight.requires_grad
    d = cr.nn.ConvTranspose2d(2, 3, 3, dtype=cr.float64)
    assert d.weight.dtype == cr.float64 and d.bias.dtype == cr.float64


def test_output_size_chooses_the_output_padding_like_torch():
    ours, theirs = cr.nn.ConvTranspose2d(2, 3, 3, stride=3, padding=1), torch.nn.ConvTranspose2d(2, 3, 3, stride=3,
                                                                                                  padding=1)
    x = np.random.default_rng(5).standard_normal((1, 2, 4, 4)).astype(np.float32)
    for size in ([10, 12], [1, 2, 11, 10], (12, 11)):
        a, b = ours(cr.tensor(x), output_size=size), theirs(torch.tensor(x), output_size=size)
        assert tuple(a.shape) == tuple(b.shape)
    for m in (cr, torch):
        layer = ours if m is cr else theirs
        with pytest.raises(ValueError, match=r"requested an output size of \[13, 13\], but valid sizes range from "
                                             r"\[10, 10\] to \[12, 12\]"):
            layer(m.tensor(x), output_size=[13, 13])


def test_trains_as_a_decoder():
    """A tiny upsampling decoder learns to reproduce its input with SGD (loss goes down a lot)."""
    cr.manual_seed(0)
    net = cr.nn.Sequential(cr.nn.Conv2d(1, 4, 3, stride=2, padding=1), cr.nn.ReLU(),
                           cr.nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1))
    x = cr.randn(8, 1, 8, 8)
    opt = cr.optim.Adam(net.parameters(), lr=0.02)
    first = None
    for _ in range(150):
        opt.zero_grad()
        loss = ((net(x) - x) ** 2).mean()
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.5 * first


F_ERRORS = [
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(2, 4, 5, 5), m.randn(3, 3, 3, 3)), RuntimeError,
     "channels"),
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(2, 4, 5, 5), m.randn(4, 3, 3, 3), groups=3), RuntimeError,
     "expected weight to be divisible by 3 at dimension 0"),
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(2, 4, 5, 5), m.randn(4, 3, 3, 3), stride=2,
                                                output_padding=2), RuntimeError,
     "output padding must be smaller than either stride or dilation"),
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(1, 4, 1, 1), m.randn(4, 3, 3, 3), padding=3), RuntimeError,
     "Output size is too small"),
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(2, 4, 5, 5), m.randn(4, 3, 3, 3), m.randn(4)), RuntimeError,
     "expected bias to be 1-dimensional with 3 elements"),
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(5, 5), m.randn(4, 3, 3, 3)), RuntimeError,
     "Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv_transpose2d"),
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(2, 4, 5, 5), m.randn(4, 3, 3, 3), stride=0), RuntimeError,
     "non-positive stride is not supported"),
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(2, 4, 5, 5), m.randn(4, 3, 3, 3), padding=-1), RuntimeError,
     "negative padding is not supported"),
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(2, 4, 5, 5), m.randn(4, 3, 3, 3), output_padding=-1),
     RuntimeError, "negative output_padding is not supported"),
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(2, 4, 5, 5), m.randn(4, 3, 3, 3, dtype=m.float64)),
     RuntimeError, "Input type .* and weight type .* should be the same"),
    (lambda m: m.nn.functional.conv_transpose2d(m.randn(2, 4, 5, 5), m.randn(4, 3, 3, 3), padding="same"),
     TypeError, "must be tuple of ints"),
    (lambda m: m.nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose2d'),
    (lambda m: m.nn.ConvTranspose2d(4, 6, 3, groups=4), ValueError, "out_channels must be divisible by groups"),
    (lambda m: m.nn.ConvTranspose2d(3, 6, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda m: m.nn.ConvTranspose2d(4, 6, 3, groups=0), ValueError, "groups must be a positive integer"),
    (lambda m: m.nn.ConvTranspose2d(4, 6, 3)(m.randn(2, 3, 5, 5)), RuntimeError, "channels"),
]


@pytest.mark.parametrize("fn,kind,message", F_ERRORS)
def test_errors_like_torch(fn, kind, message):
    with pytest.raises(kind, match=message):
        fn(torch)
    with pytest.raises(kind, match=message):
        fn(cr)


def test_errors_name_the_function():
    with pytest.raises(RuntimeError, match=r"^conv_transpose1d: .*weight of size \[4, 3, 3\].*3 channels"):
        cr.nn.functional.conv_transpose1d(cr.randn(2, 3, 5), cr.randn(4, 3, 3))
