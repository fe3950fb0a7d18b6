"""Tests written for survivors of the first exhaustive mutation pass (scripts/mutate.py --all, fork runner) in ops,
each checked against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("index", [[0, 5], [5, 0], [2, 7, 1]])
def test_an_out_of_range_index_names_the_largest_when_none_is_negative(index: list[int]) -> None:
    # ops/scatter.py's range check reports the smallest index only when it is negative
    with pytest.raises(RuntimeError) as want:
        torch.zeros(3).scatter_add(0, torch.tensor(index), torch.ones(len(index)))
    with pytest.raises(RuntimeError) as got:
        cr.zeros(3).scatter_add(0, cr.tensor(index), cr.ones(len(index)))
    assert str(want.value) in str(got.value)
    with pytest.raises(RuntimeError, match=f"index {max(index)} is out of bounds"):
        cr.zeros(3).index_add(0, cr.tensor(index), cr.ones(len(index)))


def test_svd_gradient_of_a_singular_square_matrix_through_the_singular_values() -> None:
    # ops/linalg.py: the extra term for tall matrices divides by the singular values; a square singular matrix
    # must not take it (0/0 there), and its gradient through S is finite, as in PyTorch
    for a in (np.array([[1.0, 2.0], [2.0, 4.0]]), np.array([[3.0, 0.0], [0.0, 0.0]]), np.zeros((3, 3))):
        t = torch.tensor(a, requires_grad=True)
        torch.linalg.svd(t).S.sum().backward()
        c = cr.tensor(a, requires_grad=True)
        cr.linalg.svd(c).S.sum().backward()
        np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), atol=1e-7)


@pytest.mark.parametrize("a", [[[3.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [0.5, 3.0]]])
def test_svd_gradient_through_u_of_a_square_matrix(a: list) -> None:
    # ops/linalg.py: the term only tall matrices need divides by S; a square matrix with a zero singular value
    # must not take it (PyTorch gives zeros, the term inf/nan); (U**2) weighs each column sign-independently
    w = np.array([[1.0, 2.0], [3.0, 5.0]])
    grads = []
    for m in (torch, cr):
        x = m.tensor(a, dtype=m.float64, requires_grad=True)
        u = m.linalg.svd(x)[0]
        ((u**2) * m.tensor(w)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-12)
