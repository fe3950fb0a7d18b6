"""The PyTorch functions and Tensor methods added for parity (nonzero, narrow, diagonal, median, unique, bernoulli,
is_contiguous, stride, ...): what the op table cannot check (errors, layout queries, dtypes of index results,
random draws). Values and gradients are in the op table, `_ops_cases.py`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

# the bad calls, `m` chainrule or torch: chainrule must raise torch's exception type, naming the op
BAD = {
    "narrow_start": lambda m: m.ones(3, 4).narrow(0, 5, 1),
    "narrow_length": lambda m: m.ones(3, 4).narrow(0, 1, 5),
    "narrow_dim": lambda m: m.ones(3, 4).narrow(2, 0, 1),
    "narrow_0d": lambda m: m.tensor(1.0).narrow(0, 0, 1),
    "select_index": lambda m: m.ones(3, 4).select(0, 5),
    "select_0d": lambda m: m.tensor(1.0).select(0, 0),
    "diagonal_same_dims": lambda m: m.ones(3, 4).diagonal(0, 1, -1),
    "diagonal_1d": lambda m: m.ones(3).diagonal(),
    "tile_negative": lambda m: m.tile(m.ones(3, 4), (-1,)),
    "tensor_split_zero": lambda m: m.tensor_split(m.ones(3), 0),
    "tensor_split_float_tensor": lambda m: m.tensor_split(m.ones(3), m.tensor([1.0])),
    "tensor_split_0d": lambda m: m.tensor_split(m.tensor(1.0), 2),
    "split_with_sizes_sum": lambda m: m.ones(3, 4).split_with_sizes([1, 1]),
    "masked_select_int_mask": lambda m: m.masked_select(m.ones(2), m.tensor([1, 0])),
    "masked_select_shapes": lambda m: m.masked_select(m.ones(2, 2), m.tensor([True, False, True])),
    "addmm_shapes": lambda m: m.addmm(m.ones(2, 2), m.ones(2, 3), m.ones(2, 2)),
    "addmm_input": lambda m: m.addmm(m.ones(3), m.ones(2, 3), m.ones(3, 2)),
    "addcdiv_int": lambda m: m.addcdiv(m.ones(2, dtype=m.long), m.ones(2, dtype=m.long), m.ones(2, dtype=m.long)),
    "frac_int": lambda m: m.frac(m.tensor([3])),
    "fmod_int_zero": lambda m: m.fmod(m.tensor([-7, 5]), 0),
    "median_empty_dim": lambda m: m.median(m.zeros(2, 0), 1),
    "kthvalue_k": lambda m: m.kthvalue(m.ones(2, 4), 5),
    "mode_dim": lambda m: m.mode(m.ones(2, 4), 2),
    "count_nonzero_dim": lambda m: m.count_nonzero(m.ones(2, 4), 5),
    "unique_dim": lambda m: m.unique(m.ones(2, 4), dim=2),
    "unique_0d_dim": lambda m: m.unique(m.tensor(3.0), dim=0),
    "bernoulli_int": lambda m: m.bernoulli(m.tensor([1, 0])),
    "bernoulli_p": lambda m: m.bernoulli(m.tensor([1.5])),
    "stride_dim": lambda m: m.ones(3, 4).stride(3),
    "tensordot_sizes": lambda m: m.tensordot(m.ones(2, 3), m.ones(2, 3), dims=1),
    "tensordot_negative": lambda m: m.tensordot(m.ones(2, 3), m.ones(3, 2), dims=-1),
    "cdist_columns": lambda m: m.cdist(m.ones(2, 3), m.ones(4, 2)),
    "cdist_1d": lambda m: m.cdist(m.ones(3), m.ones(3)),
    "rot90_same_dims": lambda m: m.rot90(m.ones(2, 3), 1, [0, 0]),
    "rot90_1d": lambda m: m.rot90(m.ones(3)),
    "cross_size": lambda m: m.cross(m.ones(2, 2), m.ones(2, 2), dim=1),
    "cross_broadcast": lambda m: m.cross(m.ones(3, 3), m.ones(1, 3), dim=0),
    "searchsorted_side": lambda m: m.searchsorted(m.tensor([1, 2]), m.tensor([1]), side="middle"),
    "searchsorted_rows": lambda m: m.searchsorted(m.tensor([[1, 2], [3, 4]]), m.tensor([[1], [2], [3]])),
    "bucketize_2d": lambda m: m.bucketize(m.tensor([1]), m.tensor([[1, 2]])),
    "heaviside_dtypes": lambda m: m.heaviside(m.ones(2), m.tensor(1.0, dtype=m.float64)),
    "nanmean_int": lambda m: m.nanmean(m.tensor([1, 2])),
    "trace_1d": lambda m: m.ones(3).trace(),
    "positive_bool": lambda m: m.positive(m.tensor([True])),
    "cummax_dim": lambda m: m.cummax(m.ones(2, 3), 2),
    "logcumsumexp_dim": lambda m: m.logcumsumexp(m.ones(2, 3), -3),
    "inverse_singular": lambda m: m.inverse(m.zeros(2, 2)),
    "inverse_shape": lambda m: m.inverse(m.ones(2, 3)),
    "det_int": lambda m: m.det(m.ones(2, 2, dtype=m.long)),
    "logdet_1d": lambda m: m.logdet(m.ones(2)),
    "quantile_q": lambda m: m.quantile(m.ones(3), 1.5),
    "quantile_empty": lambda m: m.quantile(m.ones(0), 0.5),
    "quantile_int": lambda m: m.quantile(m.tensor([1, 2]), 0.5),
    "quantile_mode": lambda m: m.quantile(m.ones(3), 0.5, interpolation="cubic"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_raises_torchs_exception_type_naming_the_op(name):
    with pytest.raises(Exception) as torch_exc:
        BAD[name](torch)
    # torch's own subclasses (torch.linalg.LinAlgError is a RuntimeError): the builtin type they derive from
    expected = next(c for c in type(torch_exc.value).__mro__ if c.__module__ == "builtins")
    with pytest.raises(expected) as exc:
        BAD[name](cr)
    op = name.split("_")[0] if not name.startswith(("tensor_split", "split_with", "masked_select", "count_nonzero")) \
        else "_".join(name.split("_")[:2])
    assert op in str(exc.value), f"{name}: {op!r} not named in {str(exc.value)!r}"


LAYOUTS = {
    "new": lambda m, x: x,
    "t": lambda m, x: x.t(),
    "row": lambda m, x: x[1],
    "rows": lambda m, x: x[1:],
    "cols": lambda m, x: x[:, 1:3],
    "step": lambda m, x: x[:, ::2],
    "unsqueeze": lambda m, x: x.unsqueeze(1),
    "expand": lambda m, x: x.expand(2, 3, 4),
    "permute": lambda m, x: x.reshape(3, 2, 2).permute(2, 0, 1),
    "column": lambda m, x: x[:, :1],
    "empty": lambda m, x: m.zeros(0, 3),
    "empty_middle": lambda m, x: m.zeros(2, 0, 3),
    "0d": lambda m, x: x[0, 0],
    "contiguous_of_t": lambda m, x: x.t().contiguous(),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_is_contiguous_stride_and_sizes_as_torch(name):
    got = LAYOUTS[name](cr, cr.arange(12.0).reshape(3, 4))
    want = LAYOUTS[name](torch, torch.arange(12.0).reshape(3, 4))
    assert got.is_contiguous() == want.is_contiguous()
    assert got.stride() == want.stride()
    assert [got.stride(d) for d in range(-got.ndim, got.ndim)] == [want.stride(d) for d in range(-want.ndim, want.ndim)]
    assert (got.element_size(), got.itemsize, got.nbytes) == (want.element_size(), want.itemsize, want.nbytes)


def test_contiguous_copies_only_a_non_contiguous_tensor():
    x = cr.arange(6.0).reshape(2, 3).requires_grad_()
    assert x.contiguous() is x
    y = x.t().contiguous()
    assert y.is_contiguous() and y.stride() == (2, 1) and y.grad_fn.name() == "CloneBackward0"
    (y * cr.arange(6.0).reshape(3, 2)).sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]
    for dtype, size in ((cr.float64, 8), (cr.int64, 8), (cr.bool, 1), (cr.float16, 2), (cr.int32, 4)):
        assert cr.zeros(2, dtype=dtype).element_size() == size


def test_index_results_are_int64_and_take_no_gradient():
    x = cr.tensor([[0.0, 1.5], [2.0, 0.0]], requires_grad=True)
    for out in (x.nonzero(), cr.argwhere(x), *cr.nonzero(x, as_tuple=True), cr.count_nonzero(x),
                x.median(1).indices, x.kthvalue(1).indices, x.mode(0).indices, x.unique(return_inverse=True)[1],
                x.unique(return_counts=True)[1]):
        assert out.dtype == cr.int64 and not out.requires_grad
    assert not x.unique().requires_grad  # torch's output has a grad_fn that raises on backward; see semantics.md


def test_narrow_and_select_are_views_sharing_memory():
    x = cr.zeros(3, 4)
    x.narrow(1, 1, 2)[0, 0] = 5.0
    x.select(0, 2)[3] = 7.0
    assert x.tolist() == [[0.0, 5.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 7.0]]


def test_median_all_shares_the_gradient_among_equal_elements_as_torch():
    data = [[1.0, 2.0, 2.0], [3.0, 2.0, 0.0]]
    for m in (cr, torch):
        x = m.tensor(data, requires_grad=True)
        x.median().backward()
        if m is cr:
            got = x.grad.tolist()
        else:
            want = x.grad.tolist()
    assert got == want
    assert cr.median(cr.tensor([1, 5, 3, 4])).item() == 3 and cr.median(cr.tensor([1, 5, 3, 4])).dtype == cr.int64
    assert np.isnan(cr.tensor([1.0, float("nan"), 3.0]).median().item())
    values, indices = cr.tensor([[1.0, float("nan"), 3.0]]).median(1)
    assert np.isnan(values.item()) and indices.tolist() == [1]


def test_bernoulli_draws_from_the_seeded_generator():
    p = cr.full((20_000,), 0.3)
    cr.manual_seed(5)
    a = cr.bernoulli(p)
    cr.manual_seed(5)
    assert cr.equal(a, p.bernoulli())
    assert a.dtype == cr.float32 and set(np.unique(a.numpy())) <= {0.0, 1.0}
    assert abs(a.mean().item() - 0.3) < 0.02
    assert cr.bernoulli(cr.tensor([0.0, 1.0], dtype=cr.float64)).tolist() == [0.0, 1.0]
    assert cr.bernoulli(cr.tensor([0.0, 1.0], dtype=cr.float64)).dtype == cr.float64
    assert cr.equal(cr.bernoulli(p, generator=cr.Generator(1)), cr.bernoulli(p, generator=cr.Generator(1)))
    assert abs(cr.bernoulli(cr.zeros(20_000), 0.7).mean().item() - 0.7) < 0.02
    assert not cr.bernoulli(cr.full((3,), 0.5, requires_grad=True)).requires_grad


def test_tensor_split_and_tile_shapes_as_torch():
    for spec in (1, 2, 3, 5, 7, [0], [1, 1], [5, 2], [-2, -1], [10]):
        got = [tuple(p.shape) for p in cr.arange(7.0).reshape(7, 1).tensor_split(spec)]
        want = [tuple(p.shape) for p in torch.arange(7.0).reshape(7, 1).tensor_split(spec)]
        assert got == want, spec
    for dims in ((2,), (1, 2), (2, 1, 1), (0,), ()):
        assert tuple(cr.ones(2, 3).tile(dims).shape) == tuple(torch.ones(2, 3).tile(dims).shape), dims


def test_new_functions_are_in_the_namespace_and_methods():
    for name in ("nonzero", "argwhere", "masked_select", "narrow", "select", "diagonal", "tile", "addmm", "addcmul",
                 "addcdiv", "nan_to_num", "clamp_min", "clamp_max", "fmod", "frac", "median", "unique", "bernoulli",
                 "count_nonzero", "ravel", "split_with_sizes", "tensor_split", "kthvalue", "mode"):
        assert name in cr.__all__ and callable(getattr(cr, name)) and hasattr(cr.Tensor, name), name
    for name in ("type_as", "is_contiguous", "stride", "element_size", "nbytes", "itemsize"):
        assert hasattr(cr.Tensor, name) and not hasattr(cr, name), name


INPLACE_VIEWS = {
    "squeeze_": lambda x: x.reshape(1, 3, 1, 2).squeeze_(),
    "squeeze_dim": lambda x: x.reshape(1, 6).squeeze_(0),
    "squeeze_dims": lambda x: x.reshape(1, 6, 1).squeeze_((0, 2)),
    "unsqueeze_": lambda x: x.unsqueeze_(-1),
    "t_": lambda x: x.t_(),
    "t_1d": lambda x: x.reshape(6).t_(),
    "transpose_": lambda x: x.transpose_(1, 0),
}


@pytest.mark.parametrize("name", sorted(INPLACE_VIEWS))
def test_inplace_view_ops_as_torch(name):
    got = INPLACE_VIEWS[name](cr.arange(6.0).reshape(2, 3))
    want = INPLACE_VIEWS[name](torch.arange(6.0).reshape(2, 3))
    assert tuple(got.shape) == tuple(want.shape) and got.tolist() == want.tolist()
    assert got.stride() == want.stride() and got.is_contiguous() == want.is_contiguous()


def test_inplace_view_ops_return_self_share_memory_and_refuse_what_torch_refuses():
    x = cr.zeros(2, 3)
    assert x.t_() is x and x._version == 1
    x[0, 1] = 5.0
    assert x.t().tolist() == [[0.0, 0.0, 0.0], [5.0, 0.0, 0.0]]
    for m in (cr, torch):
        leaf = m.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            leaf.unsqueeze_(0)
        with m.no_grad():
            assert tuple(leaf.unsqueeze_(0).shape) == (1, 2, 3)
        with pytest.raises(RuntimeError, match="t_"):
            m.ones(2, 3, 4).t_()
        with pytest.raises(IndexError):
            m.ones(2, 3).transpose_(0, 5)
        y = m.ones(2, 3, requires_grad=True).exp()
        y.unsqueeze_(0)  # exp saved its output: backward must refuse, as torch
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_inplace_view_op_on_a_view_writes_reach_the_base():
    for m in (cr, torch):
        base = m.zeros(2, 3)
        row = base[1]
        row.unsqueeze_(0)
        row[0, 2] = 4.0
        assert base.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 4.0]]
        assert tuple(row.shape) == (1, 3)


def test_shape_changed_in_place_after_use_plain_backward_as_torch_create_graph_refused():
    w = np.arange(12.0).reshape(3, 4)
    grads = []
    for m in (cr, torch):
        x = m.tensor(np.ones((3, 4)), requires_grad=True)
        y = x * 2.0
        z = y + 1.0  # add keeps no copy of y
        y.t_()
        (z * m.tensor(w)).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    assert np.array_equal(grads[0], grads[1])
    x = cr.ones(3, 4, dtype=cr.float64, requires_grad=True)
    y = x * 2.0
    z = y + 1.0
    y.t_()
    with pytest.raises(RuntimeError, match="changed in place"):  # never a silently reordered gradient
        cr.autograd.grad((z * cr.tensor(w)).sum(), x, create_graph=True)


def test_digamma_second_derivative_raises_instead_of_a_wrong_value():
    x = cr.tensor([0.7, 2.5], dtype=cr.float64, requires_grad=True)
    (g,) = cr.autograd.grad(cr.digamma(x).sum(), x, create_graph=True)  # trigamma, recorded
    want = torch.polygamma(1, torch.tensor([0.7, 2.5], dtype=torch.float64))
    np.testing.assert_allclose(g.detach().numpy(), want.numpy(), rtol=1e-8)
    with pytest.raises(RuntimeError, match="polygamma"):
        cr.autograd.grad(g.sum(), x)
    (h,) = cr.autograd.grad(cr.autograd.grad(cr.lgamma(x).sum(), x, create_graph=True)[0].sum(), x)
    np.testing.assert_allclose(h.numpy(), want.numpy(), rtol=1e-8)  # lgamma's second derivative is trigamma
