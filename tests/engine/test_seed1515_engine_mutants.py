"""Tests that kill survivors of the seed-1515 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("middle", [0.5, 2e9])
def test_a_tensor_of_exactly_the_threshold_size_is_formatted_from_all_its_values(middle: float) -> None:
    """A tensor of exactly 1000 elements (PyTorch's print threshold) is printed whole, and the number format is
    chosen from all of its values, as PyTorch's repr: one fractional (or huge) value in the middle changes the
    format of every element (seed-1515 survivor engine/formatting.py:44, `arr.size <= 1000` -> `< 1000`: the
    format came from the first and last 30 values only)."""
    data = np.ones(1000, dtype=np.float32)
    data[500] = middle
    text = repr(cr.tensor(data))
    assert text == repr(torch.tensor(data))
    assert "..." not in text and ("0.5000" in text if middle == 0.5 else "2.0000e+09" in text)


def test_a_leaf_whose_data_changed_shape_inside_a_step_is_refused_clearly() -> None:
    """`w.data = <another shape>` between the forward and backward: chainrule refuses with a RuntimeError that
    names both shapes and the cause (it called this an internal error), where PyTorch fills `.grad` with the
    forward-time shape, which no longer fits the leaf (docs/semantics.md). Both libraries compute the same
    gradient when the shape is kept. Seed-1515 survivor engine/backward.py:473 (the check dropped: chainrule then
    stored a gradient of the old shape, as PyTorch)."""
    x, xt = cr.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    y, yt = (x * 2).sum(), (xt * 2).sum()
    x.data, xt.data = cr.ones(3), torch.ones(3)
    yt.backward()
    assert tuple(xt.grad.shape) == (2,) and tuple(xt.shape) == (3,)
    with pytest.raises(RuntimeError, match=r"backward: gradient of shape \(2,\) for a leaf now of shape \(3,\).*"
                                           r"\.data was replaced"):
        y.backward()
    assert x.grad is None
    x, xt = cr.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    y, yt = (x * 2).sum(), (xt * 2).sum()
    x.data, xt.data = cr.zeros(2), torch.zeros(2)
    y.backward()
    yt.backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
