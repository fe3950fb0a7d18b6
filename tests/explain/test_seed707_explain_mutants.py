"""Tests that kill survivors of the seed-707 mutation sample (docs/testing.md)."""

from __future__ import annotations

import chainrule as cr


def test_numbered_names_do_not_collide_with_an_explicit_name() -> None:
    """explain/naming.py:53 (`c == 1` -> `!=`: the names already taken were the repeated ones, not the unique
    ones): a tensor named "w#1" keeps its name, and the two tensors named "w" are numbered around it, so every
    node of the graph has its own name (disambiguate's docstring: unique names, explicit names first)."""
    a = cr.tensor([1.0], requires_grad=True, name="w#1")
    b = cr.tensor([2.0], requires_grad=True, name="w")
    c = cr.tensor([3.0], requires_grad=True, name="w")
    loss = (a * b + c).sum()
    loss.name = "L"
    names = [n["name"] for n in cr.explain.graph(loss).data["nodes"]]
    assert len(names) == len(set(names))
    leaves = [n["name"] for n in cr.explain.graph(loss).data["nodes"] if n["kind"] == "leaf"]
    assert leaves == ["w#1", "w#2", "w#3"]


def test_disambiguate_numbers_repeated_names_in_order_around_taken_ones() -> None:
    """The same rule on the helper itself, hand-checked: unique names stay, repeated ones get the next free
    number."""
    from chainrule.explain.naming import disambiguate

    assert disambiguate(["x#1", "x", None, "x", "y"], ["a", "b", "mul", "c", "d"]) == ["x#1", "x#2", "mul", "x#3", "y"]
    assert disambiguate([None, None, "mul#2"], ["mul", "mul", "e"]) == ["mul#1", "mul#3", "mul#2"]


class RNN(cr.nn.Module):
    """The PyTorch char-RNN tutorial's model: a user class named RNN, with Linear children and no weights of
    its own."""

    def __init__(self) -> None:
        super().__init__()
        self.i2h = cr.nn.Linear(3, 4)
        self.h2o = cr.nn.Linear(4, 2)

    def forward(self, x: cr.Tensor, h: cr.Tensor) -> tuple[cr.Tensor, cr.Tensor]:
        h = (self.i2h(x) + h).tanh()
        return self.h2o(h), h


def test_a_user_module_named_rnn_is_described_by_its_name() -> None:
    """explain/build.py:641 (`and` -> `or`): a class named like nn.RNN without weight_ih/weight_hh of its own
    (the tutorial's `class RNN(nn.Module)`) is described as "RNN"; the mutant read the missing shapes and
    raised. nn.LSTM's own description stays `LSTM(in->hidden)`."""
    from chainrule.explain.build import module_description

    m = RNN()
    with cr.explain.record_modules(m):
        out, _ = m(cr.randn(1, 3), cr.zeros(1, 4))
    loss = out.sum()
    loss.name = "loss"
    labels = [g["label"] for g in cr.explain.graph(loss).data["groups"]]
    assert "RNN" in labels and "i2h: Linear(3->4)" in labels
    assert module_description("RNN", {}) == "RNN"
    assert module_description("LSTM", {"weight_ih_l0": [40, 3]}) == "LSTM"
    assert module_description("GRUCell", {"weight_ih": [3], "weight_hh": [15, 5]}) == "GRUCell"
    assert module_description("LSTM", {"weight_ih_l0": [40, 3], "weight_hh_l0": [40, 10]}) == "LSTM(3->10)"
