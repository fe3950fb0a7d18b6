"""The `inplace` keyword of the activations and dropout (functional and modules) against PyTorch: the
returned object is the input, values and gradients agree, and PyTorch's errors are raised (a leaf that
requires grad, a value saved by another op, negative slopes)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as F
from nn_helpers import check_module, close

RNG = np.random.default_rng(0)
# special points: the kinks of relu/leaky_relu/elu, the bounds of hardtanh/relu6, NaN
SPECIAL = np.array([-7.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 6.0, 7.0, math.nan], np.float32)

CASES = [
    ("relu", lambda f, x, inplace: f.relu(x, inplace=inplace)),
    ("relu_positional", lambda f, x, inplace: f.relu(x, inplace)),
    ("leaky_relu", lambda f, x, inplace: f.leaky_relu(x, inplace=inplace)),
    ("leaky_relu_0.2", lambda f, x, inplace: f.leaky_relu(x, 0.2, inplace)),
    ("leaky_relu_0", lambda f, x, inplace: f.leaky_relu(x, 0.0, inplace=inplace)),
    ("elu", lambda f, x, inplace: f.elu(x, inplace=inplace)),
    ("elu_0.5", lambda f, x, inplace: f.elu(x, 0.5, inplace)),
    ("elu_0", lambda f, x, inplace: f.elu(x, alpha=0.0, inplace=inplace)),
    ("hardtanh", lambda f, x, inplace: f.hardtanh(x, inplace=inplace)),
    ("hardtanh_bounds", lambda f, x, inplace: f.hardtanh(x, -0.5, 2.0, inplace)),
    ("relu6", lambda f, x, inplace: f.relu6(x, inplace=inplace)),
    ("silu", lambda f, x, inplace: f.silu(x, inplace=inplace)),
    ("dropout_eval", lambda f, x, inplace: f.dropout(x, 0.5, training=False, inplace=inplace)),
    ("dropout_p0", lambda f, x, inplace: f.dropout(x, 0.0, inplace=inplace)),
]
IDS = [c[0] for c in CASES]


def _pair(values: np.ndarray):
    xc = cr.tensor(values.copy(), requires_grad=True)
    xt = torch.tensor(values.copy(), requires_grad=True)
    return xc, xt


def _run(fn, m, x, inplace):
    a = x * 1  # a non-leaf: in-place ops on it are legal
    out = fn(m, a, inplace)
    return a, out


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("name,fn", CASES, ids=IDS)
def test_values_gradients_and_identity(name, fn, inplace):
    values = np.concatenate([SPECIAL, RNG.standard_normal(20).astype(np.float32) * 3])
    xc, xt = _pair(values)
    ac, yc = _run(fn, F, xc, inplace)
    at, yt = _run(fn, TF, xt, inplace)
    close(yc, yt)
    assert (yc is ac) == (yt is at)
    if inplace:
        assert yc is ac
        close(ac, at)
        assert ac.requires_grad and (ac.grad_fn is not None) == (at.grad_fn is not None)
    w = RNG.standard_normal(values.shape).astype(np.float32)
    (yc * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    if name.startswith("elu"):
        _elu_grad_at_nan(values, xc, xt, w)
    close(xc.grad, xt.grad)


def _elu_grad_at_nan(values, xc, xt, upstream):
    """PyTorch's ELU backward at a NaN input depends on where the NaN falls in its SIMD chunks (the upstream
    gradient from the scalar tail, NaN inside a vector; seen on AMD EPYC with AVX2). chainrule passes the
    upstream gradient, as the scalar kernel does: check that, and compare the other elements with torch."""
    nan = np.isnan(values)
    assert np.array_equal(xc.grad._data[nan], upstream[nan])
    xt.grad[torch.from_numpy(nan)] = torch.from_numpy(upstream[nan])


@pytest.mark.parametrize("name,fn", CASES, ids=IDS)
def test_inplace_on_a_plain_tensor_writes_its_storage(name, fn):
    values = np.concatenate([SPECIAL, RNG.standard_normal(10).astype(np.float32)])
    xc, xt = cr.tensor(values.copy()), torch.tensor(values.copy())
    alias_c, alias_t = xc.view(-1), xt.view(-1)
    assert fn(F, xc, True) is xc
    assert fn(TF, xt, True) is xt
    close(xc, xt)
    close(alias_c, alias_t)  # aliases see the write, as in PyTorch


@pytest.mark.parametrize("name,fn", CASES, ids=IDS)
def test_inplace_on_a_leaf_that_requires_grad(name, fn):
    xc, xt = _pair(SPECIAL)
    outcomes = []
    for m, x in ((F, xc), (TF, xt)):
        try:
            out = fn(m, x, True)
            outcomes.append(("ok", out is x))
        except RuntimeError as exc:
            assert "leaf Variable that requires grad" in str(exc)
            outcomes.append(("error", None))
    assert outcomes[0] == outcomes[1], outcomes  # dropout in eval or with p=0 returns the leaf untouched


@pytest.mark.parametrize("name,fn", CASES, ids=IDS)
def test_inplace_on_a_leaf_under_no_grad(name, fn):
    xc, xt = _pair(SPECIAL)
    with cr.no_grad():
        assert fn(F, xc, True) is xc
    with torch.no_grad():
        assert fn(TF, xt, True) is xt
    close(xc, xt)
    assert xc.is_leaf and xc.requires_grad


INPLACE_ONLY = [c for c in CASES if not c[0].startswith("dropout")]


@pytest.mark.parametrize("name,fn", INPLACE_ONLY, ids=[c[0] for c in INPLACE_ONLY])
def test_inplace_on_a_value_saved_by_another_op_fails_at_backward(name, fn):
    messages = []
    for m, lib in ((F, cr), (TF, torch)):
        x = lib.tensor([-1.0, 0.5, 2.0, 3.0], requires_grad=True)
        a = x * 1
        saved = a * a  # MulBackward0 saved `a`
        fn(m, a, True)  # the forward is allowed
        with pytest.raises(RuntimeError) as exc:
            saved.sum().backward()
        messages.append(str(exc.value))
    assert all("modified by an inplace operation" in s for s in messages), messages


@pytest.mark.parametrize("name,fn", INPLACE_ONLY, ids=[c[0] for c in INPLACE_ONLY])
def test_inplace_on_a_saved_output_fails_at_backward(name, fn):
    for m, lib in ((F, cr), (TF, torch)):
        x = lib.tensor([-1.0, 0.5, 2.0, 3.0], requires_grad=True)
        s = x.sigmoid()  # sigmoid saves its output
        fn(m, s, True)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            s.sum().backward()


@pytest.mark.parametrize("name,fn", INPLACE_ONLY, ids=[c[0] for c in INPLACE_ONLY])
def test_inplace_after_an_op_that_does_not_save_it_is_fine(name, fn):
    grads = []
    for m, lib in ((F, cr), (TF, torch)):
        x = lib.tensor([-1.0, 0.5, 2.0, 7.0], requires_grad=True)
        a = x + 1
        b = a + 3  # AddBackward saves nothing
        fn(m, a, True)
        (a.sum() + b.sum()).backward()
        grads.append(x.grad)
    close(grads[0], grads[1])


def test_chained_inplace_activations():
    values = np.concatenate([SPECIAL, RNG.standard_normal(10).astype(np.float32) * 4])
    xc, xt = _pair(values)
    results = []
    for m, x in ((F, xc), (TF, xt)):
        a = x * 2
        b = m.hardtanh(a, -1.0, 3.0, inplace=True)  # hardtanh_ does not need its result: may be modified
        b = m.leaky_relu(b, 0.1, inplace=True)
        assert b is a
        (b * b).sum().backward()
        results.append(b)
    close(*results)
    close(xc.grad, xt.grad)


@pytest.mark.parametrize("first", ["relu", "leaky_relu", "elu", "hardtanh", "silu"])
@pytest.mark.parametrize("then", ["relu_", "add_", "mul_"])
def test_modifying_the_result_of_an_inplace_activation(first, then):
    """relu_, leaky_relu_ and elu_ save their result in PyTorch: changing it in place again breaks backward;
    hardtanh_ and silu keep what they need and let it through."""
    outcomes = []
    for m, lib in ((F, cr), (TF, torch)):
        x = lib.tensor([-1.5, 0.5, 2.0], requires_grad=True)
        a = x * 1
        getattr(m, first)(a, inplace=True)
        getattr(a, then)(*(() if then == "relu_" else (2.0,)))
        try:
            a.sum().backward()
            outcomes.append(("ok", x.grad.numpy().tolist()))
        except RuntimeError as exc:
            assert "modified by an inplace operation" in str(exc)
            outcomes.append(("error", None))
    assert outcomes[0][0] == outcomes[1][0], outcomes
    if outcomes[0][0] == "ok":
        close(np.array(outcomes[0][1]), np.array(outcomes[1][1]))


@pytest.mark.parametrize("fn,kw", [("leaky_relu", {"negative_slope": -0.1}), ("elu", {"alpha": -1.0})])
def test_negative_slope_inplace_runs_forward_and_refuses_backward(fn, kw):
    messages = []
    for m, lib in ((F, cr), (TF, torch)):
        x = lib.tensor([-2.0, -0.5, 0.0, 1.5], requires_grad=True)
        a = x * 1
        out = getattr(m, fn)(a, inplace=True, **kw)
        assert out is a
        messages.append((out.detach().numpy().copy(), None))
        with pytest.raises(RuntimeError) as exc:
            out.sum().backward()
        messages[-1] = (messages[-1][0], str(exc.value))
    close(messages[0][0], messages[1][0])
    assert messages[0][1] == messages[1][1]
    # without a graph the in-place forward is fine
    xc, xt = cr.tensor([-2.0, 1.0]), torch.tensor([-2.0, 1.0])
    close(getattr(F, fn)(xc, inplace=True, **kw), getattr(TF, fn)(xt, inplace=True, **kw))
    # and out of place a negative slope has a gradient
    xc, xt = _pair(np.array([-2.0, 1.0], np.float32))
    getattr(F, fn)(xc, **kw).sum().backward()
    getattr(TF, fn)(xt, **kw).sum().backward()
    close(xc.grad, xt.grad)


@pytest.mark.parametrize("fn", ["leaky_relu", "elu", "silu"])
def test_integer_inplace_is_not_implemented(fn):
    with pytest.raises(NotImplementedError) as ours:
        getattr(F, fn)(cr.tensor([1, -2]), inplace=True)
    with pytest.raises(NotImplementedError) as theirs:
        getattr(TF, fn)(torch.tensor([1, -2]), inplace=True)
    assert str(ours.value) == str(theirs.value)


def test_integer_relu_inplace():
    xc, xt = cr.tensor([1, -2, 0]), torch.tensor([1, -2, 0])
    assert F.relu(xc, inplace=True) is xc and TF.relu(xt, inplace=True) is xt
    np.testing.assert_array_equal(xc.detach().numpy(), xt.detach().numpy())
    assert xc.dtype == cr.int64


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("fn", [lambda f, x, i: f.hardtanh(x, -1.5, 1.5, i), lambda f, x, i: f.relu6(x, i)])
def test_integer_hardtanh_stays_integer(fn, inplace):
    xc, xt = cr.tensor([1, 2, -3, 9]), torch.tensor([1, 2, -3, 9])
    yc, yt = fn(F, xc, inplace), fn(TF, xt, inplace)
    np.testing.assert_array_equal(yc.detach().numpy(), yt.detach().numpy())
    assert yc.dtype == cr.int64 and (yc is xc) == (yt is xt) == inplace


@pytest.mark.parametrize("name", ["relu_", "leaky_relu_", "elu_", "hardtanh_"])
def test_underscore_functions(name):
    xc, xt = _pair(np.concatenate([SPECIAL, RNG.standard_normal(20).astype(np.float32)]))
    ac, at = xc * 1, xt * 1
    assert getattr(F, name)(ac) is ac
    assert getattr(TF, name)(at) is at
    close(ac, at)
    ac.sum().backward()
    at.sum().backward()
    if name == "elu_":
        _elu_grad_at_nan(xc.detach().numpy(), xc, xt, np.ones(xc.shape, np.float32))
    close(xc.grad, xt.grad)


@pytest.mark.parametrize("inplace", [False, True])
def test_hardtanh_gradient_is_zero_at_the_bounds_and_at_nan(inplace):
    """PyTorch's hardtanh (unlike clamp) passes no gradient at min_val and max_val; at NaN its vectorized
    kernel passes none either (its scalar loop over the last few elements would)."""
    values = np.tile(np.array([-1.0, 1.0, math.nan, 0.0], np.float32), 16)
    xc, xt = _pair(values)
    F.hardtanh(xc * 1, inplace=inplace).sum().backward()
    TF.hardtanh(xt * 1, inplace=inplace).sum().backward()
    close(xc.grad[:48], xt.grad[:48])
    np.testing.assert_array_equal(xc.grad.numpy(), np.tile(np.array([0, 0, 0, 1], np.float32), 16))


def test_hardtanh_min_greater_than_max():
    for m, lib in ((F, cr), (TF, torch)):
        with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
            m.hardtanh(lib.zeros(2), 1.0, -1.0)
        with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
            m.hardtanh(lib.zeros(2), 1.0, -1.0, inplace=True)


# ----------------------------------------------------------------------------- dropout, training mode
@pytest.mark.parametrize("p", [0.3, 0.5, 1.0])
def test_dropout_inplace_in_training(p):
    cr.manual_seed(0)
    x = cr.tensor(RNG.standard_normal((50, 40)).astype(np.float32) + 5, requires_grad=True)
    a = x * 1
    out = F.dropout(a, p, inplace=True)
    assert out is a and out.grad_fn.name() == "MulBackward0"
    kept = out.detach().numpy() != 0
    expected = np.where(kept, x.detach().numpy() / (1 - p) if p < 1 else 0, 0).astype(np.float32)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)
    if p < 1:
        assert 0.5 * (1 - p) < kept.mean() < 1.5 * (1 - p)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 1 / (1 - p) if p < 1 else 0, 0), rtol=1e-6)
    # the same seed draws the same mask in place and out of place
    cr.manual_seed(0)
    np.testing.assert_array_equal(F.dropout(x * 1, p).detach().numpy(), out.detach().numpy())


def test_dropout_inplace_on_a_leaf_that_requires_grad():
    for m, lib in ((F, cr), (TF, torch)):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            m.dropout(lib.ones(3, requires_grad=True), 0.5, inplace=True)


# ----------------------------------------------------------------------------- modules
MODULES = [
    ("ReLU", lambda m: m.ReLU()),
    ("ReLU_inplace", lambda m: m.ReLU(inplace=True)),
    ("ReLU_positional", lambda m: m.ReLU(True)),
    ("LeakyReLU", lambda m: m.LeakyReLU()),
    ("LeakyReLU_inplace", lambda m: m.LeakyReLU(0.2, inplace=True)),
    ("ELU", lambda m: m.ELU()),
    ("ELU_inplace", lambda m: m.ELU(0.5, inplace=True)),
    ("Hardtanh", lambda m: m.Hardtanh()),
    ("Hardtanh_ints", lambda m: m.Hardtanh(-2, 2)),
    ("Hardtanh_inplace", lambda m: m.Hardtanh(-0.5, 3.0, True)),
    ("ReLU6", lambda m: m.ReLU6()),
    ("ReLU6_inplace", lambda m: m.ReLU6(inplace=True)),
    ("SiLU", lambda m: m.SiLU()),
    ("SiLU_inplace", lambda m: m.SiLU(inplace=True)),
    ("Dropout", lambda m: m.Dropout()),
    ("Dropout_inplace", lambda m: m.Dropout(0.2, inplace=True)),
    ("Dropout_inplace_positional", lambda m: m.Dropout(0.1, True)),
]


@pytest.mark.parametrize("name,build", MODULES, ids=[c[0] for c in MODULES])
def test_module_repr_matches_torch(name, build):
    assert repr(build(cr.nn)) == repr(build(torch.nn))
    assert build(cr.nn).inplace == build(torch.nn).inplace


@pytest.mark.parametrize("name,build", MODULES, ids=[c[0] for c in MODULES])
def test_module_in_a_network_matches_torch(name, build):
    def net(m):
        return m.Sequential(m.Linear(5, 8), build(m), m.Linear(8, 3))

    ours, theirs = net(cr.nn), net(torch.nn)
    if "Dropout" in name:
        ours.eval()
        theirs.eval()
    check_module(ours, theirs, RNG.standard_normal((6, 5)).astype(np.float32) * 4)


@pytest.mark.parametrize("name,build", [c for c in MODULES if "inplace" in c[0]],
                         ids=[c[0] for c in MODULES if "inplace" in c[0]])
def test_inplace_module_returns_its_input(name, build):
    layer = build(cr.nn)
    x = cr.tensor(RNG.standard_normal(6).astype(np.float32), requires_grad=True)
    a = x * 1
    assert layer(a) is a
    with pytest.raises(RuntimeError, match="leaf Variable"):
        layer(x)
    if "Dropout" in name:
        layer.eval()
        assert layer(x) is x  # identity in eval mode, even on a leaf


def test_inplace_relu_module_after_a_layer_that_saved_its_output():
    """nn.Sigmoid saves its output; an in-place ReLU after it breaks backward in both libraries."""
    for m, lib in ((cr.nn, cr), (torch.nn, torch)):
        net = m.Sequential(m.Linear(3, 4), m.Sigmoid(), m.ReLU(inplace=True))
        out = net(lib.ones(2, 3))
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


def test_hardtanh_module_checks_its_bounds():
    for m in (cr.nn, torch.nn):
        with pytest.raises(AssertionError, match=r"max_val \(1.0\) must be greater than min_val \(1.0\)"):
            m.Hardtanh(1.0, 1.0)


def test_relu6_is_a_hardtanh_without_state():
    assert isinstance(cr.nn.ReLU6(), cr.nn.Hardtanh)
    assert cr.nn.ReLU6().state_dict() == {}


@pytest.mark.parametrize("name,fn", INPLACE_ONLY, ids=[c[0] for c in INPLACE_ONLY])
def test_inplace_on_a_view_writes_the_base(name, fn):
    """In place on a row of a larger tensor: the base sees the new values and gradients flow through both."""
    x0 = RNG.standard_normal((3, 4)).astype(np.float32) * 4
    results = []
    for m, lib in ((F, cr), (TF, torch)):
        x = lib.tensor(x0.copy(), requires_grad=True)
        a = x * 2
        row = a[1]
        assert fn(m, row, True) is row
        (a * a).sum().backward()
        results.append((a, x.grad))
    close(results[0][0], results[1][0])
    close(results[0][1], results[1][1], rtol=1e-5, atol=1e-5)
