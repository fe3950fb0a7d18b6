"""Tensor methods called with their defaults give what PyTorch's give (the methods are written out in
engine/tensor_methods.py with the signatures of the functions they call: a wrong default there would go unseen
by the function tests)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

CASES = {
    "index_add": lambda t, lib: t.index_add(0, lib.tensor([0, 2, 0]), lib.ones(3, 2, dtype=lib.float64)),
    "index_add_alpha": lambda t, lib: t.index_add(0, lib.tensor([1]), lib.ones(1, 2, dtype=lib.float64), alpha=2.5),
    "scatter_add": lambda t, lib: t.scatter_add(0, lib.tensor([[0, 1], [2, 0]]), lib.ones(2, 2, dtype=lib.float64)),
    "cumsum": lambda t, lib: t.cumsum(0),
    "var": lambda t, lib: t.var(),
    "std_dim": lambda t, lib: t.std(dim=1),
    "norm": lambda t, lib: t.norm(),
    "softmax": lambda t, lib: t.softmax(-1),
    "clamp_min": lambda t, lib: t.clamp(min=2.0),
    "round": lambda t, lib: (t / 3).round(),
    "flatten": lambda t, lib: t.flatten(),
    "transpose": lambda t, lib: t.transpose(0, 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_method_defaults_match_torch(name: str) -> None:
    data = np.arange(6.0).reshape(3, 2)
    ours = CASES[name](cr.tensor(data), cr)
    theirs = CASES[name](torch.tensor(data), torch)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
    assert tuple(ours.shape) == tuple(theirs.shape)


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_flatten_refuses_start_after_end(lib) -> None:
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        lib.zeros(2, 3, 4).flatten(2, 1)
