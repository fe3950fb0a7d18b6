"""Golden traces of the four lessons: the chapter's numbers must appear on the right lines."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest
from trace_helpers import LESSONS, chain, line_of

from chainrule.trace import Trace, run, validate


def _trace(name: str) -> Trace:
    with redirect_stdout(io.StringIO()):
        trace = run(LESSONS / name)
    assert trace.exception is None, trace.exception
    assert trace.limit is None
    assert validate(trace.to_dict()) == []
    return trace


def _at(trace: Trace, text: str, name: str):
    """The value assigned to ``name`` by the first step of the line containing ``text``."""
    line = line_of(trace, text)
    step = next(s for s in trace.steps_at(line) if s.event == "line")
    item = step.value(name)
    assert item is not None, f"line {line} assigned nothing to {name}"
    return item


def test_composed_function() -> None:
    t = _trace("01_composed_function.py")
    assert t.intro and t.intro.startswith("Lesson 1")
    assert _at(t, "u = g(x)", "u")["value"] == 7.0
    assert chain(t, line_of(t, "u = g(x)")) == "g(x) = g(2.0) = 7.0"
    assert _at(t, "h = f(u)", "h")["value"] == 49.0
    assert chain(t, line_of(t, "h = f(u)")) == "f(u) = f(7.0) = 49.0"
    assert chain(t, line_of(t, "return 3 * x + 1")) == "3 * x + 1 = 3 * 2.0 + 1 = 6.0 + 1 = 7.0"
    assert _at(t, "df_du = 2 * u", "df_du")["value"] == 14.0
    assert _at(t, "dh_dx = df_du * dg_dx", "dh_dx")["value"] == 42.0
    assert chain(t, line_of(t, "dh_dx = df_du")) == "df_du * dg_dx = 14.0 * 3.0 = 42.0"
    assert t.last("numerical") == pytest.approx(42.0, abs=1e-3)
    # the call into g from u = g(x) is recorded with its argument and return value
    call = next(s for s in t.steps if s.event == "call" and s.function == "g")
    assert call.args == [{"name": "x", **call.args[0]}] and call.args[0]["value"] == 2.0
    # hidden lines (the sys import and the exit check) are not in the walkthrough
    hidden_lines = {n for n, text in enumerate(t.source, 1) if "trace: hide" in text}
    assert len(hidden_lines) == 2 and hidden_lines <= set(t.hidden)
    assert not [s for s in t.steps if s.line in hidden_lines]
    assert "h = f(g(2.0)) = 7.0**2 = 49.0" in t.output
    # explanations come from the comments above each line
    assert "inner function first" in t.explanations[line_of(t, "u = g(x)")]


def test_single_neuron() -> None:
    t = _trace("02_single_neuron.py")
    assert chain(t, line_of(t, "z = w * x + b")) == "w * x + b = 1.5 * 2.0 + -1.0 = 3.0 + -1.0 = 2.0"
    assert _at(t, "z = w * x + b", "z")["value"] == 2.0
    assert chain(t, line_of(t, "a = max(0.0, z)")) == "max(0.0, z) = max(0.0, 2.0) = 2.0"
    assert _at(t, "a = max(0.0, z)", "a")["value"] == 2.0
    assert chain(t, line_of(t, "loss = (a - target)")) == "(a - target) ** 2 = (2.0 - 3.0) ** 2 = (-1.0) ** 2 = 1.0"
    assert _at(t, "loss = (a - target)", "loss")["value"] == 1.0
    assert t.last("dloss_da") == -2.0
    relu_slope = "1.0 if z > 0 else 0.0 = 1.0 if 2.0 > 0 else 0.0 = 1.0 if True else 0.0 = 1.0"
    assert chain(t, line_of(t, "da_dz =")) == relu_slope
    assert t.last("dloss_dw") == -4.0 and t.last("dloss_db") == -2.0
    # trailing comments explain their line
    assert t.explanations[line_of(t, "w = 1.5")] == "the weight we want to improve"


def test_two_layer_backprop() -> None:
    t = _trace("03_two_layer_backprop.py")
    w1_line = line_of(t, "w1, b1 = 0.5, 0.0")
    step = t.steps_at(w1_line)[0]
    assert step.value("w1")["value"] == 0.5 and step.value("b1")["value"] == 0.0
    assert _at(t, "z1 = w1 * x + b1", "z1")["value"] == 1.5
    assert chain(t, line_of(t, "z1 = w1 * x + b1")) == "w1 * x + b1 = 0.5 * 3.0 + 0.0 = 1.5 + 0.0 = 1.5"
    assert _at(t, "h = max(0.0, z1)", "h")["value"] == 1.5
    assert _at(t, "y = z2", "y")["value"] == 2.0
    assert _at(t, "loss = (y - target)", "loss")["value"] == 4.0
    assert t.last("dloss_dy") == -4.0
    assert t.last("dloss_dw2") == -6.0
    assert t.last("dloss_dh") == -8.0
    assert t.last("dloss_dz1") == -8.0
    assert _at(t, "dloss_dw1 = dloss_dz1 * x", "dloss_dw1")["value"] == -24.0
    assert chain(t, line_of(t, "dloss_dw1 = dloss_dz1 * x")) == "dloss_dz1 * x = -8.0 * 3.0 = -24.0"
    assert t.last("dloss_db1") == -8.0


def test_autograd_lesson() -> None:
    cr = pytest.importorskip("chainrule")
    assert hasattr(cr, "tensor"), "the engine must provide cr.tensor"
    t = _trace("04_autograd.py")
    z1 = _at(t, "z1 = w1 * x + b1", "z1")
    assert z1["kind"] == "tensor" and z1["value"] == 1.5 and z1["grad_fn"]
    assert z1["shape"] == []
    h = _at(t, "h = cr.relu(z1)", "h")
    assert h["value"] == 1.5 and "relu" in h["grad_fn"].lower()
    assert _at(t, "y = w2 * h + b2", "y")["value"] == 2.0
    loss = _at(t, "loss = (y - target)", "loss")
    assert loss["value"] == 4.0 and loss["grad_fn"] == "PowBackward0"
    assert "tensor(4.0" in loss["repr"]
    # loss.backward() shows the gradients it filled in
    backward = t.steps_at(line_of(t, "loss.backward()"))[0]
    grads = {item["name"]: item["grad_value"] for item in backward.assigned}
    assert grads == {"w1": -24.0, "b1": -8.0, "w2": -6.0, "b2": -4.0}
    assert any(c["function"].endswith("backward") for c in backward.calls)
    assert _at(t, "dloss_dw1 = w1.grad.item()", "dloss_dw1")["value"] == -24.0
    assert chain(t, line_of(t, "dloss_dw1 = w1.grad.item()")).endswith("= -24.0")
    assert t.last("matches") is True
    assert "matches the hand calculation: True" in t.output
