"""Shape-op survivors of the exhaustive pass (ops/shape_ops.py:122, :154, :326), against torch 2.13.0."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize(("d0", "d1"), [(0, 0), (0, -1), (-1, 0)])
def test_transpose_of_a_1d_tensor_is_a_new_view(d0, d1):
    for m in (torch, cr):
        x = m.ones(3, requires_grad=True) * 2
        y = x.transpose(d0, d1)
        assert y is not x
        assert y.grad_fn.name() == "TransposeBackward0"
        with m.no_grad():
            y.add_(1)  # a view: the write reaches x
        assert x.tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize(("source", "destination"), [(0, (1,)), ((0,), 1), (0, [1]), ([1], -1)])
def test_movedim_refuses_an_int_with_a_sequence(source, destination):
    """Was a difference: chainrule took `movedim(x, 0, (1,))` as `movedim(x, (0,), (1,))`; PyTorch refuses it."""
    for m in (torch, cr):
        with pytest.raises(TypeError, match=r"movedim\(\) received an invalid combination of arguments"):
            m.movedim(m.zeros(2, 3), source, destination)


def test_movedim_with_ints_and_with_sequences_matches_pytorch():
    for args in [(0, 1), (-1, 0), ((0, 1), (1, 0)), ([0], [2]), ((2, 0), (0, 1))]:
        t = torch.movedim(torch.zeros(2, 3, 4), *args)
        c = cr.movedim(cr.zeros(2, 3, 4), *args)
        assert tuple(c.shape) == tuple(t.shape)


@pytest.mark.parametrize("dim", [0, -1, 1])
def test_stride_of_a_0d_tensor_names_no_dimension(dim):
    """Was a difference: chainrule answered 1 for any dim of a 0-d tensor; PyTorch raises IndexError."""
    messages = []
    for m in (torch, cr):
        assert m.tensor(1.0).stride() == ()
        with pytest.raises(IndexError) as info:
            m.tensor(1.0).stride(dim)
        messages.append(str(info.value))
    assert messages[1] == messages[0]
    assert cr.ones(2, 3).stride(-1) == torch.ones(2, 3).stride(-1) == 1
