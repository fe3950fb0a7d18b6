"""Convolutions with groups, dilation and padding='same'/'valid', F.pad's reflect/replicate/circular modes, and
Conv1d/Conv2d with every constructor argument of PyTorch's (padding_mode, device): values, gradients of every
input (and second order), reprs and errors against PyTorch 2.13 in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn

RNG = np.random.default_rng(7)


def _pair(shape):
    a = RNG.standard_normal(shape)
    return cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(c, t, tol=1e-10):
    np.testing.assert_allclose(np.asarray(c.detach().numpy()), t.detach().numpy(), rtol=tol, atol=tol)


def _error(fn_c, fn_t):
    with pytest.raises(Exception) as theirs:
        fn_t()
    with pytest.raises(type(theirs.value)) as ours:
        fn_c()
    return str(ours.value), str(theirs.value)


# ----------------------------------------------------------------------------- F.conv2d / F.conv1d
CONV2D = [
    # (input shape, weight shape, kwargs)
    ((2, 4, 7, 8), (6, 2, 3, 3), {"groups": 2}),
    ((2, 4, 7, 8), (4, 1, 3, 2), {"groups": 4, "padding": 1}),  # depthwise
    ((2, 4, 7, 8), (8, 1, 3, 3), {"groups": 4, "stride": 2}),  # depthwise with a channel multiplier
    ((1, 3, 9, 9), (5, 3, 3, 3), {"dilation": 2}),
    ((2, 3, 9, 10), (4, 3, 3, 2), {"dilation": (2, 3), "stride": (2, 1), "padding": (1, 2)}),
    ((2, 6, 8, 8), (6, 2, 3, 3), {"dilation": 2, "groups": 3, "padding": 2, "stride": 2}),
    ((2, 3, 7, 6), (4, 3, 3, 3), {"padding": "same"}),
    ((2, 3, 7, 6), (4, 3, 4, 2), {"padding": "same"}),  # even kernels: the odd pixel goes at the end
    ((2, 3, 7, 9), (4, 3, 2, 3), {"padding": "same", "dilation": (3, 2)}),
    ((2, 4, 7, 6), (4, 2, 4, 4), {"padding": "same", "groups": 2}),
    ((2, 3, 7, 6), (4, 3, 3, 3), {"padding": "valid", "stride": 2}),
    ((3, 5, 5), (2, 3, 2, 2), {"groups": 1, "dilation": 1} | {"padding": 0}),  # unbatched input below
]


@pytest.mark.parametrize("xs,ws,kw", CONV2D, ids=range(len(CONV2D)))
def test_conv2d_values_and_gradients_as_torch(xs, ws, kw):
    if len(xs) == 3:  # unbatched (C, H, W)
        xs, ws = (3, 5, 5), (2, 3, 2, 2)
    cx, tx = _pair(xs)
    cw, tw = _pair(ws)
    cb, tb = _pair(ws[:1])
    cy = F.conv2d(cx, cw, cb, **kw)
    ty = TF.conv2d(tx, tw, tb, **kw)
    assert tuple(cy.shape) == tuple(ty.shape)
    _close(cy, ty)
    up = RNG.standard_normal(tuple(ty.shape))
    cg = cr.autograd.grad(cy, (cx, cw, cb), cr.tensor(up), create_graph=True)
    tg = torch.autograd.grad(ty, (tx, tw, tb), torch.tensor(up), create_graph=True)
    for c, t in zip(cg, tg):
        _close(c, t)
    # second order: through the gradients of the input and the weight
    c2 = cr.autograd.grad((cg[0] ** 2).sum() + (cg[1] ** 2).sum(), (cx, cw))
    t2 = torch.autograd.grad((tg[0] ** 2).sum() + (tg[1] ** 2).sum(), (tx, tw))
    for c, t in zip(c2, t2):
        _close(c, t, 1e-9)


CONV1D = [
    ((2, 4, 11), (6, 2, 3), {"groups": 2}),
    ((2, 4, 11), (4, 1, 3), {"groups": 4, "dilation": 3, "padding": 2}),
    ((2, 3, 10), (4, 3, 4), {"padding": "same", "dilation": 2}),
    ((3, 10), (4, 3, 3), {"padding": "valid", "stride": 3}),
]


@pytest.mark.parametrize("xs,ws,kw", CONV1D, ids=range(len(CONV1D)))
def test_conv1d_values_and_gradients_as_torch(xs, ws, kw):
    cx, tx = _pair(xs)
    cw, tw = _pair(ws)
    cy, ty = F.conv1d(cx, cw, None, **kw), TF.conv1d(tx, tw, None, **kw)
    _close(cy, ty)
    up = RNG.standard_normal(tuple(ty.shape))
    for c, t in zip(cr.autograd.grad(cy, (cx, cw), cr.tensor(up)), torch.autograd.grad(ty, (tx, tw), torch.tensor(up))):
        _close(c, t)


def test_a_plain_convolution_records_no_new_attributes():
    """dilation and groups are node attributes only where they are not 1: a plain convolution's node (what the
    explanations, the compiler and the ONNX exporter read) is as before."""
    y = F.conv2d(cr.randn(1, 2, 5, 5, requires_grad=True), cr.randn(3, 2, 3, 3))
    assert set(y.grad_fn.attrs) == {"stride", "padding", "input_grad"}
    y = F.conv2d(cr.randn(1, 2, 5, 5, requires_grad=True), cr.randn(4, 1, 3, 3), groups=2, dilation=2)
    assert y.grad_fn.attrs["groups"] == 2 and y.grad_fn.attrs["dilation"] == (2, 2)


CONV_ERRORS = [
    (lambda m: m.conv2d(m.ones(1, 4, 8, 8, dtype=m.float64), m.ones(6, 2, 3, 3, dtype=m.float64), groups=3),
     "expected input[1, 4, 8, 8] to have 6 channels, but got 4 channels instead"),
    (lambda m: m.conv2d(m.ones(1, 6, 8, 8, dtype=m.float64), m.ones(4, 2, 3, 3, dtype=m.float64), groups=3),
     "expected weight to be divisible by 3 at dimension 0"),
    (lambda m: m.conv2d(m.ones(1, 6, 8, 8), m.ones(6, 2, 3, 3), groups=0), "non-positive groups is not supported"),
    (lambda m: m.conv2d(m.ones(1, 3, 8, 8), m.ones(6, 3, 3, 3), dilation=0), "dilation should be greater than zero"),
    (lambda m: m.conv2d(m.ones(1, 3, 8, 8), m.ones(6, 3, 3, 3), stride=2, padding="same"),
     "padding='same' is not supported for strided convolutions"),
    (lambda m: m.conv2d(m.ones(1, 3, 8, 8), m.ones(6, 3, 3, 3), padding="full"), "Invalid padding string"),
    (lambda m: m.conv2d(m.ones(1, 3, 4, 4), m.ones(6, 3, 3, 3), dilation=2), None),
    (lambda m: m.conv2d(m.ones(1, 3, 8, 8), m.ones(6, 3, 3, 3), m.ones(5)), "expected bias to be 1-dimensional"),
    (lambda m: m.conv2d(m.ones(1, 3, 8, 8, dtype=m.float64), m.ones(6, 3, 3, 3)), None),
]


@pytest.mark.parametrize("call,words", CONV_ERRORS, ids=range(len(CONV_ERRORS)))
def test_conv_errors_as_torch(call, words):
    class C:  # the functional namespace and factories of one library
        def __init__(self, lib, f):
            self.conv2d, self.ones, self.float64 = f.conv2d, lib.ones, lib.float64

    ours, theirs = _error(lambda: call(C(cr, F)), lambda: call(C(torch, TF)))
    if words:
        assert words in theirs and words in ours


# ----------------------------------------------------------------------------- F.pad's modes
PADS = [
    ((1, 2, 5), (2, 1)), ((2, 5), (3, 4)), ((1, 2, 5), (-1, 2)), ((1, 2, 5), (0, 0)),
    ((1, 2, 4, 5), (1, 2, 3, 0)), ((2, 4, 5), (2, 2, 1, 3)), ((1, 2, 4, 5), (-1, 2, 2, -2)),
    ((1, 1, 3, 4, 5), (1, 2, 0, 1, 2, 1)), ((2, 3, 4, 5), (1, 1, 1, 1, 1, 1)),
]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", PADS, ids=range(len(PADS)))
def test_pad_modes_values_and_gradients_as_torch(mode, shape, pad):
    cx, tx = _pair(shape)
    try:
        ty = TF.pad(tx, pad, mode=mode)
    except (RuntimeError, NotImplementedError) as e:  # PyTorch refuses: so must chainrule, with its type and words
        with pytest.raises(type(e)) as ours:
            F.pad(cx, pad, mode=mode)
        assert str(ours.value).splitlines()[0] == str(e).splitlines()[0]
        return
    cy = F.pad(cx, pad, mode=mode)
    _close(cy, ty, 0)
    up = RNG.standard_normal(tuple(ty.shape))
    _close(cr.autograd.grad(cy, cx, cr.tensor(up))[0], torch.autograd.grad(ty, tx, torch.tensor(up))[0], 1e-12)


PAD_ERRORS = [
    ((1, 2, 3), (3, 0), "reflect"), ((1, 2, 3), (-1, 3), "reflect"), ((1, 2, 3), (4, 0), "circular"),
    ((3,), (1, 1), "reflect"), ((2, 3), (1, 1, 1, 0), "replicate"), ((1, 1, 2, 3), (1, 1), "circular"),
    ((1, 2, 3), (1, 1), "wrap"),
]


@pytest.mark.parametrize("shape,pad,mode", PAD_ERRORS, ids=range(len(PAD_ERRORS)))
def test_pad_mode_errors_as_torch(shape, pad, mode):
    ours, theirs = _error(lambda: F.pad(cr.zeros(shape), pad, mode=mode), lambda: TF.pad(torch.zeros(shape), pad,
                                                                                         mode=mode))
    assert ours.splitlines()[0] == theirs.splitlines()[0]


def test_pad_mode_refuses_a_value_as_torch():
    ours, theirs = _error(lambda: F.pad(cr.zeros(1, 2, 3), (1, 1), mode="circular", value=2.0),
                          lambda: TF.pad(torch.zeros(1, 2, 3), (1, 1), mode="circular", value=2.0))
    assert ours == theirs


# ----------------------------------------------------------------------------- the layers
LAYERS = [
    ("Conv2d", (4, 6, 3), {"groups": 2, "dilation": 2, "padding": 2}, (2, 4, 9, 9)),
    ("Conv2d", (4, 4, 3), {"groups": 4, "bias": False}, (2, 4, 6, 6)),
    ("Conv2d", (3, 5, (4, 3)), {"padding": "same"}, (2, 3, 7, 8)),
    ("Conv2d", (3, 5, 3), {"padding": "valid", "stride": 2}, (2, 3, 7, 8)),
    ("Conv2d", (4, 6, 4), {"padding": "same", "padding_mode": "circular", "groups": 2}, (2, 4, 7, 6)),
    ("Conv2d", (3, 5, 3), {"padding": (1, 2), "padding_mode": "reflect"}, (2, 3, 7, 8)),
    ("Conv2d", (3, 5, 3), {"padding": 2, "padding_mode": "replicate", "dilation": (1, 2)}, (3, 7, 8)),
    ("Conv1d", (4, 6, 3), {"groups": 2, "dilation": 2, "padding": "same", "padding_mode": "reflect"}, (2, 4, 9)),
    ("Conv1d", (3, 3, 5), {"groups": 3, "padding": 2, "padding_mode": "circular", "stride": 2}, (3, 12)),
]


@pytest.mark.parametrize("name,args,kw", [(n, a, k) for n, a, k, _ in LAYERS], ids=range(len(LAYERS)))
def test_layer_repr_and_attributes_as_torch(name, args, kw):
    ours, theirs = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    for attr in ("kernel_size", "stride", "padding", "dilation", "groups", "padding_mode",
                 "_reversed_padding_repeated_twice"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape)


@pytest.mark.parametrize("name,args,kw,xs", LAYERS, ids=range(len(LAYERS)))
def test_layer_forward_and_backward_as_torch(name, args, kw, xs):
    ours = getattr(nn, name)(*args, **kw, dtype=cr.float64)
    theirs = getattr(torch.nn, name)(*args, **kw, dtype=torch.float64)
    with torch.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters()):
            q.copy_(torch.tensor(p.detach().numpy()))
    cx, tx = _pair(xs)
    cy, ty = ours(cx), theirs(tx)
    _close(cy, ty)
    (cy ** 2).sum().backward()
    (ty ** 2).sum().backward()
    _close(cx.grad, tx.grad)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        _close(p.grad, q.grad, 1e-9)


def test_default_init_uses_the_grouped_fan_in():
    """PyTorch's default init draws weight and bias from +-1/sqrt(fan_in), fan_in = in_channels/groups * k*k."""
    m = nn.Conv2d(8, 8, 3, groups=8)
    bound = 1 / np.sqrt(1 * 9)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.5 * bound


