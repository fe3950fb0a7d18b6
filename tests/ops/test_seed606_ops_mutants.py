"""Tests that kill survivors of the seed-606 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.nn.functional as F

DTYPES = [("float32", np.float32), ("float16", np.float16)]


# ---------------------------------------------------------------- ops/activations.py:274 (softmax's implicit dim)
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4, 5])
def test_softmax_without_dim_takes_pytorchs_legacy_dim(fn: str, ndim: int) -> None:
    """ops/activations.py:274: with no dim, PyTorch takes dim 0 for 0-, 1- and 3-d inputs, else dim 1 (and
    warns); every constant of that rule changed a result or raised. Values and the input gradient for a
    non-uniform upstream gradient, against torch.nn.functional."""
    shape = (2, 3, 4, 2, 3)[:ndim]
    rng = np.random.default_rng(ndim)
    x_np = rng.standard_normal(shape)
    g_np = rng.standard_normal(shape)
    x = cr.tensor(x_np, requires_grad=True)
    out = getattr(F, fn)(x)
    out.backward(cr.tensor(g_np))
    tx = torch.tensor(x_np, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Implicit dimension choice for softmax has been deprecated"
        tout = getattr(torch.nn.functional, fn)(tx)
    tout.backward(torch.tensor(g_np))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------- ops/conv.py:35 (a dilation in one direction)
@pytest.mark.parametrize("dilation", [(2, 1), (1, 2), (3, 2), (1, 1)])
def test_conv_transpose2d_with_a_dilation_in_one_direction(dilation: tuple[int, int]) -> None:
    """ops/conv.py:35 (`dh != 1 or dw != 1` -> `dh != 2 ...`, `and`, ...): the windows' taps are `dilation`
    apart in each direction separately; a dilation of (2, 1) or (1, 2) was read as none. conv_transpose2d's
    backward takes the windows of the output gradient (im2col): output and the gradients of input, weight
    and bias against torch.nn.functional.conv_transpose2d (conv2d takes no dilation in chainrule)."""
    rng = np.random.default_rng(sum(dilation))
    x_np = rng.standard_normal((2, 4, 5, 4))
    w_np = rng.standard_normal((4, 3, 3, 2))
    b_np = rng.standard_normal(3)
    ours = [cr.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np)]
    kwargs = dict(stride=(1, 2), padding=(1, 0), dilation=dilation)
    out = F.conv_transpose2d(*ours, **kwargs)
    tout = torch.nn.functional.conv_transpose2d(*theirs, **kwargs)
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    g_np = rng.standard_normal(tuple(tout.shape))
    out.backward(cr.tensor(g_np))
    tout.backward(torch.tensor(g_np))
    for a, ta in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("dilation", [(2, 1), (1, 3)])
def test_conv_transpose2d_second_derivative_with_a_dilation_in_one_direction(dilation: tuple[int, int]) -> None:
    """The same windows under create_graph (the differentiable unfold op): the gradient of a function of the
    input gradient, against PyTorch."""
    rng = np.random.default_rng(7)
    x_np, w_np = rng.standard_normal((1, 2, 4, 5)), rng.standard_normal((2, 2, 2, 3))
    grads = []
    for lib, f in ((torch, torch.nn.functional), (cr, F)):
        x, w = lib.tensor(x_np, requires_grad=True), lib.tensor(w_np, requires_grad=True)
        out = f.conv_transpose2d(x, w, dilation=dilation)
        (gx,) = lib.autograd.grad((out * out).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        grads.append((gx.detach().numpy().copy(), w.grad.numpy().copy()))
    for theirs, ours in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- ops/inplace.py:107 (the direct NumPy path)
@pytest.mark.parametrize("call", ["pow_(2)", "clamp_(-0.5)", "add_(1.5)", "sub_(y)", "mul_(y)", "div_(2)",
                                  "add_(y, alpha=2)", "sub_(y, alpha=0.5)", "div_(y, rounding_mode='floor')",
                                  "clamp_(-0.5, 0.25)", "neg_()", "exp_()"])
def test_in_place_methods_on_a_plain_float_tensor(call: str) -> None:
    """ops/inplace.py:107: `x.op_(arg)` without grad goes straight into NumPy for add_/sub_/mul_/div_ and
    through the out-of-place op otherwise; keyword arguments (alpha, rounding_mode) and the other methods must
    not take the direct path (`is not None` -> `is`: clamp_/pow_ with one argument called ufunc None; `not
    kwargs` dropped: alpha ignored). Values, dtype and the version counter against PyTorch."""
    x_np = np.array([0.5, -1.5, 2.0, -0.25], dtype=np.float32)
    y_np = np.array([2.0, 0.5, -1.0, 4.0], dtype=np.float32)
    results = []
    for lib in (torch, cr):
        x, y = lib.tensor(x_np), lib.tensor(y_np)
        alias = x[1:]
        before = x._version
        out = eval(f"x.{call}", {"x": x, "y": y})  # noqa: S307 - a fixed list of calls
        assert out is x
        results.append((x.numpy().copy(), alias.numpy().copy(), str(x.dtype).split(".")[-1], x._version - before))
    (tv, ta, tdt, tver), (v, a, dt, ver) = results
    np.testing.assert_allclose(v, tv, rtol=1e-6)
    np.testing.assert_allclose(a, ta, rtol=1e-6)
    assert (dt, ver) == (tdt, tver) == ("float32", 1)


@pytest.mark.parametrize("method", ["add_", "sub_", "mul_", "div_"])
def test_in_place_arithmetic_without_an_operand_raises_type_error(method: str) -> None:
    """ops/inplace.py:107 (`len(args) == 1` -> `!= 1`): `x.add_()` with no operand is a TypeError (the mutant
    read args[0]: IndexError), as PyTorch's; so is a second positional operand's absence of meaning."""
    with pytest.raises(TypeError):
        getattr(torch.ones(2), method)()
    with pytest.raises(TypeError):
        getattr(cr.ones(2), method)()


_OPERANDS = {"int64": [16777217, -3, 5], "int32": [16777217, 7, -2], "uint8": [3, 200, 1], "bool": [True, False, True],
             "float64": [2.0**-24 + 2.0**-50, 0.1, 3.0], "float32": [0.1, 0.3, -2.5], "float16": [0.1, 0.3, -2.5]}


@pytest.mark.parametrize("method", ["add_", "sub_", "mul_", "div_"])
@pytest.mark.parametrize("operand", list(_OPERANDS))
@pytest.mark.parametrize("self_dtype,zero_d", [("float32", False), ("float32", True), ("float64", False),
                                               ("float64", True), ("float16", False)])
def test_in_place_arithmetic_with_an_operand_of_another_dtype(method: str, operand: str, self_dtype: str,
                                                             zero_d: bool) -> None:
    """A real bug the inplace.py:107 survivors led to: `x.add_(t)` on a float tensor without grad went straight
    into NumPy's in-place ufunc for a tensor `t` of any dtype, computing in NumPy's promoted dtype (float32 with
    int64, or with a 0-d float64: float64) where PyTorch computes in its own (float32), so `x.add_(16777217)` as
    an int64 tensor gave 16777218 instead of 16777216; only an operand of x's own dtype goes direct now.
    Against PyTorch, bit for bit. (float16 with a 0-d operand of another dtype is left out: chainrule's
    out-of-place op rounds the operand to float16 first there, see docs/testing.md.)"""
    values = _OPERANDS[operand]
    results = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 3.0, -0.7], dtype=getattr(lib, self_dtype))
        other = lib.tensor(values[0] if zero_d else values, dtype=getattr(lib, operand))
        try:
            getattr(x, method)(other)
            results.append(x.numpy().copy())
        except (RuntimeError, TypeError) as e:
            results.append(type(e).__name__)
    theirs, ours = results
    if isinstance(theirs, str):
        assert ours == theirs
    else:
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("method", ["add_", "sub_", "mul_", "div_"])
@pytest.mark.parametrize("shapes", [((3,), (4,)), ((3,), (2, 3)), ((2, 3), (3, 3)), ((2, 3), (3,)), ((2, 3), (2, 1)),
                                    ((2, 3), ()), ((2, 3), (1, 3))])
def test_in_place_arithmetic_with_an_operand_of_another_shape(method: str, shapes: tuple) -> None:
    """ops/inplace.py:91 (the direct path's broadcast check): an operand that broadcasts to x's shape is applied
    in place; one that does not, or only to a larger shape, raises RuntimeError, as PyTorch's (a real bug: for
    shapes that do not broadcast at all, NumPy's ValueError escaped from the direct path's check)."""
    (xs, ys) = shapes
    results = []
    for lib in (torch, cr):
        x = lib.full(xs, 3.0)
        y = lib.full(ys, 2.0)
        try:
            getattr(x, method)(y)
            results.append(x.numpy().copy())
        except (RuntimeError, ValueError) as e:
            results.append(type(e).__name__)
    theirs, ours = results
    if isinstance(theirs, str):
        assert ours == theirs == "RuntimeError"
    else:
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("call", ["add_(y)", "sub_(y, alpha=0.5)", "add_(y, alpha=3)", "mul_(y)", "div_(y)",
                                  "div_(y, rounding_mode='floor')"])
def test_in_place_arithmetic_agrees_with_the_out_of_place_op(call: str) -> None:
    """ops/inplace.py:107 (`len(args) == 1` -> `== 2`: a second positional argument, alpha, was dropped by the
    direct path): `x.op_(...)` holds what `x.op(...)` returns, for whatever arguments the op takes (PyTorch's
    in-place contract)."""
    x_np = np.array([0.5, -1.5, 2.0, 7.0], dtype=np.float32)
    y_np = np.array([2.0, 0.5, -1.0, 4.0], dtype=np.float32)
    x, y = cr.tensor(x_np), cr.tensor(y_np)
    expected = eval(f"x.{call.replace('_(', '(', 1)}", {"x": cr.tensor(x_np), "y": y})  # noqa: S307
    out = eval(f"x.{call}", {"x": x, "y": y})  # noqa: S307 - a fixed list of calls
    assert out is x
    np.testing.assert_array_equal(x.numpy(), expected.numpy())


@pytest.mark.parametrize("call", ["add_(y, 2)", "sub_(y, 0.5)"])
def test_in_place_arithmetic_refuses_a_positional_alpha_as_torch(call: str) -> None:
    """ops/inplace.py:107 (`len(args) == 1` -> `== 2`: the direct path would take `x.add_(y, 2)` and drop the 2):
    alpha is keyword-only, so a second positional argument is a TypeError, as in PyTorch, and x is unchanged."""
    for lib in (torch, cr):
        x, y = lib.tensor([0.5, -1.5]), lib.tensor([2.0, 0.5])
        with pytest.raises(TypeError):
            eval(f"x.{call}", {"x": x, "y": y})  # noqa: S307 - a fixed list of calls
        assert x.tolist() == [0.5, -1.5]


# ---------------------------------------------------------------- ops/registry.py:230 and :249 (dtypes)
@pytest.mark.parametrize("name,dtype", DTYPES)
def test_local_derivatives_have_the_graphs_dtype(name: str, dtype: type) -> None:
    """ops/registry.py:230 (`arr.dtype.kind == "f"` -> `!=`: the unit upstream of a float32 graph made float64):
    a BackwardStep's local derivative is the op's rule at an upstream of ones, in the output's dtype, the
    dtype of PyTorch's VJP at ones; values against that VJP."""
    a_np = np.array([0.5, 1.5, -2.0], dtype=dtype)
    b_np = np.array([2.0, -1.0, 3.0], dtype=dtype)
    a = cr.tensor(a_np, requires_grad=True)
    b = cr.tensor(b_np, requires_grad=True)
    y = (a * b).sin().sum()
    with cr.autograd.observe() as steps:
        y.backward()
    ta = torch.tensor(a_np, requires_grad=True)
    tb = torch.tensor(b_np, requires_grad=True)
    tp = ta * tb
    tsin = tp.sin()
    (t_local_sin,) = torch.autograd.grad(tsin, tp, torch.ones_like(tsin), retain_graph=True)
    t_local_a, t_local_b = torch.autograd.grad(tp, (ta, tb), torch.ones_like(tp))
    by_op = {s.op_name: s for s in steps}
    expected = {"sin": [t_local_sin], "mul": [t_local_a, t_local_b]}
    for op, torch_locals in expected.items():
        for local, theirs in zip(by_op[op].local, torch_locals):
            assert local.dtype == dtype, (op, local.dtype)
            np.testing.assert_allclose(local.astype(np.float64), theirs.numpy().astype(np.float64),
                                       rtol=2e-3 if dtype == np.float16 else 1e-6)
        for c in by_op[op].contributions:
            assert c.dtype == dtype


