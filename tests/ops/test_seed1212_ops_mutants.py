"""Tests that kill survivors of the seed-1212 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

_X = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("kwargs", [{"axis": 1}, {"axis": 0}, {"axis": -1, "keepdims": True},
                                    {"dim": 1, "keepdims": True}])
def test_max_min_take_numpy_axis_aliases(name: str, kwargs: dict) -> None:
    """`cr.max(x, axis=1)` reduces over axis 1 (values and indices), as `torch.max(x, axis=1)` (seed-1212 survivor
    ops/reductions.py:245, `axis is not None` -> `is None`: the alias was then ignored)."""
    got = getattr(cr, name)(cr.tensor(_X), **kwargs)
    ref = getattr(torch, name)(torch.tensor(_X), **kwargs)
    np.testing.assert_array_equal(got.values.numpy(), ref.values.numpy())
    np.testing.assert_array_equal(got.indices.numpy(), ref.indices.numpy())
    assert tuple(got.values.shape) == tuple(ref.values.shape)
