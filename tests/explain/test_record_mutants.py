"""cr.explain.record refuses a negative max_passes and keeps no steps with max_passes=0 (a mutation
survivor: the check in `explain/record.py: record.__init__` removed)."""

from __future__ import annotations

import pytest

import chainrule as cr


@pytest.mark.parametrize("bad", [-1, -5])
def test_record_refuses_a_negative_max_passes(bad: int) -> None:
    with pytest.raises(ValueError, match="max_passes"):
        cr.explain.record(max_passes=bad)


def test_record_with_zero_passes_keeps_no_steps_and_with_one_keeps_the_first() -> None:
    for limit, kept in ((0, 0), (1, 1), (None, 2)):
        steps: list[int] = []
        w = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
        with cr.explain.record(on_step=lambda rec, step, steps=steps: steps.append(step.index),
                               max_passes=limit):
            for _ in range(2):
                (w * 3.0).backward()
        assert steps.count(0) == kept
        assert w.grad.item() == 6.0  # the engine's gradients are unaffected: 3 + 3
