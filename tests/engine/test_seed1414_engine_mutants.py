"""Tests that kill survivors of the seed-1414 mutation sample (docs/testing.md)."""

from __future__ import annotations

import chainrule as cr
from chainrule.autograd import profiler
from chainrule.ops.observe import observe_ops, watch


def test_an_outer_op_observer_keeps_seeing_ops_after_an_inner_one_leaves() -> None:
    """Observers nest: after an inner `observe_ops` block (or a `record_function` scope observer) ends, the
    outer observer still sees every op, and the watch flag goes off only when the last one leaves
    (seed-1414 survivor engine/watch.py:29, `_count -= 1` -> `-= 2`: the flag went off with the inner block)."""
    x = cr.tensor([1.0, 2.0])
    assert not watch.on
    with observe_ops() as outer:
        with observe_ops() as inner:
            _ = x + 1.0
        _ = x * 2.0
        with profiler.observe_scopes():
            pass
        _ = x - 3.0
        assert watch.on
    assert not watch.on
    assert [c.op.name for c in inner] == ["add"]
    assert [c.op.name for c in outer] == ["add", "mul", "sub"]
    with observe_ops() as again:
        _ = x / 2.0
    assert [c.op.name for c in again] == ["div"] and not watch.on
