"""The Jupyter widgets: their models hold the engine's numbers, and they render in a real notebook run
headlessly by nbclient (a real kernel)."""

from __future__ import annotations

import sys

import pytest

import chainrule as cr

anywidget = pytest.importorskip("anywidget", reason="the widgets extra is not installed (pip install anywidget)")


def test_importing_chainrule_does_not_import_anywidget() -> None:
    import subprocess

    code = "import sys, chainrule as cr; cr.widgets; print('anywidget' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "False", r.stderr


def test_neuron_widget_model() -> None:
    w = cr.widgets.Neuron(x=2, w=1.5, b=-1, t=3)
    assert w.result["forward"]["L"] == 1.0 and w.result["grads"]["w"] == -4.0
    assert w.result["product"] == -4.0 and w.result["gate"] == "open"
    w.set(b=-4)  # what moving the b slider does
    assert w.result["gate"] == "closed" and w.result["grads"]["w"] == 0.0
    w.set(b=-1)
    before = w.result["forward"]["L"]
    assert w.step() < before
    w.set(x=50)
    assert "x must be between" in w.error


def test_two_inputs_and_depth_widgets() -> None:
    t = cr.widgets.TwoInputs()
    assert t.result["grads"]["w2"] == pytest.approx(t.result["factors"]["delta"] * 0.5)
    d = cr.widgets.Depth(depth=20, activation="sigmoid")
    assert d.result["verdict"].startswith("vanishing")


def test_flip_widget_model() -> None:
    f = cr.widgets.DiagonalFlip(x=[1, 0, 0, 1])
    assert f.dead == [1] and f.result["zero_rows"]["W1"] == [1, 2]
    first = f.result["forward"]["loss"]
    assert f.step() < first
    task = f.train()  # all 16 images: the 4->3->4 network cannot solve them and says why
    assert not task["solved"] and "15 regions" in task["why"] and f.result["task"] == task
    f.set(hidden=4)
    assert f.result["task"]["solved"] and f.result["task"]["errors"] == 0
    f.reset()
    assert f.result["task"] is None and f.result["inputs"]["steps"] == 0


def test_graph_widget_model() -> None:
    x = cr.tensor(2.0, requires_grad=True, name="x")
    loss = (3 * x + 1) ** 2
    g = cr.widgets.Graph(loss)
    assert g.result["document"]["schema"] == "chainrule.graph"
    row = next(r for r in g.result["tables"]["gradient_table"] if r["name"] == "x")
    assert row["grad"] == "42.0"  # cr.explain.gradient_table's row, as the viewer shows it
    assert x.grad is None  # building the widget does not touch .grad


NOTEBOOK_CELLS = [
    "import chainrule as cr\nn = cr.widgets.Neuron(x=2, w=1.5, b=-1, t=3)\nn",
    "print(n.result['forward']['L'], n.result['grads']['w'])\nn.set(b=-4)\n"
    "print(n.result['gate'], n.result['grads']['w'])",
    "f = cr.widgets.DiagonalFlip(x=[1, 0, 0, 1])\nf",
    "print(f.dead, f.result['zero_rows'])",
    "x = cr.tensor(2.0, requires_grad=True, name='x')\nloss = (3 * x + 1) ** 2\ng = cr.widgets.Graph(loss)\ng",
]


def test_widgets_render_in_a_headless_notebook() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True)
    client.execute()
    view = "application/vnd.jupyter.widget-view+json"

    def model_id(cell: int) -> str:
        outputs = [o for o in nb.cells[cell].outputs if o.get("output_type") == "execute_result"]
        assert outputs and view in outputs[0]["data"], nb.cells[cell].outputs
        return outputs[0]["data"][view]["model_id"]

    def stdout(cell: int) -> str:
        return "".join(o.get("text", "") for o in nb.cells[cell].outputs if o.get("name") == "stdout")

    assert stdout(1).split("\n")[:2] == ["1.0 -4.0", "closed 0.0"]
    assert stdout(3).strip() == "[1] {'W1': [1, 2], 'W2': [1]}"
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    neuron = state[model_id(0)]["state"]
    assert neuron["kind"] == "neuron" and neuron["_esm"]  # the front end ships inside the model
    assert neuron["result"]["gate"] == "closed" and neuron["result"]["grads"]["w"] == 0.0  # after n.set(b=-4)
    flip = state[model_id(2)]["state"]
    assert flip["result"]["dead"] == [1]
    graph = state[model_id(4)]["state"]
    assert next(r for r in graph["result"]["tables"]["gradient_table"] if r["name"] == "x")["grad"] == "42.0"
