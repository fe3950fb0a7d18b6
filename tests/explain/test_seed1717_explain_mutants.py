"""Tests that kill survivors of the seed-1717 mutation sample (docs/testing.md)."""

from __future__ import annotations

import pytest

import chainrule as cr
from chainrule.explain.record import module_of


@pytest.mark.parametrize("per_model", [True, False])
def test_module_calls_are_numbered_from_zero_by_both_recorders(per_model: bool) -> None:
    """A module called twice under `record_modules()` (global hooks, as `chainrule explain` uses) tags the first
    call's nodes with call index 0 and the second's with 1, each enclosed by its own call, exactly as the
    per-model recorder `record_modules(model)` does (seed-1717 survivor explain/record.py:289,
    `calls.get(path, 0)` -> `calls.get(path, 1)`: the global recorder numbered the calls 1, 2, hidden in graphs,
    which renumber calls, but not in `module_of`, which documents a call index)."""
    cr.manual_seed(0)
    lin = cr.nn.Linear(2, 2)
    x = cr.ones(1, 2)
    with cr.explain.record_modules(lin if per_model else None):
        first = lin(x)
        second = lin(first)
    path = "Linear"  # both recorders call the root module by its type
    assert module_of(first.grad_fn) == (path, "Linear", 0, ((path, 0),))
    assert module_of(second.grad_fn) == (path, "Linear", 1, ((path, 1),))
