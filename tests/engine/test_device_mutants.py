"""`.to(...)` with an argument that is neither a device, a dtype nor a tensor: TypeError, as in PyTorch, even for
objects that carry one tensor-like attribute (found by mutation testing: `and` -> `or` in the tensor test)."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


class _HasGradFn:
    grad_fn = None


class _HasData:
    _data = None
    data = None


@pytest.mark.parametrize("obj", [_HasGradFn(), _HasData(), object()])
def test_to_an_unknown_object_raises_typeerror_like_torch(obj):
    with pytest.raises(TypeError):
        torch.ones(2).to(obj)
    with pytest.raises(TypeError):
        cr.ones(2).to(obj)
