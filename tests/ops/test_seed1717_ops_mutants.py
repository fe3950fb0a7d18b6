"""Tests that kill survivors of the seed-1717 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def test_observed_local_derivatives_are_none_for_inputs_that_take_no_gradient() -> None:
    """`cr.autograd.observe()` reports, per input of an elementwise op, the local derivative d(out)/d(input) for
    inputs that take a gradient and None for the others (a tensor without grad, a Python number), as
    `BackwardStep.local` documents (seed-1717 survivor ops/registry.py:225, `parent is None or rule is None` ->
    `and`: the constants' derivatives were computed and reported as if a gradient flowed to them). Values
    hand-computed: d(x*c)/dx = c, d(x/d)/dx = 1/d, d(3*x)/dx = 3."""
    x = cr.tensor([1.0, 2.0], requires_grad=True, dtype=cr.float64)
    c = cr.tensor([3.0, 4.0], dtype=cr.float64)
    d = cr.tensor([2.0, 8.0], dtype=cr.float64)
    y = (x * c + c * x + x / d + d / x + 3.0 * x).sum()
    with cr.autograd.observe() as steps:
        y.backward()
    got = [(s.op_name, tuple(None if v is None else np.asarray(v).tolist() for v in s.local))
           for s in steps if s.op_name in ("mul", "div")]
    assert sorted(got, key=repr) == sorted([
        ("mul", ([3.0, 4.0], None)),  # x * c
        ("mul", (None, [3.0, 4.0])),  # c * x
        ("div", ([0.5, 0.125], None)),  # x / d
        ("div", (None, [-2.0, -2.0])),  # d / x: -d / x**2
        ("mul", (None, [3.0, 3.0])),  # 3.0 * x
    ], key=repr)
    for s in steps:
        for t, local, contribution in zip(s.input_tensors, s.local, s.contributions):
            if not (isinstance(t, cr.Tensor) and t.requires_grad):
                assert local is None and contribution is None
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([3.0, 4.0]) + [0.5, 0.125] - [2.0, 2.0] + 3.0)


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("q", [0.3, [0.2, 0.7]])
def test_quantile_of_a_0d_tensor_along_a_dim_with_keepdim(dim: int, q: object) -> None:
    """`quantile(0-d x, q, dim=0, keepdim=True)` returns x (0-d for a float q, shape (len(q),) for a tensor q), as
    PyTorch's (seed-1717 survivor ops/sorting.py:220, `dim is not None and input.ndim` -> `or`: the kept shape of
    a 0-d input is empty, so setting its dim raised IndexError); with its gradient, 1 in total per quantile."""
    qt = torch.tensor(q, dtype=torch.float64) if isinstance(q, list) else q
    qc = cr.tensor(q, dtype=cr.float64) if isinstance(q, list) else q
    xt = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    xc = cr.tensor(2.5, dtype=cr.float64, requires_grad=True)
    want = torch.quantile(xt, qt, dim=dim, keepdim=True)
    got = cr.quantile(xc, qc, dim=dim, keepdim=True)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    want.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("x_shape,b_shape",
                         [((2, 3), (1, 3)), ((2, 3), (2, 1)), ((2, 1, 3), (1, 1, 3)), ((2, 3), (2, 3))])
def test_a_create_graph_gradient_summed_to_a_kept_dimension_is_the_sum_node(x_shape: tuple, b_shape: tuple) -> None:
    """Under create_graph, the gradient of an input broadcast along kept size-1 dimensions is the sum over them
    itself (grad_fn SumBackward1, or the op's own node when nothing is summed), as PyTorch's, not a reshape of it to
    the shape it already has; its value and its own gradient match PyTorch's (seed-1717 survivor
    ops/functions.py:298, `xp_sum_to`'s early return removed: an identity reshape node was added to every such
    gradient's graph). Inputs broadcast along leading dimensions differ: PyTorch ends with a view
    (ViewBackward0), chainrule with the sum."""
    rng = np.random.default_rng(0)
    xs, bs = rng.normal(size=x_shape), rng.normal(size=b_shape)
    grads = []
    for lib in (torch, cr):
        x = lib.tensor(xs, requires_grad=True)
        b = lib.tensor(bs, requires_grad=True)
        (g,) = lib.autograd.grad((x * b * x).sum(), b, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        grads.append((g.grad_fn.name(), tuple(g.shape), g.detach().numpy(), gg.numpy()))
    (tname, tshape, tg, tgg), (cname, cshape, cg, cgg) = grads
    assert cname == tname and cshape == tshape
    np.testing.assert_allclose(cg, tg, rtol=1e-12)
    np.testing.assert_allclose(cgg, tgg, rtol=1e-12)


@pytest.mark.parametrize("d1,d2", [("int64", "float32"), ("float32", "int64"), ("int32", "float64"),
                                   ("bool", "float32"), ("float64", "uint8")])
def test_addcdiv_with_one_integer_tensor_divides_as_torch(d1: str, d2: str) -> None:
    """`addcdiv(x, t1, t2)` refuses only when both t1 and t2 are integer (or bool); with one of them floating it
    divides in the promoted dtype, values and x's gradient as PyTorch's (seed-1717 survivor ops/elementwise.py:641,
    the `and` of the two integer checks -> `or`: one integer tensor was refused)."""
    a1, a2 = np.array([3, -4, 5]).astype(d1), np.array([2, 3, 7]).astype(d2)
    out = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = lib.addcdiv(x, lib.tensor(a1), lib.tensor(a2), value=0.5)
        (y * y).sum().backward()
        out.append((str(y.dtype).split(".")[-1], y.detach().numpy(), x.grad.numpy()))
    (tdt, ty, tg), (cdt, cy, cg) = out
    assert cdt == tdt
    np.testing.assert_array_equal(cy, ty)
    np.testing.assert_allclose(cg, tg, rtol=1e-6)


@pytest.mark.parametrize("q", [1.5, -0.1, float("nan"), [0.5, 1.01], [-1e-9, 0.5], [0.2, float("nan")]])
@pytest.mark.parametrize("dim", [None, 1])
def test_quantile_refuses_q_outside_zero_one(q: object, dim: int | None) -> None:
    """`quantile` with a q (a number or any entry of a tensor q) below 0, above 1 or NaN raises RuntimeError
    saying q must be in [0, 1], as PyTorch's (written for the seed-1717 survivor ops/sorting.py:184 before reading
    its line number right: it is the q-dimension check below; this one guards the range check after it)."""
    for lib in (torch, cr):
        x = lib.tensor([[1.0, 5.0, 3.0], [2.0, 0.0, 4.0]], dtype=lib.float64)
        qq = lib.tensor(q, dtype=lib.float64) if isinstance(q, list) else q
        with pytest.raises(RuntimeError, match=r"quantile\(\) q (values )?must be in the range \[0, 1\]"):
            lib.quantile(x, qq, dim=dim)


@pytest.mark.parametrize("x_shape", [(4, 3), (2, 4, 3)])
def test_linear_on_data_sends_no_gradient_to_the_data(x_shape: tuple) -> None:
    """`F.linear(x, w, b)` on data x that takes no gradient computes no G @ W: the observed step's contribution to x
    is None ("None where none flows", as `BackwardStep.contributions` documents), while w and b get PyTorch's
    gradients (seed-1717 survivor ops/linalg.py:229, `{"input_grad": False}` -> True: a gradient for the data was
    computed on every backward pass and reported as if it flowed)."""
    rng = np.random.default_rng(1)
    xs, ws, bs = rng.normal(size=x_shape), rng.normal(size=(2, 3)), rng.normal(size=2)
    wt, bt = torch.tensor(ws, requires_grad=True), torch.tensor(bs, requires_grad=True)
    (torch.nn.functional.linear(torch.tensor(xs), wt, bt) ** 2).sum().backward()
    w, b = cr.tensor(ws, requires_grad=True), cr.tensor(bs, requires_grad=True)
    y = cr.nn.functional.linear(cr.tensor(xs), w, b)
    with cr.autograd.observe() as steps:
        (y ** 2).sum().backward()
    (step,) = [s for s in steps if s.op_name == "linear"]
    assert step.contributions[0] is None
    np.testing.assert_allclose(np.asarray(step.contributions[1]), wt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), bt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("q", [[[0.5]], [[0.2, 0.7]], [[[0.5]]], [[]]])
@pytest.mark.parametrize("dim", [None, 1])
def test_quantile_refuses_a_q_of_more_than_one_dimension(q: list, dim: int | None) -> None:
    """`quantile` with a tensor q of 2 or more dimensions (even one of a single value, or empty) raises
    RuntimeError "quantile() q must be a scalar or 1D tensor", as PyTorch's (seed-1717 survivor
    ops/sorting.py:184, the check removed: a q of one value, [[0.5]], was answered as [0.5], and others raised
    NumPy's ValueError from a reshape)."""
    for lib in (torch, cr):
        x = lib.tensor([[1.0, 5.0, 3.0], [2.0, 0.0, 4.0]], dtype=lib.float64)
        with pytest.raises(RuntimeError, match=r"quantile\(\) q must be a scalar or 1D tensor"):
            lib.quantile(x, lib.tensor(q, dtype=lib.float64), dim=dim)
