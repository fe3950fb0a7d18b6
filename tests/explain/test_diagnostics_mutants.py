"""dead_units' report details (found by mutation testing): the dead fraction, and the gradient-row columns
of a layer with no dead unit."""

from __future__ import annotations

import chainrule as cr
from chainrule import nn
from chainrule.explain.diagnostics import DeadLayer


def _mlp() -> nn.Sequential:
    cr.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))


def test_dead_fraction() -> None:
    model = _mlp()
    with cr.no_grad():
        model[0].bias[1] = -100.0
        model[0].bias[4] = -100.0
    layer = cr.explain.dead_units(model, cr.randn(10, 4))["1"]
    assert layer.dead == [1, 4] and layer.fraction == 2 / 6
    assert DeadLayer("empty", 0, [], None, None, None).fraction == 0.0


def test_a_layer_without_dead_units_names_no_gradient_rows() -> None:
    model = _mlp()
    with cr.no_grad():
        model[0].bias.fill_(100.0)  # every unit active on small inputs
    report = cr.explain.dead_units(model, cr.randn(10, 4))
    assert report["1"].dead == [] and report["1"].previous == "0" and report["1"].next == "2"
    assert "weight rows" not in str(report) and "weight columns" not in str(report)
    assert "0 of 6" in str(report)
