"""matmul of two tensors of different dtypes computes in the promoted dtype (a mutation survivor: the
same-dtype fast path of `ops/linalg.py: matmul` taken for different dtypes, so NumPy's promotion applied,
`int64 @ float32` -> float64). PyTorch refuses mixed dtypes in matmul; chainrule is more lenient and
follows its own promotion rule, which is PyTorch's `promote_types` (the reference here)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

PAIRS = [("int64", "float32"), ("float32", "int64"), ("int32", "float64"), ("float32", "float64"),
         ("int32", "int64"), ("uint8", "int8"), ("bool", "float32")]


@pytest.mark.parametrize(("da", "db"), PAIRS)
def test_mixed_dtype_matmul_computes_in_the_promoted_dtype(da: str, db: str) -> None:
    a_np = np.arange(6).reshape(2, 3) % 2
    b_np = np.arange(12).reshape(3, 4) % 3
    a = cr.tensor(a_np, dtype=getattr(cr, da))
    b = cr.tensor(b_np, dtype=getattr(cr, db))
    want = torch.promote_types(getattr(torch, da), getattr(torch, db))
    out = a @ b
    assert str(out.dtype).split(".")[-1] == str(want).split(".")[-1]
    ref = torch.tensor(a_np).to(want) @ torch.tensor(b_np).to(want)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_mixed_float_matmul_gradients_keep_each_input_dtype() -> None:
    a = cr.tensor([[1.0, 2.0]], dtype=cr.float32, requires_grad=True)
    b = cr.tensor([[3.0], [4.0]], dtype=cr.float64, requires_grad=True)
    out = a @ b
    assert out.dtype == cr.float64
    out.sum().backward()
    ta = torch.tensor([[1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    tb = torch.tensor([[3.0], [4.0]], dtype=torch.float64, requires_grad=True)
    (ta @ tb).sum().backward()
    assert a.grad.dtype == cr.float32 and b.grad.dtype == cr.float64
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy())
