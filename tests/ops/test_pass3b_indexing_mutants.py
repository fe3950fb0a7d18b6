"""Indexing survivors of the exhaustive pass (ops/indexing.py:193, :208), against torch 2.13.0."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


# (uint8 with -1 is left out: PyTorch wraps it to 255, chainrule raises OverflowError; a known difference)
@pytest.mark.parametrize("dtype, value", [(d, v) for d in ["int64", "int32", "uint8", "bool", "float32", "float16",
                                                             "float64"]
                                          for v in [3, 2.5, True, False, -1, 0] if (d, v) != ("uint8", -1)])
def test_masked_fill_with_a_python_number_matches_pytorch(dtype, value):
    """Was a real bug: an integer or bool tensor was filled with `Tensor(np.int64(v))`, which is an uninitialised
    float tensor of shape (v,) (garbage values, a float32 result, or a broadcast error)."""
    results = []
    for m in (torch, cr):
        x = m.tensor([1, 0, 1, 1], dtype=getattr(m, dtype))
        r = x.masked_fill(m.tensor([True, False, True, False]), value)
        results.append((str(r.dtype).split(".")[-1], r.tolist()))
    assert results[1] == results[0]


@pytest.mark.parametrize("dtype", ["bool", "int64"])
def test_writing_a_float_tensor_that_requires_grad_into_an_integer_slice(dtype):
    """The value is cast to the destination's dtype first: the result is an integer (bool) tensor without
    history, as in PyTorch."""
    results = []
    for m in (torch, cr):
        x = m.zeros(4, dtype=getattr(m, dtype))
        x[1:3] = m.tensor([1.5, 2.5], requires_grad=True)
        results.append((str(x.dtype).split(".")[-1], x.requires_grad, x.grad_fn is None, x.tolist()))
    assert results[1] == results[0]
