"""Tests that kill survivors of the seed-1919 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("kwargs", [{"side": "left"}, {"side": "left", "right": False}, {"side": "right"},
                                    {"side": "right", "right": True}, {"right": True}, {}])
def test_searchsorted_accepts_side_with_an_agreeing_right(kwargs: dict) -> None:
    """`searchsorted(..., side=...)` with `right` left out or agreeing with `side` searches that side, as
    PyTorch's (seed-1919 survivor ops/sorting.py:130, `right and side == "left"` -> `or`: side="left" (and
    side="right" with right=True) was then refused as opposites)."""
    seq, values = [1.0, 2.0, 2.0, 3.0], [2.0, 0.5, 3.0, 4.0]
    want = torch.searchsorted(torch.tensor(seq), torch.tensor(values), **kwargs)
    got = cr.searchsorted(cr.tensor(seq), cr.tensor(values), **kwargs)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.dtype == cr.int64


def test_searchsorted_refuses_opposite_side_and_right() -> None:
    """`side="left"` with `right=True` is refused, as PyTorch's (the other side of the seed-1919 survivor
    ops/sorting.py:130)."""
    with pytest.raises(RuntimeError, match="opposites"):
        torch.searchsorted(torch.tensor([1.0, 2.0]), torch.tensor([1.5]), side="left", right=True)
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        cr.searchsorted(cr.tensor([1.0, 2.0]), cr.tensor([1.5]), side="left", right=True)


def test_index_fill_of_an_integer_tensor_with_a_float_value_that_requires_grad_has_no_grad() -> None:
    """`index_fill(x, dim, index, v)` with an int64 x and a float 0-d v that requires grad gives an int64 result
    that does not require grad (an integer tensor never does; PyTorch refuses this call, "Autograd not support
    dtype: Long", a deviation: chainrule fills v's value cast to int64, truncated, as PyTorch's cast would) (seed-1919
    survivor ops/scatter.py:494, `value.array.dtype != input.array.dtype` -> `==`: v then went uncast into the op,
    whose int64 result required grad)."""
    with pytest.raises(RuntimeError, match="Long"):
        torch.index_fill(torch.tensor([1, 2, 3]), 0, torch.tensor([0, 2]), torch.tensor(2.5, requires_grad=True))
    v = cr.tensor(2.5, requires_grad=True)
    out = cr.index_fill(cr.tensor([1, 2, 3]), 0, cr.tensor([0, 2]), v)
    assert out.dtype == cr.int64 and not out.requires_grad and out.grad_fn is None
    np.testing.assert_array_equal(out.numpy(), [2, 2, 2])
    with torch.no_grad():  # PyTorch computes it without grad
        want = torch.index_fill(torch.tensor([1, 2, 3]), 0, torch.tensor([0, 2]), torch.tensor(2.5))
    np.testing.assert_array_equal(out.numpy(), want.numpy())


@pytest.mark.parametrize("value", [2, 1, 3, -1, 0, True, False, 0.5, 1.0, 2.0])
def test_addcmul_scales_the_product_by_value(value: object) -> None:
    """`addcmul(x, a, b, value=v)` is x + v * a * b, with the gradients of that product, for integer, bool and
    float v, as PyTorch's (seed-1919 survivor ops/elementwise.py:634, `value == 1` -> `value == 2`: value=2 then
    skipped the scaling and gave x + a * b; the tests had only used value 1 and floats)."""
    got, want = [], []
    for lib, out in ((torch, want), (cr, got)):
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        a = lib.tensor([3.0, 4.0, -1.5], requires_grad=True)
        b = lib.tensor([[5.0, 6.0, 2.0], [-1.0, 0.25, 8.0]], requires_grad=True)
        y = lib.addcmul(x, a, b, value=value)
        (y * lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
        out += [y.detach().numpy(), x.grad.numpy(), a.grad.numpy(), b.grad.numpy()]
        ints = lib.addcmul(lib.tensor([1, 2]), lib.tensor([3, 4]), lib.tensor([5, 6]), value=value)
        out += [ints.numpy(), str(ints.dtype).split(".")[-1]]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
@pytest.mark.parametrize("value", [2.7, -2.7, 0.5, -1.5, 1.0, 127.0, 127.9, -128.0, -128.9, 255.0, 256.0])
def test_addcmul_of_integer_tensors_truncates_a_float_value(dtype: str, value: float) -> None:
    """With integer tensors, a float `value` takes the result's integer dtype as in PyTorch: truncated towards 0
    (2.7 -> 2), the result stays an integer tensor, and a value outside the dtype's range is refused with
    PyTorch's message (found while judging the seed-1919 survivor ops/elementwise.py:634: chainrule computed in
    float and returned a float tensor, `addcmul(int, int, int, value=0.5)` gave [8.5, 14.0] where PyTorch gives
    [1, 2])."""
    x = [1, 2, 3]
    a, b = [3, 4, 1], [5, 6, 1]
    try:
        want = torch.addcmul(*(torch.tensor(v, dtype=getattr(torch, dtype)) for v in (x, a, b)), value=value)
    except RuntimeError as err:
        with pytest.raises(RuntimeError, match=str(err)):
            cr.addcmul(*(cr.tensor(v, dtype=getattr(cr, dtype)) for v in (x, a, b)), value=value)
        assert "without overflow" in str(err)
        return
    got = cr.addcmul(*(cr.tensor(v, dtype=getattr(cr, dtype)) for v in (x, a, b)), value=np.float64(value))
    assert got.dtype == getattr(cr, dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e20])
def test_addcmul_refuses_a_float_value_no_integer_holds(value: float) -> None:
    """NaN, infinities and values beyond int64 are refused for integer tensors, as PyTorch's "value cannot be
    converted to type int64_t without overflow" (the fix above); with float tensors they are used as they are."""
    with pytest.raises(RuntimeError, match="value cannot be converted to type int64_t without overflow"):
        torch.addcmul(torch.tensor([1]), torch.tensor([2]), torch.tensor([3]), value=value)
    with pytest.raises(RuntimeError, match="value cannot be converted to type int64_t without overflow"):
        cr.addcmul(cr.tensor([1]), cr.tensor([2]), cr.tensor([3]), value=value)
    got = cr.addcmul(cr.tensor([1.0]), cr.tensor([2]), cr.tensor([3]), value=value)
    want = torch.addcmul(torch.tensor([1.0]), torch.tensor([2]), torch.tensor([3]), value=value)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
