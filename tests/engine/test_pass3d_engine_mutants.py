"""Tests for survivors of the first exhaustive mutation pass, resumed part (h/p3d), against PyTorch.

engine/backward.py: accumulating into a `.grad` whose leaf changed shape since (`.data` of another shape between
two backward passes, `.grad` kept). PyTorch adds in place (`grad += g`): it works when the new gradient
broadcasts to the old `.grad` (which keeps its shape, the same tensor) and raises otherwise; chainrule made a
new `.grad` of the broadcast shape, so a 0-d or (1,) `.grad` silently became a gradient of the new shape."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

_CHANGES = [((), (2,)), ((1,), (3,)), ((3,), (1,)), ((2,), ()), ((2, 3), (3,)), ((3,), (2, 3)), ((), (1,)),
            ((1,), ()), ((2,), (3,))]


def _two_steps(lib, old, new, create_graph_first=False):
    """Two backward passes with `.data` of another shape in between: (outcome, .grad's values, whether .grad is the
    same tensor, how far its version moved, the values of a NumPy view of .grad taken before the second pass)."""
    x = lib.ones(old, dtype=lib.float64, requires_grad=True)
    (x * x).sum().backward(create_graph=create_graph_first)  # .grad = 2x, with a history under create_graph
    first = x.grad
    version = first._version
    view = None if create_graph_first else first.numpy()
    with lib.no_grad():
        x.data = lib.ones(new, dtype=lib.float64) * 1.5
    try:
        (x * 3).sum().backward()
    except RuntimeError:
        return "raised", None, None, None, None
    return ("ok", x.grad.detach().numpy().copy(), x.grad is first, x.grad._version - version,
            None if view is None else view.copy())


@pytest.mark.parametrize("old, new", _CHANGES)
def test_gradient_into_a_grad_of_another_shape_as_pytorch(old, new):
    """engine/backward.py:500 (`type(stored) is type(g)` -> `is not`: a 0-d `.grad` kept as a NumPy scalar then took
    the in-place branch for a gradient of any shape)."""
    t = _two_steps(torch, old, new)
    c = _two_steps(cr, old, new)
    assert c[0] == t[0], f"{old} -> {new}: chainrule {c[0]}, PyTorch {t[0]}"
    if t[0] == "ok":
        np.testing.assert_array_equal(c[1], t[1])
        assert c[2] is t[2] is True  # the same tensor, added into
        assert c[3] == t[3] == 1  # one version bump
        np.testing.assert_array_equal(c[4], t[4])  # in place: a view of .grad sees the sum
        np.testing.assert_array_equal(c[4], c[1])


def test_the_refusal_names_both_shapes():
    x = cr.tensor(1.0, requires_grad=True)
    (x * 2).backward()
    x.data = cr.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"gradient of shape \(2,\) does not fit the leaf's .grad of shape \(\)"):
        (x * 3).sum().backward()
    x.grad = None  # the way out: a fresh .grad
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("old, new", [((3,), (1,)), ((2, 3), (3,))])
def test_a_grad_with_a_history_refuses_a_gradient_of_another_shape(old, new):
    """A `.grad` made under create_graph (2x, with a history) keeps PyTorch's gradient accumulator alive with the
    leaf's old shape, so PyTorch refuses the next gradient of the new shape, even one that would broadcast into
    .grad. (Where the old shape broadcasts to the new one, e.g. () -> (2,), PyTorch instead sums the gradient to
    the old shape; chainrule refuses: docs/semantics.md.)"""
    t = _two_steps(torch, old, new, create_graph_first=True)
    c = _two_steps(cr, old, new, create_graph_first=True)
    assert c[0] == t[0] == "raised"
