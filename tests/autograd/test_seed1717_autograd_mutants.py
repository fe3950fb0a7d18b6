"""Tests that kill survivors of the seed-1717 mutation sample (docs/testing.md)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import chainrule as cr


def _hooked_tanh(lib: Any, kind: str, cast: Any) -> Any:
    m = lib.nn.Tanh()
    if kind == "full":
        m.register_full_backward_hook(lambda mod, gi, go: (cast(gi[0]) * 2,))
    else:
        m.register_full_backward_pre_hook(lambda mod, go: (cast(go[0]) * 2,))
    return m


@pytest.mark.parametrize("kind", ["full", "pre"])
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("shape", [(2,), ()])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_module_backward_hook_that_changes_the_gradients_dtype_is_refused(kind: str, create_graph: bool,
                                                                            shape: tuple, dtype: str) -> None:
    """A module's full backward hook (grad_input) or backward pre-hook (grad_output) that returns a gradient of
    another dtype than its tensor's raises RuntimeError "hook 'hook' has changed the type of value", as PyTorch's
    (seed-1717 survivor autograd/backward_hook.py:131, `data.dtype != dtype` -> `==`: chainrule silently cast the
    returned gradient back, and under create_graph passed a full hook's float64 gradient on to a float32 input;
    found while judging it and fixed)."""
    other = {"float32": "float64", "float64": "float32"}[dtype]
    for lib in (torch, cr):
        m = _hooked_tanh(lib, kind, lambda g, lib=lib: g.to(getattr(lib, other)))
        x = lib.full(shape, 0.5, dtype=getattr(lib, dtype), requires_grad=True)
        with pytest.raises(RuntimeError, match="has changed the type of value"):
            lib.autograd.grad(m(x).sum(), x, create_graph=create_graph)


@pytest.mark.parametrize("kind", ["full", "pre"])
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("shape", [(2,), ()])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_module_backward_hook_that_keeps_the_dtype_replaces_the_gradient(kind: str, create_graph: bool,
                                                                           shape: tuple, dtype: str) -> None:
    """The same hooks returning a gradient of the tensor's own dtype (here doubled) replace it: the gradient's
    dtype, shape and values are PyTorch's (the other side of the dtype check above)."""
    got = []
    for lib in (torch, cr):
        m = _hooked_tanh(lib, kind, lambda g: g)
        x = lib.full(shape, 0.5, dtype=getattr(lib, dtype), requires_grad=True)
        (g,) = lib.autograd.grad(m(x).sum(), x, create_graph=create_graph)
        got.append((str(g.dtype).split(".")[-1], tuple(g.shape), g.detach().numpy(), g.requires_grad))
    (tdt, tshape, tg, treq), (cdt, cshape, cg, creq) = got
    assert (cdt, cshape, creq) == (tdt, tshape, treq)
    np.testing.assert_allclose(cg, tg, rtol=1e-6)
