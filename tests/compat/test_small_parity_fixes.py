"""Small PyTorch behaviours chainrule lacked (noted in earlier sessions), each against the installed torch:
tensor arguments to roll/topk/split, integer division by zero, softmax's implicit-dim warning, the repr of
empty integer and bool tensors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr


def _both(fn):
    return fn(cr), fn(torch)


@pytest.mark.parametrize("call", [
    lambda m, x: m.roll(x, m.tensor(1), 1),
    lambda m, x: m.roll(x, m.tensor(2)),
    lambda m, x: m.topk(x, m.tensor(2)).values,
    lambda m, x: m.topk(x, m.tensor(1), dim=0).indices,
    lambda m, x: x.topk(m.tensor(2), largest=False).values,
    lambda m, x: m.cat([t * 1 for t in m.split(x, m.tensor(1), 1)], 0),
    lambda m, x: m.cat([t.reshape(-1) for t in x.split(m.tensor(2), 1)]),
], ids=["roll 0-d", "roll flat", "topk", "topk dim 0", "topk method", "split size", "split method"])
def test_integer_tensor_arguments_as_pytorch(call) -> None:
    x0 = np.arange(6.0).reshape(2, 3) * np.array([1.0, -1.0, 0.5])
    got, want = _both(lambda m: call(m, m.tensor(x0)))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_a_tensor_of_several_shifts_is_refused_as_pytorch() -> None:
    with pytest.raises(TypeError):
        torch.roll(torch.ones(2, 3), torch.tensor([1, -2]), (0, 1))
    with pytest.raises(TypeError, match="integer tensors of a single element"):
        cr.roll(cr.ones(2, 3), cr.tensor([1, -2]), (0, 1))


def test_a_float_tensor_is_no_topk_k() -> None:
    with pytest.raises(TypeError):
        torch.topk(torch.ones(3), torch.tensor(1.0))
    with pytest.raises(TypeError, match="integer tensors of a single element"):
        cr.topk(cr.ones(3), cr.tensor(1.0))


@pytest.mark.parametrize("expr", ["a // b", "a % b", "cr_or_torch.remainder(a, b)", "cr_or_torch.floor_divide(a, b)",
                                  "a // 0", "a % 0"])
def test_integer_division_by_zero_raises_as_pytorch(expr: str) -> None:
    for m in (cr, torch):
        a, b = m.tensor([7, -7, 1]), m.tensor([2, 3, 0])
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            eval(expr, {"a": a, "b": b, "cr_or_torch": m})


def test_float_division_by_zero_still_gives_infinities() -> None:
    got, want = _both(lambda m: m.stack([m.tensor([7.0, -7.0, 0.0]) // 0.0, m.tensor([7.0, -7.0, 0.0]) % 0.0]))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_without_dim_warns_as_pytorch(name: str) -> None:
    x0 = np.random.default_rng(0).standard_normal((2, 3, 4))
    for shape in ((4,), (2, 3), (2, 3, 4), (1, 2, 3, 4)):
        results = []
        for m in (cr, torch):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = getattr(m.nn.functional, name)(m.tensor(x0.reshape(-1)[:int(np.prod(shape))].reshape(shape)))
            messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
            assert messages == [f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                                f"include dim=X as an argument."]
            assert caught[0].filename == __file__  # it points at the caller's line
            results.append(out.numpy())
        np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([], dtype=m.int64), lambda m: m.tensor([], dtype=m.bool), lambda m: m.zeros(0, 3, dtype=m.int64),
    lambda m: m.zeros(0, 3, dtype=m.int32), lambda m: m.zeros(0, 3), lambda m: m.tensor([]),
    lambda m: m.tensor([], dtype=m.float64), lambda m: m.tensor([1, 2]), lambda m: m.tensor([True]),
])
def test_repr_of_empty_tensors_shows_the_dtype_as_pytorch(make) -> None:
    got, want = _both(make)
    assert repr(got).replace("chainrule.", "") == repr(want).replace("torch.", "")
