"""Lines of explain that no test executed (mutation testing's `--uncovered` listing): the refusals of bad
arguments (type and the key words of the message) and the lookups by id and by a missing name."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


def _mlp() -> nn.Sequential:
    cr.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))


def _trained() -> tuple[nn.Sequential, cr.Tensor]:
    model = _mlp()
    loss = model(cr.randn(5, 3)).pow(2).mean()
    loss.backward(retain_graph=True)
    return model, loss


def test_graph_names_must_be_a_dict_or_a_module() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    with pytest.raises(TypeError, match=r"graph: names must be a dict .* got list"):
        cr.explain.graph(y, names=[x])
    assert cr.explain.graph(y, names={"x": x}).node("x")["name"] == "x"


def test_node_by_id_and_an_unknown_name() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    g = cr.explain.graph(y, names={"x": x, "y": y})
    root = g.root
    assert g.node(root["id"]) is root  # a node id ("n3") is looked up when no node has that name
    with pytest.raises(KeyError, match=r"no node named 'nope'; names: .*x"):
        g.node("nope")


def test_gradient_flow_lookups_and_refusals() -> None:
    model, loss = _trained()
    flow = cr.explain.gradient_flow(model, loss=loss)
    assert flow["0"].name == "0"
    with pytest.raises(KeyError, match="missing"):
        flow["missing"]  # noqa: B018
    with pytest.raises(ValueError, match="gradient_flow: the model has no parameters"):
        cr.explain.gradient_flow(nn.ReLU())
    for bad in (3.0, loss.detach()):
        with pytest.raises(ValueError, match=r"gradient_flow: loss= must be the tensor whose backward\(\)"):
            cr.explain.gradient_flow(model, loss=bad)


def test_gradient_flow_plot_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    model, loss = _trained()
    flow = cr.explain.gradient_flow(model, loss=loss)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` raises ImportError
    with pytest.raises(ImportError, match="GradientFlow.plot needs matplotlib: pip install matplotlib"):
        flow.plot()


def test_dead_units_refusals() -> None:
    with pytest.raises(TypeError, match="dead_units: expected a cr.nn.Module, got function"):
        cr.explain.dead_units(lambda x: x, cr.randn(2, 3))
    model = _mlp()
    with cr.no_grad(), pytest.raises(ValueError, match="dead_units: the model's output has no recorded graph"):
        cr.explain.dead_units(model, cr.randn(2, 3))
    for p in model.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="no recorded graph"):
        cr.explain.dead_units(model, cr.randn(2, 3))


def test_gradient_table_lookup_and_a_tensor_outside_the_graph() -> None:
    w = cr.tensor([0.5, -1.0], requires_grad=True)
    b = cr.tensor(2.0, requires_grad=True)
    other = cr.tensor([1.0, 1.0], requires_grad=True)
    loss = ((w * 3).sum() + b) ** 2
    loss.backward(retain_graph=True)
    table = cr.explain.gradient_table(loss)
    row = table["w"]
    assert row.name == "w" and table["dloss/dw"] is row  # by name or by location
    np.testing.assert_allclose(row.grad["data"], w.grad.numpy())
    with pytest.raises(KeyError, match="nope"):
        table["nope"]  # noqa: B018
    for fn in (lambda: cr.explain.gradient_table(loss, wrt=other), lambda: cr.explain.paths(loss, other),
               lambda: cr.explain.chain(loss, other)):
        with pytest.raises(ValueError, match="that tensor is not part of the graph of .* does not depend on it"):
            fn()
