"""Survivors of the exhaustive mutation pass in chainrule/autograd (resumed part, h/p3core).

- function.py:487: `once_differentiable` returns the backward's own outputs when no argument requires grad (as
  PyTorch's: called directly, `bw(ctx, g) is g`); the mutant wrapped them in a new tensor.
- gradcheck.py:167: fast mode's forward-mode check scales atol by sum(u) (PyTorch's `_adjusted_atol` with no v):
  a forward derivative off by 2% passes with atol 1e-3 over 100 elements (tolerance about 8.7e-3 against
  differences under 3.5e-3), one off by 50% fails, in torch as in chainrule; atol / sum(u) (the mutant) fails both.
- backward_hook.py:222: the warning of a full backward hook on a module none of whose inputs requires grad named
  a line inside chainrule; PyTorch's names the user's `backward()` / `autograd.grad` line, and so does chainrule's
  now (a real difference, fixed).
"""

from __future__ import annotations

import inspect
import warnings

import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_once_differentiable_returns_the_backwards_outputs_when_nothing_requires_grad(lib):
    once_differentiable = lib.autograd.function.once_differentiable

    @once_differentiable
    def backward(ctx, *grads):  # noqa: ANN001, ANN202
        return grads if len(grads) > 1 else grads[0]

    g, h = lib.ones(2), lib.zeros(3)
    assert backward(None, g) is g
    both = backward(None, g, h)
    assert both[0] is g and both[1] is h
    assert backward(None, g).grad_fn is None
    wrapped = backward(None, lib.ones(2, requires_grad=True) * 2)  # something requires grad: an error node
    assert wrapped.requires_grad and wrapped.grad_fn is not None


def _off_by(lib, delta):
    class Off(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 1.0

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            return g * (1.0 + delta)

        @staticmethod
        def jvp(ctx, t):  # noqa: ANN001, ANN205  (torch's forward-mode rule; chainrule's jvp uses backward)
            return t * (1.0 + delta)

    return Off.apply


@pytest.mark.parametrize("delta,passes", [(0.02, True), (0.5, False)])
def test_fast_forward_mode_tolerance_is_scaled_by_the_sum_of_u_like_torch(delta, passes):
    for lib in (torch, cr):
        x = lib.linspace(-1.0, 1.0, 100, dtype=lib.float64).requires_grad_()
        ok = lib.autograd.gradcheck(_off_by(lib, delta), (x,), fast_mode=True, atol=1e-3, rtol=0.0,
                                    check_forward_ad=True, check_backward_ad=False, check_undefined_grad=False,
                                    raise_exception=False)
        assert ok is passes, (lib.__name__, delta)


def _warnings_of_a_full_hook_without_inputs_requiring_grad(lib, use_grad):
    m = lib.nn.Linear(2, 2)
    m.register_full_backward_hook(lambda mod, gi, go: None)
    y = m(lib.ones(1, 2)).sum()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        lib.autograd.grad(y, m.weight) if use_grad else y.backward()
    return [(w.filename, w.lineno, str(w.message)) for w in record if "Full backward hook" in str(w.message)], line


def test_full_hook_warning_points_at_the_users_backward_line_like_torch():
    # autograd/backward_hook.py:222 (`stacklevel=2` named a line inside chainrule): now the first frame outside it
    for lib in (torch, cr):
        found, line = _warnings_of_a_full_hook_without_inputs_requiring_grad(lib, use_grad=False)
        assert [(f, n) for f, n, _ in found] == [(__file__, line)], lib.__name__
        assert found[0][2].startswith("Full backward hook is firing when gradients are computed with respect to "
                                      "module outputs since no inputs require gradients.")


def test_full_hook_warning_under_autograd_grad_points_at_the_users_line():
    # (PyTorch's engine reports it one frame further out under autograd.grad, at the caller of the function that
    # called grad: a fixed stacklevel that fits backward(); chainrule names the grad line itself)
    found, line = _warnings_of_a_full_hook_without_inputs_requiring_grad(cr, use_grad=True)
    assert [(f, n) for f, n, _ in found] == [(__file__, line)]
