"""Survivors of the exhaustive pass in ops/out.py (the resize warning's stacklevel), ops/scatter.py (the gradient
of a src larger than the index keeps -0.0 and NaN) and ops/losses.py (binary_cross_entropy's EPSILON guard is
strict, as PyTorch's std::max): against torch 2.13.0 or exact hand-computed values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("m", [torch, cr], ids=["torch", "chainrule"])
def test_out_resize_warning_points_at_the_callers_line(m) -> None:
    """The UserWarning about resizing a non-empty `out` names the user's line, as PyTorch's does."""
    a, out = m.ones(3), m.zeros(2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m.add(a, a, out=out)
    (w,) = [w for w in caught if "resized" in str(w.message)]
    assert w.category is UserWarning
    assert w.filename == __file__
    assert out.tolist() == [2.0, 2.0, 2.0]


def _signed_bits(a: np.ndarray) -> list[str]:
    return [repr(float(v)) for v in np.asarray(a, dtype=np.float64).ravel()]


@pytest.mark.parametrize("op", ["scatter", "scatter_add", "scatter_reduce_sum"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_src_larger_than_the_index_gets_the_gathered_gradient_bit_for_bit(op: str, create_graph: bool) -> None:
    """chainrule pads the gradient of a src larger than the index with zeros (docs/semantics.md; PyTorch's backward
    fails then). On the index's part it is g gathered at the index, as PyTorch's for src.shape == index.shape:
    -0.0 and NaN pass through unchanged."""
    index = np.array([[2, 0], [1, 1]])
    x0 = np.zeros((3, 3))
    src0 = np.arange(1.0, 13.0).reshape(3, 4)  # larger than the index in both dims
    g = np.array([[-0.0, 5.0, -0.0], [np.nan, -0.0, 2.0], [-0.0, -0.0, -0.0]])
    want_head = torch.gather(torch.tensor(g), 0, torch.tensor(index)).numpy()
    want = np.zeros_like(src0)
    want[:2, :2] = want_head

    x, src = cr.tensor(x0, requires_grad=True), cr.tensor(src0, requires_grad=True)
    idx = cr.tensor(index)
    if op.startswith("scatter_reduce"):
        y = x.scatter_reduce(0, idx, src, op.rsplit("_", 1)[1])
    else:
        y = getattr(x, op)(0, idx, src)
    (gs,) = cr.autograd.grad(y, src, cr.tensor(g), create_graph=create_graph)
    assert _signed_bits(gs.detach().numpy()) == _signed_bits(want)


def test_bce_guard_is_strict_at_epsilon_exactly() -> None:
    """PyTorch's gradient is grad * (p - y) / max(p (1 - p), EPSILON), EPSILON = 1e-12: at p (1 - p) == EPSILON
    exactly, std::max keeps p (1 - p), so the gradient's own derivative (create_graph) is that of (p - y) /
    (p (1 - p)): (p^2 - 2 p y + y) / (p (1 - p))^2, not 1 / EPSILON as for a clamped constant."""
    p_val = 1.000000000001e-12
    pq = p_val * (1 - p_val)
    assert pq == 1e-12  # the tie, in float64
    y_val = 0.25
    p = cr.tensor([p_val], dtype=cr.float64, requires_grad=True)
    loss = cr.nn.functional.binary_cross_entropy(p, cr.tensor([y_val], dtype=cr.float64), reduction="sum")
    (g,) = cr.autograd.grad(loss, p, create_graph=True)
    tp = torch.tensor([p_val], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(tp, torch.tensor([y_val], dtype=torch.float64),
                                             reduction="sum").backward()
    np.testing.assert_allclose(g.detach().numpy(), tp.grad.numpy(), rtol=1e-15)
    (gg,) = cr.autograd.grad(g.sum(), p)
    want = (p_val * p_val - 2 * p_val * y_val + y_val) / (pq * pq)
    np.testing.assert_allclose(gg.numpy(), [want], rtol=1e-10)
