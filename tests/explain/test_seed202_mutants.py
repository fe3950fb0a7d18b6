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
