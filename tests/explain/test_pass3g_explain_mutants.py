"""Second exhaustive-pass survivors in chainrule/explain (h/p3g): what a user sees in the tables, the graph
document and the diagnostics, checked against values computed independently (PyTorch, exact hand values) and the
documented limits (docs/explain.md, docs/graph-schema.md)."""
from __future__ import annotations

import contextlib
import functools
import itertools
import operator

import numpy as np
import torch

import chainrule as cr
from chainrule import nn
from chainrule.autograd.profiler import record_function
from chainrule.explain.build import _letters
from chainrule.explain.values import value_array


def _node(g, name):  # noqa: ANN001, ANN202
    return next(n for n in g.nodes if n["name"] == name)


def test_graph_gradient_table_folds_unnamed_intermediates_by_default() -> None:
    # explain/model.py:116 (`Graph.gradient_table(..., all_nodes=False)`): as cr.explain.gradient_table, a graph's
    # table lists the loss and the named tensors; the unnamed w*3 and sin fold into the "how" chain
    w = cr.tensor([0.5, -1.0], requires_grad=True)
    loss = (w * 3).sin().sum()
    g = cr.graph(loss)
    table = g.gradient_table()
    assert [r.name for r in table.rows] == ["loss", "w"]
    assert [r.name for r in g.gradient_table(all_nodes=True).rows] == ["loss", "sin(w*3)", "w*3", "w"]
    tw = torch.tensor([0.5, -1.0], requires_grad=True)
    (tw * 3).sin().sum().backward()
    np.testing.assert_allclose(value_array(table.rows[1].grad), tw.grad.numpy(), rtol=1e-6)


def _fan(x, n):  # noqa: ANN001, ANN202
    """x*1 + x*2 + ... + x*n: n paths from x to the loss."""
    return functools.reduce(operator.add, [x * float(k) for k in range(1, n + 1)])


def test_paths_lists_up_to_64_paths_by_default() -> None:
    # explain/tables.py:436 (`paths(..., max_paths=64)`): 64 paths are listed (their products sum to the
    # gradient, n(n+1)/2 here), 65 are summarized by node, with the limit in the footer
    x = cr.tensor(0.5, requires_grad=True)
    listed = cr.explain.paths(_fan(x, 64), x)
    assert not listed.too_many and listed.count == 64 and len(listed.paths) == 64
    assert listed.total == 64 * 65 / 2
    x = cr.tensor(0.5, requires_grad=True)
    many = cr.explain.paths(_fan(x, 65), x)
    assert many.too_many and many.count == 65 and many.paths == []
    assert "65 paths: too many to list (limit 64); summarized by node." in str(many)
    tx = torch.tensor(0.5, requires_grad=True)
    _fan(tx, 65).backward()
    assert float(many.grad_value) == float(tx.grad) == 65 * 66 / 2


def test_chain_shows_up_to_16_paths_by_default() -> None:
    # explain/tables.py:568 (`chain(..., max_paths=16)`): 16 paths give 16 chains of factors, 17 give none and a
    # note naming the limit
    x = cr.tensor(0.5, requires_grad=True)
    assert len(cr.explain.chain(_fan(x, 16), x).chains) == 16
    x = cr.tensor(0.5, requires_grad=True)
    many = cr.explain.chain(_fan(x, 17), x)
    assert many.chains == []
    assert "17 paths: showing none (limit 16); see cr.explain.paths for a summary." in str(many)


