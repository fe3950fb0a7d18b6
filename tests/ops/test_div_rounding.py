"""`div(a, b, rounding_mode='floor' | 'trunc')` against PyTorch: values, dtypes, broadcasting, gradients (0 for
both inputs, DivBackward2), the in-place method, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

A = np.array([[7.0, -7.0, 5.5, -5.5, 0.0, -0.5], [1e9 + 1, -3.0, 2.5, -2.5, 6.0, -6.0]])
B = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 2.0])


def _pair(values: np.ndarray, dtype: str) -> tuple:
    return cr.tensor(values.astype(dtype)), torch.tensor(values.astype(dtype))


@pytest.mark.parametrize("mode", ["floor", "trunc"])
@pytest.mark.parametrize("da,db", [("float32", "float32"), ("float64", "float64"), ("int64", "int64"),
                                   ("int32", "int32"), ("int64", "float32"), ("float32", "int64"),
                                   ("int32", "int64")])
def test_values_and_dtypes_match_pytorch(mode: str, da: str, db: str) -> None:
    ca, ta = _pair(A, da)
    cb, tb = _pair(B, db)
    for args in ((ca, cb), (ca, 2), (ca, -2.5), (cb, ca[0]) if "int" not in da else (ca, cb)):
        targs = tuple(ta if a is ca else tb if a is cb else torch.tensor(a.numpy()) if isinstance(a, cr.Tensor)
                      else a for a in args)
        got = cr.div(*args, rounding_mode=mode)
        want = torch.div(*targs, rounding_mode=mode)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        np.testing.assert_array_equal(np.signbit(got.numpy()), np.signbit(want.numpy()))  # -0.0 kept


def test_exact_for_large_integers() -> None:
    """Integers are divided exactly, not through floats (2**62 + 1 has no float64)."""
    for mode in ("floor", "trunc"):
        got = cr.div(cr.tensor([2**62 + 1, -(2**62) - 1]), cr.tensor([-3, 3]), rounding_mode=mode)
        want = torch.div(torch.tensor([2**62 + 1, -(2**62) - 1]), torch.tensor([-3, 3]), rounding_mode=mode)
        assert got.tolist() == want.tolist()


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_gradients_are_zero_for_both_inputs(mode: str) -> None:
    grads = []
    for lib in (cr, torch):
        a = lib.tensor(A, requires_grad=True)
        b = lib.tensor(B, requires_grad=True)
        y = lib.div(a, b, rounding_mode=mode)
        assert type(y.grad_fn).__name__ == "DivBackward2" or y.grad_fn.name() == "DivBackward2"
        (y * 3.0 + a).sum().backward()
        grads.append((a.grad.numpy(), b.grad.numpy()))
    for c, t in zip(*grads):
        np.testing.assert_array_equal(c, t)


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_in_place_and_method_forms(mode: str) -> None:
    c, t = cr.tensor(A.copy()), torch.tensor(A.copy())
    c.div_(-2.0, rounding_mode=mode)
    t.div_(-2.0, rounding_mode=mode)
    np.testing.assert_array_equal(c.numpy(), t.numpy())
    np.testing.assert_array_equal(cr.tensor(A).divide(3, rounding_mode=mode).numpy(),
                                  torch.tensor(A).divide(3, rounding_mode=mode).numpy())


def test_float_division_by_zero_and_integer_division_by_zero() -> None:
    for mode in ("floor", "trunc"):
        got = cr.div(cr.tensor([7.0, -7.0, 0.0]), cr.tensor([0.0, 0.0, 0.0]), rounding_mode=mode)
        want = torch.div(torch.tensor([7.0, -7.0, 0.0]), torch.tensor([0.0, 0.0, 0.0]), rounding_mode=mode)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            torch.div(torch.tensor([7, 1]), torch.tensor([1, 0]), rounding_mode=mode)
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            cr.div(cr.tensor([7, 1]), cr.tensor([1, 0]), rounding_mode=mode)


def test_an_unknown_rounding_mode_is_refused_as_pytorch() -> None:
    words = "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'bogus'"
    with pytest.raises(RuntimeError, match=words):
        torch.ones(2).div(2, rounding_mode="bogus")
    with pytest.raises(RuntimeError, match=words):
        cr.ones(2).div(2, rounding_mode="bogus")


def test_broadcasting_error_names_div() -> None:
    with pytest.raises(RuntimeError, match=r"div: shapes \(2,\) and \(3,\) are not broadcastable"):
        cr.div(cr.ones(2), cr.ones(3), rounding_mode="trunc")
