"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in ops, against PyTorch."""

import pytest
import torch

import chainrule as cr


# ops/inplace.py:98 `elif type(value) not in (float, int): return False` -- other Python values do not take
# the direct NumPy ufunc path: a complex, None or a string is refused with chainrule's own message (PyTorch
# refuses each too)
@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
@pytest.mark.parametrize("value, match", [(2j, "does not support complex"), (None, "could not convert NoneType"),
                                          ("a", "could not convert str")])
def test_inplace_arithmetic_refuses_non_numbers(op, value, match):
    with pytest.raises((TypeError, RuntimeError)):
        getattr(torch.tensor([1.0, 2.0]), op)(value)
    with pytest.raises(TypeError, match=match):
        getattr(cr.tensor([1.0, 2.0]), op)(value)
