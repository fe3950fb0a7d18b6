"""`cr.autograd.Function` against PyTorch 2.13 (the same Function written for both libraries), gradcheck,
bad input, and how a custom Function shows in observers and explanations."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.autograd.function import Function, FunctionCtx, once_differentiable

DTYPES = [("float32", 1e-6), ("float64", 1e-12)]


def _lib_dtype(lib, name):
    return getattr(lib, name)


def _t(lib, values, dtype, requires_grad=True):
    return lib.tensor(values, dtype=_lib_dtype(lib, dtype), requires_grad=requires_grad)


def _np(t):
    return None if t is None else np.asarray(t.detach().numpy())


# ---------------------------------------------------------------- Functions written for either library


def make_scale(lib):
    """save_for_backward, a non-tensor argument kept on ctx, needs_input_grad."""

    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, k):
            ctx.save_for_backward(x, w)
            ctx.k = k
            return (x * w) ** 2 * k

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            seen.append(ctx.needs_input_grad)
            gx = g * 2 * x * w * w * ctx.k if ctx.needs_input_grad[0] else None
            gw = g * 2 * w * x * x * ctx.k if ctx.needs_input_grad[1] else None
            return gx, gw, None

    seen: list = []
    Scale.seen = seen
    return Scale


def make_setup(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(x, shift):
            return (x + shift) ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, shift = inputs
            ctx.shift = shift
            ctx.save_for_backward(x, output)

        @staticmethod
        def backward(ctx, g):
            x, out = ctx.saved_tensors
            return g * 3 * (x + ctx.shift) ** 2, None

    return Cube


def make_multi(lib, materialize=True):
    class SplitStats(lib.autograd.Function):
        """Three outputs: 2x, the argmax (an integer: never differentiable) and x**2."""

        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            ctx.save_for_backward(x)
            return x * 2, x.argmax(), x * x

        @staticmethod
        def backward(ctx, ga, gi, gc):
            (x,) = ctx.saved_tensors
            received.append((None if ga is None else _np(ga), None if gi is None else _np(gi),
                             None if gc is None else _np(gc)))
            total = 0
            if ga is not None:
                total = total + ga * 2
            if gc is not None:
                total = total + gc * 2 * x
            return total

    received: list = []
    SplitStats.received = received
    return SplitStats


def make_nondiff(lib):
    class SortKeep(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            doubled, flags = x * 2, (x > 0).to(x.dtype)
            ctx.mark_non_differentiable(flags)
            return doubled, flags

        @staticmethod
        def backward(ctx, g, gflags):
            received.append(_np(gflags))
            return g * 2

    received: list = []
    SortKeep.received = received
    return SortKeep


def make_dirty(lib):
    class DoubleInPlace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return DoubleInPlace


def make_sigmoid(lib):
    class Sigmoid(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = 1 / (1 + (-x).exp())
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out * (1 - out)

    return Sigmoid


def make_once(lib, decorator):
    class SquareOnce(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @decorator
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            flags.append((g.requires_grad, lib.is_grad_enabled()))
            return 2 * x * g

    flags: list = []
    SquareOnce.flags = flags
    return SquareOnce


# ---------------------------------------------------------------- parity with torch


@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_save_for_backward_non_tensor_args_and_needs_input_grad(dtype, tol):
    results = {}
    for lib in (torch, cr):
        fn = make_scale(lib)
        x = _t(lib, [1.0, -2.0, 0.5], dtype)
        w = _t(lib, [0.3, 0.7, -1.1], dtype, requires_grad=False)
        y = fn.apply(x, w, 3.0)
        y.sum().backward()
        results[lib] = (_np(y), _np(x.grad), fn.seen[0], y.grad_fn.name(),
                        y.grad_fn.k if lib is torch else y.grad_fn.ctx.k)
    (ty, tg, tneeds, tname, tk), (cy, cg, cneeds, cname, ck) = results[torch], results[cr]
    np.testing.assert_allclose(cy, ty, rtol=tol)
    np.testing.assert_allclose(cg, tg, rtol=tol)
    assert cy.dtype == ty.dtype and cg.dtype == tg.dtype
    assert cneeds == tneeds == (True, False, False)
    assert cname == tname == "ScaleBackward"
    assert ck == tk == 3.0


@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_setup_context_style(dtype, tol):
    out = {}
    for lib in (torch, cr):
        x = _t(lib, [0.5, 1.5], dtype)
        y = make_setup(lib).apply(x, 2.0)
        y.sum().backward()
        out[lib] = (_np(y), _np(x.grad), y.grad_fn.name())
    np.testing.assert_allclose(out[cr][0], out[torch][0], rtol=tol)
    np.testing.assert_allclose(out[cr][1], out[torch][1], rtol=tol)
    assert out[cr][2] == out[torch][2] == "CubeBackward"


@pytest.mark.parametrize("materialize", [True, False])
@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_several_outputs(dtype, tol, materialize):
    out = {}
    for lib in (torch, cr):
        fn = make_multi(lib, materialize)
        x = _t(lib, [1.0, -3.0, 2.0], dtype)
        a, i, c = fn.apply(x)
        flags = (a.requires_grad, i.requires_grad, c.requires_grad, i.grad_fn is None, a.grad_fn.name())
        a.sum().backward(retain_graph=True)
        g_first = _np(x.grad)
        (a.sum() + (c * 3).sum()).backward()
        out[lib] = (flags, g_first, _np(x.grad), fn.received, _np(a), _np(c), int(i))
    t, c = out[torch], out[cr]
    assert c[0] == t[0] == (True, False, True, True, "SplitStatsBackward")
    np.testing.assert_allclose(c[1], t[1], rtol=tol)
    np.testing.assert_allclose(c[2], t[2], rtol=tol)
    assert len(c[3]) == len(t[3]) == 2
    for (ca, ci, cc), (ta, ti, tc) in zip(c[3], t[3]):
        for mine, theirs in ((ca, ta), (ci, ti), (cc, tc)):
            assert (mine is None) == (theirs is None)
            if theirs is not None:
                np.testing.assert_allclose(mine, theirs)
                assert mine.dtype == theirs.dtype
    np.testing.assert_allclose(c[4], t[4], rtol=tol)
    np.testing.assert_allclose(c[5], t[5], rtol=tol)
    assert c[6] == t[6]


@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_mark_non_differentiable(dtype, tol):
    out = {}
    for lib in (torch, cr):
        fn = make_nondiff(lib)
        x = _t(lib, [1.0, -3.0], dtype)
        d, flags = fn.apply(x)
        d.sum().backward()
        out[lib] = (flags.requires_grad, flags.grad_fn is None, _np(x.grad), fn.received[0])
    assert out[cr][:2] == out[torch][:2] == (False, True)
    np.testing.assert_allclose(out[cr][2], out[torch][2], rtol=tol)
    np.testing.assert_array_equal(out[cr][3], out[torch][3])


@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_mark_dirty(dtype, tol):
    out = {}
    for lib in (torch, cr):
        leaf = _t(lib, [1.0, -2.0], dtype)
        a = leaf * 3
        r = make_dirty(lib).apply(a)
        (r * r).sum().backward()
        out[lib] = (r is a, a.grad_fn.name(), _np(a), _np(leaf.grad), a._version > 0)
    assert out[cr][0] == out[torch][0] is True
    assert out[cr][1] == out[torch][1] == "DoubleInPlaceBackward"
    np.testing.assert_allclose(out[cr][2], out[torch][2], rtol=tol)
    np.testing.assert_allclose(out[cr][3], out[torch][3], rtol=tol)
    assert out[cr][4] and out[torch][4]


def test_mark_dirty_on_a_leaf_that_requires_grad_is_an_error():
    for lib in (torch, cr):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            make_dirty(lib).apply(lib.tensor([1.0], requires_grad=True))


def test_returning_an_input_unchanged_gives_a_new_tensor_sharing_memory():
    for lib in (torch, cr):
        class Identity(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 5

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = Identity.apply(x)
        assert y is not x and y.grad_fn.name() == "IdentityBackward"
        assert np.shares_memory(y.detach().numpy(), x.detach().numpy())
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_backward_in_ops_is_differentiable_under_create_graph(dtype, tol):
    out = {}
    for lib in (torch, cr):
        x = _t(lib, [0.3, -1.2, 2.0], dtype)
        y = make_sigmoid(lib).apply(x * 1.5)
        (gx,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (ggx,) = lib.autograd.grad((gx * gx).sum(), x)
        out[lib] = (_np(gx), _np(ggx), gx.requires_grad)
    np.testing.assert_allclose(out[cr][0], out[torch][0], rtol=10 * tol)
    np.testing.assert_allclose(out[cr][1], out[torch][1], rtol=10 * tol)
    assert out[cr][2] and out[torch][2]


def test_once_differentiable_matches_torch():
    for lib, decorator in ((torch, torch.autograd.function.once_differentiable), (cr, once_differentiable)):
        fn = make_once(lib, decorator)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        # the seed does not require grad: the result is plain, as in PyTorch
        (gx,) = lib.autograd.grad(fn.apply(x).sum(), x, create_graph=True)
        np.testing.assert_allclose(gx.detach().numpy(), [2.0, 4.0])
        assert gx.grad_fn is None
        assert fn.flags[-1] == (False, False)  # backward ran with grad mode off
        # a seed that requires grad: differentiating the result again is a clear error
        seed = lib.ones(2, requires_grad=True)
        (gx,) = lib.autograd.grad(fn.apply(x), x, grad_outputs=seed, create_graph=True)
        assert gx.requires_grad
        with pytest.raises(RuntimeError, match="differentiate twice a function that was marked with "
                                               "@once_differentiable"):
            gx.sum().backward()


def test_materialized_and_unused_grads_under_create_graph_and_retain():
    x = cr.tensor([1.0, 2.0], requires_grad=True, dtype=cr.float64)
    fn = make_multi(cr)
    a, _, c = fn.apply(x)
    loss = (c * c).sum()
    (g1,) = cr.autograd.grad(loss, x, create_graph=True)
    (g2,) = cr.autograd.grad(g1.sum(), x)
    xt = torch.tensor([1.0, 2.0], requires_grad=True, dtype=torch.float64)
    at, _, ct = make_multi(torch).apply(xt)
    (t1,) = torch.autograd.grad((ct * ct).sum(), xt, create_graph=True)
    (t2,) = torch.autograd.grad(t1.sum(), xt)
    np.testing.assert_allclose(g1.detach().numpy(), t1.detach().numpy())
    np.testing.assert_allclose(g2.numpy(), t2.numpy())


def test_no_grad_and_inputs_without_grad_record_nothing():
    for lib in (torch, cr):
        fn = make_scale(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.no_grad():
            y = fn.apply(x, x.detach(), 2.0)
        assert not y.requires_grad and y.grad_fn is None
        y = fn.apply(x.detach(), x.detach(), 2.0)
        assert not y.requires_grad and y.grad_fn is None


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "cr"])
def test_forward_runs_with_grad_mode_off(lib):
    modes = []

    class Probe(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            modes.append(lib.is_grad_enabled())
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Probe.apply(lib.tensor([1.0], requires_grad=True))
    assert modes == [False] and y.requires_grad


def test_retain_graph_allows_a_second_backward_and_ctx_reads_through_grad_fn():
    x = cr.tensor([1.0, -1.0], requires_grad=True)
    y = make_scale(cr).apply(x, cr.tensor([2.0, 3.0]), 0.5)
    assert y.grad_fn.ctx.needs_input_grad == (True, False, False)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([4.0, -9.0]))
    y = make_scale(cr).apply(x, cr.tensor([2.0, 3.0]), 0.5)
    y.sum().backward(retain_graph=True)
    saved_x, saved_w = y.grad_fn.saved_tensors
    assert saved_x is x and saved_w.tolist() == [2.0, 3.0]


def test_grad_fn_prints_like_torch():
    outs = {}
    for lib in (torch, cr):
        class MyFn(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        y = MyFn.apply(lib.tensor([1.0, 2.0], requires_grad=True))
        outs[lib] = (re.sub(r"0x[0-9a-f]+", "ADDR", repr(y.grad_fn)), repr(y), y.grad_fn.name())
    assert outs[cr][0] == outs[torch][0].replace("torch.", "chainrule.")
    assert outs[cr][0] == "<chainrule.autograd.function.MyFnBackward object at ADDR>"
    assert outs[cr][1] == outs[torch][1] == "tensor([2., 4.], grad_fn=<MyFnBackward>)"
    assert outs[cr][2] == outs[torch][2]


def test_module_path_as_in_pytorch():
    import chainrule.autograd.function as fmod

    assert fmod.Function is cr.autograd.Function
    assert fmod.once_differentiable is cr.autograd.once_differentiable
    assert fmod.FunctionCtx is cr.autograd.FunctionCtx
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(type(ctx))
            return x + 1

        @staticmethod
        def backward(ctx, g):
            return g

    Probe.apply(cr.tensor([1.0], requires_grad=True))
    assert seen == [FunctionCtx]


# ---------------------------------------------------------------- gradcheck


@pytest.mark.parametrize("maker", [make_sigmoid, make_setup, make_scale, make_multi])
def test_gradcheck_and_gradgradcheck(maker):
    fn = maker(cr)
    x = cr.tensor([0.3, -0.7, 1.1], dtype=cr.float64, requires_grad=True)
    if maker is make_setup:
        f = lambda t: fn.apply(t, 0.5)  # noqa: E731
    elif maker is make_scale:
        w = cr.tensor([0.2, -0.4, 0.9], dtype=cr.float64, requires_grad=True)
        assert cr.autograd.gradcheck(lambda a, b: fn.apply(a, b, 2.0), (x, w))
        assert cr.autograd.gradgradcheck(lambda a, b: fn.apply(a, b, 2.0), (x, w))
        return
    elif maker is make_multi:
        f = lambda t: tuple(o for o in fn.apply(t) if o.dtype == cr.float64)  # noqa: E731
    else:
        f = fn.apply
    assert cr.autograd.gradcheck(f, (x,))
    assert cr.autograd.gradgradcheck(f, (x,))


def test_gradcheck_catches_a_wrong_backward():
    class WrongSquare(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # forgot the 2

    x = cr.tensor([0.5, 1.5], dtype=cr.float64, requires_grad=True)
    with pytest.raises(cr.autograd.GradcheckError):
        cr.autograd.gradcheck(WrongSquare.apply, (x,))


# ---------------------------------------------------------------- bad input


def _returning(lib, result_fn, n_args=1):
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, *rest):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return result_fn(lib, g)

    return Bad


@pytest.mark.parametrize("result_fn,args,message", [
    (lambda lib, g: g, 2, r"function BadBackward returned an incorrect number of gradients \(expected 2, got 1\)"),
    (lambda lib, g: (g, g), 1, r"function BadBackward returned an incorrect number of gradients \(expected 1, got 2\)"),
    (lambda lib, g: lib.ones(3), 1,
     r"Function BadBackward returned an invalid gradient at index 0 - got \[3\] but expected shape compatible "
     r"with \[2\]"),
    (lambda lib, g: lib.ones(1), 1,
     r"Function BadBackward returned an invalid gradient at index 0 - got \[1\] but expected shape compatible "
     r"with \[2\]"),
    (lambda lib, g: 1.0, 1, r"(got float)"),
    (lambda lib, g: (g, g), "k",
     "function BadBackward returned a gradient different than None at position 2, but the corresponding forward "
     "input was not a Variable"),
])
def test_wrong_gradients_are_errors_naming_the_function(result_fn, args, message):
    for lib in (torch, cr):
        fn = _returning(lib, result_fn)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        extra = (lib.tensor([1.0, 2.0], requires_grad=True),) if args == 2 else (3.0,) if args == "k" else ()
        y = fn.apply(x, *extra)
        with pytest.raises(RuntimeError, match=message):
            y.sum().backward()


@pytest.mark.parametrize("result_fn", [
    lambda lib, g: (g, None, None),  # extra Nones are allowed
    lambda lib, g: lib.ones(3, 2, dtype=g.dtype),  # a shape the input broadcasts to: summed back
    lambda lib, g: g.double(),  # another floating dtype: cast to the input's
    lambda lib, g: g.long(),  # an integer gradient: cast too
])
def test_gradients_torch_accepts_are_fixed_up_the_same_way(result_fn):
    grads = {}
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        _returning(lib, result_fn).apply(x).sum().backward()
        grads[lib] = _np(x.grad)
    np.testing.assert_array_equal(grads[cr], grads[torch])
    assert grads[cr].dtype == grads[torch].dtype == np.float32


def test_calling_a_function_instance_is_an_error_as_in_torch():
    for lib in (torch, cr):
        fn = make_sigmoid(lib)
        with pytest.warns(DeprecationWarning, match="should not be instantiated"):
            inst = fn()
        with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward method"):
            inst(lib.tensor([1.0], requires_grad=True))


def test_missing_forward_or_backward():
    for lib in (torch, cr):
        class NoForward(lib.autograd.Function):
            pass

        class NoBackward(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        with pytest.raises(NotImplementedError, match="implement the forward function"):
            NoForward.apply(lib.tensor([1.0], requires_grad=True))
        y = NoBackward.apply(lib.tensor([1.0], requires_grad=True))
        with pytest.raises(NotImplementedError, match="implement either the backward or vjp method"):
            y.sum().backward()


def test_vjp_may_stand_for_backward():
    class ByVjp(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 4

        @staticmethod
        def vjp(ctx, g):
            return g * 4

    x = cr.tensor([1.0], requires_grad=True)
    ByVjp.apply(x).sum().backward()
    assert x.grad.tolist() == [4.0]


def test_save_for_backward_refuses_non_tensors():
    for lib in (torch, cr):
        class SavesInt(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g

        with pytest.raises(TypeError, match="save_for_backward can only save variables, but argument 1 is of type int"):
            SavesInt.apply(lib.tensor([1.0], requires_grad=True))


def test_saved_input_modified_in_place_is_the_version_error():
    for lib in (torch, cr):
        class SaveIn(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * x

        a = lib.tensor([1.0, 2.0], requires_grad=True) * 1
        y = SaveIn.apply(a)
        a.add_(1)
        with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*is at version 1; expected "
                                               r"version 0 instead"):
            y.sum().backward()


def test_saved_output_modified_in_place_is_the_version_error():
    for lib in (torch, cr):
        y = make_sigmoid(lib).apply(lib.tensor([1.0, 2.0], requires_grad=True))
        y.mul_(2)
        with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*is at version 1; expected "
                                               r"version 0 instead"):
            y.sum().backward()


def test_saved_tensor_written_through_a_view_is_caught():
    base = cr.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
    y = make_sigmoid(cr).apply(base)
    view = y.detach()[0:2]
    view.add_(1)  # writes the saved output's memory through an alias
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_an_unsaved_input_may_be_modified():
    for lib in (torch, cr):
        a = lib.tensor([1.0, 2.0], requires_grad=True) * 1
        y = _returning(lib, lambda lib, g: g * 2).apply(a)
        a.add_(1)
        y.sum().backward()  # nothing saved: no error, as in PyTorch


def test_saved_tensors_after_backward_and_second_backward():
    for lib in (torch, cr):
        y = make_sigmoid(lib).apply(lib.tensor([1.0, 2.0], requires_grad=True))
        y.sum().backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            _ = y.grad_fn.saved_tensors
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            y.sum().backward()


# ---------------------------------------------------------------- seen by observers and explanations


class ReLU(cr.autograd.Function):
    formula = "1 if x > 0 else 0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x > 0)


def test_observer_sees_the_function_step_with_upstream_and_contribution():
    w = cr.tensor([0.5, -1.0], requires_grad=True)
    loss = (ReLU.apply(w * 3) * 2).sum()
    with cr.autograd.observe() as steps:
        loss.backward()
    step = next(s for s in steps if s.op_name == "ReLU")
    assert step.node.name() == "ReLUBackward"
    assert step.formulas == ("1 if x > 0 else 0",)
    assert step.arg_names == ("x",)
    np.testing.assert_allclose(step.upstream, [2.0, 2.0])
    np.testing.assert_allclose(step.contributions[0], [2.0, 0.0])


def test_graph_and_gradient_table_show_the_function_under_its_class_name():
    w = cr.tensor([0.5, -1.0], requires_grad=True, name="w")
    h = ReLU.apply(w * 3)
    h.name = "h"
    loss = h.sum()
    g = cr.graph(loss)
    node = g.node("h")
    assert node["op"] == "ReLU" and node["grad_fn"] == "ReLUBackward"
    assert node["forward_text"].startswith("h = ReLU(")
    edge = next(e for e in g.edges if e["target"] == node["id"])
    assert edge["formula"] == "1 if x > 0 else 0"
    assert edge["contribution"]["data"] == [1.0, 0.0]
    np.testing.assert_allclose(g.grad("w"), [3.0, 0.0])
    table = str(cr.explain.gradient_table(loss))
    assert "[1 if (w*3) > 0 else 0]" in table  # the operand by its expression
    assert "ReLU" in g.to_dot()


def test_several_outputs_in_graph_and_anomaly_mode():
    x = cr.tensor([1.0, -3.0, 2.0], requires_grad=True, name="x")
    a, _, c = make_multi(cr).apply(x)
    loss = (a + c).sum()
    g = cr.graph(loss)
    # one node for the Function (its backward), one per differentiable output (the integer output has none)
    assert {"SplitStats", "SplitStats[0]", "SplitStats[2]"} == {n["op"] for n in g.nodes} - {None, "add", "sum"}
    np.testing.assert_allclose(g.grad("x"), [4.0, -4.0, 6.0])
    assert "SplitStats.backward" in str(cr.explain.gradient_table(loss))
    with cr.autograd.detect_anomaly():
        a, _, c = make_multi(cr).apply(x)
        (a + c).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, -4.0, 6.0])


def test_default_formula_names_the_backward():
    fn = make_sigmoid(cr)
    y = fn.apply(cr.tensor([0.0], requires_grad=True)).sum()
    g = cr.graph(y)
    edge = next(e for e in g.edges if g.by_id(e["target"])["op"] == "Sigmoid")
    assert edge["formula"] == "Sigmoid.backward"


def test_the_lesson_runs_as_written(capsys):
    """docs/custom-functions.md: every code block, in order, and the outputs it shows."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "custom-functions.md").read_text(encoding="utf-8")
    code, shown, block, kind = [], [], [], None
    for line in text.splitlines():
        if line.startswith("```"):
            if kind is None:
                kind, block = line[3:] or "output", []
            else:
                (code if kind == "python" else shown).append("\n".join(block))
                kind = None
        elif kind is not None:
            block.append(line)
    assert len(code) == 8 and len(shown) == 2
    namespace: dict = {}
    for source in code:
        exec(compile(source, "docs/custom-functions.md", "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out
    for output in shown:
        for line in output.splitlines():
            assert line in printed
    for comment in ("tensor([0., 2., 3.], grad_fn=<MyReLUBackward>)", "tensor([0.2500, 0.1050])",
                    "analytical 0.18242552380635635"):
        assert comment in printed


def test_anomaly_mode_names_the_function_whose_backward_made_nan():
    class NanBackward(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    with cr.autograd.detect_anomaly():
        y = NanBackward.apply(cr.tensor([1.0], requires_grad=True))
        with pytest.raises(RuntimeError, match="Function 'NanBackwardBackward' returned nan values in its 0th output"):
            y.sum().backward()


def test_the_graph_is_freed_without_the_cycle_collector():
    import gc
    import weakref

    gc.disable()
    try:
        x = cr.tensor([1.0, 2.0], requires_grad=True)
        y = make_sigmoid(cr).apply(x)  # saves its own output
        a, _, c = make_multi(cr).apply(x)  # saves its input; several outputs
        refs = [weakref.ref(y.grad_fn), weakref.ref(a.grad_fn), weakref.ref(c.grad_fn.parents[0])]
        del y, a, c
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_functional_transforms_and_a_training_step_use_the_function():
    sig = make_sigmoid(cr)
    d = cr.grad(lambda t: sig.apply(t).sum())(cr.tensor([0.0, 1.0], dtype=cr.float64))
    s = 1 / (1 + np.exp(-np.array([0.0, 1.0])))
    np.testing.assert_allclose(d.numpy(), s * (1 - s))

    class Net(cr.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = cr.nn.Linear(2, 1)

        def forward(self, inp):
            return sig.apply(self.fc(inp))

    cr.manual_seed(0)
    net = Net()
    opt = cr.optim.SGD(net.parameters(), lr=0.5)
    data, target = cr.tensor([[1.0, 0.0], [0.0, 1.0]]), cr.tensor([[1.0], [0.0]])
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = ((net(data) - target) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.8


TRACED = '''import chainrule as cr


class Square(cr.autograd.Function):
    formula = "2x"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x


w = cr.tensor(3.0, requires_grad=True)
y = Square.apply(w)
L = y + w
L.backward()
'''


def test_the_tracer_steps_into_forward_and_backward(tmp_path):
    path = tmp_path / "square.py"
    path.write_text(TRACED, encoding="utf-8")
    t = cr.trace.run(str(path), argv=[])
    text = t.to_text()
    assert "grad_fn=<SquareBackward>" in text
    assert "return g * 2 * x" in text and "tensor(6.0)" in text  # backward ran inside the trace
    assert "grad=tensor(7.0)" in text


def test_output_structures_as_in_torch():
    """A 1-tuple stays a tuple; a non-tensor output passes through and gets None as its gradient; a list is
    one non-tensor output (PyTorch records nothing for it)."""
    seen = {lib: _output_structures(lib) for lib in (torch, cr)}
    assert seen[cr] == seen[torch] == ("tuple", 5, [None], [4.0], "list", False)


def _output_structures(lib):
    class OneTuple(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return (x * 2,)

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class WithNumber(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 5

        @staticmethod
        def backward(ctx, g, g_number):
            got.append(g_number)
            return g * 2

    class AsList(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return [x * 2, x * 3]

        @staticmethod
        def backward(ctx, a, b):
            return a

    got: list = []
    x = lib.tensor([1.0], requires_grad=True)
    (y,) = OneTuple.apply(x)
    y2, five = WithNumber.apply(x)
    (y + y2).sum().backward()
    as_list = AsList.apply(x)
    return (type(OneTuple.apply(x)).__name__, five, got, x.grad.tolist(), type(as_list).__name__,
            as_list[0].requires_grad)


def test_saved_tensors_are_released_by_backward():
    import gc
    import weakref

    class SavesBig(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            tmp = x * 3  # an intermediate that only ctx keeps
            ctx.save_for_backward(tmp)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            (tmp,) = ctx.saved_tensors
            return g * 2

    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = SavesBig.apply(x)
    gc.collect()
    saved = weakref.ref(y.grad_fn.saved_tensors[0])
    assert saved() is not None
    y.sum().backward()
    gc.collect()
    assert saved() is None and y.grad_fn is not None  # freed with the graph's buffers, the graph still alive


def test_hooks_and_retain_grad_on_function_outputs():
    out = {}
    for lib in (torch, cr):
        x = lib.tensor([0.5, -1.0], requires_grad=True)
        a, _, c = make_multi(lib).apply(x)
        y = make_sigmoid(lib).apply(x)
        y.retain_grad()
        c.retain_grad()
        a.register_hook(lambda g: g * 10)
        (a + c * 2 + y).sum().backward()
        out[lib] = (_np(x.grad), _np(y.grad), _np(c.grad))
    for mine, theirs in zip(out[cr], out[torch]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6)
