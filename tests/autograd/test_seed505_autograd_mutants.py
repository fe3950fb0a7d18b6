"""Tests that kill survivors of the seed-505 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _grad_outputs_seen(lib) -> np.ndarray:  # noqa: ANN001
    """Every gradient that reaches fn's output while gradgradcheck runs: its default grad_outputs (and their
    finite-difference perturbations)."""
    seen: list[np.ndarray] = []

    def fn(x):  # noqa: ANN001, ANN202
        y = x * x * x
        y.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
        return y

    x = lib.linspace(-1.0, 1.0, 40, dtype=lib.float64).requires_grad_()
    assert lib.autograd.gradgradcheck(fn, (x,))
    assert seen
    return np.concatenate([s.ravel() for s in seen])


def test_gradgradcheck_default_grad_outputs_are_random_in_minus_one_to_one() -> None:
    # autograd/gradcheck.py:296: the random grad_outputs are drawn from [-1, 1], as PyTorch's (make_tensor with
    # low=-1, high=1); a range of [-2, 1] or [-1, 2] puts some of 40 values outside
    for lib in (torch, cr):
        v = _grad_outputs_seen(lib)
        assert v.min() >= -1.0 - 1e-3 and v.max() <= 1.0 + 1e-3, lib.__name__
        assert v.min() < -0.5 and v.max() > 0.5, lib.__name__  # spread over the range, not a constant
        assert v.dtype == np.float64


def test_gradgradcheck_default_grad_outputs_have_the_outputs_float_dtype() -> None:
    # autograd/gradcheck.py:296 (`kind == "f"` -> `!=`): the grad_outputs take a float output's dtype, as
    # PyTorch's do (float32 here). They are checked inputs, and chainrule's gradcheck refuses inputs that are not
    # float64 (PyTorch warns: docs/semantics.md), so a float32 output is refused, not checked in float64.
    seen: list = []

    def fn(x):  # noqa: ANN001, ANN202
        y = (x * x * x).float()
        y.register_hook(lambda g: seen.append(g.dtype))
        return y

    tx = torch.linspace(-1.0, 1.0, 5, dtype=torch.float64).requires_grad_()
    with pytest.warns(UserWarning):
        torch.autograd.gradgradcheck(fn, (tx,), atol=1e-2, rtol=1e-2)
    assert set(seen) == {torch.float32}
    x = cr.linspace(-1.0, 1.0, 5, dtype=cr.float64).requires_grad_()
    with pytest.raises(cr.autograd.GradcheckError, match="float32"):
        cr.autograd.gradgradcheck(fn, (x,), atol=1e-2, rtol=1e-2)
