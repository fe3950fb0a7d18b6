"""Tests that kill survivors of the seed-606 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch.autograd.function import once_differentiable as torch_once_differentiable

import chainrule as cr
from chainrule.autograd.function import once_differentiable


def _square(lib, decorate):  # noqa: ANN001, ANN202
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @decorate
        def backward(ctx, g):  # noqa: ANN001, ANN205
            (x,) = ctx.saved_tensors
            return 2 * x * g

    return Square


@pytest.mark.parametrize("how", ["backward", "grad"])
def test_once_differentiable_gradient_without_create_graph_has_no_history(how: str) -> None:
    """autograd/function.py:484 (the early exit when grad mode is off removed): a first-order backward with an
    upstream gradient that requires grad must not wrap the result in a DelayedError node, as PyTorch's."""
    results = []
    for lib, decorate in ((torch, torch_once_differentiable), (cr, once_differentiable)):
        x = lib.tensor([1.0, 2.0, -0.5], requires_grad=True)
        v = lib.tensor([1.0, 3.0, 2.0], requires_grad=True)
        y = _square(lib, decorate).apply(x)
        if how == "backward":
            y.backward(v)
            g = x.grad
        else:
            (g,) = lib.autograd.grad(y, x, v)
        results.append((g.detach().numpy().copy(), g.requires_grad, g.grad_fn is None))
    (theirs, their_rg, their_leaf), (ours, our_rg, our_leaf) = results
    np.testing.assert_allclose(ours, theirs)
    assert (our_rg, our_leaf) == (their_rg, their_leaf) == (False, True)


def test_once_differentiable_backward_called_under_no_grad_returns_plain_tensors() -> None:
    """autograd/function.py:484: the decorated backward called directly under no_grad with an argument that
    requires grad returns its result as is (PyTorch returns without the DelayedError wrapper there)."""
    seen = []
    for lib, decorate in ((torch, torch_once_differentiable), (cr, once_differentiable)):

        class Ctx:
            saved_tensors = (lib.tensor([3.0, -1.0]),)

        g = lib.tensor([0.5, 2.0], requires_grad=True)
        with lib.no_grad():
            out = _square(lib, decorate).backward(Ctx(), g)
        seen.append((out.detach().numpy().copy(), out.requires_grad, out.grad_fn is None))
        with lib.enable_grad():
            wrapped = _square(lib, decorate).backward(Ctx(), g)
        seen.append((wrapped.detach().numpy().copy(), wrapped.requires_grad, wrapped.grad_fn is None))
    for ours, theirs in zip(seen[2:], seen[:2]):
        np.testing.assert_allclose(ours[0], theirs[0])
        assert ours[1:] == theirs[1:]
    assert seen[0][1:] == (False, True) and seen[1][1:] == (True, False)


def _scaled(lib, eps: float):  # noqa: ANN001, ANN202
    """f(x) = 100 x whose backward is wrong by a factor (1 + eps) on every other call: not reentrant."""
    calls = {"n": 0}

    class Flaky(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 100.0

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            calls["n"] += 1
            return g * 100.0 * (1 + eps * (calls["n"] % 2))

    return Flaky


@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize("eps", [1e-4, 5e-4, 2e-3, 1e-2, 5e-2, 0.2])
def test_gradcheck_nondet_tol_is_an_absolute_bound_as_in_pytorch(fast_mode: bool, eps: float) -> None:
    """autograd/gradcheck.py:185 (`nondet_tol + nondet_tol * |a|`, + -> -): a real bug. chainrule allowed the two
    backward runs to differ by nondet_tol relative to the gradient's size as well; PyTorch bounds the largest
    absolute difference of the two results (v^T J in fast mode) by nondet_tol. Gradients of about 100 that
    differ by 100 * eps: with nondet_tol=0.1 PyTorch calls eps >= 2e-3 not reentrant (tolerances wide enough
    for the numerical comparison to pass)."""
    x = np.array([2.0, -1.0, 0.5])
    verdicts = []
    for lib in (torch, cr):
        t = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                lib.autograd.gradcheck(_scaled(lib, eps).apply, (t,), nondet_tol=0.1, atol=1e3, rtol=10.0,
                                       fast_mode=fast_mode)
                verdicts.append("pass")
            except Exception as e:  # noqa: BLE001 - both libraries raise their own GradcheckError
                assert "Backward is not reentrant" in str(e)
                verdicts.append("not reentrant")
    assert verdicts[1] == verdicts[0]
    assert verdicts[0] == ("pass" if eps < 1e-3 else "not reentrant")


def _one_entry(lib):  # noqa: ANN001, ANN202
    """f(x) = 2 x whose backward adds 0.25 to its first entry on every other call."""
    calls = {"n": 0}

    class OneEntry(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 2.0

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            calls["n"] += 1
            bump = lib.zeros_like(g)
            bump[0] = 0.25 * (calls["n"] % 2)
            return g * 2.0 + bump * (g[0] != 0)

    return OneEntry


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_nondet_tol_bounds_the_largest_difference(fast_mode: bool) -> None:
    """The bound looks at each entry of the gradient, not only at its projection: one entry off by 0.25 between
    the two runs, the others equal, passes nondet_tol=0.3 and fails nondet_tol=0.2, as in PyTorch."""
    for lib in (torch, cr):
        t = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        kwargs = dict(atol=1.0, rtol=1.0, fast_mode=fast_mode, check_undefined_grad=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert lib.autograd.gradcheck(_one_entry(lib).apply, (t,), nondet_tol=0.3, **kwargs)
            assert not lib.autograd.gradcheck(_one_entry(lib).apply, (t,), nondet_tol=0.2, raise_exception=False,
                                              **kwargs)


def _counting(lib, calls: dict):  # noqa: ANN001, ANN202
    """f(x) = 3 x (deterministic) whose backward counts its calls."""

    class Counting(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 3.0

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            calls["n"] += 1
            return g * 3.0

    return Counting


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_passes_a_deterministic_backward_at_nondet_tol_zero(fast_mode: bool) -> None:
    """autograd/gradcheck.py:184 and :263 (`>` -> `>=`): two equal backward results differ by 0, which the
    default nondet_tol=0.0 allows (PyTorch fails only a difference above nondet_tol)."""
    for lib in (torch, cr):
        t = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert lib.autograd.gradcheck(_counting(lib, {"n": 0}).apply, (t,), fast_mode=fast_mode)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_runs_backward_twice_per_output(fast_mode: bool) -> None:
    """autograd/gradcheck.py:178 (`range(2)` -> `range(3)`): the reentrancy check runs the backward twice
    (docs/engine.md), per output in fast mode and per output element in the full Jacobian. PyTorch runs it
    once more, for a check chainrule does not make (that the backward is linear in grad_output)."""
    calls = {"n": 0}
    t = cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64, requires_grad=True)
    assert cr.autograd.gradcheck(_counting(cr, calls).apply, (t,), fast_mode=fast_mode, check_undefined_grad=False)
    assert calls["n"] == (2 if fast_mode else 2 * 3)
    theirs = {"n": 0}
    tt = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.autograd.gradcheck(_counting(torch, theirs).apply, (tt,), fast_mode=fast_mode,
                                 check_undefined_grad=False)
    assert theirs["n"] == calls["n"] + 1
