"""A write through a view of a 0-d tensor reaches the tensor, as in PyTorch (0-d values are stored as NumPy
scalars until a view needs shared memory)."""

import pytest
import torch

import chainrule as cr

MAKERS = {
    "view": lambda t: t.view(1),
    "reshape": lambda t: t.reshape(1, 1),
    "unsqueeze": lambda t: t.unsqueeze(0),
    "flatten": lambda t: t.flatten(),
    "view0d": lambda t: t.view(()),
    "permute": lambda t: t.permute(()),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_write_through_view_of_0d_reaches_base(name):
    make = MAKERS[name]
    z, zt = cr.tensor(3.0), torch.tensor(3.0)
    make(z).add_(1)
    make(zt).add_(1)
    assert z.item() == zt.item() == 4.0
    assert z._version == zt._version


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_write_through_view_of_0d_nonleaf_gradient(name):
    make = MAKERS[name]
    w, wt = cr.tensor(2.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)
    for x in (w, wt):
        y = x * x
        make(y).mul_(3.0)
        (y * 5.0).backward()
    assert w.grad.item() == pytest.approx(wt.grad.item())
