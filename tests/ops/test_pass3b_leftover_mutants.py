"""Survivors left from the first exhaustive pass (ops/functions.py:331, ops/indexing.py:223), against torch 2.13.0."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize(("shape", "other"), [((1, 2, 1), (3, 2, 1)), ((1, 1), (4, 1, 1)), ((1, 3, 1), (2, 3, 1))])
def test_create_graph_gradient_after_squeeze_in_place_of_a_broadcast_input(shape, other):
    """`x.squeeze_(0)` after `x + ones(other)` used it: under create_graph the gradient reaches `w` (of `x = w * 2`)
    with x's new shape, which differs from w's only by sizes of 1, and is reshaped back (xp_sum_to's last step)."""
    results = []
    for m in (torch, cr):
        w = m.ones(*shape, requires_grad=True)
        x = w * 2
        y = x + m.ones(*other)
        x.squeeze_(0)
        (g,) = m.autograd.grad((y * y).sum(), w, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), w)
        results.append((tuple(g.shape), g.detach().flatten().tolist(), gg.flatten().tolist()))
    assert results[1] == results[0]


def test_index_select_of_a_0d_input_reports_dimension_0():
    """A 0-d input is indexed as one element along dim 0 (dim=-1 wraps to 0): an index out of range is an
    IndexError as in PyTorch, and chainrule's message names dimension 0, as for a 1-element 1-d input."""
    for m in (torch, cr):
        for dim in (0, -1):
            with pytest.raises(IndexError):
                m.index_select(m.tensor(3.0), dim, m.tensor([1]))
    with pytest.raises(IndexError) as one_d:
        cr.index_select(cr.tensor([3.0]), 0, cr.tensor([1]))
    for dim in (0, -1):
        with pytest.raises(IndexError) as zero_d:
            cr.index_select(cr.tensor(3.0), dim, cr.tensor([1]))
        assert str(zero_d.value) == str(one_d.value)
    assert str(one_d.value) == "index_select: index 1 is out of bounds for dimension 0 with size 1"
