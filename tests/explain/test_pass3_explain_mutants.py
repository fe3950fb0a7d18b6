"""Survivors of the exhaustive mutation pass in chainrule/explain (resumed part, h/p3core); exact expected texts,
PyTorch where it has the same notion (parameter names).

- values.py:46: a value of exactly MAX_TEXT_ELEMENTS (6) elements is shown as a list, a larger one as a summary.
- naming.py:164: a formula's `(2.0-1)` stays a float (`x^1.0`) when the number was written as one.
- tables.py:420: `paths()` shows each path's product (the mutant printed "?").
- tables.py:543: `chain()`'s table marks "path k" rows only when there are several paths.
- build.py:709: a leaf joins a named scope only when all its consumers are inside it (the common prefix starts
  empty).
- record.py:235: a module shared under two names gives its parameters the name `named_parameters()` gives them.
- diagnostics.py:153: `gradient_flow(loss=...)` listed a layer the graph does not use before used ones when the
  graph had more op nodes than distinct parameters (a real bug, fixed: such layers come last).
"""

from __future__ import annotations

import numpy as np
import torch

import chainrule as cr
from chainrule.autograd.profiler import record_function


def _leaf(g, name):
    return next(n for n in g.nodes if n.get("name") == name)


def test_a_six_element_gradient_is_listed_and_a_seven_element_one_summarized():
    x6 = cr.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], requires_grad=True)
    x7 = cr.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], requires_grad=True)
    y = (x6 * 2).sum() + (x7 * 2).sum()
    g = cr.graph(y, names={"x6": x6, "x7": x7})
    assert _leaf(g, "x6")["grad"]["text"] == "[2.0, 2.0, 2.0, 2.0, 2.0, 2.0]"
    assert _leaf(g, "x7")["grad"]["text"] == "[7] mean 2.0, norm 5.292"


def test_a_float_exponent_keeps_its_decimal_point_in_the_formula():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    formulas = {}
    for p in (2.0, 3.0, 2, 3):
        g = cr.graph((x ** p).sum(), names={"x": x})
        edge = next(e for e in g.edges if e["formula"] == "b*a^(b-1)")
        formulas[repr(p)] = edge["formula_named"]
    assert formulas == {"2.0": "2.0*x^1.0", "3.0": "3.0*x^2.0", "2": "2*x", "3": "3*x^2"}


def _three_paths():
    x = cr.tensor(2.0, requires_grad=True)
    a = x * 3
    y = a * x + a
    y.backward(retain_graph=True)
    return x, y


def test_paths_show_each_product():
    x, y = _three_paths()
    rows = str(cr.explain.paths(y, x)).splitlines()[3:6]
    assert [r.split(" | ")[1:] for r in rows] == [["3.0 × 2.0 × 1.0  ", "6.0"], ["3.0 × 1.0        ", "3.0"],
                                                  ["6.0 × 1.0        ", "6.0"]]
    md = cr.explain.paths(y, x).to_markdown().splitlines()
    assert [r.split(" | ")[-1] for r in md if r.startswith("| x → ")] == ["6.0 |", "3.0 |", "6.0 |"]


def test_chain_table_marks_paths_only_when_there_are_several():
    x, y = _three_paths()
    rows = [r for r in cr.explain.chain(y, x).to_markdown().splitlines() if r.startswith("| path")]
    assert rows == ["| path 1 |  |  |", "| path 2 |  |  |", "| path 3 |  |  |"]
    u = cr.tensor(2.0, requires_grad=True)
    v = (u * 3) * u  # two paths
    v.backward()
    rows = [r for r in cr.explain.chain(v, u).to_markdown().splitlines() if r.startswith("| path")]
    assert rows == ["| path 1 |  |  |", "| path 2 |  |  |"]
    b = cr.tensor(3.0, requires_grad=True)
    z = cr.tanh(b * 2)
    z.backward()
    md = cr.explain.chain(z, b).to_markdown()
    assert "path" not in md
    assert "| dz/db | (1 - tanh(b*2)^2) × 2 |" in md


