"""`autograd.grad` runs the tensor hooks of the leaves it returns gradients for, as PyTorch does (it used to
return the gradient before the hooks: a different value from PyTorch's whenever a hook changes it)."""

from __future__ import annotations

import numpy as np
import torch

import chainrule as cr


def _run(m, fn):
    log: list = []
    out = fn(m, log)
    return out, log


def test_a_leaf_hook_changes_the_returned_gradient_and_runs_once() -> None:
    def fn(m, log):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: (log.append(g.tolist()), g * 10)[1])
        y = (x * x).sum()
        grads = m.autograd.grad(y, [x, x])  # given twice: one gradient, hooks run once
        h = x * 3
        h.register_hook(lambda g: (log.append(("h", g.tolist())), g * 2)[1])
        (gh,) = m.autograd.grad((h * h).sum(), h)
        return [g.tolist() for g in grads] + [gh.tolist()]

    assert _run(cr, fn) == _run(torch, fn)


def test_hooks_that_return_none_observe_only() -> None:
    def fn(m, log):
        x = m.tensor([0.5, -1.5], requires_grad=True)
        x.register_hook(lambda g: log.append(g.tolist()))
        (g,) = m.autograd.grad((x.exp()).sum(), x)
        return g.tolist()

    (cg, clog), (tg, tlog) = _run(cr, fn), _run(torch, fn)
    np.testing.assert_allclose(cg, tg, rtol=1e-6)
    np.testing.assert_allclose(clog, tlog, rtol=1e-6)


def test_hooked_gradients_under_create_graph_and_backward_agree() -> None:
    def fn(m, log):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        x.register_hook(lambda g: g * 3)
        (g,) = m.autograd.grad((x ** 3).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        (x * x).sum().backward()
        return g.tolist(), g.requires_grad, gg.tolist(), x.grad.tolist()

    assert _run(cr, fn) == _run(torch, fn)


def test_leaves_not_asked_for_run_no_hooks() -> None:
    def fn(m, log):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        w.register_hook(lambda g: log.append("w"))
        (g,) = m.autograd.grad((x * w).sum(), x)
        return g.tolist()

    assert _run(cr, fn) == _run(torch, fn)
