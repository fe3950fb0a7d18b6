"""Gradient tables, chains and paths reproduce the chapter's numbers; path sums equal the engine's
gradients on random graphs (hypothesis)."""

from __future__ import annotations

import math

import pytest
from explain_helpers import recorded, two_layer
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr


def test_two_layer_gradient_table_is_the_chapters() -> None:
    t = two_layer()
    table = cr.explain.gradient_table(t["L"])
    rows = [(r.location, r.value) for r in table]
    chapter = [("dL/dy", "-4.0"), ("dL/dw2", "-6.0"), ("dL/dh", "-8.0"), ("dL/dz1", "-8.0"), ("dL/dw1", "-24.0"),
               ("dL/db1", "-8.0")]
    assert [r for r in rows if r in chapter] == chapter  # the chapter's rows, in the chapter's (backward) order
    assert rows[0] == ("dL/dL", "1.0") and ("dL/db2", "-4.0") in rows
    assert table["dL/dw1"].how == "dL/dz1 × x = -8.0 × 3.0"
    assert table["dL/dw2"].how == "dL/dy × h = -4.0 × 1.5"
    assert table["dL/dh"].how == "dL/dy × w2 = -4.0 × 2.0"
    assert table["dL/dz1"].how == "dL/dh × (0 if z1 <= 0 else 1) = -8.0 × 1.0"
    assert table["dL/db1"].how == "dL/dz1 × 1 = -8.0 × 1.0"
    # each row's value is the engine's gradient
    t["L"].backward()
    for name in ("w1", "b1", "w2", "b2"):
        assert float(table[name].grad["data"]) == t[name].grad.item()


def test_gradient_table_renders_as_text_markdown_html_and_rich() -> None:
    t = recorded("two_layer_network")
    table = cr.explain.gradient_table(t["L"], wrt=[t["w1"], "b1"])
    assert [r.location for r in table] == ["dL/dw1", "dL/db1"]
    text = str(table)
    assert "dL/dw1 | -24.0" in text.replace("  ", " ").replace("  ", " ")
    md = table.to_markdown()
    assert "| dL/dw1 | -24.0 | dL/dz1 × x = -8.0 × 3.0 |" in md
    assert "<td>dL/dw1</td><td>-24.0</td>" in table.to_html()
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(table)
    assert "-24.0" in console.export_text()


def test_all_nodes_adds_the_unnamed_intermediates() -> None:
    t = two_layer()
    names = [r.name for r in cr.explain.gradient_table(t["L"], all_nodes=True)]
    assert "w1*x" in names and "y - 4.0" in names and not any("#" in n for n in names)


def test_chain_for_the_single_neuron() -> None:
    t = recorded("single_neuron")
    c = cr.explain.chain(t["L"], t["w"])
    assert str(c) == "dL/dw = dL/da · da/dz · dz/dw = -2.0 × 1.0 × 2.0 = -4.0"
    assert [f.formula for f in c.chains[0]] == ["2(a - 3.0)", "0 if z <= 0 else 1", "x"]
    assert c.products() == [-4.0] and float(c.grad["data"]) == t["w"].grad.item()
    assert "dL/dw = dL/da" in c.to_markdown() and "<table" in c.to_html()


def test_chain_for_the_two_layer_network_and_the_composed_function() -> None:
    t = recorded("two_layer_network")
    assert cr.explain.chain(t["L"], t["w1"]).line() == \
        "dL/dw1 = dL/dy · dy/dh · dh/dz1 · dz1/dw1 = -4.0 × 2.0 × 1.0 × 3.0 = -24.0"
    t = recorded("composed_function")
    assert cr.explain.chain(t["h"], t["x"]).line() == "dh/dx = dh/du · du/dx = 14.0 × 3.0 = 42.0"


def test_chain_sums_over_several_paths() -> None:
    a = cr.tensor(3.0, dtype=cr.float64, requires_grad=True, name="a")
    p = a * 2.0
    p.name = "p"
    q = a * a
    q.name = "q"
    L = p + q  # noqa: N806
    c = cr.explain.chain(L, a)
    assert len(c.chains) == 3  # through p, and twice through q (a*a uses a twice)
    assert math.fsum(c.products()) == 8.0
    assert "sum = " in str(c) and "the engine's gradient: 8.0" in str(c)


def test_paths_of_the_chapter_examples() -> None:
    t = recorded("composed_function")
    p = cr.explain.paths(t["h"], t["x"])
    assert p.count == 1 and p.total == 42.0 and float(p.grad["data"]) == t["x"].grad.item()
    assert p.paths[0].route == "x → 3*x → u → h"
    t = recorded("two_layer_network")
    p = cr.explain.paths(t["L"], t["w1"])
    assert p.total == -24.0 == t["w1"].grad.item()
    p = cr.explain.paths(t["L"], t["x"])
    assert p.count == 0 and "does not require grad" in str(p)