def test_a_leaf_joins_a_scope_only_when_every_consumer_is_in_it():
    @record_function("square")
    def square(v):  # noqa: ANN001, ANN202
        return v * v

    w = cr.tensor([1.0, 2.0], requires_grad=True)
    with cr.explain.record_modules():
        in_two_scopes = (square(w) + square(w)).sum()
        in_and_out = (square(w) + w * 3).sum()
        only_in = square(w).sum()
    for loss, expected in ((in_two_scopes, [False, False]), (in_and_out, [False]), (only_in, [True])):
        g = cr.graph(loss, names={"w": w})
        w_id = _leaf(g, "w")["id"]
        scopes = [grp for grp in g.data["groups"] if grp["scope"] == "square"]
        assert [w_id in s["nodes"] for s in scopes] == expected


def test_a_shared_submodules_parameter_is_named_as_named_parameters_names_it():
    names = {}
    for lib in (torch, cr):
        class Wrap(lib.nn.Module):
            def __init__(self, inner):  # noqa: ANN001, ANN204
                super().__init__()
                self.inner = inner

            def forward(self, x):  # noqa: ANN001, ANN202
                return self.inner(x)

        class Net(lib.nn.Module):
            def __init__(self, shared):  # noqa: ANN001, ANN204
                super().__init__()
                self.a = Wrap(shared)
                self.b = Wrap(shared)

            def forward(self, x):  # noqa: ANN001, ANN202
                return self.b(self.a(x))

        net = Net(lib.nn.Linear(2, 2, bias=False))
        names[lib.__name__] = [n for n, _ in net.named_parameters()]
        if lib is cr:
            with cr.explain.record_modules(net):
                loss = net(cr.ones(1, 2)).sum()
            g = cr.graph(loss)
            assert [n["name"] for n in g.nodes if n["kind"] == "leaf"] == names["torch"] == ["a.inner.weight"]
    assert names["chainrule"] == names["torch"]


def test_gradient_flow_lists_a_layer_the_graph_does_not_use_last():
    cr.manual_seed(0)

    class Net(cr.nn.Module):
        def __init__(self):  # noqa: ANN204
            super().__init__()
            self.first = cr.nn.Linear(3, 3, bias=False)
            self.unused = cr.nn.Linear(3, 3)
            self.last = cr.nn.Linear(3, 1, bias=False)

        def forward(self, x):  # noqa: ANN001, ANN202
            h = self.first(x)
            for _ in range(6):  # more op nodes than parameters
                h = cr.tanh(h) * 1.5
            return self.last(h)

    net = Net()
    loss = net(cr.ones(2, 3)).pow(2).mean()
    loss.backward()
    flow = cr.explain.gradient_flow(net, loss=loss)
    assert [layer.name for layer in flow.layers] == ["first", "last", "unused"]
    assert np.isfinite(flow.layers[0].grad_norm) and flow.layers[2].grad_norm is None



def test_a_freed_graph_shows_its_leaves_forward_time_values():
    # build.py:118: after backward() freed the graph, the values the nodes kept (a plain op's tuple of inputs) are
    # what the graph shows, also for a leaf whose .data was replaced since (the mutant dropped them)
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3.0).sum()
    y.backward()
    x.data = cr.tensor([5.0, 6.0])
    g = cr.graph(y, names={"x": x})
    assert [n["value"]["text"] for n in g.nodes] == ["[1.0, 2.0]", "3.0", "[3.0, 6.0]", "9.0"]
    assert _leaf(g, "x")["value"]["text"] == "[1.0, 2.0]"
    assert _leaf(g, "x")["grad"]["text"] == "[3.0, 3.0]"


def test_a_large_graph_starts_grouped_by_its_module_calls_inside_a_scope():
    # build.py:449: a node in a module call inside a named scope counts toward its (outermost) module group, not the
    # scope: 150 layer calls (Linear, Tanh) inside record_function("outer"); the input leaf belongs to the scope only
    cr.manual_seed(0)
    layers = []
    for _ in range(75):
        layers += [cr.nn.Linear(2, 2), cr.nn.Tanh()]
    net = cr.nn.Sequential(*layers)
    with cr.explain.record_modules(net):
        with record_function("outer"):
            h = net(cr.ones(1, 2))
        loss = (h * 2).sum()
    g = cr.graph(loss)
    assert len(g.nodes) > 300
    notice = next(n for n in g.notices if "too many to draw" in n)
    assert "starts grouped by module, named scope as 151 groups and 3 single nodes" in notice
