"""Tests that kill survivors of the seed-1616 mutation sample (docs/testing.md)."""

from __future__ import annotations

import chainrule as cr


def test_a_partial_gradient_table_keeps_the_loss_row_and_drops_unknown_intermediates() -> None:
    """explain/tables.py:314 (`n["grad"] is None and nid != top.root` -> `nid == top.root`): when the steps cannot be
    shown (backward freed the graph and the leaf was then changed in place, as by an optimizer step), the loss keeps
    its row (starting point, value unknown), a named intermediate whose gradient is unknown gets no row, and the
    leaf shows its .grad. The mutant dropped the loss row and showed h with "?"."""
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    x.name = "x"
    h = x * 3.0
    h.name = "h"
    loss = (h * h).sum()
    loss.name = "L"
    loss.backward()
    with cr.no_grad():
        x.sub_(0.5)
    table = cr.explain.gradient_table(loss)
    assert [(r.location, r.value) for r in table.rows] == [("dL/dL", "?"), ("dL/dx", "[18.0, 36.0]")]
    assert table.rows[0].how == "starting point: dL/dL = 1.0"
    assert "dL/dh" not in str(table)
