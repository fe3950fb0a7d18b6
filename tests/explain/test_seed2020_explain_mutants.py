"""Tests that kill survivors of the seed-2020 mutation sample (docs/testing.md)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain.record import module_of
from chainrule.explain.values import value_json


class _Shared(cr.nn.Module):
    """One Linear called three times in a row (a shared block, as an RNN cell is)."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = cr.nn.Linear(2, 2)

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        for _ in range(3):
            x = self.lin(x)
        return x


@pytest.mark.parametrize("per_model", [False, True])
def test_calls_of_a_shared_module_are_numbered_from_0(per_model: bool) -> None:
    """With `record_modules()` (global hooks) as with `record_modules(model)`, the k-th call of a shared module
    is call k counted from 0, in the node's tag and in its enclosing calls (seed-2020 survivor explain/record.py:289,
    `calls.get(path, 0)` -> `calls.get(path, 1)` in the global recorder: its calls were then numbered from 1; the
    tests had checked paths and types only)."""
    cr.manual_seed(0)
    model = _Shared()
    with cr.explain.record_modules(model if per_model else None):
        out = model(cr.ones(1, 2))
    path = "lin" if per_model else "_Shared.lin"
    root = "_Shared"
    node, tags = out.grad_fn, []
    while node is not None:
        tags.append(module_of(node))
        node = node.parents[0] if node.parents else None
    assert tags == [(path, "Linear", k, ((root, 0), (path, k))) for k in (2, 1, 0)]


def test_a_non_finite_value_is_written_as_a_string_in_the_json() -> None:
    """A value object's data writes nan, inf and -inf as the strings "nan", "inf", "-inf" (docs/graph-schema.md),
    so the graph document is strict JSON; finite numbers stay numbers (seed-2020 survivor explain/values.py:64,
    `not np.all(np.isfinite(out))` -> without `not`: the non-finite floats then went into the data as floats,
    written as NaN and Infinity, which JSON does not have)."""
    v = value_json(np.array([1.5, np.nan, np.inf, -np.inf, -0.0], dtype=np.float32))
    assert v is not None and v["data"] == [1.5, "nan", "inf", "-inf", -0.0]
    assert math.copysign(1.0, v["data"][4]) == -1.0
    assert value_json(np.array([[0.25, 2.0]]))["data"] == [[0.25, 2.0]]  # type: ignore[index]
    x = cr.tensor([-np.inf, 1.0], requires_grad=True)
    x.name = "x"
    y = x * 2.0
    y.name = "y"
    loss = y.sum()
    text = cr.graph(loss).to_json()

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    doc = json.loads(text, parse_constant=refuse)  # raises on NaN, Infinity, -Infinity
    values = [n["value"]["data"] for n in doc["nodes"] if n["name"] == "y"]
    assert values == [["-inf", 2.0]]


def _two_layers(first: float, last: float) -> cr.nn.Module:
    model = cr.nn.Sequential(cr.nn.Linear(1, 1, bias=False), cr.nn.Linear(1, 1, bias=False))
    model[0].weight.grad = cr.tensor([[first]])
    model[1].weight.grad = cr.tensor([[last]])
    return model


@pytest.mark.parametrize("kwargs,flag", [({"vanish": 0.5}, ""), ({"vanish": 0.5000001}, "vanishing"),
                                         ({"vanish_abs": 0.5}, ""), ({"vanish_abs": 0.50001}, "vanishing"),
                                         ({"vanish": 0.25, "vanish_abs": 0.25}, "")])
def test_gradient_flow_flags_vanishing_strictly_below_the_thresholds(kwargs: dict, flag: str) -> None:
    """A layer is vanishing when its gradient norm is *below* `vanish` times the last layer's or below
    `vanish_abs` (the docstring's rule): exactly at either threshold it is not flagged (hand-computed: norms 0.5
    and 1.0, powers of two, so the ratio is exactly 0.5) (seed-2020 survivor explain/diagnostics.py:131,
    `rel < vanish` -> `<=`: a layer exactly at the relative threshold was then flagged)."""
    flow = cr.explain.gradient_flow(_two_layers(0.5, -1.0), **kwargs)
    assert [(la.grad_norm, la.flag) for la in flow.layers] == [(0.5, flag), (1.0, "")]
