"""Tests for the survivors of the fresh seed-303 mutation sample in ops (docs/testing.md), against PyTorch:
`reshape` refuses a size below -1 (NumPy infers any negative size, PyTorch only -1), so a mutated `-1`
in avg_pool2d's double-backward path shows; `chunk` over every size and number of chunks (`ops/joins.py:
chunk`'s empty-dimension shortcut was taken for a size of 1 too); and `ops.conv.unfold`'s defaults."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as CF
from chainrule.ops import conv

torch = pytest.importorskip("torch")
TF = torch.nn.functional


@pytest.mark.parametrize("shape", [(3, -2), (-2, 3), (-3,), (2, -1, -5)])
def test_reshape_refuses_a_size_below_minus_one(shape: tuple) -> None:
    with pytest.raises(RuntimeError, match="invalid shape dimension"):
        torch.ones(2, 6).reshape(*shape)
    for call in (lambda t: t.reshape(*shape), lambda t: t.view(*shape), lambda t: cr.reshape(t, shape)):
        with pytest.raises(RuntimeError, match="invalid shape dimension"):
            call(cr.ones(2, 6))


def test_reshape_with_minus_one_still_infers() -> None:
    assert tuple(cr.ones(2, 6).reshape(3, -1).shape) == tuple(torch.ones(2, 6).reshape(3, -1).shape) == (3, 4)


@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 1, 1), (2, 1, 0), ((2, 1), (1, 2), (1, 0))])
def test_avg_pool2d_second_derivative_as_torch(kernel, stride, padding) -> None:
    # the gradient of (the gradient . w): avg_pool's VJP run on tensors (create_graph), reshapes included
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(2, 3, 5, 6))
    results = []
    for lib, F in ((cr, CF), (torch, TF)):
        x = lib.tensor(x0, dtype=lib.float64, requires_grad=True)
        y = F.avg_pool2d(x, kernel, stride, padding)
        w = lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape)) / 7.0)
        (g,) = lib.autograd.grad((y * y * w).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        results.append((g.detach().numpy(), gg.numpy()))
    (g1, gg1), (g2, gg2) = results
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gg1, gg2, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("n", range(0, 8))
def test_chunk_every_size_and_count_as_torch(n: int, dim: int) -> None:
    shape = [3, 3]
    shape[dim] = n
    data = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    for chunks in range(1, 7):
        ours = cr.tensor(data).chunk(chunks, dim)
        theirs = torch.tensor(data).chunk(chunks, dim)
        assert [tuple(c.shape) for c in ours] == [tuple(c.shape) for c in theirs], (n, chunks, dim)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_chunk_of_a_size_one_dimension_keeps_its_element_and_gradient() -> None:
    for lib in (cr, torch):
        x = lib.tensor([[1.5, 2.5]], dtype=lib.float64, requires_grad=True)
        parts = x.chunk(3, 0)
        assert len(parts) == 1 and tuple(parts[0].shape) == (1, 2)
        (parts[0] * 2).sum().backward()
        assert x.grad.tolist() == [[2.0, 2.0]]


@pytest.mark.parametrize("kernel", [(2, 2), (1, 3), (3, 2)])
def test_ops_conv_unfold_defaults_are_torchs(kernel: tuple[int, int]) -> None:
    # chainrule.ops.conv.unfold(input, kernel_size, stride=(1, 1), padding=(0, 0)): torch's F.unfold defaults
    x0 = np.random.default_rng(1).normal(size=(2, 3, 4, 5))
    x = cr.tensor(x0, requires_grad=True)
    xt = torch.tensor(x0, requires_grad=True)
    ours, theirs = conv.unfold(x, kernel), TF.unfold(xt, kernel)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    w = np.arange(int(np.prod(ours.shape)), dtype=np.float64).reshape(tuple(ours.shape))
    (ours * cr.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("chunks", [0, -1])
def test_chunk_refuses_no_chunks(chunks: int) -> None:
    with pytest.raises(RuntimeError, match="greater than 0"):
        torch.ones(4).chunk(chunks)
    with pytest.raises(RuntimeError, match="greater than 0"):
        cr.ones(4).chunk(chunks)
