"""cr.graph: nodes, names, values, gradients and local derivatives, before and after backward; the JSON
document round trip; snapshots of the chapter's examples as JSON and DOT; bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from explain_helpers import check_snapshot, loss_of, recorded, two_layer

import chainrule as cr
from chainrule.explain import Graph

CHAPTER = ["composed_function", "single_neuron", "two_layer_network"]


@pytest.mark.parametrize("name", CHAPTER)
def test_chapter_examples_json_and_dot_snapshots(name: str) -> None:
    t = recorded(name)
    g = cr.graph(loss_of(t))
    assert g.data["status"] == {"values": "complete", "gradients": "recorded"}
    check_snapshot(f"{name}.json", g.to_json(indent=1) + "\n")
    check_snapshot(f"{name}.dot", g.to_dot())
    # every gradient in the document is the engine's own
    for key, tensor in t.items():
        if (tensor.is_leaf or tensor.retains_grad) and tensor.grad is not None:
            assert g.grad(key) == pytest.approx(tensor.grad.item())
        assert g.value(key) == pytest.approx(tensor.item())


def test_two_layer_graph_before_backward_leaves_grad_untouched() -> None:
    t = two_layer()
    g = cr.graph(t["L"])
    assert all(t[k].grad is None for k in ("w1", "b1", "w2", "b2"))
    assert g.data["status"]["gradients"] == "observed"
    expected_grads = {"L": 1.0, "y": -4.0, "w2": -6.0, "h": -8.0, "z1": -8.0, "w1": -24.0, "b1": -8.0, "b2": -4.0}
    for name, grad in expected_grads.items():
        assert g.grad(name) == pytest.approx(grad)
    assert g.value("z1") == 1.5 and g.value("h") == 1.5 and g.value("y") == 2.0 and g.value("L") == 4.0
    # the local derivative on each edge, with the formula written with the inputs' names
    by = {(g.by_id(e["source"])["name"], g.by_id(e["target"])["name"]): e for e in g.edges}
    relu_edge = by[("z1", "h")]
    assert relu_edge["formula_named"] == "0 if z1 <= 0 else 1" and relu_edge["local"]["data"] == 1.0
    w1_edge = by[("w1", "w1*x")]
    assert w1_edge["formula_named"] == "x" and w1_edge["local"]["data"] == 3.0
    assert w1_edge["contribution"]["data"] == -24.0 and w1_edge["text"] == "-8.0 × 3.0 = -24.0"
    assert not by[("x", "w1*x")]["flows"]
    # matches a real backward afterwards
    t["L"].backward()
    assert t["w1"].grad.item() == -24.0


def test_after_backward_with_retain_graph_is_complete_and_matches_grad() -> None:
    t = two_layer()
    t["L"].backward(retain_graph=True)
    g = cr.graph(t["L"])
    assert g.data["status"]["values"] == "complete"
    for k in ("w1", "b1", "w2", "b2"):
        assert g.grad(k) == pytest.approx(t[k].grad.item())
    assert g.notices == []


def test_after_plain_backward_the_explanation_is_the_same_as_before() -> None:
    before = two_layer()
    g_before = cr.graph(before["L"])
    t = two_layer()
    t["h"].retain_grad()
    t["L"].backward()
    g = cr.graph(t["L"])
    # backward freed the saved buffers; the nodes kept their values, so the steps are taken again from them
    assert g.data["status"] == {"values": "complete", "gradients": "replayed"}
    assert not any("freed" in n for n in g.notices)
    assert g.grad("w1") == -24.0 and g.value("w1") == 0.5
    assert g.grad("h") == -8.0 and g.value("h") == 1.5
    assert g.value("L") == 4.0 and g.value("z1") == 1.5 and g.value("y") == 2.0
    keys = ("formula_named", "local", "contribution", "text", "accumulated", "step")
    assert [{k: e[k] for k in keys} for e in g.edges] == [{k: e[k] for k in keys} for e in g_before.edges]
    assert [n["grad"] for n in g.nodes] == [n["grad"] for n in g_before.nodes]
    assert str(cr.explain.gradient_table(t["L"])) == str(cr.explain.gradient_table(before["L"]))
    assert str(cr.explain.chain(t["L"], t["w1"])) == str(cr.explain.chain(before["L"], before["w1"]))
    assert cr.explain.paths(t["L"], t["w1"]).total == -24.0


def test_after_backward_and_an_optimizer_step_the_explanation_says_why_it_is_partial() -> None:
    t = two_layer()
    t["L"].backward()
    cr.optim.SGD([t["w1"], t["b1"], t["w2"], t["b2"]], lr=0.1).step()
    g = cr.graph(t["L"])
    assert g.data["status"]["gradients"] == "partial"
    assert any("modified in place" in n for n in g.notices) and any("freed" in n for n in g.notices)
    assert g.grad("w1") == -24.0


def test_after_backward_a_custom_function_shows_what_survives_and_says_so() -> None:
    class Square(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            (x,) = ctx.saved_tensors
            return 2 * x * g

    w = cr.tensor(3.0, dtype=cr.float64, requires_grad=True, name="w")
    L = Square.apply(w) * 2.0  # noqa: N806
    L.backward()
    g = cr.graph(L)
    assert g.data["status"]["gradients"] == "partial"
    assert any("freed" in n for n in g.notices)
    assert g.grad("w") == 12.0 and g.value("L") == 18.0


def test_accumulated_grad_is_noticed() -> None:
    t = two_layer()
    t["L"].backward(retain_graph=True)
    t["L"].backward(retain_graph=True)
    g = cr.graph(t["L"])
    assert g.grad("w1") == -24.0
    assert any("accumulated" in n and "-48.0" in n for n in g.notices)


def test_accumulation_over_two_consumers() -> None:
    a = cr.tensor(3.0, dtype=cr.float64, requires_grad=True, name="a")
    p = a * 2.0
    q = a * a
    loss = p + q
    g = cr.graph(loss)
    assert g.grad("a") == pytest.approx(a.detach().item() * 2 + 2.0)
    states = g.node("a")["grad_states"]
    assert [s["complete"] for s in states][-1] is True
    assert states[-1]["text"].endswith("= 8.0")  # 2.0 + 3.0 + 3.0 over its consumers, summed by chainrule
    loss.backward()
    assert a.grad.item() == 8.0


def test_names_from_locals_collisions_and_derived_names() -> None:
    x = cr.tensor(1.0, requires_grad=True)
    first = x * 2
    first.name = "h"
    second = first + 1
    second.name = "h"  # the same name twice: disambiguated, never merged
    out = second * second
    g = cr.graph(out, names={"x": x})
    names = [n["name"] for n in g.nodes if n["kind"] != "constant"]
    assert "h#1" in names and "h#2" in names and "x" in names and "L" in names
    assert len(set(names)) == len(names)
    assert len([n for n in g.nodes if n["kind"] == "op"]) == 3


def test_name_tensors_sets_names_and_skips_named() -> None:
    a = cr.tensor(1.0, requires_grad=True)
    b = cr.tensor(2.0, requires_grad=True, name="kept")
    c = a * b
    named = cr.name_tensors({"a": a, "b": b, "c": c, "_hidden": a, "n": 3})
    assert a.name == "a" and b.name == "kept" and c.name == "c" and set(named) == {"a", "c"}
    with pytest.raises(TypeError):
        cr.name_tensors(42)


def test_bad_input_is_plain() -> None:
    with pytest.raises(ValueError, match="no history"):
        cr.graph(cr.tensor(1.0))
    with pytest.raises(ValueError, match="leaf"):
        cr.graph(cr.tensor(1.0, requires_grad=True))
    with pytest.raises(TypeError, match="Tensor"):
        cr.graph(3.0)
    with cr.no_grad():
        y = cr.tensor(1.0, requires_grad=True) * 2
    with pytest.raises(ValueError, match="no history"):
        cr.draw(y)


def test_json_round_trip_and_schema_version() -> None:
    t = recorded("two_layer_network")
    g = cr.graph(t["L"])
    text = g.to_json()
    back = Graph.from_json(text)
    assert back.to_json() == text
    assert back.to_dot() == g.to_dot() and back.to_svg() == g.to_svg()
    doc = json.loads(text)
    assert doc["schema"] == "chainrule.graph" and doc["version"] == 1
    required = {"id", "kind", "name", "explicit_name", "op", "grad_fn", "value", "grad", "shape", "dtype",
                "module", "module_type", "forward_index", "backward_index", "grad_states", "inputs", "groups"}
    assert all(required <= set(n) for n in doc["nodes"])
    doc["version"] = 99
    with pytest.raises(ValueError, match="version"):
        Graph.from_json(doc)
    with pytest.raises(ValueError, match="schema"):
        Graph.from_json({"schema": "other"})


def test_svg_and_repr() -> None:
    t = recorded("single_neuron")
    g = cr.draw(t["L"])
    svg = g._repr_svg_()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = " ".join(el.text or "" for el in root.iter() if el.tag.endswith("text"))
    assert "grad -4.0" in texts and "data 2.0" in texts  # w's gradient, z's value
    html = g._repr_html_()
    assert "data-cr-graph" in html and "CRGraph" in html and "http" not in html.replace("http://www.w3.org", "")
    assert "Graph of L" in repr(g) or "<Graph of L" in repr(g)


def test_non_scalar_output_is_seeded_with_ones() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True, name="w")
    y = w * w
    g = cr.graph(y)
    assert np.allclose(g.grad("w"), [2.0, 4.0])
    assert any("not a scalar" in n for n in g.notices)


def test_module_grouping_for_a_digits_style_mlp() -> None:
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.ReLU(), cr.nn.Linear(32, 10))
    x = cr.randn(16, 64)
    target = cr.randint(0, 10, (16,))
    with cr.explain.record_modules(model):
        loss = cr.nn.functional.cross_entropy(model(x), target)
    assert "forward" not in model[0].__dict__  # unwrapped again
    g = cr.graph(loss)
    groups = {gr["id"]: gr for gr in g.data["groups"]}
    assert {"m:0", "m:1", "m:2"} <= set(groups)
    assert groups["m:0"]["module_type"] == "Linear" and groups["m:1"]["module_type"] == "ReLU"
    assert {g.by_id(n)["name"] for n in groups["m:0"]["nodes"]} >= {"0.weight", "0.bias"}
    # layer level: one op node per layer, whatever the batch size
    assert len([n for n in g.nodes if n["kind"] == "op"]) <= 5
    loss.backward()
    summary = g.node("0.weight")["grad"]["summary"]  # large arrays keep a summary, not every element
    # the summary's texts have 4 significant digits (the one number format)
    assert float(summary["norm"]) == pytest.approx(float(np.linalg.norm(model[0].weight.grad.numpy())), rel=5e-4)
    assert np.allclose(g.grad("2.bias"), model[2].bias.grad.numpy())


def test_large_scalar_graph_falls_back_to_groups_with_a_notice() -> None:
    ws = [cr.tensor(float(i % 7) / 7, dtype=cr.float64, requires_grad=True) for i in range(200)]
    total = ws[0] * 0.0
    for w in ws:
        total = total + w * w
    g = cr.graph(total)
    assert g.data["default_view"] == "groups"
    assert any("too many to draw" in n for n in g.notices)
    assert g.data["groups"]
    svg = g.to_svg()  # grouped: far fewer boxes than nodes
    assert svg.count("<g data-node") < len(g.nodes) / 2
    assert g.to_svg(grouped=False).count("<g data-node") == len(g.nodes)


def test_a_digits_training_step_is_drawn_at_layer_level() -> None:
    try:
        x, y = cr.datasets.digits()
    except ImportError:  # scikit-learn ships the data; without it, the same shapes at random
        x, y = cr.rand(1797, 64), cr.randint(0, 10, (1797,))
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.ReLU(), cr.nn.Linear(32, 10))
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    with cr.explain.record(), cr.explain.record_modules(model):
        opt.zero_grad()
        loss = cr.nn.functional.cross_entropy(model(x[:64]), y[:64])
        loss.backward()
        opt.step()
    g = cr.graph(loss)
    assert g.data["status"]["gradients"] == "recorded" and g.data["default_view"] == "elements"
    ops = [n["op"] for n in g.nodes if n["kind"] == "op"]
    assert ops == ["linear", "relu", "linear", "cross_entropy"]
    assert [n["module_type"] for n in g.nodes if n["kind"] == "op"][:3] == ["Linear", "ReLU", "Linear"]
    # the recorded values are those before the optimizer step changed the weights in place
    assert float(g.node("2.bias")["grad"]["summary"]["norm"]) == pytest.approx(
        float(np.linalg.norm(model[2].bias.grad.numpy())), rel=5e-4)  # 4 significant digits
    # the input needs no gradient: nothing is shown flowing to it, though linear's VJP computes one
    assert all(e["contribution"] is None and e["text"] is None for e in g.edges if not e["flows"])
    assert any(not e["flows"] for e in g.edges)
    table = cr.explain.gradient_table(loss)
    assert [r.name for r in table][:2] == ["loss", "Linear[2](ReLU[1])"]
    assert "0.weight" in [r.name for r in table]


def test_a_graph_the_engine_cannot_backward_through_says_why() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    e = h * h
    h.add_(1.0)  # modifies a tensor the mul saved
    g = cr.graph(e.sum())
    assert g.data["status"]["gradients"] == "partial"
    assert any("modified by an inplace operation" in n for n in g.notices)
    assert x.grad is None
