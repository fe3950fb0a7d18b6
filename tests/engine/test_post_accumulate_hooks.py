"""Tensor.register_post_accumulate_grad_hook against PyTorch: called after backward() accumulated a leaf's
.grad (with the tensor), not by autograd.grad; removable; errors for non-leaves and tensors without grad."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("lib", [cr, torch])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_called_after_accumulation(lib: Any, dtype: str) -> None:
    w = lib.tensor([1.0, 2.0], dtype=getattr(lib, dtype), requires_grad=True)
    b = lib.tensor(0.5, dtype=getattr(lib, dtype), requires_grad=True)
    seen: list = []
    h = w.register_post_accumulate_grad_hook(lambda t: seen.append((t is w, t.grad.numpy().tolist())))
    (w * 3 + b).sum().backward()
    (w * w).sum().backward()  # accumulates: the hook sees the sum
    lib.autograd.grad((w * 3).sum(), w)  # autograd.grad accumulates nothing: no call
    h.remove()
    (w * 3).sum().backward()
    assert seen == [(True, [3.0, 3.0]), (True, [5.0, 7.0])]


@pytest.mark.parametrize("lib", [cr, torch])
def test_hook_may_step_the_parameter(lib: Any) -> None:
    """The optimizer-in-backward pattern: update and clear inside the hook."""
    w = lib.tensor([1.0, 2.0], requires_grad=True)

    def step(t: Any) -> None:
        with lib.no_grad():
            t.sub_(0.1 * t.grad)
        t.grad = None

    w.register_post_accumulate_grad_hook(step)
    (w * w).sum().backward()
    assert w.grad is None
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6], rtol=1e-6)


@pytest.mark.parametrize("lib", [cr, torch])
def test_errors(lib: Any) -> None:
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        lib.ones(2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf tensors"):
        (lib.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(lambda t: None)
    w = lib.ones(2, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: 5)
    with pytest.raises(TypeError):
        (w * 2).sum().backward()


def test_handle_is_a_context_manager() -> None:
    w = cr.ones(2, requires_grad=True)
    seen: list = []
    with w.register_post_accumulate_grad_hook(lambda t: seen.append(1)):
        (w * 2).sum().backward()
    (w * 2).sum().backward()
    assert seen == [1]


def test_register_hook_handle_is_a_context_manager_too() -> None:
    w = cr.ones(2, requires_grad=True)
    with w.register_hook(lambda g: g * 10):
        (w * 2).sum().backward()
    (w * 2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [22.0, 22.0])