@pytest.mark.parametrize("name,dtype", DTYPES)
@pytest.mark.parametrize("op,zero_d", [("amax", False), ("gelu", False), ("gelu_tanh", False), ("max_pool2d", False),
                                       ("silu", False), ("amax", True), ("gelu", True), ("gelu_tanh", True),
                                       ("silu", True)])
def test_gradients_of_intermediate_tensors_keep_their_dtype(op: str, zero_d: bool, name: str, dtype: type) -> None:
    """ops/registry.py:249 (`_match_dtype`'s early return made true for any array of the same type): amax's
    rule returns float64 for a float32 input and gelu's a float32 for a float16 one; the engine casts each
    back to its input's dtype, so a retained gradient and every step's contribution have the tensor's dtype,
    as PyTorch's (for a 0-d tensor too, whose NumPy value is a scalar: `is` -> `is not` returned another
    scalar type as is). Values against PyTorch."""
    x_np = np.array(0.75 if zero_d else [[[[0.5, 1.5, -0.75], [-2.0, 3.0, 0.25]]]], dtype=dtype)

    def run(lib, f):  # noqa: ANN001, ANN202
        x = lib.tensor(x_np, requires_grad=True)
        h = x * 1.5
        h.retain_grad()
        out = {"amax": lambda t: t.amax(-1), "gelu": f.gelu, "gelu_tanh": lambda t: f.gelu(t, approximate="tanh"),
               "max_pool2d": lambda t: f.max_pool2d(t, (1, 2)), "silu": f.silu}[op](h)
        (out * 3.0).sum().backward()
        return h.grad, x.grad

    with cr.autograd.observe() as steps:
        h_grad, x_grad = run(cr, F)
    th_grad, tx_grad = run(torch, torch.nn.functional)
    for ours, theirs in ((h_grad, th_grad), (x_grad, tx_grad)):
        assert ours.numpy().dtype == dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64),
                                   rtol=5e-3 if dtype == np.float16 else 1e-6,
                                   atol=1e-3 if dtype == np.float16 else 1e-5)
    for s in steps:
        for c in s.contributions:
            if c is not None:
                assert np.asarray(c).dtype == dtype, (s.op_name, np.asarray(c).dtype)


