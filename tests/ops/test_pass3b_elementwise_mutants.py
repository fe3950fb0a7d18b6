"""Elementwise survivors of the exhaustive pass (ops/elementwise.py), against torch 2.13.0."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

_PAIRS = [(np.int32, np.float32), (np.int64, np.float32), (np.float16, np.int16), (np.uint8, np.int8),
          (np.float32, np.float64), (np.bool_, np.float32)]


@pytest.mark.parametrize(("da", "db"), _PAIRS)
@pytest.mark.parametrize("op", ["add", "mul", "div", "maximum", "remainder", "pow"])
def test_memory_mapped_tensors_of_two_dtypes_promote_as_pytorch(tmp_path, op, da, db):
    """`cr.from_numpy` keeps a memmap (np.load(..., mmap_mode="r")): two such tensors of different dtypes take
    PyTorch's result dtype (int32 * float32 is float32), not NumPy's (float64). Was: the arithmetic fast path
    compared dtypes only for exact np.ndarray storage."""
    np.save(tmp_path / "a.npy", np.array([1, 2, 3]).astype(da))
    np.save(tmp_path / "b.npy", np.array([2, 1, 4]).astype(db))
    ma, mb = np.load(tmp_path / "a.npy", mmap_mode="r"), np.load(tmp_path / "b.npy", mmap_mode="r")
    c = getattr(cr, op)(cr.from_numpy(ma), cr.from_numpy(mb))
    t = getattr(torch, op)(torch.from_numpy(np.array(ma)), torch.from_numpy(np.array(mb)))
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(c.numpy().astype(np.float64), t.numpy().astype(np.float64), rtol=1e-3)
