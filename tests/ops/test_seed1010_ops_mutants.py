"""Tests that kill survivors of the seed-1010 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_local_derivatives_observed_under_create_graph_are_tensors_like_the_step(dtype: str) -> None:
    """With create_graph=True the backward pass runs on tensors: an observed step's local derivatives are
    tensors too, of the output's dtype, and upstream * local is the contribution; the derivatives against
    PyTorch's (seed-1010 survivor ops/registry.py:227, `_unit_like`'s tensor branch dropped, which gave NumPy
    ones as the unit upstream)."""
    values = [0.5, -1.25, 2.0]
    x = cr.tensor(values, dtype=getattr(cr, dtype), requires_grad=True)
    with cr.autograd.observe() as steps:
        (g,) = cr.autograd.grad((x.tanh() * x).sum(), x, create_graph=True)
    elementwise = [s for s in steps if s.op_name in ("tanh", "mul")]
    assert sorted(s.op_name for s in elementwise) == ["mul", "tanh"]
    for step in elementwise:
        for local, contribution in zip(step.local, step.contributions):
            assert type(local) is cr.Tensor and local.dtype == getattr(cr, dtype), (step.op_name, type(local))
            np.testing.assert_allclose((step.upstream * local).detach().numpy(), contribution.detach().numpy())
    tx = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    (tg,) = torch.autograd.grad((tx.tanh() * tx).sum(), tx, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-6)
    tanh = next(s for s in elementwise if s.op_name == "tanh")
    np.testing.assert_allclose(tanh.local[0].detach().numpy(), 1 - np.tanh(np.array(values)) ** 2, rtol=1e-6)


def _view_after_data_swap(lib) -> tuple:  # noqa: ANN001
    x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    y = x * 2
    v = y[1:]  # a view of y's memory as it is now
    y.data = lib.zeros(2, dtype=lib.float64)  # y now holds other memory: v does not see it
    y.add_(1)  # recorded in place on y
    values = (v.tolist(), y.tolist())
    (v.sum() * 3 + y.sum()).backward()
    return values, x.grad.tolist()


def test_an_inplace_op_leaves_a_view_of_memory_the_base_no_longer_holds() -> None:
    """After `y.data = ...`, a view made before holds y's old memory: a recorded `y.add_` must not rebuild it
    from y's new value (seed-1010 survivors on ops/views.py:81, the test that skips views not sharing the old
    memory dropped or made an `and`). Values and gradient against PyTorch."""
    assert _view_after_data_swap(cr) == _view_after_data_swap(torch)


def _gather_message(lib, index: list[int]) -> str:  # noqa: ANN001
    with pytest.raises((IndexError, RuntimeError)) as info:
        lib.gather(lib.tensor([1.0, 2.0, 3.0]), 0, lib.tensor(index))
    return str(info.value)


@pytest.mark.parametrize("index", [[0, 5], [2, 0, 7], [1, 3], [-2, 1], [0, -1, 4]])
def test_gather_names_the_out_of_range_index_as_pytorch(index: list[int]) -> None:
    """The refusal names the offending index (the smallest if one is negative, else the largest), with
    PyTorch's wording, also when the smallest index is 0 (seed-1010 survivor ops/indexing.py:207,
    `min() < 0` -> `min() < 1` named index 0)."""
    assert _gather_message(cr, index) == "gather: " + _gather_message(torch, index)


@pytest.mark.parametrize(("equation", "bad"), [("i1,i->", "i1"), ("i_,i->", "i_"), ("i,i->#", "#"), ("i..,i->", "i..")])
def test_einsum_refuses_subscripts_that_are_not_letters(equation: str, bad: str) -> None:
    """PyTorch raises RuntimeError for a subscript outside [a-zA-Z]; chainrule too, naming the bad subscripts
    (seed-1010 survivor ops/linalg.py:145, the raise dropped: NumPy's own error, or none, followed)."""
    a, b = torch.ones(2), torch.ones(2)
    with pytest.raises(RuntimeError):
        torch.einsum(equation, a, b)
    with pytest.raises(RuntimeError, match="einsum: invalid subscripts") as info:
        cr.einsum(equation, cr.ones(2), cr.ones(2))
    assert repr(bad) in str(info.value)
