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
    x = lib.ones(old, dtype=lib.float64, requires_grad=True)
    (x * 2).sum().backward(create_graph=create_graph_first)
    first = x.grad
    version = first._version
    with lib.no_grad():
        x.data = lib.ones(new, dtype=lib.float64) * 1.5
    try:
        (x * 3).sum().backward()
    except RuntimeError:
        return "raised", None, None, None
    return "ok", x.grad.detach().numpy().copy(), x.grad is first, x.grad._version > version


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
        assert c[3] and t[3]


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
def test_a_grad_made_under_create_graph_gets_the_broadcast_gradient_added(old, new):
    """The `.grad` of a create_graph backward has a history; a later plain backward adds into it (PyTorch: in place
    under no grad mode), keeping its shape."""
    t = _two_steps(torch, old, new, create_graph_first=True)
    c = _two_steps(cr, old, new, create_graph_first=True)
    assert c[0] == t[0] == "ok"
    np.testing.assert_array_equal(c[1], t[1])
