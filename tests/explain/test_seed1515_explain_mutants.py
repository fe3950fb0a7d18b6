"""Tests that kill survivors of the seed-1515 mutation sample (docs/testing.md)."""

from __future__ import annotations

import chainrule as cr
from chainrule import nn


def test_a_module_without_parameters_is_described_by_its_type() -> None:
    """explain/build.py:648 (`if w is None: return type_name` removed: a module with no weight then reached
    `len(w)` and raised TypeError): parameterless modules in a recorded model are labelled by their type, and a
    Linear or Conv whose weight shape is not known by its type alone."""
    from chainrule.explain.build import module_description

    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Tanh())
    with cr.explain.record_modules(model):
        out = model(cr.randn(4, 3))
    labels = [g["label"] for g in cr.explain.graph(out.sum()).data["groups"]]
    assert labels == ["0: Linear(3->2)", "1: ReLU", "2: Tanh"]
    for type_name in ("ReLU", "Linear", "LazyLinear", "Conv2d", "ConvTranspose1d", "Embedding", "LayerNorm"):
        assert module_description(type_name, {}) == type_name
        assert module_description(type_name, {"bias": [4]}) == type_name
