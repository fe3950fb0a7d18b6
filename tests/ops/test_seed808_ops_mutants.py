"""Tests that kill survivors of the seed-808 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import chainrule as cr

_BASES = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5]
_EXPONENTS = [0.0, 0.5, 1.0, 2.0, 3.0, -1.0, -0.5]


def _pow_grads(lib, a0: float, b0: float) -> list[np.ndarray]:  # noqa: ANN001
    a = lib.tensor([a0], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([b0], dtype=lib.float64, requires_grad=True)
    return [g.numpy() for g in lib.autograd.grad(lib.pow(a, b).sum(), (a, b))]


@pytest.mark.parametrize(("a0", "b0"), list(itertools.product(_BASES, _EXPONENTS)))
def test_pow_gradients_at_signed_zero_bases_match_pytorch_bit_for_bit(a0: float, b0: float) -> None:
    """d/da and d/db of a ** b, including the sign of a zero gradient: at a = -0.0 and b = 1 or 3 the exponent's
    gradient is +0.0 (PyTorch masks a == 0, b >= 0 to 0), not out * log(1) = -0.0 (seed-808 survivors on
    ops/elementwise.py:188, the mask's `a == 0` -> `a == 1`)."""
    for got, expected in zip(_pow_grads(cr, a0, b0), _pow_grads(torch, a0, b0)):
        if np.isnan(expected).all():
            assert np.isnan(got).all()
        else:
            assert got.view(np.uint64).tolist() == expected.view(np.uint64).tolist(), (got, expected)


@pytest.mark.parametrize("p", [1, 1.0])
def test_the_one_norm_is_the_sum_of_absolute_values_without_powers(p: float) -> None:
    """norm(x, 1) is recorded as sum(abs(x)), the definition: one abs node and one sum node, not the general
    p-norm's (sum(|x| ** p)) ** (1 / p) with two powers of 1 that a graph would show (seed-808 survivor
    ops/reductions.py:379, the p == 1 branch removed). Values and gradient against PyTorch."""
    x = cr.tensor([-1.5, 0.0, 2.0, -0.25], dtype=cr.float64, requires_grad=True)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    y, ty = cr.norm(x, p=p), torch.norm(tx, p=p)
    y.backward()
    ty.backward()
    assert y.item() == ty.item()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert [n["op"] for n in cr.graph(cr.norm(x, p=p)).nodes if n["kind"] == "op"] == ["abs", "sum"]
    assert y.grad_fn.name() == "SumBackward1"
    assert [f.name() for f, _ in y.grad_fn.next_functions] == ["AbsBackward0"]
