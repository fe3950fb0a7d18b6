"""A view whose base was given new memory (`base.data = ...`) is no longer a view of it: a recorded in-place
write through it must not reach the base (a mutation survivor: `or` -> `and` in `ops/views.py: base_of`'s
shared-memory check). Compared with PyTorch."""

from __future__ import annotations

import numpy as np
import torch

import chainrule as cr


def _run(m):
    x = m.arange(4, dtype=m.float64).requires_grad_()
    base = x * 1.0
    view = base[:2]
    base.data = m.ones(4, dtype=m.float64)  # the base's memory is replaced; the view keeps the old one
    view.add_(10.0)  # recorded (the view requires grad): a write of the view alone
    (base.sum() + (view * view).sum()).backward()
    return base.detach().numpy(), view.detach().numpy(), x.grad.numpy()


def test_a_write_through_a_view_of_replaced_memory_does_not_reach_the_base() -> None:
    got, want = _run(cr), _run(torch)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(got[0], np.ones(4))
