"""split's size checks (ops/joins.py:97, a survivor of the exhaustive pass), against torch 2.13.0."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize(("shape", "dim"), [((0,), 0), ((2, 0), -1), ((0, 3), 0)])
def test_split_size_zero_of_an_empty_dim_gives_one_empty_part(shape, dim):
    """Was a real difference: chainrule refused split_size 0 always; PyTorch accepts it for an empty dim."""
    results = []
    for m in (torch, cr):
        parts = m.zeros(*shape).split(0, dim)
        results.append([tuple(p.shape) for p in parts])
    assert results[1] == results[0] == [shape]


@pytest.mark.parametrize(("size", "split"), [(4, 0), (4, -1), (0, -2), (1, 0)])
def test_split_size_zero_or_negative_is_refused_as_pytorch(size, split):
    messages = []
    for m in (torch, cr):
        with pytest.raises(RuntimeError) as info:
            m.split(m.arange(float(size)), split)
        messages.append(str(info.value))
    assert messages[1] == messages[0]
