"""scatter, scatter_add, scatter_reduce, index_add, index_copy, index_fill (and their in-place forms), gather and
roll beyond the op table: larger random cases with many duplicate indices against PyTorch in float32 and float64,
the in-place machinery (leaves, versions, saved tensors, views), dtypes, errors, and the one deliberate
deviation (a src larger than the index gets a gradient)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr

TOL = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12)}


def _pair(arrays, dtype):
    ours = [cr.tensor(a, dtype=getattr(cr, dtype), requires_grad=True) for a in arrays]
    ref = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in arrays]
    return ours, ref


def _compare(fn, arrays, dtype, seed=0):
    """Value and gradients of fn(m, *inputs) in chainrule and in PyTorch, for a random upstream gradient."""
    ours, ref = _pair(arrays, dtype)
    out_c, out_t = fn(cr, *ours), fn(torch, *ref)
    np.testing.assert_allclose(out_c.detach().numpy(), out_t.detach().numpy(), **TOL[dtype])
    assert out_c.grad_fn.name() == out_t.grad_fn.name().replace("torch::autograd::", "")
    w = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
    out_c.backward(cr.tensor(w, dtype=getattr(cr, dtype)))
    out_t.backward(torch.tensor(w, dtype=getattr(torch, dtype)))
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL[dtype])
        assert a.grad.dtype == a.dtype


RNG = np.random.default_rng(7)
SELF = RNG.standard_normal((5, 6, 4))
DUPS = RNG.integers(0, 5, (9, 6, 4))  # along dim 0 of (5, 6, 4): nearly every position more than once
SRC = RNG.standard_normal((9, 6, 4))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("dim", [0, -3])
def test_scatter_add_with_many_duplicates_matches_torch(dtype, dim):
    _compare(lambda m, x, s: x.scatter_add(dim, m.tensor(DUPS), s), [SELF, SRC], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_with_many_duplicates_matches_torch(dtype, reduce, include_self):
    src = SRC.copy()
    if reduce == "prod":
        src.flat[::7] = 0.0  # groups with one zero and with several
    _compare(lambda m, x, s: x.scatter_reduce(0, m.tensor(DUPS), s, reduce, include_self=include_self),
             [SELF, src], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_index_add_with_duplicates_and_alpha_matches_torch(dtype):
    index = [3, 0, 3, 3, 1, 0]
    _compare(lambda m, x, s: m.index_add(x, 1, m.tensor(index), s, alpha=0.75),
             [SELF, RNG.standard_normal((5, 6, 4))], dtype)
    _compare(lambda m, x, s: x.index_add(-1, m.tensor([0, 0, 0]), s), [SELF, RNG.standard_normal((5, 6, 3))],
             dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_index_copy_and_fill_match_torch(dtype):
    _compare(lambda m, x, s: x.index_copy(2, m.tensor([3, 1]), s), [SELF, RNG.standard_normal((5, 6, 2))], dtype)
    # (non-negative indices: torch's backward to a tensor value fails on negative ones)
    _compare(lambda m, x, v: x.index_fill(1, m.tensor([5, 0, 2, 2]), v), [SELF, np.array(0.5)], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_in_place_forms_chain_like_torch(dtype):
    def chain(m, x, s):
        y = x * 2.0
        y.scatter_add_(0, m.tensor(DUPS), s)
        y.scatter_(0, m.tensor(DUPS[:1]), s[:1] * 3.0)
        y.index_add_(1, m.tensor([0, 0, 5]), s[:5, :3], alpha=2.0)
        y.index_fill_(2, m.tensor([1]), -1.0)
        y.scatter_reduce_(2, m.tensor(DUPS[:5, :, :2] % 4), s[:5, :, :2], "amax", include_self=False)
        return y * x

    _compare(chain, [SELF, SRC], dtype)


def test_writes_into_a_view_reach_the_base_with_gradients_like_torch():
    def write(m, x, s):
        y = x * 1.0
        y[1].index_copy_(1, m.tensor([3]), s)
        y[:, 2].scatter_add_(0, m.tensor([[0, 0, 4, 1]]), s.reshape(1, -1)[:, :4] * 2.0)
        return y

    _compare(write, [SELF, RNG.standard_normal((6, 1))], "float64")


def test_in_place_on_a_leaf_that_requires_grad_is_refused_and_allowed_under_no_grad():
    x = cr.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.scatter_(0, cr.tensor([1]), 2.0)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.index_add_(0, cr.tensor([1]), cr.ones(1))
    with cr.no_grad():
        x.index_fill_(0, cr.tensor([0, 2]), 5.0)
    assert x.tolist() == [5.0, 0.0, 5.0] and x.requires_grad


def test_in_place_writes_bump_the_version_and_invalidate_saved_tensors():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.0
    z = y * y  # saves y
    v = y._version
    y.scatter_add_(0, cr.tensor([0, 0]), cr.tensor([1.0, 1.0]))
    assert y._version == v + 1
    assert y.grad_fn.name() == "ScatterAddBackward0"
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_in_place_writes_reach_views_without_history():
    base = cr.zeros(2, 3)
    row = base[1]
    row.index_add_(0, cr.tensor([2, 2]), cr.tensor([1.0, 2.0]))
    assert base.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 3.0]]
    base.scatter_(1, cr.tensor([[0], [0]]), 7.0)
    assert row.tolist() == [7.0, 0.0, 3.0]


def test_dtypes_and_integer_tensors_like_torch():
    for m in (cr, torch):
        ints = m.arange(6).reshape(2, 3)
        assert ints.scatter(1, m.tensor([[0], [2]]), 9).tolist() == [[9, 1, 2], [3, 4, 9]]
        assert ints.scatter_add(0, m.tensor([[1, 1, 1]]), m.tensor([[10, 20, 30]])).tolist() == [[0, 1, 2],
                                                                                                 [13, 24, 35]]
        assert ints.index_add(0, m.tensor([0]), m.tensor([[1, 1, 1]]), alpha=3).tolist() == [[3, 4, 5], [3, 4, 5]]
        assert ints.scatter_reduce(1, m.tensor([[0, 0]]), m.tensor([[5, 7]]), "mean").tolist() == [[4, 1, 2],
                                                                                                   [3, 4, 5]]
        assert str(ints.index_fill(1, m.tensor([1]), 2).dtype).endswith("int64")
    ours = cr.tensor([1.0, 2.0], requires_grad=True).scatter(0, cr.tensor([1]), 5.0)
    assert ours.dtype == cr.float32 and ours.requires_grad and ours.grad_fn.name() == "ScatterBackward1"
    assert cr.tensor([1.0, 2.0]).scatter(0, cr.tensor([1], dtype=cr.int32), cr.tensor([4.0])).tolist() == [1.0, 4.0]


def test_scatter_with_reduce_computes_like_torch_but_has_no_gradient():
    for reduce in ("add", "multiply"):
        x = np.arange(1.0, 7.0).reshape(2, 3)
        idx = [[0, 0, 1], [0, 1, 1]]
        s = np.full((2, 3), 2.0)
        ours = cr.tensor(x).scatter(0, cr.tensor(idx), cr.tensor(s), reduce=reduce)
        with warnings.catch_warnings():  # torch deprecates reduce= with a src tensor (warning once)
            warnings.simplefilter("ignore")
            ref = torch.tensor(x).scatter(0, torch.tensor(idx), torch.tensor(s), reduce=reduce)
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
        y = cr.tensor(x).clone()
        y.scatter_(1, cr.tensor([[2, 2]]), 3.0, reduce=reduce)
        t = torch.tensor(x).clone()
        t.scatter_(1, torch.tensor([[2, 2]]), 3.0, reduce=reduce)
        np.testing.assert_array_equal(y.numpy(), t.numpy())
    w = cr.ones(2, 3, requires_grad=True)
    out = (w * 1.0).scatter(0, cr.tensor([[0, 1, 0]]), cr.ones(1, 3), reduce="add")
    assert out.grad_fn.name() == "NotImplemented"
    with pytest.raises(RuntimeError, match="derivative for scatter with reduce"):
        out.sum().backward()


def test_a_src_larger_than_the_index_gets_a_zero_padded_gradient():
    """PyTorch's backward fails here; the derivative is the gathered gradient with zeros where src is unread."""
    x = cr.tensor(SELF[:3, :2, 0], dtype=cr.float64, requires_grad=True)
    s = cr.tensor(SRC[:4, :3, 0], dtype=cr.float64, requires_grad=True)
    idx = cr.tensor([[2, 0], [1, 1]])
    for fn in (lambda x, s: x.scatter(0, idx, s), lambda x, s: x.scatter_add(0, idx, s),
               lambda x, s: x.scatter_reduce(1, idx % 2, s, "prod", include_self=False),
               lambda x, s: x.scatter_reduce(0, idx, s, "amin")):
        assert cr.gradcheck(fn, (x, s))
        assert cr.autograd.gradgradcheck(fn, (x, s))
    (g,) = cr.autograd.grad(x.scatter_add(0, idx, s).sum(), s)
    assert g.tolist() == [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


def test_amax_without_self_gives_the_scattered_ties_the_whole_gradient():
    """A documented deviation: PyTorch also counts an excluded self equal to the maximum among the ties, so the
    src gradients add up to less than the upstream gradient; here they add up to it."""
    x = cr.tensor([1.0, 5.0], requires_grad=True)
    s = cr.tensor([1.0, 0.0, 1.0], requires_grad=True)
    x.scatter_reduce(0, cr.tensor([0, 0, 0]), s, "amax", include_self=False).sum().backward()
    assert s.grad.tolist() == [0.5, 0.0, 0.5] and x.grad.tolist() == [0.0, 1.0]


def test_roll_matches_torch():
    for shifts, dims in [(3, None), (-7, None), ((1, 2), (0, 2)), ((5, -1, 2), (1, 1, -1)), (0, 0)]:
        _compare(lambda m, x, s=shifts, d=dims: m.roll(x, s, d) * 1.0, [SELF], "float64")
    empty = cr.zeros(0, 3).roll(2, 1)
    assert tuple(empty.shape) == (0, 3)


ERRORS = [
    ("scatter", lambda m: m.zeros(3, 4).scatter(0, m.tensor([[3]]), m.ones(1, 1)), RuntimeError,
     "index 3 is out of bounds for dimension 0 with size 3"),
    ("scatter_neg", lambda m: m.zeros(3, 4).scatter(0, m.tensor([[-1]]), m.ones(1, 1)), RuntimeError,
     "index -1 is out of bounds"),
    ("scatter_float_index", lambda m: m.zeros(3).scatter(0, m.tensor([1.0]), m.ones(1)), RuntimeError,
     "Expected dtype int32/int64 for index"),
    ("scatter_ndim", lambda m: m.zeros(3, 4).scatter(0, m.tensor([1]), m.ones(3, 4)), RuntimeError,
     "Index tensor must have the same number of dimensions"),
    ("scatter_index_too_big", lambda m: m.zeros(3, 4).scatter(0, m.zeros(2, 5, dtype=m.int64), m.ones(3, 5)),
     RuntimeError, "to be no larger than self"),
    ("scatter_index_bigger_than_src", lambda m: m.zeros(3, 4).scatter(0, m.zeros(3, 4, dtype=m.int64), m.ones(2, 4)),
     RuntimeError, "to be no larger size than src"),
    ("scatter_dtype", lambda m: m.zeros(3).scatter(0, m.tensor([1]), m.ones(1, dtype=m.float64)), RuntimeError,
     "Expected self.dtype to be equal to src.dtype"),
    ("scatter_dim", lambda m: m.zeros(3, 4).scatter(2, m.zeros(1, 1, dtype=m.int64), m.ones(1, 1)), IndexError,
     "Dimension out of range"),
    ("scatter_reduce_arg", lambda m: m.zeros(3).scatter(0, m.tensor([1]), m.ones(1), reduce="mean"), RuntimeError,
     "reduce argument must be either add or multiply"),
    ("scatter_add_number", lambda m: m.zeros(3).scatter_add(0, m.tensor([1]), 2.0), TypeError, "must be Tensor"),
    ("scatter_add_dtype", lambda m: m.arange(3).scatter_add(0, m.tensor([1]), m.tensor([2.5])), RuntimeError,
     "Expected self.dtype to be equal to src.dtype"),
    ("index_add_oob", lambda m: m.zeros(3, 4).index_add(0, m.tensor([3]), m.ones(1, 4)), RuntimeError,
     "index 3 is out of bounds for dimension 0 with size 3"),
    ("index_add_count", lambda m: m.zeros(3, 4).index_add(0, m.tensor([0]), m.ones(2, 4)), RuntimeError,
     r"Number of indices \(1\) should be equal to source.size\(dim\)"),
    ("index_add_shape", lambda m: m.zeros(3, 4).index_add(0, m.tensor([0]), m.ones(1, 5)), RuntimeError,
     "source tensor shape must match self tensor shape"),
    ("index_add_no_broadcast", lambda m: m.zeros(3, 4).index_add(0, m.tensor([0]), m.ones(4)), RuntimeError,
     r"Number of indices \(1\) should be equal to source.size\(dim\): \(4\)"),
    ("index_add_no_broadcast_2", lambda m: m.zeros(3, 4).index_add(0, m.tensor([0]), m.ones(1, 1)), RuntimeError,
     "source tensor shape must match self tensor shape"),
    ("index_copy_no_broadcast", lambda m: m.zeros(3, 4).index_copy(1, m.tensor([0]), m.ones(1, 1)), RuntimeError,
     "index_copy"),
    ("scatter_src_no_broadcast", lambda m: m.zeros(3, 4).scatter(1, m.zeros(3, 2, dtype=m.int64), m.ones(1, 2)),
     RuntimeError, "to be no larger size than src"),
    ("scatter_add_src_no_broadcast", lambda m: m.zeros(3, 4).scatter_add(1, m.zeros(3, 2, dtype=m.int64),
                                                                          m.ones(2)), RuntimeError,
     "Index tensor must have the same number of dimensions"),
    ("index_add_2d_index", lambda m: m.zeros(3, 4).index_add(0, m.tensor([[0]]), m.ones(1, 4)), IndexError,
     "Index is supposed to be a vector"),
    ("index_add_float_index", lambda m: m.zeros(3, 4).index_add(0, m.tensor([0.0]), m.ones(1, 4)), RuntimeError,
     "Expected dtype int32/int64 for index"),
    ("index_add_dtype", lambda m: m.zeros(3, 4).index_add(0, m.tensor([0]), m.ones(1, 4, dtype=m.float64)),
     RuntimeError, "must have the same scalar type"),
    ("index_copy_oob", lambda m: m.zeros(3, 4).index_copy(0, m.tensor([-1]), m.ones(1, 4)), IndexError,
     "index -1 is out of bounds for dimension 0 with size 3"),
    ("index_fill_oob", lambda m: m.zeros(3, 4).index_fill(0, m.tensor([5]), 1.0), IndexError,
     "index 5 is out of bounds for dimension 0 with size 3"),
    ("index_fill_1d_value", lambda m: m.zeros(3, 4).index_fill(0, m.tensor([1]), m.tensor([1.0])), RuntimeError,
     "only supports a 0-dimensional value tensor"),
    ("roll_align", lambda m: m.zeros(3, 4).roll((1, 2), 0), RuntimeError, "shifts and dimensions must align"),
    ("roll_align_none", lambda m: m.zeros(3, 4).roll((1, 2)), RuntimeError, "shifts and dimensions must align"),
    ("roll_dim", lambda m: m.zeros(3, 4).roll(1, 2), IndexError, "Dimension out of range"),
    ("roll_0d_dim", lambda m: m.tensor(1.0).roll(1, 0), IndexError, "Dimension specified as 0 but tensor has no"),
    ("roll_no_shifts", lambda m: m.zeros(3).roll((), ()), RuntimeError, "`shifts` required"),
]


@pytest.mark.parametrize("name,fn,kind,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_like_torch(name, fn, kind, message):
    with pytest.raises(kind, match=message):
        fn(torch)
    with pytest.raises(kind, match=message):
        fn(cr)


def test_errors_name_the_op():
    with pytest.raises(RuntimeError, match=r"^index_add\(\)"):
        cr.zeros(3).index_add(0, cr.tensor([5]), cr.ones(1))
    with pytest.raises(RuntimeError, match=r"^scatter_reduce\(\): reduce argument must be one of"):
        cr.zeros(3).scatter_reduce(0, cr.tensor([0]), cr.ones(1), "max")
    with pytest.raises(RuntimeError, match=r"^roll"):
        cr.zeros(3).roll((1, 2), 0)


def test_gather_is_the_adjoint_of_scatter_add():
    """<scatter_add(0, idx, s), y> == <s, gather(y, 0, idx)> on random data (gather already existed)."""
    y = cr.tensor(RNG.standard_normal((5, 6, 4)), dtype=cr.float64)
    s = cr.tensor(SRC, dtype=cr.float64)
    lhs = (cr.zeros(5, 6, 4, dtype=cr.float64).scatter_add(0, cr.tensor(DUPS), s) * y).sum().item()
    rhs = (s * y.gather(0, cr.tensor(DUPS))).sum().item()
    assert lhs == pytest.approx(rhs, rel=1e-12)
