"""The registry's documented contract for user-defined ops (docs/engine.md: "The engine sums an elementwise rule's
result back over broadcast dimensions and casts it to the input's dtype"), for a rule that returns float64
(ops/registry.py:181, a survivor of the exhaustive pass; also the line's Is -> IsNot, once judged equivalent
because no built-in op reaches it)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.ops.registry import REGISTRY, apply, defop


@pytest.fixture(autouse=True)
def _fma():
    """a*b + c with rules that compute in float64 whatever the inputs' dtype (three inputs: the general loop),
    registered for one test only (the op table's own tests check every registered op)."""
    global _FMA
    _FMA = defop("pass3b_fma", lambda a, b, c: a * b + c, "a b c",
                 derivs=(("b", lambda xp, g, out, a, b, c: np.asarray(g, np.float64) * np.asarray(b, np.float64)),
                         ("a", lambda xp, g, out, a, b, c: np.asarray(g, np.float64) * np.asarray(a, np.float64)),
                         ("1", lambda xp, g, out, a, b, c: np.asarray(g, np.float64) * 1.0)))
    yield
    del REGISTRY["pass3b_fma"]


_FMA = None


def test_a_rule_returning_float64_is_cast_to_each_inputs_dtype():
    a = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = cr.tensor([4.0, 5.0, 6.0], requires_grad=True)
    c = cr.tensor(0.5, requires_grad=True)  # broadcast: its gradient is summed, then cast
    apply(_FMA, (a, b, c)).sum().backward()
    for t in (a, b, c):
        assert t.grad.dtype == cr.float32
        assert t.grad.numpy().dtype == np.float32
    assert a.grad.tolist() == [4.0, 5.0, 6.0]
    assert b.grad.tolist() == [1.0, 2.0, 3.0]
    assert c.grad.item() == 3.0


def test_the_cast_gradient_is_what_hooks_and_the_next_op_receive():
    """On an intermediate: a tensor hook sees the gradient in the tensor's dtype (float32), as does autograd.grad."""
    seen = []
    a = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a2 = a * 1.0
    a2.register_hook(lambda g: seen.append((g.dtype, g.numpy().dtype)))
    out = apply(_FMA, (a2, cr.tensor([4.0, 5.0, 6.0]), cr.tensor(0.5, requires_grad=True)))
    (ga2,) = cr.autograd.grad(out.sum(), a2, retain_graph=True)
    assert (ga2.dtype, ga2.numpy().dtype) == (cr.float32, np.float32)
    out.sum().backward()
    assert seen == [(cr.float32, np.float32)] * 2  # autograd.grad, then backward
