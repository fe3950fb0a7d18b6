"""Tests that kill survivors of the seed-1313 mutation sample (docs/testing.md)."""

from __future__ import annotations

import chainrule as cr
from chainrule import nn


def test_an_embedding_is_described_by_its_table_size() -> None:
    """explain/build.py:652 (`len(w) == 2` -> `== 3`: an Embedding was then described by its type name alone):
    `nn.Embedding(10, 4)`'s group is labelled "Embedding(10, 4)" (num_embeddings, embedding_dim), as
    module_description's docstring promises."""
    from chainrule.explain.build import module_description

    m = nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 2))
    with cr.explain.record_modules(m):
        out = m(cr.tensor([1, 2, 3]))
    loss = out.sum()
    loss.name = "loss"
    labels = [g["label"] for g in cr.explain.graph(loss).data["groups"]]
    assert labels == ["0: Embedding(10, 4)", "1: Linear(4->2)"]
    assert module_description("Embedding", {"weight": [100, 16]}) == "Embedding(100, 16)"
    assert module_description("Embedding", {"weight": [100]}) == "Embedding(100)"


def test_a_constant_of_three_elements_is_named_by_its_values() -> None:
    """explain/build.py:247 (`<= 3` -> `< 3`): an unnamed constant of up to three elements is named by its
    values (`[0.5, 2.0, 3.0]`, and the product `x*[0.5, 2.0, 3.0]`), a larger one by its shape (`tensor(4)`), as
    _name_nodes' docstring says ("the value for a small constant")."""
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x * cr.tensor([0.5, 2.0, 3.0])).sum()
    names = {n["kind"]: n["name"] for n in cr.explain.graph(loss).data["nodes"] if n["kind"] == "constant"}
    assert names == {"constant": "[0.5, 2.0, 3.0]"}
    ops = [n["name"] for n in cr.explain.graph(loss).data["nodes"] if n["kind"] == "op"]
    assert "x*[0.5, 2.0, 3.0]" in ops
    x4 = cr.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    loss4 = (x4 * cr.tensor([0.5, 2.0, 3.0, 4.0])).sum()
    names4 = [n["name"] for n in cr.explain.graph(loss4).data["nodes"] if n["kind"] == "constant"]
    assert names4 == ["tensor(4)"]
