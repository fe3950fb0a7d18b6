"""Tests that kill survivors of the seed-1010 mutation sample (docs/testing.md), against hand-checked values."""

from __future__ import annotations

import chainrule as cr
from chainrule.explain.build import MAX_ELEMENT_NODES


def _grouped_notice(g: cr.explain.Graph) -> str:
    return next(n for n in g.notices if "too many to draw one by one" in n)


def test_a_large_graph_of_modules_starts_grouped_by_module_only() -> None:
    """80 Linear + Tanh pairs under record_modules: every op sits in a module, so the notice names module
    groups and no op groups (seed-1010 survivor explain/build.py:419, `kind == "op"` -> `!=`)."""
    cr.manual_seed(0)
    model = cr.nn.Sequential(*[m for _ in range(80) for m in (cr.nn.Linear(2, 2), cr.nn.Tanh())])
    with cr.explain.record_modules(model):
        y = model(cr.randn(1, 2)).sum()
    g = cr.graph(y)
    assert len(g.nodes) > MAX_ELEMENT_NODES
    assert {grp["kind"] for grp in g.data["groups"]} == {"module"}
    assert _grouped_notice(g).startswith(f"{len(g.nodes)} nodes are too many to draw one by one: the graph "
                                         f"starts grouped by module as 160 groups and ")


def test_a_large_graph_without_modules_starts_grouped_by_op_only() -> None:
    """200 scalar weights, each squared and added: only op groups (the squares, the weights), so the notice
    says `by op` (the same mutant: `by module` would need a module group)."""
    ws = [cr.tensor(float(i % 7) / 7, dtype=cr.float64, requires_grad=True) for i in range(200)]
    total = ws[0] * 0.0
    for w in ws:
        total = total + w * w
    g = cr.graph(total)
    assert {grp["kind"] for grp in g.data["groups"]} == {"op"}
    assert "the graph starts grouped by op as 2 groups and " in _grouped_notice(g)


def _mlp_with_dead_units() -> cr.nn.Sequential:
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(4, 6), cr.nn.ReLU(), cr.nn.Linear(6, 3))
    with cr.no_grad():
        model[0].bias.fill_(100.0)  # every unit active on small inputs ...
        model[0].bias[1] = -100.0  # ... but these two, dead
        model[0].bias[4] = -100.0
    return model


def test_dead_units_of_one_unbatched_sample_are_those_of_the_same_sample_batched() -> None:
    """A model run on one unbatched sample (1-D activations) has the same 6 units, 2 of them dead, as on a batch
    of that one sample (seed-1010 survivor on explain/diagnostics.py:286: a 1-D activation is one row of units,
    reshape(1, -1), not reshape(2, -1))."""
    model = _mlp_with_dead_units()
    x = cr.randn(4)
    for data in (x, x.unsqueeze(0)):
        layer = cr.explain.dead_units(model, data)["1"]
        assert (layer.units, layer.dead) == (6, [1, 4])


def test_dead_units_count_units_not_batch_rows() -> None:
    """A batch of 5 samples: the units are the 6 columns of the (5, 6) activation, whatever the batch size."""
    model = _mlp_with_dead_units()
    for batch in (1, 5, 6):
        layer = cr.explain.dead_units(model, cr.randn(batch, 4))["1"]
        assert (layer.units, layer.dead) == (6, [1, 4])