def test_too_many_paths_are_summarized_by_node() -> None:
    x = cr.tensor(1.0, dtype=cr.float64, requires_grad=True, name="x")
    y = x
    for _ in range(12):  # each step doubles the number of paths: 4096
        y = y * 0.5 + y * 0.5
    p = cr.explain.paths(y, x, max_paths=100)
    assert p.too_many and p.count == 4096
    text = str(p)
    assert "4096 paths: too many to list" in text
    assert p.summary and float(p.grad["data"]) == pytest.approx(1.0)


OPS = ["add", "mul", "sub", "tanh", "sin", "square", "div1"]


@settings(max_examples=60, deadline=None)
@given(
    leaves=st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4),
    program=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 100), st.integers(0, 100)), min_size=1,
                     max_size=9),
)
def test_path_sums_equal_gradients_on_random_graphs(leaves: list[float], program: list) -> None:
    xs = [cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in leaves]
    pool = list(xs)
    for op, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if op == "add":
            r = a + b
        elif op == "mul":
            r = a * b
        elif op == "sub":
            r = a - b
        elif op == "tanh":
            r = cr.tanh(a)
        elif op == "sin":
            r = cr.sin(a)
        elif op == "square":
            r = a * a
        else:
            r = a / (b * b + 1.0)
        pool.append(r)
    out = pool[-1]
    if out.grad_fn is None:
        out = out * 1.0
    grads = cr.autograd.grad(out, xs, retain_graph=True, allow_unused=True)
    for x, g in zip(xs, grads):
        if g is None:
            continue
        p = cr.explain.paths(out, x, max_paths=512)
        if p.too_many:
            continue
        assert p.total == pytest.approx(g.item(), rel=1e-9, abs=1e-12)


def test_paths_summary_counts_paths_through_a_node_as_in_times_out() -> None:
    x = cr.tensor(1.5, dtype=cr.float64, requires_grad=True, name="x")
    a = x * x  # 2 paths from x to a
    b = a + a  # 2 paths from a to b
    L = b * b  # noqa: N806 - 2 paths from b to L: 8 in all
    a.name, b.name = "a", "b"
    p = cr.explain.paths(L, x, max_paths=3)
    assert p.count == 8 and p.too_many
    through = {row[0]: int(row[1]) for row in p.summary}
    # every path from x to L passes through a and through b: 2 in x 4 out, 4 in x 2 out (adding would give 6)
    assert through == {"x": 8, "a": 8, "b": 8, "L": 8}
    assert float(p.grad["data"]) == pytest.approx(16 * 1.5 ** 3)  # L = 4 x^4, dL/dx = 16 x^3
    assert len(cr.explain.paths(L, x, max_paths=8).paths) == 8


def _neuron_without_names() -> tuple[cr.Tensor, cr.Tensor]:
    """The chapter's neuron built where no variable can name it (the caller only sees the loss and w)."""
    w = cr.tensor(1.5, dtype=cr.float64, requires_grad=True)
    b = cr.tensor(-1.0, dtype=cr.float64, requires_grad=True)
    return (cr.relu(w * cr.tensor(2.0, dtype=cr.float64) + b) - 3.0) ** 2, w


def test_chain_gives_each_steps_number_without_names_and_the_chapters_notation() -> None:
    loss, w = _neuron_without_names()
    text = str(cr.explain.chain(loss, w))
    assert text == ("dloss/dw = 2(relu(w*2.0 + a) - 3.0) × (0 if (w*2.0 + a) <= 0 else 1) × 2.0"
                    " = -2.0 × 1.0 × 2.0 = -4.0")
    loss.backward()  # the same after backward
    assert str(cr.explain.chain(loss, w)) == text and w.grad.item() == -4.0
    names = [n["name"] for n in cr.graph(loss).nodes]
    assert names == ["w", "2.0", "w*2.0", "a", "w*2.0 + a", "relu(w*2.0 + a)", "3.0", "relu(w*2.0 + a) - 3.0", "2",
                     "loss"]  # named by this test's variables where it has them, else as a learner would
    table = str(cr.explain.gradient_table(loss, all_nodes=True))
    assert "leaf" not in table and "const" not in table and "unnamed" not in table and "#" not in table


def test_the_two_layer_chapter_numbers_after_backward() -> None:
    t = two_layer()
    t["L"].backward()
    table = cr.explain.gradient_table(t["L"])
    assert table["w1"].how == "dL/dz1 × x = -8.0 × 3.0" and table["w1"].value == "-24.0"
    assert table["b1"].value == "-8.0" and table["w2"].value == "-6.0" and table["b2"].value == "-4.0"
    assert str(cr.explain.chain(t["L"], t["w1"])) == \
        "dL/dw1 = dL/dy · dy/dh · dh/dz1 · dz1/dw1 = -4.0 × 2.0 × 1.0 × 3.0 = -24.0"
