"""Tests that kill survivors of the seed-1313 mutation sample (docs/testing.md)."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


def test_saved_tensors_of_a_builtin_node_names_the_node() -> None:
    """`grad_fn.saved_tensors` of a built-in op's node raises AttributeError naming the node, as PyTorch's
    ("'MulBackward0' object has no attribute 'saved_tensors'"), so `hasattr` is False as in PyTorch
    (seed-1313 survivor engine/node.py:68, the check dropped: the error then read "'NoneType' object has no
    attribute 'saved_tensors'")."""
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    node, ref = (x * x).grad_fn, (xt * xt).grad_fn
    assert node.name() == type(ref).__name__ == "MulBackward0"
    with pytest.raises(AttributeError, match="'MulBackward0'"):
        node.saved_tensors  # noqa: B018
    with pytest.raises(AttributeError, match="'MulBackward0'"):
        ref.saved_tensors  # noqa: B018
    assert hasattr(node, "saved_tensors") == hasattr(ref, "saved_tensors") is False
