"""Reductions called as Tensor methods with only a dim give PyTorch's shapes and values (keepdim defaults to
False). A mutation survivor (`argmax`'s `keepdim=False` default flipped in engine/tensor_methods.py) led here;
this covers the reductions with a keepdim default, not only argmax."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

REDUCTIONS = ["sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "max", "min", "var", "std", "logsumexp",
              "all", "any", "norm"]



@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_a_reduction_method_with_only_dim_matches_torch(name: str, dim: int) -> None:
    data = (np.arange(24.0).reshape(2, 3, 4) % 7) - 2.5
    got, want = getattr(cr.tensor(data), name), getattr(torch.tensor(data), name)
    if name == "norm":
        ours, theirs = got(dim=dim), want(dim=dim)
    else:
        ours, theirs = got(dim), want(dim)
    if isinstance(theirs, tuple):  # (values, indices)
        ours, theirs = (ours[0], ours[1]), (theirs.values, theirs.indices)
    else:
        ours, theirs = (ours,), (theirs,)
    for o, t in zip(ours, theirs, strict=True):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.numpy().astype(float), t.numpy().astype(float), rtol=1e-12, atol=1e-12)
