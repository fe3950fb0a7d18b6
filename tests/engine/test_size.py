"""`cr.Size` against `torch.Size` (torch 2.13.0): a tuple subclass returned by `.shape` and `.size()`,
compared, concatenated and counted as PyTorch's; printed as `chainrule.Size([2, 3])`."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import chainrule as cr


def _same(c, t):
    assert type(c) is cr.Size and type(t) is torch.Size
    assert tuple(c) == tuple(t)


def test_shape_and_size_return_size():
    x, t = cr.ones(2, 3), torch.ones(2, 3)
    _same(x.shape, t.shape)
    _same(x.size(), t.size())
    assert x.size(1) == t.size(1) == 3 and x.size(-1) == 3
    assert type(x.size(0)) is int
    _same(cr.tensor(1.0).shape, torch.tensor(1.0).shape)


def test_repr_uses_our_module_name():
    assert repr(cr.Size([2, 3])) == repr(torch.Size([2, 3])).replace("torch", "chainrule") == "chainrule.Size([2, 3])"
    assert str(cr.ones(2, 3).shape) == "chainrule.Size([2, 3])"
    assert repr(cr.Size([])) == "chainrule.Size([])"


def test_equality_and_hash_as_tuples():
    s, t = cr.Size([2, 3]), torch.Size([2, 3])
    assert (s == (2, 3)) and (t == (2, 3))
    assert (s == [2, 3]) == (t == [2, 3]) is False
    assert s == t  # both tuples of the same ints
    assert hash(s) == hash((2, 3)) == hash(t)
    assert s != (3, 2) and cr.ones(2, 3).shape == (2, 3)
    a, b = s
    assert (a, b) == (2, 3)


def test_concatenation_and_repetition_give_size():
    s, t = cr.Size([2, 3, 4]), torch.Size([2, 3, 4])
    for op in (lambda v: v + (5,), lambda v: (1,) + v, lambda v: v + v, lambda v: v * 2, lambda v: 2 * v):
        _same(op(s), op(t))
    assert s[0] == 2 and s[-1] == 4 and type(s[0]) is int
    assert s.index(3) == 1 and s.count(2) == 1


def test_slicing_gives_a_plain_tuple_of_the_same_values():
    # deliberate deviation (docs/semantics.md): PyTorch returns a Size; overriding __getitem__ would slow
    # down x.shape[-1]
    s, t = cr.Size([2, 3, 4]), torch.Size([2, 3, 4])
    for sl in (slice(1, None), slice(None, None, -1), slice(0, 0)):
        assert s[sl] == tuple(t[sl]) and isinstance(s[sl], tuple)


def test_numel():
    for shape in ([2, 3], [], [0, 5], [7]):
        assert cr.Size(shape).numel() == torch.Size(shape).numel()
    assert cr.ones(4, 5).shape.numel() == 20


def test_constructor_checks_elements():
    assert cr.Size(x for x in [1, 2]) == (1, 2)
    s = cr.Size([np.int64(2), 3])
    assert s == (2, 3) and type(s[0]) is int
    with pytest.raises(TypeError):
        torch.Size([1.5])
    with pytest.raises(TypeError, match="ints"):
        cr.Size([1.5])


def test_size_is_accepted_where_shapes_are():
    s = cr.Size([2, 3])
    assert cr.zeros(s).shape == s and cr.ones(s).shape == s
    assert cr.ones(3, 2).view(s).shape == s and cr.ones(6).reshape(s).shape == s
    assert cr.ones(1).new_zeros(s).shape == s
    assert cr.randn(s).shape == s and cr.empty(cr.ones(4, 1).shape).shape == (4, 1)
    assert cr.Tensor(s).shape == torch.Tensor(torch.Size([2, 3])).shape


def test_pickle_and_copy():
    s = cr.Size([2, 3])
    r = pickle.loads(pickle.dumps(s))
    assert type(r) is cr.Size and r == s
    import copy

    assert type(copy.deepcopy(s)) is cr.Size
