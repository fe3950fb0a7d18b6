"""Second exhaustive-pass survivors in autograd (functional.py, gradcheck.py): default arguments that equal
PyTorch's but that no test left out. Each test calls with the argument omitted and compares with
torch.autograd.functional / torch.autograd.gradgradcheck (or, for chainrule's own `numerical_derivative`, with
the documented difference quotient computed by hand)."""
from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.autograd.gradcheck import GradcheckError

TorchGradcheckError = importlib.import_module("torch.autograd.gradcheck").GradcheckError
grad_module = importlib.import_module("chainrule.autograd.grad")  # the module (`cr.autograd.grad` is the function)


def _cube_sum(t):  # noqa: ANN001, ANN202
    return (t * t * t).sum()


@pytest.mark.parametrize("name", ["jvp", "vhp", "hvp"])
def test_functional_products_build_no_graph_by_default(name: str) -> None:
    # autograd/functional.py:167/305/318 (`create_graph: bool = False` in jvp, vhp, hvp): without create_graph the
    # results are detached from the inputs (requires_grad False, no grad_fn) even when the inputs require grad,
    # as in PyTorch; the values agree with PyTorch's
    xs, vs = [0.5, -1.5, 2.0], [1.0, 0.25, -2.0]
    results = {}
    for m in (torch, cr):
        x = m.tensor(xs, dtype=m.float64, requires_grad=True)
        v = m.tensor(vs if name != "jvp" else 0.5, dtype=m.float64)
        func = _cube_sum if name != "jvp" else (lambda t: (t * t).sum())
        inp = x if name != "jvp" else m.tensor(1.5, dtype=m.float64, requires_grad=True)
        out, prod = getattr(m.autograd.functional, name)(func, inp, v)
        assert not out.requires_grad and out.grad_fn is None, m.__name__
        assert not prod.requires_grad and prod.grad_fn is None, m.__name__
        results[m.__name__] = (out.detach().numpy(), prod.detach().numpy())
        # and with create_graph=True the result is differentiable (the default is what turns it off)
        _, prod_g = getattr(m.autograd.functional, name)(func, inp, v, create_graph=True)
        assert prod_g.requires_grad, m.__name__
    np.testing.assert_allclose(results["chainrule"][0], results["torch"][0], rtol=1e-12)
    np.testing.assert_allclose(results["chainrule"][1], results["torch"][1], rtol=1e-12)


def _drift(function_base: type) -> type:
    """x -> x whose backward scales the gradient by 1 + 1e-14 * (number of calls so far): far below gradcheck's
    tolerances, but two backward passes never agree exactly (a nondeterministic backward)."""
    calls = [0]

    class Drift(function_base):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 1.0

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            calls[0] += 1
            return g * (1.0 + 1e-14 * calls[0])

    return Drift


def test_gradgradcheck_nondet_tol_defaults_to_zero() -> None:
    # autograd/gradcheck.py:279 (`nondet_tol: float = 0.0` in gradgradcheck): two second-order backward passes
    # that differ by ~1e-14 are "not reentrant" unless a tolerance is given, as in PyTorch
    for m in (torch, cr):
        fn = _drift(m.autograd.Function)

        def f(t, fn=fn):  # noqa: ANN001, ANN202
            return (fn.apply(t) ** 3).sum()

        x = m.tensor([0.3, 0.7, -1.1], dtype=m.float64, requires_grad=True)
        with pytest.raises((GradcheckError, TorchGradcheckError), match="Backward is not reentrant"):
            m.autograd.gradgradcheck(f, (x,))
        assert not m.autograd.gradgradcheck(f, (x,), raise_exception=False), m.__name__
        assert m.autograd.gradgradcheck(f, (x,), nondet_tol=1e-9), m.__name__


def test_gradgradcheck_does_not_check_grad_dtypes_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # autograd/gradcheck.py:280 (`check_grad_dtypes: bool = False` in gradgradcheck, as PyTorch's default): a
    # second-order gradient of another dtype is compared by value only, unless check_grad_dtypes=True. The engine
    # casts every gradient to its input's dtype, so a wrong dtype can only come from a broken rule: simulated here
    # by making `autograd.grad` return float32 for the first-order (create_graph=False) calls gradcheck makes.
    real = grad_module.grad

    def float32_grads(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        gs = real(*args, **kwargs)
        if kwargs.get("create_graph"):
            return gs  # gradgradcheck's own first gradient stays as it is
        return tuple(None if g is None else g.float() for g in gs)

    monkeypatch.setattr(grad_module, "grad", float32_grads)
    x = cr.tensor([0.3, 0.7, -1.1], dtype=cr.float64, requires_grad=True)
    assert cr.autograd.gradgradcheck(lambda t: (t * t * t).sin(), (x,))
    with pytest.raises(GradcheckError, match="^Gradient has dtype mismatch$"):
        cr.autograd.gradgradcheck(lambda t: (t * t * t).sin(), (x,), check_grad_dtypes=True)


def _not_twice_differentiable(function_base: type) -> type:
    """x -> 2x whose backward calls a Function whose own backward is right but detached (differentiable once): a
    function with correct first and second reverse-mode derivatives and no forward-over-reverse derivative."""

    class Double(function_base):
        @staticmethod
        def forward(ctx, g):  # noqa: ANN001, ANN205
            return g * 2.0

        @staticmethod
        def backward(ctx, h):  # noqa: ANN001, ANN205
            return h.detach() * 2.0

    class Twice(function_base):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 2.0

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            return Double.apply(g)

    return Twice


def test_gradgradcheck_does_not_check_forward_over_reverse_by_default() -> None:
    # autograd/gradcheck.py:280 (`check_fwd_over_rev: bool = False` in gradgradcheck, as PyTorch's default):
    # reverse-over-reverse passes; forward-over-reverse is checked only when asked for (PyTorch then raises for
    # the Functions without jvp, chainrule's double-backward jvp finds the detached derivative wrong)
    for m in (torch, cr):
        twice = _not_twice_differentiable(m.autograd.Function)
        x = m.tensor([0.3, 0.7], dtype=m.float64, requires_grad=True)
        assert m.autograd.gradgradcheck(lambda t, tw=twice: (tw.apply(t) * t).sin(), (x,)), m.__name__
    x = cr.tensor([0.3, 0.7], dtype=cr.float64, requires_grad=True)
    twice = _not_twice_differentiable(cr.autograd.Function)
    with pytest.raises(GradcheckError, match="forward-mode Jacobian mismatch"):
        cr.autograd.gradgradcheck(lambda t: (twice.apply(t) * t).sin(), (x,), check_fwd_over_rev=True)


def test_numerical_derivative_is_the_forward_quotient_with_h_1e_7_by_default() -> None:
    # autograd/gradcheck.py:317 (`h: float = 1e-7, central: bool = False`): docs/engine.md documents
    # (f(x + h) - f(x)) / h with h = 1e-7. For f(x) = x**2 at 1 that is exactly 2 + h (up to rounding ~1e-9);
    # the central difference would give 2 (to rounding), h = 1.0000001 would give 3.0000001
    d = cr.numerical_derivative(lambda t: t * t, 1.0)
    assert abs(d - 2.0000001) < 1e-8
    assert abs(cr.numerical_derivative(lambda t: t * t, 1.0, central=True) - 2.0) < 1e-8
