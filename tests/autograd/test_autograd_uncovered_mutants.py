"""Lines of autograd that no test executed (mutation testing's `--uncovered` listing): refusals compared with
torch's exception type and wording, gradcheck with outputs that do not require grad (against torch's verdict),
`save_for_backward(None)`, and `record_function` scopes left out of order."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr
from chainrule.autograd import profiler


def _f64(lib):
    return lib.tensor([0.5, -1.5], dtype=lib.float64, requires_grad=True)


# functions with an output that does not require grad: torch compares only the outputs that do, and with none
# requires the numerical Jacobian to be zero
GRADCHECK_FNS = {
    "a constant output only": lambda lib, a: lib.ones(2, dtype=lib.float64),
    "a detached output only": lambda lib, a: a.detach() * 3,
    "one differentiable, one constant": lambda lib, a: (a * 2, lib.ones(3, dtype=lib.float64)),
    "one differentiable, one detached": lambda lib, a: (a * 2, a.detach() * 3),
    "a detached first, a wrong one second": lambda lib, a: (a.detach() * 3, a * 2 + (a * a).detach()),
    "a wrong one, a constant": lambda lib, a: (a * 2 + (a * a).detach(), lib.zeros(1, dtype=lib.float64)),
}


def _verdict(lib, fn, **kw) -> bool:
    x = _f64(lib)
    try:
        return lib.autograd.gradcheck(lambda a: fn(lib, a), (x,), **kw)
    except RuntimeError:  # GradcheckError in both
        return False


@pytest.mark.parametrize("case", list(GRADCHECK_FNS))
@pytest.mark.parametrize("kw", [{}, {"fast_mode": True}, {"check_forward_ad": True}],
                         ids=["slow", "fast", "slow+forward"])
def test_gradcheck_skips_outputs_that_do_not_require_grad_as_torch(case: str, kw: dict) -> None:
    fn = GRADCHECK_FNS[case]
    assert _verdict(cr, fn, **kw) == _verdict(torch, fn, **kw)


@pytest.mark.parametrize("case", list(GRADCHECK_FNS))
def test_gradcheck_fast_forward_mode_with_outputs_that_do_not_require_grad(case: str) -> None:
    # torch 2.13 fails with an IndexError here; the verdict must be the slow forward-mode one
    fn = GRADCHECK_FNS[case]
    assert _verdict(cr, fn, fast_mode=True, check_forward_ad=True) == _verdict(torch, fn, check_forward_ad=True)


SAME_AS_TORCH = {
    "hessian: an unknown outer_jacobian_strategy": (
        lambda lib: lib.autograd.functional.hessian(lambda a: (a * a).sum(), lib.ones(2),
                                                    outer_jacobian_strategy="bogus"),
        AssertionError, 'Expected strategy to be either "forward-mode" or "reverse-mode".'),
    "gradgradcheck: neither check": (
        lambda lib: lib.autograd.gradgradcheck(lambda a: a * a, _f64(lib), check_fwd_over_rev=False,
                                               check_rev_over_rev=False),
        AssertionError, "Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True"),
}


@pytest.mark.parametrize("case", list(SAME_AS_TORCH))
def test_refused_as_torch(case: str) -> None:
    call, kind, message = SAME_AS_TORCH[case]
    with pytest.raises(kind) as t:
        call(torch)
    with pytest.raises(kind) as c:
        call(cr)
    assert str(c.value) == str(t.value) == message


def test_gradgradcheck_with_one_grad_output_too_many() -> None:
    # torch 2.13 returns True here (it ignores the extra one); chainrule names the mismatch
    gos = (cr.ones(2, dtype=cr.float64), cr.ones(2, dtype=cr.float64))
    with pytest.raises(ValueError, match=r"gradgradcheck: 2 grad_outputs for 1 differentiable outputs"):
        cr.autograd.gradgradcheck(lambda a: a * a, _f64(cr), grad_outputs=gos)


@pytest.mark.parametrize("kind", ["full_backward_hook", "full_backward_pre_hook"])
@pytest.mark.parametrize("value", [3.0, "g"])
def test_a_module_backward_hook_returning_a_non_tensor(kind: str, value) -> None:
    def run(lib):
        lin = lib.nn.Linear(2, 2)
        if kind == "full_backward_hook":
            lin.register_full_backward_hook(lambda m, gi, go: (value,))
        else:
            lin.register_full_backward_pre_hook(lambda m, go: (value,))
        lin(lib.ones(1, 2, requires_grad=True)).sum().backward()

    with pytest.raises(TypeError, match=f"hook returned '{type(value).__name__}'"):
        run(torch)
    with pytest.raises(TypeError, match=rf"backward hook of Linear: .*\[0\] must be a Tensor or None, got "
                                        rf"{type(value).__name__}"):
        run(cr)


def test_save_for_backward_with_none() -> None:
    def make(lib):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, w):
                ctx.save_for_backward(None, x, None)
                return x * 3

            @staticmethod
            def backward(ctx, g):
                a, x, b = ctx.saved_tensors
                assert a is None and b is None
                return g * 3 + x * 0, None

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        Scale.apply(x, 2.0).sum().backward()
        return x.grad.tolist()

    assert make(cr) == make(torch) == [3.0, 3.0]


def test_record_function_repr() -> None:
    assert repr(profiler.record_function("attention")) == "record_function('attention')"
    assert repr(profiler.record_function("step", "x=1")) == "record_function('step', args='x=1')"


def test_scopes_left_out_of_order_close_the_inner_ones_too() -> None:
    outer, inner = profiler.record_function("outer"), profiler.record_function("inner")
    with profiler.observe_scopes() as events:
        outer.__enter__()
        inner.__enter__()
        assert len(profiler.current_scopes()) == 2
        outer.__exit__(None, None, None)  # a generator closed late: the outer scope ends first
        assert profiler.current_scopes() == ()
        inner.__exit__(None, None, None)
        assert profiler.current_scopes() == ()
        with profiler.record_function("next") as nxt:
            assert profiler.current_scopes() == (events[-1].id,) and nxt.name == "next"
    assert [(e.kind, e.name, e.depth) for e in events] == [
        ("enter", "outer", 0), ("enter", "inner", 1), ("exit", "outer", 0), ("exit", "inner", 1),
        ("enter", "next", 0), ("exit", "next", 0)]
