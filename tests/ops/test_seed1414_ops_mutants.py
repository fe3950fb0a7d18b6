"""Tests that kill survivors of the seed-1414 mutation sample (docs/testing.md), and the bug one of them led to."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("shapes", [((3,), (3, 2)), ((2, 3), (3,)), ((1, 2, 3), (3, 2)), ((2, 3), (2, 3, 2))],
                         ids=["mat1-1d", "mat2-1d", "mat1-3d", "mat2-3d"])
def test_addmm_refuses_operands_that_are_not_matrices(shapes: tuple) -> None:
    """`addmm(input, mat1, mat2)` with a 1-d or 3-d mat1 or mat2 raises RuntimeError naming the operand, as
    PyTorch's "mat1 must be a matrix, got 1-D tensor" (seed-1414 survivor ops/linalg.py:255, the check dropped:
    no test reached the line)."""
    (s1, s2) = shapes
    inp = np.zeros((2, 2))
    with pytest.raises(RuntimeError) as ref:
        torch.addmm(torch.tensor(inp), torch.ones(s1, dtype=torch.float64), torch.ones(s2, dtype=torch.float64))
    name = "mat1" if len(s1) != 2 else "mat2"
    assert name in str(ref.value)
    with pytest.raises(RuntimeError, match=f"{name} must be a matrix, got {len(s1) if name == 'mat1' else len(s2)}-D"):
        cr.addmm(cr.tensor(inp), cr.ones(s1, dtype=cr.float64), cr.ones(s2, dtype=cr.float64))


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # NumPy on (-3) ** 0.5, as torch: NaN
@pytest.mark.parametrize("base", [-3, -2.5, -float("inf")])
def test_pow_of_a_negative_number_base_has_nan_exponent_gradient(base: float) -> None:
    """`base ** x` with a negative Python number as base: the forward as PyTorch's (NaN at fractional exponents),
    and d/dx = out * log(base) is NaN everywhere, as PyTorch's, first and second derivative. chainrule raised
    `ValueError: math domain error` at backward (math.log of a negative number); found while judging the seed-1414
    survivor ops/elementwise.py:105."""
    data = np.array([0.5, 2.0, 0.0, 3.0, -1.0])
    x, xt = cr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, yt = base ** x, base ** xt
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    g, = cr.autograd.grad(y.sum(), x, create_graph=True)
    gt, = torch.autograd.grad(yt.sum(), xt, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), gt.detach().numpy())
    h, = cr.autograd.grad(g.sum(), x)
    ht, = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_array_equal(h.numpy(), ht.numpy())
    x2 = cr.tensor(data, requires_grad=True)
    (base ** x2).sum().backward()
    np.testing.assert_array_equal(x2.grad.numpy(), gt.detach().numpy())


def test_a_graph_through_a_negative_base_power_is_explained() -> None:
    """The explanation of `(-2.0) ** x` builds (its backward ran into the same math domain error), labels the
    node `(-2.0)^x` and shows the NaN gradient."""
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    nodes = cr.explain.graph(((-2.0) ** x).sum()).data["nodes"]
    assert [n["name"] for n in nodes] == ["-2.0", "x", "(-2.0)^x", "L"]
    leaf = next(n for n in nodes if n["name"] == "x")
    assert leaf["grad"] is not None and "nan" in leaf["grad"]["text"]