LAYER_ERRORS = [
    ("Conv2d", (4, 6, 3), {"groups": 4}), ("Conv2d", (4, 6, 3), {"groups": 0}), ("Conv2d", (3, 6, 3), {"groups": 2}),
    ("Conv2d", (4, 6, 3), {"stride": 2, "padding": "same"}), ("Conv2d", (4, 6, 3), {"padding_mode": "mirror"}),
    ("Conv2d", (4, 6, 3), {"padding": "full"}), ("Conv1d", (4, 6, 3), {"padding_mode": "wrap"}),
]


@pytest.mark.parametrize("name,args,kw", LAYER_ERRORS, ids=range(len(LAYER_ERRORS)))
def test_layer_constructor_errors_as_torch(name, args, kw):
    ours, theirs = _error(lambda: getattr(nn, name)(*args, **kw), lambda: getattr(torch.nn, name)(*args, **kw))
    assert ours.split(",")[0].split("one of")[0] == theirs.split(",")[0].split("one of")[0]


# ----------------------------------------------------------------------------- device= on every layer
DEVICE_LAYERS = [
    ("Linear", (3, 4)), ("Conv2d", (2, 3, 3)), ("Conv1d", (2, 3, 3)), ("ConvTranspose2d", (2, 3, 3)),
    ("BatchNorm1d", (3,)), ("BatchNorm2d", (3,)), ("LayerNorm", (3,)), ("GroupNorm", (1, 3)), ("Embedding", (5, 3)),
    ("PReLU", ()), ("RNN", (3, 4)), ("LSTM", (3, 4)), ("GRU", (3, 4)), ("RNNCell", (3, 4)), ("LSTMCell", (3, 4)),
    ("GRUCell", (3, 4)),
]


@pytest.mark.parametrize("name,args", DEVICE_LAYERS, ids=[n for n, _ in DEVICE_LAYERS])
def test_layers_take_device_as_torch(name, args):
    """`nn.Linear(3, 4, device=device)`, as PyTorch code written for a GPU passes it: 'cpu' and cr.device('cpu')
    build the layer; 'cuda' raises as PyTorch's CPU build does (an AssertionError, here also a RuntimeError)."""
    for dev in ("cpu", cr.device("cpu"), torch.device("cpu").type):
        layer = getattr(nn, name)(*args, device=dev)
        assert all(p.device == cr.device("cpu") for p in layer.parameters())
    with pytest.raises(AssertionError):
        getattr(torch.nn, name)(*args, device="cuda")
    with pytest.raises(AssertionError, match="cuda"):
        getattr(nn, name)(*args, device="cuda")
