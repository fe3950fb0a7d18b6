"""The graph lab's expression language: random allowlisted expressions, built by the engine, agree with
plain Python math (values) and with central finite differences (gradients), and the chain-rule paths of each
variable sum to its gradient."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.viz.tables import tables
from chainrule.web import expr

SMOOTH = {"tanh": math.tanh, "sin": math.sin, "cos": math.cos, "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
          "square": lambda v: v * v}
VARS = ("x", "y")


def trees(depth: int = 4) -> st.SearchStrategy[str]:
    leaf = st.sampled_from(VARS) | st.sampled_from(["0.5", "2", "1.5", "3"])
    return st.recursive(
        leaf,
        lambda inner: st.tuples(st.sampled_from(["+", "-", "*"]), inner, inner).map(lambda t: f"({t[1]} {t[0]} {t[2]})")
        | st.tuples(st.sampled_from(sorted(SMOOTH)), inner).map(lambda t: f"{t[0]}({t[1]})")
        | inner.map(lambda t: f"-{t}"),
        max_leaves=8,
    )


def python_value(text: str, values: dict[str, float]) -> float:
    """Evaluate with plain math by walking the same validated AST (an independent reference)."""
    import ast

    def ev(node: ast.expr) -> float:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.UnaryOp):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}[type(node.op)]
        assert isinstance(node, ast.Call)
        return SMOOTH[node.func.id](ev(node.args[0]))

    return ev(expr.parse(text))


@settings(max_examples=80, deadline=None, derandomize=True)
@given(text=trees(), x=st.floats(-2, 2), y=st.floats(-2, 2))
def test_values_gradients_and_paths(text: str, x: float, y: float) -> None:
    values = {"x": x, "y": y}
    names = expr.variable_names(expr.parse(text))
    if not names:
        return
    built = expr.build(text, {n: values[n] for n in names})
    assert float(built.output.item()) == pytest.approx(python_value(text, values), rel=1e-9, abs=1e-9)
    if built.output.grad_fn is None:  # a lone variable: the lab shows no graph
        return
    graph = cr.graph(built.output)  # the lab's model: cr.graph's document and the explain tables
    grads = {n["name"]: graph.grad(n["name"]).item() for n in graph.nodes if n["kind"] == "leaf"}
    listed = {p["name"]: p for p in tables(graph)["paths"]}
    for name in names:
        h = 1e-6
        up, down = dict(values), dict(values)
        up[name] += h
        down[name] -= h
        numeric = (python_value(text, up) - python_value(text, down)) / (2 * h)
        assert grads[name] == pytest.approx(numeric, rel=1e-4, abs=1e-5), (text, name)
        paths = listed[name]
        if not paths["too_many"]:
            assert sum(p["product"] for p in paths["paths"]) == pytest.approx(grads[name], rel=1e-9, abs=1e-12)


def test_variable_order_and_functions_table() -> None:
    assert expr.variable_names(expr.parse("relu(w*x + b) + w")) == ["w", "x", "b"]
    assert set(expr.FUNCTIONS) >= {"relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs", "max", "min"}
    built = expr.build("max(x, y) - min(x, y)", {"x": 2.0, "y": -1.0})
    assert float(built.output.item()) == 3.0
