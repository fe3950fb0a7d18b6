"""Tests that kill survivors of the seed-1212 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

_X = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("kwargs", [{"axis": 1}, {"axis": 0}, {"axis": -1, "keepdims": True},
                                    {"dim": 1, "keepdims": True}])
def test_max_min_take_numpy_axis_aliases(name: str, kwargs: dict) -> None:
    """`cr.max(x, axis=1)` reduces over axis 1 (values and indices), as `torch.max(x, axis=1)` (seed-1212 survivor
    ops/reductions.py:245, `axis is not None` -> `is None`: the alias was then ignored)."""
    got = getattr(cr, name)(cr.tensor(_X), **kwargs)
    ref = getattr(torch, name)(torch.tensor(_X), **kwargs)
    np.testing.assert_array_equal(got.values.numpy(), ref.values.numpy())
    np.testing.assert_array_equal(got.indices.numpy(), ref.indices.numpy())
    assert tuple(got.values.shape) == tuple(ref.values.shape)


@pytest.mark.parametrize("correction", [0, 1])
def test_std_second_derivative_at_a_constant_row_is_finite(correction: int) -> None:
    """std's gradient at a constant row (std 0) is 0, and so is its derivative: the double backward gives
    PyTorch's numbers, no NaN (seed-1212 survivor ops/reductions.py:321, the guard `o == 0` -> `o == 1`: the
    first derivative stayed 0 but the second became NaN)."""
    data = np.array([[2.0, 2.0, 2.0], [1.0, 3.0, 4.5]])
    w = np.array([[0.3, -1.2, 0.7], [1.1, 0.4, -0.9]])
    x = cr.tensor(data, requires_grad=True)
    g, = cr.autograd.grad(x.std(dim=-1, correction=correction).sum(), x, create_graph=True)
    h, = cr.autograd.grad((g * cr.tensor(w)).sum(), x)
    xt = torch.tensor(data, requires_grad=True)
    gt, = torch.autograd.grad(xt.std(dim=-1, correction=correction).sum(), xt, create_graph=True)
    ht, = torch.autograd.grad((gt * torch.tensor(w)).sum(), xt)
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h.numpy(), ht.numpy(), rtol=1e-10, atol=1e-15)
    assert np.isfinite(h.numpy()).all() and (h.numpy()[0] == 0).all()


@pytest.mark.parametrize("case", ["topk1", "sort1", "sort1x1", "topk0d", "sort0d"])
def test_sort_topk_keep_a_one_element_result_shape(case: str) -> None:
    """A one-element result of a 1-d or 2-d input keeps its shape (1,) / (1, 1); only a 0-d input gives 0-d
    values and indices, as PyTorch (seed-1212 survivor ops/sorting.py:83, `scalar and size == 1` -> `or`)."""
    data = {"topk1": [3.0, 1.0, 2.0], "sort1": [4.0], "sort1x1": [[4.0]], "topk0d": 5.0, "sort0d": 5.0}[case]
    x, xt = cr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    if case.startswith("topk"):
        got, ref = cr.topk(x, 1), torch.topk(xt, 1)
    else:
        got, ref = cr.sort(x), torch.sort(xt)
    assert tuple(got.values.shape) == tuple(ref.values.shape)
    assert tuple(got.indices.shape) == tuple(ref.indices.shape)
    np.testing.assert_array_equal(got.indices.numpy(), ref.indices.numpy())
    got.values.sum().backward()
    ref.values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("name", ["sort", "topk", "argsort"])
@pytest.mark.parametrize("dim", [1, -2, 2])
def test_sort_topk_of_a_0d_tensor_refuse_dims_beyond_0_and_minus_1(name: str, dim: int) -> None:
    """A 0-d input takes dim 0 or -1 only; others raise IndexError with PyTorch's range (written for the seed-1212
    survivor ops/sorting.py:49, `wrap_dim(dim, 0, ...)` -> `wrap_dim(dim, 1, ...)`, which turned out equivalent:
    wrap_dim treats 0 dimensions as 1; the refusal had no test)."""
    args = (1,) if name == "topk" else ()
    with pytest.raises(IndexError):
        getattr(torch, name)(torch.tensor(2.0), *args, dim=dim)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-1, 0\]"):
        getattr(cr, name)(cr.tensor(2.0), *args, dim=dim)
    for ok in (0, -1):
        got = getattr(cr, name)(cr.tensor(2.0), *args, dim=ok)
        ref = getattr(torch, name)(torch.tensor(2.0), *args, dim=ok)
        np.testing.assert_array_equal(np.asarray(got[0] if name != "argsort" else got),
                                      np.asarray(ref[0] if name != "argsort" else ref))


@pytest.mark.parametrize("data", [[True, False], True, []], ids=["1-d", "0-d", "empty"])
def test_neg_of_a_bool_tensor_is_refused_naming_the_op_and_the_way_out(data: object) -> None:
    """`-b` / `cr.neg(b)` on a bool tensor is refused (torch refuses it too) with chainrule's message, which names
    the op and points to `~`/logical_not (seed-1212 survivor ops/elementwise.py:442, the check removed: NumPy's
    own TypeError, naming neither the op nor the tensor, escaped)."""
    with pytest.raises((TypeError, RuntimeError)):
        -torch.tensor(data, dtype=torch.bool)
    b = cr.tensor(data, dtype=cr.bool)
    for call in (lambda: -b, lambda: cr.neg(b), lambda: b.neg()):
        with pytest.raises(TypeError, match=r"^neg: negation, the `-` operator, on a bool tensor .*logical_not"):
            call()
