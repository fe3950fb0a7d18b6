"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in autograd, against PyTorch
(torch.autograd.gradcheck's messages and fast-mode tolerance) and exact known values."""
from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.autograd.gradcheck import GradcheckError

grad_module = importlib.import_module("chainrule.autograd.grad")  # the module (`cr.autograd.grad` is the function)


def _noisy(function_base: type) -> type:
    """x -> x whose backward scales every other call's gradient by 1 + 1e-4 (a nondeterministic backward)."""
    calls = [0]

    class Noisy(function_base):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 1.0

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            calls[0] += 1
            return g * (1.0 + 1e-4 * (calls[0] % 2 == 0))

    return Noisy


def test_fast_mode_nondet_tol_bounds_v_t_j_for_a_unit_v() -> None:
    # autograd/gradcheck.py:144 (`v / (np.linalg.norm(v) or 1.0)`): v is a unit vector, as in PyTorch, so
    # nondet_tol bounds the difference of two v^T J for a unit v. Here the two backward passes differ by 1e-4 * v:
    # below 5e-5 for a unit v of 100 entries, about 1e-4 for an unnormalized one.
    xs = np.linspace(0.1, 1.0, 100)
    for m in (torch, cr):
        fn = _noisy(m.autograd.Function)
        x = m.tensor(xs, dtype=m.float64, requires_grad=True)
        assert m.autograd.gradcheck(fn.apply, (x,), fast_mode=True, nondet_tol=5e-5, raise_exception=False), \
            m.__name__
        assert not m.autograd.gradcheck(fn.apply, (x,), fast_mode=True, nondet_tol=0.0, raise_exception=False), \
            m.__name__


def _grad_returning(make_bad):  # noqa: ANN001, ANN202
    """`autograd.grad` as a broken op would make it: the right gradient passed through `make_bad`."""
    real = grad_module.grad

    def fake(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return tuple(None if g is None else make_bad(g) for g in real(*args, **kwargs))

    return fake


def test_gradcheck_reports_a_gradient_of_the_wrong_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    # autograd/gradcheck.py:69: a gradient whose shape is not its input's (same size, so the Jacobian column would
    # still fit) is reported with PyTorch's message
    monkeypatch.setattr(grad_module, "grad", _grad_returning(lambda g: g.reshape(tuple(reversed(g.shape)))))
    x = cr.randn(2, 3, dtype=cr.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="^Analytical gradient has incorrect size$"):
        cr.autograd.gradcheck(lambda t: t * 2, (x,), check_undefined_grad=False)


def test_check_grad_dtypes_reports_a_gradient_of_another_dtype(monkeypatch: pytest.MonkeyPatch) -> None:
    # autograd/gradcheck.py:72: with check_grad_dtypes=True a float32 gradient of a float64 input fails with
    # PyTorch's message; without it the values alone are compared (and agree)
    monkeypatch.setattr(grad_module, "grad", _grad_returning(lambda g: g.float()))
    x = cr.randn(2, 3, dtype=cr.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="^Gradient has dtype mismatch$"):
        cr.autograd.gradcheck(lambda t: t * 2, (x,), check_grad_dtypes=True, check_undefined_grad=False)
    assert not cr.autograd.gradcheck(lambda t: t * 2, (x,), check_grad_dtypes=True, check_undefined_grad=False,
                                     raise_exception=False)
    assert cr.autograd.gradcheck(lambda t: t * 2, (x,), check_undefined_grad=False)


def test_gradgradcheck_with_inputs_that_need_no_gradient() -> None:
    # autograd/gradcheck.py:292 (`isinstance(x, Tensor) and x.requires_grad`): a constant tensor and a Python
    # number among the inputs are passed through, not differentiated, as in PyTorch
    for m in (torch, cr):
        x = m.tensor([0.5, 1.5], dtype=m.float64, requires_grad=True)
        c = m.tensor([2.0, 3.0], dtype=m.float64)
        assert m.autograd.gradgradcheck(lambda a, b, s: (a * a * b * s).sin(), (x, c, 0.5)), m.__name__


def test_gradgradcheck_with_an_input_the_function_does_not_use() -> None:
    # autograd/gradcheck.py:308 (`allow_unused=True` in gradgradcheck's first gradient): an input that requires
    # grad but is not used has no gradient; the check still passes, as PyTorch's
    for m in (torch, cr):
        a = m.tensor([0.5, 1.5], dtype=m.float64, requires_grad=True)
        b = m.tensor([2.0], dtype=m.float64, requires_grad=True)
        assert m.autograd.gradgradcheck(lambda p, q: (p * p).sin(), (a, b)), m.__name__
