"""Tests for the survivors of the fresh seed-404 mutation sample in explain (docs/testing.md)."""

from __future__ import annotations

import chainrule as cr


def _ops(root: cr.Tensor, names: dict | None = None) -> list[tuple[str, int]]:
    return [(n["name"], n["forward_index"]) for n in cr.graph(root, names=names).nodes if n["kind"] == "op"]


def test_op_nodes_follow_the_program_when_an_op_has_several_op_inputs() -> None:
    # the forward order is a post-order over each node's inputs in argument order (explain/build.py:
    # _forward_order): the inputs of cat([a, b, c]) come as a, b, c, as the program ran them, not a, c, b
    x = cr.tensor([0.5, 1.0], requires_grad=True)
    a, b, c = x.exp(), x.sin(), x.cos()
    L = cr.cat([a, b, c]).sum()  # noqa: N806
    assert _ops(L, {"x": x, "a": a, "b": b, "c": c, "L": L}) == [("a", 0), ("b", 1), ("c", 2),
                                                                  ("cat(a, b, c)", 3), ("L", 4)]
    d = x * 2
    y = cr.stack([x.tanh(), d.sin(), x.sigmoid(), d.cos()]).sum()
    assert [name for name, _ in _ops(y, {"x": x, "d": d, "y": y})] == ["tanh(x)", "d", "sin(d)", "sigmoid(x)",
                                                                        "cos(d)", "stack(…)", "y"]
