"""Tests that kill survivors of the seed-909 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.ops.registry import Op


def test_an_op_declared_without_formulas_is_explained_with_a_question_mark() -> None:
    """explain/build.py:151 (the `not formulas` exit removed: `formulas[-1]` of an empty tuple raised
    IndexError): `defop(..., vjp=...)` may leave out `formulas` (docs/engine.md), and the graph of such an op
    shows "?" for its local derivative's formula; the gradient is still the engine's (3 x^2, by hand)."""
    cube = Op("cube_no_formula", lambda x: x ** 3, ("x",), lambda xp, g, out, x: (g * 3 * x * x,), (),
              saves="inputs")
    x = cr.tensor([1.0, -2.0, 0.5], requires_grad=True, name="x")
    y = cr.ops.apply(cube, (x,))
    loss = y.sum()
    loss.name = "L"
    graph = cr.explain.graph(loss)
    edge = next(e for e in graph.data["edges"] if e["target"] != graph.data["root"])
    assert edge["formula"] == "?"
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([1.0, -2.0, 0.5]) ** 2)
    assert "?" in str(cr.explain.gradient_table(loss))
