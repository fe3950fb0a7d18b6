"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in ops, against PyTorch."""

import numpy as np
import pytest
import torch

import chainrule as cr


# ops/elementwise.py:766 `wins = (a <= b) | (b != b)` -- on a tie fmin's gradient goes to the first input
def test_fmin_tie_gradient_goes_to_first():
    grads = []
    for m in (torch, cr):
        a = m.tensor([1.0, 2.0, 5.0], requires_grad=True)
        b = m.tensor([1.0, 3.0, 4.0], requires_grad=True)
        m.fmin(a, b).sum().backward()
        grads.append((a.grad.tolist(), b.grad.tolist()))
    assert grads[0] == grads[1] == ([1.0, 1.0, 0.0], [0.0, 0.0, 1.0])


# ops/shape_ops.py:562 `if d1 == d2:` -- diag_embed refuses identical diagonal dimensions
def test_diag_embed_identical_dims_refused():
    with pytest.raises(RuntimeError, match="cannot be identical"):
        torch.diag_embed(torch.zeros(2), 0, 0, -2)
    with pytest.raises(RuntimeError, match="cannot be identical"):
        cr.diag_embed(cr.zeros(2), 0, 0, -2)


# ops/shape_ops.py:323 `strides = [s // item for s in input.array.strides]` -- strides are ints, as PyTorch's
def test_stride_of_a_strided_view_is_int():
    for get in (lambda m: m.zeros(2, 3).t().stride(), lambda m: m.zeros(2, 6)[:, ::2].stride()):
        want, got = get(torch), get(cr)
        assert got == want
        assert all(type(s) is int for s in got)
    got = cr.zeros(2, 6)[:, ::2].stride(1)
    assert got == 2 and type(got) is int


# ops/elementwise.py:593 `b_int = ... if not isinstance(b, builtins.float) else False` -- an integer tensor fmod a
# float 0.0 is NaN (float), not the integer division-by-zero error
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns about the NaN; PyTorch does not
def test_fmod_int_tensor_by_float_zero_is_nan():
    want = torch.fmod(torch.tensor([3, 4]), 0.0)
    got = cr.fmod(cr.tensor([3, 4]), 0.0)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert np.isnan(got.numpy()).all() and torch.isnan(want).all()
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        cr.fmod(cr.tensor([3, 4]), 0)
