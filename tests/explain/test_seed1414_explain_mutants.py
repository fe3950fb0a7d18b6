"""Tests that kill survivors of the seed-1414 mutation sample (docs/testing.md)."""

from __future__ import annotations

import pytest

import chainrule as cr
from chainrule import nn


class _Wrap(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.m = inner

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        out = self.m(x)  # RNN, GRU, LSTM and LSTMCell return a tuple: the output (LSTMCell: h) comes first
        return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("kind", ["RNN", "RNNCell", "GRU", "GRUCell", "LSTM", "LSTMCell"])
def test_a_recurrent_module_is_described_by_its_input_and_hidden_size(kind: str) -> None:
    """explain/build.py:630 (`"RNN": 1` -> `2` in _GATE_COUNT: the hidden size read off weight_hh was then halved):
    each recurrent module and cell, hidden size 4, is labelled `m: <type>(3->4)` (the weight_hh rows are
    gates x hidden: 1, 3 or 4 gates)."""
    inp = cr.randn(2, 1, 3) if not kind.endswith("Cell") else cr.randn(1, 3)
    model = _Wrap(getattr(nn, kind)(3, 4))
    with cr.explain.record_modules(model):
        out = model(inp)
    loss = out.sum()
    loss.name = "loss"
    labels = [g["label"] for g in cr.explain.graph(loss).data["groups"]]
    assert labels[0] == f"m: {kind}(3->4)"


def test_a_negative_exponent_is_parenthesized_in_a_label() -> None:
    """explain/naming.py:119 (a label starting with "-" binds at precedence 3 -> 4: it then passed as tight as a
    power and lost its parentheses): `x ** -2.0` is labelled `x^(-2.0)`, not `x^-2.0`, and `-(-2.0)` keeps its
    inner parentheses; a negative base is parenthesized either way."""
    from chainrule.explain.naming import expression_label, expression_precedence

    x = cr.tensor([1.0, 2.0], requires_grad=True)
    names = [n["name"] for n in cr.explain.graph((x ** -2.0 * 3.0).sum()).data["nodes"]]
    assert names == ["x", "-2.0", "x^(-2.0)", "3.0", "x^(-2.0)*3.0", "L"]
    neg = ("-2.0", expression_precedence("-2.0"))
    assert expression_precedence("-2.0") < expression_precedence("2.0")
    assert expression_label("pow", [("x", expression_precedence("x")), neg])[0] == "x^(-2.0)"
    assert expression_label("neg", [neg])[0] == "-(-2.0)"
    assert expression_label("pow", [neg, ("x", expression_precedence("x"))])[0] == "(-2.0)^x"
