"""Seed-202 survivors in explain (mutation testing): the paths table's closing sum, dead_units' lookup."""

from __future__ import annotations

import pytest

import chainrule as cr
from chainrule import nn


def test_the_paths_table_ends_with_the_sum_over_paths() -> None:
    a = cr.tensor(2.0, requires_grad=True)
    b = a * a
    L = b * 3  # noqa: N806
    cr.name_tensors({"a": a, "L": L})
    text = str(cr.explain.paths(L, a))
    assert "sum over paths = 12.0 = dL/da" in text


def test_dead_units_lookup_of_an_unknown_layer_is_a_keyerror() -> None:
    cr.manual_seed(0)
    report = cr.explain.dead_units(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3)), cr.randn(5, 4))
    assert report["1"].units == 6
    with pytest.raises(KeyError):
        report["no such layer"]


class _Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x):  # noqa: ANN001, ANN201
        return self.lin(x) * 2.0


class _Outer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = _Block()

    def forward(self, x):  # noqa: ANN001, ANN201
        return self.block(x) * 3.0


def test_module_groups_nest_by_their_parent_path() -> None:
    model = nn.Sequential(_Outer())
    with cr.explain.record_modules(model):
        out = model(cr.randn(1, 2)).sum()
    groups = {g["id"]: g for g in cr.graph(out, names=model).data["groups"] if g["kind"] == "module"}
    assert groups["m:0.block.lin"]["parent"] == "m:0.block"
    assert groups["m:0.block"]["parent"] == "m:0"
    assert groups["m:0"]["parent"] is None
