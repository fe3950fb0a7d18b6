"""Tests that kill survivors of the seed-1616 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.filterwarnings("ignore:To copy construct from a tensor:UserWarning")  # torch's advice, not an error
@pytest.mark.parametrize("dtype", [None, "float32", "float64"])
def test_tensor_of_a_tensor_is_a_copy(dtype: str | None) -> None:
    """`tensor(t)` copies t's values, as `torch.tensor(t)`: writing into the new tensor (or into t) leaves the
    other unchanged, for a whole tensor and for a view, with or without a dtype (seed-1616 survivor
    engine/tensor.py:556, `np.array(..., copy=True)` -> `copy=False`: the new tensor then shared t's memory)."""
    for lib in (torch, cr):
        kind = None if dtype is None else getattr(lib, dtype)
        src = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        new = lib.tensor(src, dtype=kind)
        row = lib.tensor(src[1], dtype=kind)
        new.add_(10.0)
        row.mul_(-1.0)
        np.testing.assert_array_equal(src.numpy(), [[1.0, 2.0], [3.0, 4.0]])
        src.zero_()
        np.testing.assert_array_equal(new.numpy(), [[11.0, 12.0], [13.0, 14.0]])
        np.testing.assert_array_equal(row.numpy(), [-3.0, -4.0])


@pytest.mark.parametrize("shape", [(3,), ()])
def test_a_function_s_gradient_of_another_dtype_is_cast_to_the_input_s(shape: tuple) -> None:
    """An `autograd.Function` whose backward returns a float32 gradient for a float64 input: `.grad` is float64 with
    the same values, as PyTorch casts it to the input's dtype, for a vector and a 0-d input (seed-1616 survivor
    autograd/function.py:282, `!= dtype` -> `== dtype`: the float32 gradient then reached `.grad` uncast)."""
    values = np.full(shape, 0.1)

    def make(lib: object) -> type:
        class Half(lib.autograd.Function):  # type: ignore[attr-defined, name-defined, misc]
            @staticmethod
            def forward(ctx: object, x: object) -> object:
                return x * 2

            @staticmethod
            def backward(ctx: object, g: object) -> object:
                return (g * 2).float()  # type: ignore[attr-defined]

        return Half

    got = []
    for lib in (torch, cr):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        h = x * 3.0
        seen: list = []
        h.register_hook(seen.append)
        h.retain_grad()
        make(lib).apply(h).sum().backward()
        gx, = lib.autograd.grad(make(lib).apply(x).sum(), x)
        assert [str(t.dtype)[-7:] for t in (seen[0], h.grad, x.grad, gx)] == ["float64"] * 4
        got.append([t.numpy() for t in (seen[0], h.grad, x.grad, gx)])
    for mine, theirs in zip(got[1], got[0], strict=True):
        np.testing.assert_array_equal(mine, theirs)
        assert mine.shape == shape
