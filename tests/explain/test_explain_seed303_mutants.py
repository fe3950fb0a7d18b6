"""Tests for the survivors of the fresh seed-303 mutation sample in explain (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain.values import fmt_array


@pytest.mark.parametrize("op", ["add", "mul", "exp", "sum"])
def test_a_leaf_shows_its_forward_value_after_data_is_swapped(op: str) -> None:
    # `w.data = new` after the forward: the graph keeps the values it saved (docs/semantics.md), and the
    # explanation shows those, the ones its gradients were computed from, not the new data
    # (explain/build.py: the leaf's value falls back to the tensor only when no value was kept)
    w = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    x = cr.tensor([3.0, 4.0], dtype=cr.float64)
    y = {"add": lambda: w + x, "mul": lambda: w * x, "exp": lambda: w.exp(), "sum": lambda: w.sum()}[op]()
    w.data = cr.tensor([5.0, 6.0], dtype=cr.float64)
    nodes = {n["name"]: n for n in cr.graph(y, names={"w": w, "x": x}).nodes}
    assert nodes["w"]["value"]["data"] == [1.0, 2.0]
    y.sum().backward()
    expected = {"add": [1.0, 1.0], "mul": [3.0, 4.0], "exp": list(np.exp([1.0, 2.0])), "sum": [1.0, 1.0]}[op]
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("max_elements", [0, 1, 5])
def test_fmt_array_writes_a_scalar_as_a_number_whatever_the_limit(max_elements: int) -> None:
    # its contract: scalars as numbers, small arrays as nested lists, large ones as a summary
    assert fmt_array(np.array(2.5), max_elements) == "2.5"
    assert fmt_array(np.array(-3), max_elements) == "-3"
    assert fmt_array(None, max_elements) == "?"
    summary = fmt_array(np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), max_elements)
    assert summary.startswith("[6] mean 3.5")


def test_fmt_array_summarizes_what_it_cannot_average_by_its_shape() -> None:
    # a large array of complex numbers, strings or objects has no mean to show: its shape alone
    # (explain/values.py: fmt_array's shape-only summary; without it complex values lost their imaginary
    # part and strings raised)
    big = 5 * 12
    assert fmt_array(np.full(big, 1 + 2j)) == f"[{big}]"
    assert fmt_array(np.array(["x"] * big).reshape(5, 12)) == "[5×12]"
    assert fmt_array(np.array([None] * big, dtype=object)) == f"[{big}]"
    assert fmt_array(np.zeros((0, 3)), -1) == "[0×3]"  # an empty array past a (negative) limit: no mean of nothing
