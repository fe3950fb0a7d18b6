"""Tests that kill survivors of the seed-2020 mutation sample (docs/testing.md)."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
import torch

import chainrule as cr


def _expanding(lib: ModuleType) -> type:
    """A Function whose backward returns its gradient broadcast to a larger shape, (3,) + the input's."""

    class Expanding(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return x * 2

        @staticmethod
        def backward(ctx, g):  # type: ignore[no-untyped-def]
            return (g * 2).expand(3, *g.shape)

    return Expanding


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_function_gradient_of_a_broadcast_shape_is_summed_to_the_input(create_graph: bool) -> None:
    """A custom Function's backward may return a gradient that broadcasts to more dimensions than its input: it
    is summed back to the input's shape, as PyTorch's engine does (sum_to), with and without create_graph, and
    the summed gradient differentiates again as PyTorch's (seed-2020 survivor autograd/function.py:275,
    `got != shape` -> `==` on the create_graph path: the (3, 2) gradient was then kept unsummed)."""
    out = {}
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = _expanding(lib).apply(x)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=create_graph)
        assert tuple(gx.shape) == (2,) and gx.requires_grad == create_graph
        out[lib] = [gx.detach().numpy()]
        if create_graph:
            (ggx,) = lib.autograd.grad((gx * lib.tensor([1.0, 3.0])).sum(), x)
            out[lib].append(ggx.numpy())
    for got, want in zip(out[cr], out[torch], strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(out[cr][0], [24.0, 48.0])  # 3 * 2 * (2 * y) * 2 with y = 2x


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")  # torch's advice
def test_a_broadcast_function_gradient_accumulates_into_grad_under_create_graph() -> None:
    """The same through `backward(create_graph=True)`: x.grad has x's shape and PyTorch's values."""
    grads = []
    for lib in (torch, cr):
        x = lib.tensor([[1.0, -1.0, 0.5]], requires_grad=True)
        (_expanding(lib).apply(x) ** 2).sum().backward(create_graph=True)
        assert tuple(x.grad.shape) == (1, 3)
        grads.append(x.grad.detach().numpy())
        x.grad = None  # break the cycle PyTorch warns about
    np.testing.assert_array_equal(grads[1], grads[0])


def _recasting(lib: ModuleType, dtype: str) -> type:
    """A Function whose backward returns its gradient in another float dtype than its float64 input's."""

    class Recasting(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return x * 2

        @staticmethod
        def backward(ctx, g):  # type: ignore[no-untyped-def]
            return (g * 2).to(getattr(lib, dtype))

    return Recasting


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_function_gradient_of_another_dtype_takes_the_input_dtype(dtype: str, create_graph: bool) -> None:
    """A custom Function's backward that returns a float32 (or float16) gradient for a float64 input: the engine
    casts it to float64, as PyTorch's (recorded as ToCopyBackward0 under create_graph, so it differentiates again
    to PyTorch's values) (seed-2020 survivor autograd/function.py:275, `gi.array.dtype != dtype` -> `==` on the
    create_graph path: the gradient then stayed float32 / float16)."""
    out = {}
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = _recasting(lib, dtype).apply(x)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=create_graph)
        assert gx.dtype == lib.float64 and gx.requires_grad == create_graph
        out[lib] = [gx.detach().numpy()]
        if create_graph:
            assert gx.grad_fn.name() == "ToCopyBackward0"
            (ggx,) = lib.autograd.grad((gx * lib.tensor([1.0, 3.0], dtype=lib.float64)).sum(), x)
            assert ggx.dtype == lib.float64
            out[lib].append(ggx.numpy())
    for got, want in zip(out[cr], out[torch], strict=True):
        np.testing.assert_array_equal(got, want)