class _TwoHeads(nn.Module):
    """loss = sum(first(a)) + sum(second(b)): each layer's weight gradient is its own input, exactly."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(2, 1, bias=False)
        self.second = nn.Linear(2, 1, bias=False)


def _flow(first_input: list[float], second_input: list[float]) -> cr.explain.diagnostics.GradientFlow:
    net = _TwoHeads()
    loss = net.first(cr.tensor([first_input])).sum() + net.second(cr.tensor([second_input])).sum()
    loss.backward()
    return cr.explain.gradient_flow(net)


def test_gradient_flow_explode_thresholds_default_to_1000() -> None:
    # explain/diagnostics.py:90-91 (`explode=1e3`, `explode_abs=1e3`) and :133 (`rel > explode`): "exploding"
    # above 1000 × the last layer's gradient norm or above 1000 (docstring and footer). The last layer's norm is
    # |[0.375, 0.5]| = 0.625; the first's is 625 (exactly 1000×: not flagged), 625.3125 (1000.5×: flagged); all
    # exact in float32
    at = _flow([375.0, 500.0], [0.375, 0.5])
    assert at["first"].grad_norm == 625.0 and at["second"].grad_norm == 0.625
    assert [la.flag for la in at.layers] == ["", ""]
    above = _flow([625.3125, 0.0], [0.375, 0.5])
    assert [la.flag for la in above.layers] == ["exploding", ""]
    assert "exploding: above 1000.0 × the last layer's, above 1000.0, or not finite." in str(above)
    # the absolute bound alone: the last layer itself at 1000.5 (relative 1)
    alone = _flow([3.0, 4.0], [1000.5, 0.0])
    assert alone["second"].grad_norm == 1000.5 and alone["second"].flag == "exploding"
    assert alone["first"].flag == ""


def test_an_op_without_a_graph_inside_a_recorded_scope() -> None:
    # explain/record.py:211 (`if node is not None and chain`): inside record_modules, an op in a record_function
    # block whose result has no grad_fn (a constant's arithmetic) is not tagged; the graph still has the scope
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    with cr.explain.record_modules(), record_function("block"):
        c = cr.tensor([3.0, 4.0]) * 2
        y = (w * c).sum()
    g = cr.graph(y)
    assert [grp["label"] for grp in g.data["groups"]] == ["block"]
    assert [n["name"] for n in g.nodes] == ["w", "c", "w*c", "y"]
    np.testing.assert_array_equal(value_array(_node(g, "w")["grad"]), [6.0, 8.0])


def test_gradient_table_of_a_freed_graph_keeps_a_retained_named_intermediate() -> None:
    # explain/tables.py:260 (`n["grad"] is None and ... not n["grad_states"]`): after backward and an optimizer-like
    # update, no step can be shown ("partial"), but h kept its gradient (retain_grad): its row stays, with the
    # engine's value (PyTorch's h.grad)
    w = cr.tensor([0.5, -1.0], requires_grad=True)
    h = (w * 3).sin()
    h.retain_grad()
    loss = (h * h).sum()
    loss.backward()
    with cr.no_grad():
        w -= 0.1 * w.grad
    table = cr.explain.gradient_table(loss)
    assert cr.graph(loss).data["status"]["gradients"] == "partial"
    assert [r.name for r in table.rows] == ["loss", "h", "w"]
    assert table.rows[1].how == "(backward freed the recorded steps)"
    tw = torch.tensor([0.5, -1.0], requires_grad=True)
    th = (tw * 3).sin()
    th.retain_grad()
    (th * th).sum().backward()
    np.testing.assert_allclose(value_array(table.rows[1].grad), th.grad.numpy(), rtol=1e-6)


def test_gradient_table_leaves_out_a_leaf_that_got_no_gradient() -> None:
    # explain/tables.py:314 (`if n["grad"] is None and nid != top.root: continue`): a leaf whose only consumer's
    # backward returns None for it has no gradient (b.grad is None, as in PyTorch): no row for it
    rows = {}
    for m in (torch, cr):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):  # noqa: ANN001, ANN205
                return a * 2

            @staticmethod
            def backward(ctx, g):  # noqa: ANN001, ANN205
                return g * 2, None

        a = m.tensor(1.5, requires_grad=True)
        b = m.tensor(2.0, requires_grad=True)
        loss = F.apply(a, b) * 3
        if m is cr:
            table = cr.explain.gradient_table(loss)
            rows = {r.name: r for r in table.rows}
        loss.backward()
        assert b.grad is None and float(a.grad) == 6.0, m.__name__
    assert list(rows) == ["loss", "F(a, b)", "a"]
    assert rows["a"].value == "6.0"


def test_graph_values_keep_data_up_to_256_elements() -> None:
    # explain/values.py:17 (MAX_DATA_ELEMENTS = 256): docs/graph-schema.md: `data` is null for arrays of more than
    # 256 elements (the summary stays)
    x256 = cr.arange(256, dtype=cr.float32).requires_grad_(True)
    x257 = cr.arange(257, dtype=cr.float32).requires_grad_(True)
    g = cr.graph((x256 * 2).sum() + (x257 * 2).sum(), names={"x256": x256, "x257": x257})
    np.testing.assert_array_equal(value_array(_node(g, "x256")["value"]), np.arange(256))
    assert _node(g, "x257")["value"]["data"] is None
    assert _node(g, "x257")["value"]["summary"]["max"] == "256.0"


def test_unnamed_input_letters_do_not_run_out() -> None:
    # explain/build.py:303 (`for k in range(0, 1000)`, a real bug, fixed): unnamed inputs are called a..z, a1..z1,
    # ...; after z999 the generator stopped and cr.graph raised StopIteration for a graph with more than 26,000
    # unnamed inputs. Tested on the generator itself: building such a graph takes minutes (op formulas are
    # substituted per edge over all of an op's arguments, quadratic in a stack of 26,000 tensors)
    assert list(itertools.islice(_letters(), 0, 28)) == [*"abcdefghijklmnopqrstuvwxyz", "a1", "b1"]
    assert list(itertools.islice(_letters(), 25_999, 26_002)) == ["z999", "a1000", "b1000"]


class _Picky(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        if x.shape[-1] != 2:
            raise ValueError("_Picky wants 2 features")
        return self.lin(x).tanh()


class _Retrying(nn.Module):
    """Calls its child once with input it refuses (and catches the error), then with good input."""

    def __init__(self) -> None:
        super().__init__()
        self.child = _Picky()
        self.out = nn.Linear(2, 1)

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        with contextlib.suppress(ValueError):
            self.child(x[:, :1])
        return self.out(self.child(x)).sum() * 2


def test_record_modules_after_a_submodule_raised_and_the_error_was_caught() -> None:
    # explain/record.py:255 (`register_forward_hook(tag, ..., always_call=True)`): the hook that closes a module
    # call runs also when its forward raises, so a caught error in a child does not leave that call open: the
    # parent's own ops (sum, loss) still belong to the parent, and the child's ops are not nested in a call that
    # made nothing
    cr.manual_seed(0)
    net = _Retrying()
    with cr.explain.record_modules(net):
        loss = net(cr.randn(3, 2))
    g = cr.graph(loss)
    assert sorted((grp["label"], grp["kind"]) for grp in g.data["groups"]) == [
        ("_Retrying", "module"), ("child.lin: Linear(2->2)", "module"), ("child: _Picky", "module"),
        ("out: Linear(2->1)", "module")]
    assert _node(g, "loss")["module"] == "_Retrying"
    assert _node(g, "out")["calls"] == [["_Retrying", 0], ["out", 0]]


def test_gradient_table_walks_through_a_multi_output_function_node() -> None:
    # explain/tables.py:260 (`n["grad"] is None and n["kind"] == "op" and not n["grad_states"]` hides an op with no
    # gradient of its own): the node of a two-output custom Function holds the packed gradients of its outputs,
    # no gradient of its own; with one output used, w's "how" goes through that output (u), not through the
    # Function node, which has no row to refer to. The value is PyTorch's w.grad (8 w).
    grads = {}
    for m in (torch, cr):
        class Split(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):  # noqa: ANN001, ANN205
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):  # noqa: ANN001, ANN205
                return g1 * 2 + g2 * 3

        w = m.tensor([0.5, -1.0], requires_grad=True)
        u, _ = Split.apply(w)
        loss = (u * u).sum()
        if m is cr:
            rows = {r.name: r for r in cr.explain.gradient_table(loss).rows}
        loss.backward()
        grads[m.__name__] = w.grad.numpy()
    assert list(rows) == ["loss", "u", "w"]
    assert rows["w"].how == "dloss/du × (G (output 0 of Split)) × [Split.backward] = [4.0, -8.0]"
    np.testing.assert_array_equal(value_array(rows["w"].grad), grads["torch"])
