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


def test_equal_compares_values_of_same_shaped_tensors():
    for m in (torch, cr):
        assert m.equal(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0]))
        assert not m.equal(m.tensor([1.0, 2.0]), m.tensor([1.0, 3.0]))
        assert not m.equal(m.tensor([1.0, 1.0]), m.tensor([1.0]))
        assert not m.equal(m.zeros(2, 0), m.zeros(0, 2))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("weight", [0.25, 0.5, 0.75, 1.0, 1.25, -0.25, 0.0])
def test_lerp_with_a_number_weight_matches_pytorch_bit_for_bit(dtype, weight):
    """PyTorch's two-sided formula: start + w * diff for |w| < 0.5, else end - diff * (1 - w); the two round
    differently (at w = 0.5 too), so the values are compared exactly. (Weights whose product with diff is exact:
    PyTorch's CPU kernel fuses the multiply-add, which NumPy cannot, so w = -0.5 differs by an ulp.)"""
    rng = np.random.default_rng(7)
    s = (rng.standard_normal(500) * 10).astype(dtype)
    e = (rng.standard_normal(500) * 10).astype(dtype)
    t = torch.lerp(torch.from_numpy(s), torch.from_numpy(e), weight).numpy()
    c = cr.lerp(cr.from_numpy(s), cr.from_numpy(e), weight).numpy()
    np.testing.assert_array_equal(c, t)


@pytest.mark.parametrize("name", ["xlogy", "copysign"])
def test_binary_float_function_of_a_tensor_and_a_number_keeps_the_gradient(name):
    values = np.array([0.5, 2.0, -1.5]) if name == "copysign" else np.array([0.5, 2.0, 3.0])
    results = []
    for m in (torch, cr):
        x = m.tensor(values, requires_grad=True)
        y = getattr(m, name)(x, 3.0)
        (g,) = m.autograd.grad((y * y).sum(), x)
        results.append((y.detach().numpy(), g.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12)


@pytest.mark.parametrize(("name", "nan"), [("fmax", False), ("fmin", False), ("fmax", True), ("fmin", True)])
def test_fmax_fmin_gradient_at_ties_goes_to_the_first_input(name, nan):
    a = np.array([1.0, 2.0, 3.0, -0.0, float("nan")])
    b = np.array([1.0, 5.0, 3.0, 0.0, float("nan") if nan else 1.0])
    grads = []
    for m in (torch, cr):
        x, y = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        out = getattr(m, name)(x, y)
        gx, gy = m.autograd.grad(out, (x, y), m.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
        grads.append((gx.numpy(), gy.numpy()))
    np.testing.assert_array_equal(grads[1][0], grads[0][0])
    np.testing.assert_array_equal(grads[1][1], grads[0][1])


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_xlogy_of_a_number_and_a_tensor_computes_in_the_tensors_dtype(dtype):
    """A Python number first: it takes the tensor's dtype (float16 stays float16; 0.1 is not rounded to float32)."""
    values = np.array([0.5, 2.0, 3.0], dtype=dtype)
    t = torch.xlogy(0.1, torch.from_numpy(values))
    c = cr.xlogy(0.1, cr.from_numpy(values))
    assert str(c.dtype) == f"chainrule.{dtype}" and str(t.dtype) == f"torch.{dtype}"
    np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-15 if dtype == "float64" else 1e-3)
