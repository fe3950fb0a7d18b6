"""gradient_flow and dead_units against the engine's own gradients; the vanishing-gradients example."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vanishing_gradients.py"


def _mlp(seed: int = 0) -> nn.Sequential:
    cr.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))


def test_gradient_flow_norms_are_the_engines() -> None:
    model = _mlp()
    x = cr.randn(8, 4)
    loss = (model(x) ** 2).mean()
    loss.backward()
    flow = cr.explain.gradient_flow(model)
    assert [la.name for la in flow.layers] == ["0", "2"]
    w, b = model[0].weight, model[0].bias
    expected = np.sqrt(np.sum(w.grad.numpy().astype(np.float64) ** 2) + np.sum(b.grad.numpy().astype(np.float64) ** 2))
    assert flow["0"].grad_norm == pytest.approx(expected, rel=1e-6)
    assert flow["0"].ratio == pytest.approx(flow["0"].grad_norm / flow["0"].weight_norm)
    assert flow.flagged == []
    assert "|grad|/|weight|" in str(flow) and "<table" in flow.to_html()


def test_gradient_flow_needs_a_backward() -> None:
    with pytest.raises(ValueError, match="backward"):
        cr.explain.gradient_flow(_mlp())
    with pytest.raises(TypeError):
        cr.explain.gradient_flow(3)


def test_vanishing_and_exploding_with_the_weight_scale(tmp_path: Path) -> None:
    ns = runpy.run_path(str(EXAMPLE))  # __name__ != "__main__": only defines the functions
    small = ns["network"](0.25)
    big = ns["network"](3.0)
    x = cr.randn(32, 16, dtype=cr.float64)
    for model in (small, big):
        ((model(x) - 1.0) ** 2).mean().backward()
    low, high = cr.explain.gradient_flow(small), cr.explain.gradient_flow(big)
    assert low.layers[0].flag == "vanishing" and low.layers[0].grad_norm < 1e-5
    assert high.layers[0].flag == "exploding" and high.layers[0].grad_norm > 1e3
    png = tmp_path / "flow.png"
    high.plot(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dead_units_and_the_gradient_rows_they_zero() -> None:
    model = _mlp()
    with cr.no_grad():
        model[0].bias[1] = -100.0  # unit 1 can never activate on small inputs
        model[0].bias[4] = -100.0
    x = cr.randn(10, 4)
    report = cr.explain.dead_units(model, x)
    layer = report["1"]
    assert layer.dead == [1, 4] and layer.units == 6
    assert layer.previous == "0" and layer.next == "2" and layer.zero_rows_checked is True
    # the engine agrees: after a real backward those rows (and bias entries) are exactly zero
    (model(x) ** 2).mean().backward()
    assert np.all(model[0].weight.grad.numpy()[[1, 4]] == 0) and np.all(model[0].bias.grad.numpy()[[1, 4]] == 0)
    assert np.all(model[2].weight.grad.numpy()[:, [1, 4]] == 0)
    assert "0.weight rows 1, 4" in str(report)
    assert "forward" not in model[1].__dict__


def test_dead_units_needs_relu() -> None:
    with pytest.raises(ValueError, match="ReLU"):
        cr.explain.dead_units(nn.Sequential(nn.Linear(2, 2)), cr.randn(3, 2))


class _FunctionalNet(nn.Module):
    """ReLUs written as F.relu and clamp(min=0), not nn.ReLU; layers registered in the opposite order of use."""

    def __init__(self) -> None:
        super().__init__()
        self.out = nn.Linear(5, 2)  # registered first, used last
        self.mid = nn.Linear(6, 5)
        self.inp = nn.Linear(4, 6)

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        h = nn.functional.relu(self.inp(x))
        return self.out(self.mid(h).clamp(min=0))


def test_dead_units_finds_functional_relu_and_clamp_and_the_layers_around_them() -> None:
    cr.manual_seed(0)
    model = _FunctionalNet()
    with cr.no_grad():
        model.inp.bias[2] = -100.0
        model.mid.bias[0] = -100.0
        model.mid.bias[3] = -100.0
    x = cr.randn(8, 4)
    report = cr.explain.dead_units(model, x)
    assert [la.name for la in report.layers] == ["relu in _FunctionalNet", "clamp in _FunctionalNet"]
    first, second = report.layers
    assert first.dead == [2] and first.units == 6 and (first.previous, first.next) == ("inp", "mid")
    with cr.no_grad():  # independently: the units whose pre-activation is <= 0 on every sample
        pre = model.mid(nn.functional.relu(model.inp(x))).numpy()
    expected = [int(i) for i in np.nonzero(np.all(pre <= 0, axis=0))[0]]
    assert {0, 3} <= set(expected) and second.dead == expected and second.units == 5
    assert (second.previous, second.next) == ("mid", "out")
    assert first.zero_rows_checked is True and second.zero_rows_checked is True
    # the engine agrees after a real backward
    (model(x) ** 2).mean().backward()
    assert np.all(model.inp.weight.grad.numpy()[2] == 0) and np.all(model.mid.weight.grad.numpy()[expected] == 0)
    assert np.all(model.out.weight.grad.numpy()[:, expected] == 0)


def test_gradient_flow_lists_layers_input_side_first_when_given_the_loss() -> None:
    cr.manual_seed(0)
    model = _FunctionalNet()
    loss = (model(cr.randn(8, 4)) ** 2).mean()
    loss.backward()
    assert [la.name for la in cr.explain.gradient_flow(model).layers] == ["out", "mid", "inp"]  # registration
    assert "registration order" in cr.explain.gradient_flow(model).title
    flow = cr.explain.gradient_flow(model, loss=loss)
    assert [la.name for la in flow.layers] == ["inp", "mid", "out"] and "input side first" in flow.title
    assert flow["inp"].grad_norm == pytest.approx(float(np.sqrt(
        (model.inp.weight.grad.numpy().astype(np.float64) ** 2).sum()
        + (model.inp.bias.grad.numpy().astype(np.float64) ** 2).sum())), rel=1e-6)
