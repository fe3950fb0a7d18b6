"""In-place random fills (`uniform_`, `normal_`), `fill_`/`zero_`, and `Tensor.new_*`: chainrule's seeded
generator, PyTorch's in-place rules (leaves that require grad, history, versions, views), and dtypes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

FILLS = {"uniform_": (), "normal_": (), "fill_": (0.5,), "zero_": ()}


def test_uniform_and_normal_draw_from_the_seeded_generator():
    cr.manual_seed(3)
    a = cr.empty(10_000).uniform_(-2.0, 3.0)
    b = cr.zeros(10_000, dtype=cr.float64).normal_(1.0, 0.5)
    cr.manual_seed(3)
    assert np.array_equal(a.numpy(), cr.empty(10_000).uniform_(-2.0, 3.0).numpy())
    assert np.array_equal(b.numpy(), cr.zeros(10_000, dtype=cr.float64).normal_(1.0, 0.5).numpy())
    assert a.dtype == cr.float32 and b.dtype == cr.float64
    assert a.min().item() >= -2.0 and a.max().item() < 3.0
    assert abs(a.mean().item() - 0.5) < 0.1 and abs(b.mean().item() - 1.0) < 0.03 and abs(b.std().item() - 0.5) < 0.03
    g = cr.Generator(7)
    assert np.array_equal(cr.empty(4).uniform_(generator=g).numpy(),
                          cr.empty(4).uniform_(generator=cr.Generator(7)).numpy())
    assert cr.zeros(3).uniform_(1.0, 1.0).tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("name", sorted(FILLS))
def test_fill_on_leaf_that_requires_grad_raises_like_torch(name):
    for m in (torch, cr):
        x = m.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            getattr(x, name)(*FILLS[name])
        with m.no_grad():
            out = getattr(x, name)(*FILLS[name])
        assert out is x and x.requires_grad and x.is_leaf and x.grad_fn is None
        assert x._version == 1


@pytest.mark.parametrize("name", sorted(FILLS))
def test_fill_cuts_the_history_of_an_intermediate_like_torch(name):
    results = {}
    for m in (torch, cr):
        m.manual_seed(0)
        x = m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True)
        y = x * 2
        getattr(y, name)(*FILLS[name])
        assert y.requires_grad and y._version == 1
        (y * x).sum().backward()
        results[m] = (y.detach().numpy().copy(), x.grad.numpy(), y.grad_fn.name())
    (y_cr, g_cr, name_cr), (y_t, g_t, name_t) = results[cr], results[torch]
    np.testing.assert_array_equal(g_cr, y_cr)  # d(sum(y * x))/dx = y: nothing flows to the old y
    np.testing.assert_array_equal(g_t, y_t)
    if name in ("uniform_", "normal_"):
        assert name_cr == name_t  # UniformBackward0, NormalBackward0


def test_random_fill_through_a_view_writes_the_base():
    z = cr.ones(2, 3)
    v = z[0]
    v.normal_()
    assert z._version == v._version == 1
    assert np.array_equal(z.numpy()[0], v.numpy()) and z.numpy()[1].tolist() == [1.0, 1.0, 1.0]
    s = cr.zeros(3, 4)
    s[:, 1:3].uniform_(5.0, 6.0)
    assert (s.numpy()[:, 1:3] >= 5.0).all() and (s.numpy()[:, [0, 3]] == 0).all()


def test_random_fill_invalidates_saved_tensors_like_torch():
    for m in (torch, cr):
        x = m.ones(3, dtype=m.float64, requires_grad=True)
        y = x * 2
        z = (y * y).sum()
        y.uniform_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()


def test_new_factories_match_torch():
    for dtype in ("float32", "float64", "int32", "bool"):
        src_t, src_c = torch.zeros(2, dtype=getattr(torch, dtype)), cr.zeros(2, dtype=getattr(cr, dtype))
        made = {m: [src.new_zeros(2, 3), src.new_ones((3,)), src.new_full((2,), 1), src.new_tensor([[1, 0]]),
                    src.new_zeros(()), src.new_ones(2, dtype=m.float64), src.new_empty(1, 2)]
                for m, src in ((torch, src_t), (cr, src_c))}
        for i, (t, c) in enumerate(zip(made[torch], made[cr])):
            assert tuple(t.shape) == c.shape and str(t.dtype)[6:] == str(c.dtype)[10:], (dtype, t, c)
            assert not c.requires_grad and c.is_leaf
            if i < len(made[cr]) - 1:  # new_empty's values are whatever the memory held
                assert c.tolist() == t.tolist()
    w = cr.ones(2)
    p = w.new_tensor(cr.tensor([1.0, 2.0], requires_grad=True), requires_grad=True)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    q = w.new_zeros(3, requires_grad=True)
    (q * 2).sum().backward()
    assert q.grad.tolist() == [2.0, 2.0, 2.0]
