"""Tests that kill survivors of the seed-13 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


class SizedSequenceLike:
    """Not a registered Sequence, but with __len__ and __getitem__: PyTorch converts it like a list."""

    def __len__(self) -> int:
        return 3

    def __getitem__(self, i: int) -> float:
        if i >= 3:
            raise IndexError(i)
        return 0.5 * i


def test_tensor_from_an_object_with_len_and_getitem():
    ours, theirs = cr.tensor(SizedSequenceLike()), torch.tensor(SizedSequenceLike())
    assert ours.tolist() == theirs.tolist()
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


def test_tensor_from_a_torch_tensor():
    assert cr.tensor(torch.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_the_implicit_backward_seed_has_the_output_shape(shape):
    """`y.backward()` on a one-element output starts from ones of y's shape: a hook on y sees that shape."""
    seen = {}
    for lib in (cr, torch):
        x = lib.full(shape, 2.0, requires_grad=True)
        y = x * 3.0
        y.register_hook(lambda g, name=lib.__name__: seen.update({name: tuple(g.shape)}))
        y.backward()
        assert tuple(x.grad.shape) == shape
    assert seen["chainrule"] == seen["torch"] == shape


def test_sort_method_defaults_to_ascending():
    data = [3.0, -1.0, 2.0, 2.0, 0.5]
    ours, theirs = cr.tensor(data).sort(), torch.tensor(data).sort()
    assert ours.values.tolist() == theirs.values.tolist()
    assert ours.indices.tolist() == theirs.indices.tolist()
    assert cr.tensor(data).argsort().tolist() == torch.tensor(data).argsort(stable=True).tolist()
