"""`sort`, `argsort` and `topk` beyond the op table: ties (sort is stable, as PyTorch's CPU sort; topk takes
the first occurrences), NaN, named results, and gradients scattered to the selected positions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _ties(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, shape).astype(np.float64)
    x.flat[rng.integers(0, x.size, 3)] = np.nan
    return x


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("seed", range(4))
def test_sort_with_many_ties_and_nans_equals_torch(seed, dim, descending):
    """chainrule always sorts stably: PyTorch's `stable=True`. PyTorch's CPU sort without it is stable only for
    slices of up to 16 elements; beyond that its order of ties is unspecified (the values agree)."""
    x = _ties(seed, (40, 60))
    ref = torch.sort(torch.tensor(x), dim=dim, descending=descending, stable=True)
    unstable = torch.sort(torch.tensor(x), dim=dim, descending=descending)
    for stable in (False, True):
        ours = cr.sort(cr.tensor(x), dim, descending, stable=stable)
        np.testing.assert_array_equal(ours.indices.numpy(), ref.indices.numpy())
        np.testing.assert_array_equal(ours.values.numpy(), ref.values.numpy())
        np.testing.assert_array_equal(ours.values.numpy(), unstable.values.numpy())
        np.testing.assert_array_equal(cr.argsort(cr.tensor(x), dim, descending).numpy(), ref.indices.numpy())
    small = x[:16, :16]
    np.testing.assert_array_equal(cr.sort(cr.tensor(small), dim, descending).indices.numpy(),
                                  torch.sort(torch.tensor(small), dim=dim, descending=descending).indices.numpy())


@pytest.mark.parametrize("dtype", ["int64", "bool", "float32"])
def test_sort_other_dtypes(dtype):
    x = np.random.default_rng(1).integers(0, 3, (5, 7))
    for descending in (False, True):
        ours = cr.tensor(x).to(getattr(cr, dtype)).sort(1, descending=descending)
        ref = torch.tensor(x).to(getattr(torch, dtype)).sort(dim=1, descending=descending, stable=True)
        np.testing.assert_array_equal(ours.indices.numpy(), ref.indices.numpy())
        np.testing.assert_array_equal(ours.values.numpy(), ref.values.numpy())
        assert ours.values.dtype == getattr(cr, dtype)


def test_topk_ties_take_the_first_occurrences_and_agree_with_torch_on_values():
    x = np.array([[1.0, 3.0, 3.0, 2.0, 3.0, 1.0, 0.0, 1.0]])
    ours = cr.tensor(x).topk(3)
    assert ours.indices.tolist() == [[1, 2, 4]]
    assert cr.tensor(x).topk(3, largest=False).indices.tolist() == [[6, 0, 5]]
    for seed in range(4):
        y = _ties(seed, (30, 50))
        for largest in (True, False):
            o = cr.tensor(y).topk(7, dim=1, largest=largest)
            t = torch.tensor(y).topk(7, dim=1, largest=largest)
            np.testing.assert_array_equal(o.values.numpy(), t.values.numpy())  # the values never depend on ties
            np.testing.assert_array_equal(np.take_along_axis(y, o.indices.numpy(), 1), o.values.numpy())
            first = cr.tensor(y).sort(1, descending=largest).indices[:, :7]  # ties: first occurrences
            np.testing.assert_array_equal(o.indices.numpy(), first.numpy())


def test_gradient_goes_to_the_selected_positions_also_at_ties():
    x = cr.tensor([3.0, 1.0, 3.0, 2.0], requires_grad=True)
    values, indices = x.topk(2)
    assert indices.tolist() == [0, 2]
    (values * cr.tensor([10.0, 20.0])).sum().backward()
    assert x.grad.tolist() == [10.0, 0.0, 20.0, 0.0]
    x.grad = None
    s = x.sort(descending=True)
    (s.values * cr.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 4.0, 2.0, 3.0]


def test_named_results_and_grad_fn_names():
    x = cr.tensor([[2.0, 1.0], [0.0, 5.0]], requires_grad=True)
    s = cr.sort(x)
    assert s.values is s[0] and s.indices is s[1] and type(s).__name__ == "SortResult"
    assert s.values.grad_fn.name() == "SortBackward0" and s.indices.dtype == cr.int64
    t = cr.topk(x, 1)
    assert t.values is t[0] and type(t).__name__ == "TopkResult" and t.values.grad_fn.name() == "TopkBackward0"
    assert not t.indices.requires_grad
    assert x.tril().grad_fn.name() == "TrilBackward0" and x.cumprod(0).grad_fn.name() == "CumprodBackward0"
    assert cr.lerp(x, x, 0.5).grad_fn.name() == "LerpBackward0"
    assert cr.lerp(x, x, cr.tensor(0.5)).grad_fn.name() == "LerpBackward1"
