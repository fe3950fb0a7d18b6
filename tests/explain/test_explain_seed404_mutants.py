"""Tests for the survivors of the fresh seed-404 mutation sample in explain (docs/testing.md)."""

from __future__ import annotations

import chainrule as cr


def _ops(root: cr.Tensor, names: dict | None = None) -> list[tuple[str, int]]:
    return [(n["name"], n["forward_index"]) for n in cr.graph(root, names=names).nodes if n["kind"] == "op"]


def test_op_nodes_follow_the_program_when_an_op_has_several_op_inputs() -> None:
    # the forward order is a post-order over each node's inputs in argument order (explain/build.py:
    # _forward_order): the inputs of cat([a, b, c]) come as a, b, c, as the program ran them, not a, c, b
    x = cr.tensor([0.5, 1.0], requires_grad=True)
    a, b, c = x.exp(), x.sin(), x.cos()
    L = cr.cat([a, b, c]).sum()  # noqa: N806
    assert _ops(L, {"x": x, "a": a, "b": b, "c": c, "L": L}) == [("a", 0), ("b", 1), ("c", 2),
                                                                  ("cat(a, b, c)", 3), ("L", 4)]
    d = x * 2
    y = cr.stack([x.tanh(), d.sin(), x.sigmoid(), d.cos()]).sum()
    assert [name for name, _ in _ops(y, {"x": x, "d": d, "y": y})] == ["tanh(x)", "d", "sin(d)", "sigmoid(x)",
                                                                        "cos(d)", "stack(…)", "y"]


def test_a_leaf_that_gets_no_gradient_is_shown_without_one() -> None:
    # a custom Function's backward returns None for b: b.grad stays None (as in PyTorch), and the graph shows
    # no gradient for b instead of failing (explain/build.py: only leaves that received terms get a total)
    class OnlyFirst(cr.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):  # noqa: ANN001, ANN205
            return a * b

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            return g * 2.0, None

    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([3.0, 4.0], requires_grad=True)
    L = OnlyFirst.apply(a, b).sum()  # noqa: N806
    grads = {n["name"]: n["grad"] and n["grad"]["data"] for n in cr.graph(L, names={"a": a, "b": b}).nodes}
    assert grads["a"] == [2.0, 2.0] and grads["b"] is None
    OnlyFirst.apply(a, b).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0] and b.grad is None


def test_a_sum_of_up_to_six_gradient_terms_is_written_in_full() -> None:
    # MAX_SUM_TERMS = 6: six terms in full, seven as first, second, …, last (k terms)
    texts = {}
    for k in (6, 7):
        x = cr.tensor(1.0, dtype=cr.float64, requires_grad=True)
        L = sum(x * float(i + 1) for i in range(k))  # noqa: N806
        node = next(n for n in cr.graph(L, names={"x": x}).nodes if n["name"] == "x")
        texts[k] = (node["grad_states"][-1]["text"], len(node["grad_states"][-1]["terms"]))
    assert texts[6] == ("6.0 + 5.0 + 4.0 + 3.0 + 2.0 + 1.0 = 21.0", 6)
    assert texts[7] == ("7.0 + 6.0 + … + 1.0 (7 terms) = 28.0", 7)


def test_module_calls_are_numbered_within_the_graph() -> None:
    # a module called twice gets call groups 0 and 1, and its nodes' `call` says which (explain/build.py:
    # _call_groups renumbers the recorder's running counters; in process, not through the CLI)
    cr.manual_seed(0)

    class Net(cr.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.block = cr.nn.Linear(2, 2)
            self.head = cr.nn.Linear(2, 1)

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            return self.head(self.block(self.block(x).tanh()))

    net = Net()
    with cr.explain.record_modules(net):
        for _ in range(2):
            net(cr.ones(1, 2))  # earlier calls: the recorder's counters are past 0
        L = net(cr.ones(1, 2)).sum()  # noqa: N806
    doc = cr.graph(L, names=net).data
    calls = {g["id"]: g for g in doc["groups"] if g["kind"] == "call"}
    assert sorted((g["path"], g["call"]) for g in calls.values()) == [("block", 0), ("block", 1)]
    by_id = {n["id"]: n for n in doc["nodes"]}
    for g in calls.values():
        assert all(by_id[i]["call"] == g["call"] and by_id[i]["module"] == "block" for i in g["nodes"])
    assert {n["call"] for n in doc["nodes"] if n["module"] in ("Net", "head")} <= {0, None}
