"""Tests that kill survivors of the seed-1313 mutation sample (docs/testing.md)."""

from __future__ import annotations

import operator

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.ops import registry


def _raises_like_torch(cr_call, torch_call) -> None:  # noqa: ANN001
    with pytest.raises(Exception) as ref:
        torch_call()
    with pytest.raises(type(ref.value)):
        cr_call()


@pytest.mark.parametrize("start", [1.0, [1], True], ids=["float", "1-d", "bool"])
def test_narrow_refuses_a_tensor_start_that_is_not_a_0d_integer(start: object) -> None:
    """`narrow(x, 0, start, 2)` with a float, bool or 1-d tensor as start raises RuntimeError, as PyTorch's
    "start must be an 0-dim integral Tensor" (seed-1313 survivor ops/shape_ops.py:453, the check dropped: the
    start was then read with `.item()` and used)."""
    _raises_like_torch(lambda: cr.narrow(cr.arange(6.0), 0, cr.tensor(start), 2),
                       lambda: torch.narrow(torch.arange(6.0), 0, torch.tensor(start), 2))
    x, xt = cr.arange(6.0), torch.arange(6.0)
    np.testing.assert_array_equal(cr.narrow(x, 0, cr.tensor(1), 2).numpy(),
                                  torch.narrow(xt, 0, torch.tensor(1), 2).numpy())


@pytest.mark.parametrize("indices", [[[1], [3]], [[1, 3]]], ids=["2x1", "1x2"])
def test_tensor_split_refuses_indices_of_two_dimensions(indices: list) -> None:
    """`tensor_split(x, t)` with a 2-d index tensor raises RuntimeError, as PyTorch (seed-1313 survivor
    ops/joins.py:207, the ndim check dropped: a (2, 1) tensor of indices then split at 1 and 3)."""
    _raises_like_torch(lambda: cr.tensor_split(cr.arange(6.0), cr.tensor(indices)),
                       lambda: torch.tensor_split(torch.arange(6.0), torch.tensor(indices)))
    for spec in ([1, 3], [4], 2):  # 1-d (indices) and 0-d (sections) tensors are taken, as PyTorch's
        got = cr.tensor_split(cr.arange(6.0), cr.tensor(spec))
        ref = torch.tensor_split(torch.arange(6.0), torch.tensor(spec))
        assert [p.numpy().tolist() for p in got] == [p.numpy().tolist() for p in ref]


@pytest.mark.parametrize("name", ["unsqueeze_", "squeeze_", "transpose_", "t_"])
def test_an_inplace_view_op_refuses_an_inference_tensor_outside_inference_mode(name: str) -> None:
    """An in-place view op (`unsqueeze_`, `squeeze_`, `transpose_`, `t_`) on a tensor made under inference_mode,
    used outside it, raises RuntimeError, as PyTorch; inside inference_mode it works (seed-1313 survivor
    ops/inplace.py:154, the check dropped: no test reached the line)."""
    args = {"unsqueeze_": (0,), "squeeze_": (), "transpose_": (0, 1), "t_": ()}[name]
    results = []
    for lib in (torch, cr):
        with lib.inference_mode():
            x = lib.ones(2, 3)
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
            getattr(x, name)(*args)
        with lib.inference_mode():
            y = lib.ones(1, 3)
            getattr(y, name)(*args)
        results.append(tuple(y.shape))
    assert results[0] == results[1]


def _fma(a, b, c):  # noqa: ANN001, ANN202
    return a * b + c


def test_a_three_input_elementwise_op_gets_its_gradients() -> None:
    """An elementwise op of three inputs (declared here, at run time, as `where` and `lerp` are at import) takes
    the generic backward, not the one unrolled for two inputs, and gets a * b + c's gradients (seed-1313
    survivor ops/registry.py:134, `arity == 2` -> `arity == 3`: the binary fast path then unpacked three
    inputs into two and raised)."""
    op = registry.Op("seed1313_fma", _fma, ("a", "b", "c"),
                     (lambda xp, g, out, a, b, c: g * b, lambda xp, g, out, a, b, c: g * a,
                      lambda xp, g, out, a, b, c: g), ("b", "a", "1"), "", "inputs")
    assert op.plain_backward is None
    data = [np.array([[1.5, -2.0, 0.5]]), np.array([[3.0], [-1.0]]), np.array([0.25, 4.0, -3.0])]
    xs = [cr.tensor(d, requires_grad=True) for d in data]
    ts = [torch.tensor(d, requires_grad=True) for d in data]
    out = registry.apply(op, tuple(xs))
    ref = _fma(*ts)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy())
    w = np.arange(6.0).reshape(2, 3)
    (out * cr.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts, strict=True):
        assert x.grad.shape == t.grad.shape
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
    assert registry.Op("seed1313_mul", operator.mul, ("a", "b"), (lambda xp, g, out, a, b: g * b,
                       lambda xp, g, out, a, b: g * a), ("b", "a"), "", "inputs").plain_backward is not None


@pytest.mark.parametrize("name", ["where", "lerp"])
def test_where_and_lerp_backward(name: str) -> None:
    """The two elementwise ops of three inputs differentiate as PyTorch's (the same survivor, through the
    ops declared at import)."""
    data = [np.array([1.0, -2.0, 3.0]), np.array([4.0, 5.0, -6.0]), np.array([0.2, 0.7, 0.5])]
    grads = []
    for lib in (cr, torch):
        a, b, w = (lib.tensor(d, requires_grad=True) for d in data)
        out = lib.where(a > 0, a, b) if name == "where" else lib.lerp(a, b, w)
        (out * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        grads.append([t.grad for t in (a, b, w)])
    for g, r in zip(*grads, strict=True):
        assert (g is None) == (r is None)
        if g is not None:
            np.testing.assert_allclose(g.numpy(), r.numpy())