# ---------------------------------------------------------------- ops/scatter.py:294 (prod's second derivative)
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_second_derivative(include_self: bool) -> None:
    """ops/scatter.py:294 (`out if not xp.is_tensor else ...`: `not` dropped): under create_graph the prod rule
    must use the product recomputed from x and src (a differentiable function of both), not the saved output;
    the mutant lost the terms of the second derivative that go through the product. Gradients of a function
    of the first gradient, against PyTorch, with a zero among the factors."""
    x_np = np.array([[1.5, -2.0, 0.5], [3.0, 0.75, -1.25]])
    src_np = np.array([[2.0, 0.0, -1.5, 0.5], [1.25, -0.5, 2.5, 3.0]])
    idx_np = np.array([[0, 2, 0, 1], [1, 1, 2, 2]])
    g_np = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    results = []
    for lib in (torch, cr):
        x = lib.tensor(x_np, requires_grad=True)
        src = lib.tensor(src_np, requires_grad=True)
        out = x.scatter_reduce(1, lib.tensor(idx_np), src, "prod", include_self=include_self)
        gx, gs = lib.autograd.grad(out, (x, src), lib.tensor(g_np), create_graph=True)
        ((gx * gx).sum() + (gs * gs * 0.5).sum()).backward()
        results.append((gx.detach().numpy().copy(), gs.detach().numpy().copy(), x.grad.numpy().copy(),
                        src.grad.numpy().copy()))
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
