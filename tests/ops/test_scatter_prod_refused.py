"""scatter_reduce(reduce='prod') under create_graph: two zeros scattered to one position have a first-order
gradient (0 for both), but PyTorch refuses to differentiate it again (its grad_fn is `Error`); so does chainrule,
instead of a silently wrong second derivative. One zero or none: second derivatives against PyTorch."""
import numpy as np
import pytest
import torch

import chainrule as cr


def _both(x, src, idx, include_self=True):
    cx = cr.tensor(x, dtype=cr.float64, requires_grad=True)
    cs = cr.tensor(src, dtype=cr.float64, requires_grad=True)
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ts = torch.tensor(src, dtype=torch.float64, requires_grad=True)
    cy = cx.scatter_reduce(0, cr.tensor(idx), cs, "prod", include_self=include_self)
    ty = tx.scatter_reduce(0, torch.tensor(idx), ts, "prod", include_self=include_self)
    return (cx, cs, cy), (tx, ts, ty)


def test_two_zeros_at_one_position_refuse_double_backward_as_torch():
    (cx, cs, cy), (tx, ts, ty) = _both([2.0, 3.0], [0.0, 0.0, 5.0], [0, 0, 1])
    cg, = cr.autograd.grad((cy * cr.tensor([1.0, 2.0], dtype=cr.float64)).sum(), cs, create_graph=True)
    tg, = torch.autograd.grad((ty * torch.tensor([1.0, 2.0], dtype=torch.float64)).sum(), ts, create_graph=True)
    np.testing.assert_array_equal(cg.detach().numpy(), tg.detach().numpy())
    assert tg.grad_fn.name() == "torch::autograd::Error" and cg.grad_fn.name() == "Error"
    with pytest.raises(RuntimeError, match="Double backward is unsupported for src") as torch_err:
        torch.autograd.grad(tg.sum(), ts)
    with pytest.raises(RuntimeError, match="Double backward is unsupported for src") as cr_err:
        cr.autograd.grad(cg.sum(), cs)
    assert str(cr_err.value) == str(torch_err.value)


def test_the_refusal_is_only_for_src_and_only_under_create_graph():
    (cx, cs, cy), (tx, ts, ty) = _both([2.0, 3.0], [0.0, 0.0, 5.0], [0, 0, 1])
    # first order without create_graph: plain values, no refusal
    cgx, cgs = cr.autograd.grad(cy.sum(), (cx, cs), retain_graph=True)
    tgx, tgs = torch.autograd.grad(ty.sum(), (tx, ts), retain_graph=True)
    np.testing.assert_array_equal(cgs.numpy(), tgs.numpy())
    np.testing.assert_array_equal(cgx.numpy(), tgx.numpy())
    # x's gradient under create_graph is differentiable, as in PyTorch
    cgx, = cr.autograd.grad(cy.sum(), cx, create_graph=True)
    tgx, = torch.autograd.grad(ty.sum(), tx, create_graph=True)
    c2, = cr.autograd.grad(cgx.sum(), cx, allow_unused=True)
    t2, = torch.autograd.grad(tgx.sum(), tx, allow_unused=True)
    np.testing.assert_array_equal(c2.numpy(), t2.numpy())


@pytest.mark.parametrize("src", [[0.0, 4.0, 5.0], [3.0, 4.0, 5.0], [0.0, 4.0, 0.0]])
@pytest.mark.parametrize("include_self", [True, False])
def test_at_most_one_zero_per_position_differentiates_twice_as_torch(src, include_self):
    (cx, cs, cy), (tx, ts, ty) = _both([2.0, -3.0], src, [0, 0, 1], include_self)
    w = [1.5, -2.0]
    cg, = cr.autograd.grad((cy * cr.tensor(w, dtype=cr.float64)).sum(), cs, create_graph=True)
    tg, = torch.autograd.grad((ty * torch.tensor(w, dtype=torch.float64)).sum(), ts, create_graph=True)
    np.testing.assert_allclose(cg.detach().numpy(), tg.detach().numpy(), rtol=1e-12)
    c2 = cr.autograd.grad((cg * cg).sum(), (cx, cs), allow_unused=True)
    t2 = torch.autograd.grad((tg * tg).sum(), (tx, ts), allow_unused=True)
    for c, t in zip(c2, t2):
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-12, atol=1e-13)
