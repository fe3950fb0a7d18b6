"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all), against PyTorch.

This file: autograd/gradcheck.py (the fast mode's direction vectors)."""
from __future__ import annotations

import torch

import chainrule as cr


def test_fast_mode_steps_along_a_unit_vector():
    # _fast_check: `us[k] = u / np.linalg.norm(u)` (a unit direction: eps * u stays within eps of x; an unnormalised
    # u of 100 elements steps up to ~6 eps, across abs's kink at 3 eps, and the check would fail)
    for m in (torch, cr):
        x = m.full((100,), 3e-6, dtype=m.float64, requires_grad=True)
        assert m.autograd.gradcheck(lambda t: t.abs(), (x,), fast_mode=True, raise_exception=False)
