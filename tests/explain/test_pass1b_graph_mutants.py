"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in explain, against the
explanations' own documented contract (the numbers shown are the engine's; module and scope groups; the
gradient-flow flags) and exact known values."""
from __future__ import annotations

import signal

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from chainrule.autograd.profiler import observe_scopes, record_function
from chainrule.explain.build import build_graph


def test_build_graph_without_names_uses_default_names() -> None:
    # explain/build.py:88 (`if names is None: return {}`): build_graph's default names=None means no names
    # (cr.graph looks the caller's variables up itself), not a TypeError
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    doc = build_graph((w * 3).sum())
    assert [(n["kind"], n["name"]) for n in doc["nodes"]] == [("leaf", "a"), ("constant", "3"), ("op", "a*3"),
                                                              ("op", "L")]
    assert [n["name"] for n in build_graph((w * 3).sum(), names={"w": w})["nodes"]] == ["w", "3", "w*3", "L"]


def test_an_op_on_a_parameter_outside_the_module_call_is_not_in_the_module_group() -> None:
    # explain/build.py:762 (`n["kind"] == "leaf" and "." in n["name"]`): only parameters (leaves named
    # `fc.bias`) join the module that owns them; the op `fc.bias*2`, computed outside fc's call, does not
    cr.manual_seed(0)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            return self.fc(x)

    net = Net()
    with cr.explain.record_modules(net):
        y = net(cr.randn(2, 3))
    g = cr.graph(y.sum() + (net.fc.bias * 2).sum(), names=net)
    by_name = {n["name"]: n for n in g.nodes}
    scaled = by_name["fc.bias*2"]
    assert scaled["kind"] == "op" and scaled["module"] is None
    fc = next(grp for grp in g.data["groups"] if grp["id"] == "m:fc")
    assert scaled["id"] not in fc["nodes"]
    assert {by_name["fc.weight"]["id"], by_name["fc.bias"]["id"]} <= set(fc["nodes"])


def test_a_scope_spanning_two_module_calls_is_not_nested_in_either() -> None:
    # explain/build.py:727 (`k = 0`, the common prefix of the scope's module calls): a record_function block
    # that calls two layers one after the other belongs to neither layer's call
    cr.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    with cr.explain.record_modules(net), record_function("block"):
        y = net[1](net[0](cr.randn(2, 3)))
    g = cr.graph(y.sum())
    block = next(grp for grp in g.data["groups"] if grp["label"] == "block")
    assert block["kind"] == "call" and block["parent"] is None and block["path"] is None


def test_a_one_step_chain_shows_its_value_once() -> None:
    # explain/tables.py:517 (`if nums == fmt_number(prods[k])`): with one factor the product is that factor's
    # number, shown once: dL/dw = 3 = 3.0, the engine's gradient
    w = cr.tensor(2.0, requires_grad=True)
    L = w * 3
    L.backward()
    c = cr.explain.chain(L, w)
    assert str(c) == "dL/dw = 3 = 3.0"
    assert c.products() == [w.grad.item()] == [3.0]


def _one_layer_with_grad(value: float) -> nn.Module:
    net = nn.Sequential(nn.Linear(1, 1, bias=False))
    net[0].weight.grad = cr.tensor([[value]])
    return net


def test_gradient_flow_flags_exploding_only_above_explode_abs() -> None:
    # explain/diagnostics.py:133 (`la.grad_norm > explode_abs`): "exploding ... above explode_abs": a gradient
    # norm of exactly explode_abs is not flagged, one just above is
    assert cr.explain.gradient_flow(_one_layer_with_grad(1000.0))["0"].flag == ""
    assert cr.explain.gradient_flow(_one_layer_with_grad(1000.0), explode_abs=999.0)["0"].flag == "exploding"
    assert cr.explain.gradient_flow(_one_layer_with_grad(4.0), explode_abs=4.0)["0"].flag == ""


def test_gradient_flow_plot_widens_with_the_number_of_layers() -> None:
    # explain/diagnostics.py:69 (`0.6 * len(self.layers) + 2`): 0.6 inch per layer bar plus 2, at least 5 inches
    import matplotlib.pyplot as plt

    net = nn.Sequential(*[nn.Linear(2, 2) for _ in range(10)])
    net(cr.randn(3, 2)).sum().backward()
    flow = cr.explain.gradient_flow(net)
    fig = flow.plot()
    try:
        assert np.allclose(fig.get_size_inches(), (0.6 * 10 + 2, 3.6))
    finally:
        plt.close(fig)


def test_dead_units_walks_each_node_once_on_a_graph_with_many_skip_connections() -> None:
    # explain/diagnostics.py:233 (`if id(node) in seen: continue`): the search for the layer before a ReLU visits
    # each node once; 40 parameter-free residual steps (x = x + sin(x)) between the Linear and the ReLU would be
    # 2**40 paths otherwise. A 10-second alarm turns a hang into a failure.
    class Deep(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 4)

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            h = self.fc(x)
            for _ in range(40):
                h = h + h.sin()
            return cr.relu(h - 1e6)  # every unit dead

    def timeout(signum: int, frame: object) -> None:
        raise TimeoutError("dead_units did not finish in 10 s")

    cr.manual_seed(0)
    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(10)
    try:
        report = cr.explain.dead_units(Deep(), cr.randn(5, 3))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    (layer,) = report.layers
    assert layer.dead == [0, 1, 2, 3] and layer.previous == "fc" and layer.next is None
    assert layer.zero_rows_checked is True


def test_a_bilinear_layer_is_not_described_as_a_convolution() -> None:
    # explain/build.py:650 (`type_name.startswith("Conv") and len(w) >= 3`): nn.Bilinear's 3-d weight
    # (out, in1, in2) does not make it "Bilinear(3->5, 4)"; a convolution is still described by its channels
    cr.manual_seed(0)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bil = nn.Bilinear(3, 4, 5)
            self.conv = nn.Conv1d(5, 2, 1)

        def forward(self, a: cr.Tensor, b: cr.Tensor) -> cr.Tensor:
            return self.conv(self.bil(a, b).unsqueeze(-1))

    net = Net()
    with cr.explain.record_modules(net):
        y = net(cr.randn(2, 3), cr.randn(2, 4))
    labels = {grp["id"]: grp["label"] for grp in cr.graph(y.sum(), names=net).data["groups"]}
    assert labels["m:bil"] == "bil: Bilinear"
    assert labels["m:conv"] == "conv: Conv1d(5->2, 1)"


def test_a_factor_spanning_two_unnamed_steps_shows_both_local_derivatives() -> None:
    # explain/tables.py:556 (`if len(kept) > 1`): one factor over two unnamed ops shows the product of both
    # formulas, and its value is the engine's gradient, 3 cos(3w) (checked against torch)
    import torch

    w = cr.tensor(2.0, requires_grad=True)
    L2 = (w * 3).sin()
    L2.backward()
    c = cr.explain.chain(L2, w)
    assert str(c) == "dL2/dw = cos(w*3) × 3 = 0.9602 × 3.0 = 2.881"
    tw = torch.tensor(2.0, requires_grad=True)
    (tw * 3).sin().backward()
    assert np.isclose(c.products()[0], tw.grad.item()) and np.isclose(w.grad.item(), tw.grad.item())


def test_print_to_a_non_terminal_writes_the_plain_text() -> None:
    # explain/tables.py:93 (`isatty is not None and isatty()`): a stream whose isatty() is False (a file, a pipe)
    # gets the plain text, never cut; so does one without isatty
    import io

    w = cr.tensor(2.0, requires_grad=True)
    L = w * 3
    L.backward()
    c = cr.explain.chain(L, w)
    buf = io.StringIO()
    c.print(buf)
    assert buf.getvalue() == str(c) + "\n"

    class Sink:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, s: str) -> None:
            self.parts.append(s)

    sink = Sink()
    c.print(sink)
    assert "".join(sink.parts) == str(c) + "\n"


def test_no_gradient_is_shown_flowing_into_a_constant() -> None:
    # explain/build.py:545 (`if not e["flows"]: continue`): cat's VJP computes a slice for every input, but the
    # constant x takes none: its edge shows no contribution (the leaf w's does, the engine's gradient)
    x = cr.tensor([1.0, 2.0])
    w = cr.tensor([3.0, 4.0], requires_grad=True)
    L = cr.cat([x, w]).sum()
    L.backward()
    g = cr.graph(L)
    by_name = {n["name"]: n["id"] for n in g.nodes}
    (from_x,) = [e for e in g.edges if e["source"] == by_name["x"]]
    (from_w,) = [e for e in g.edges if e["source"] == by_name["w"]]
    assert not from_x["flows"]
    assert (from_x["contribution"], from_x["text"], from_x["accumulated"]) == (None, None, None)
    assert from_w["contribution"]["data"] == w.grad.tolist() == [1.0, 1.0]


def test_unnamed_inputs_get_letters_the_user_did_not_take() -> None:
    # explain/build.py:235 (`taken`, the names already given): an unnamed leaf is called by a letter not used by a
    # named one, and the loss is called L only when no tensor is named L
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor([3.0, 4.0], requires_grad=True)
    assert [n["name"] for n in build_graph((a * y).sum(), names={"a": a})["nodes"]] == ["a", "b", "a*b", "L"]
    L = cr.tensor(2.0, requires_grad=True)
    assert [n["name"] for n in build_graph((L * y).sum(), names={"L": L})["nodes"]] == ["L", "a", "L*a", "sum(L*a)"]


def test_a_scope_left_while_recording_but_entered_before_is_ignored() -> None:
    # explain/record.py:194 (`if event.id not in ids: return`): leaving a record_function scope that was opened
    # (and seen by another scope observer) before record_modules began is no error; only the scopes opened while
    # recording become groups
    cr.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    outer = record_function("outer")
    with observe_scopes() as events:
        outer.__enter__()
        with cr.explain.record_modules(net):
            h = net[0](cr.randn(2, 3))
            outer.__exit__(None, None, None)
            with record_function("inner"):
                y = net[1](h)
    assert [(e.kind, e.name) for e in events] == [("enter", "outer"), ("exit", "outer"), ("enter", "inner"),
                                                   ("exit", "inner")]
    scopes = [grp["label"] for grp in cr.graph(y.sum()).data["groups"] if grp["kind"] == "call"]
    assert scopes == ["inner"]


def test_a_kind_of_three_repeated_rows_is_listed_in_full() -> None:
    # explain/tables.py:229 (`len(same) <= 3`): in a summarized table (more than 60 rows) a kind with three rows
    # keeps all three (a "1 more like" row would only replace one row by another); longer kinds are counted
    x = cr.tensor(1.0, dtype=cr.float64, requires_grad=True, name="x")
    y = x
    for k in range(60):
        y = y * 1.01
        if k in (10, 20, 30):
            y.name = "h"
    text = str(cr.explain.gradient_table(y, all_nodes=True))
    assert "61 rows, summarized" in text and "more like …*1.01" in text
    assert all(f"dy/dh#{k} " in text for k in (1, 2, 3))
    assert "1 more like" not in text


def _two_layers_with_grads(first: float, last: float) -> nn.Module:
    net = nn.Sequential(nn.Linear(1, 1, bias=False), nn.Linear(1, 1, bias=False))
    net[0].weight.grad = cr.tensor([[first]])
    net[1].weight.grad = cr.tensor([[last]])
    return net


def test_gradient_flow_compares_each_layer_with_the_last() -> None:
    # explain/diagnostics.py:130 (`rel = la.grad_norm / reference`): a layer whose gradient norm is 1e-2 while the
    # last layer's is 100 is at 1e-4 of it: vanishing (below vanish=1e-3), though 1e-2 is above vanish_abs;
    # 1e-2 against a last layer of 1e-2 is fine; 10 against 1e-3 explodes (1e4 above explode=1e3)
    flow = cr.explain.gradient_flow(_two_layers_with_grads(1e-2, 100.0))
    assert flow["0"].flag == "vanishing" and flow["1"].flag == ""
    assert cr.explain.gradient_flow(_two_layers_with_grads(1e-2, 1e-2))["0"].flag == ""
    assert cr.explain.gradient_flow(_two_layers_with_grads(10.0, 1e-3), vanish_abs=1e-6)["0"].flag == "exploding"


def test_dead_units_checks_only_layers_with_dead_units_and_a_layer_before() -> None:
    # explain/diagnostics.py:300 (`if prev is not None and dead`): the engine check runs for a ReLU with dead units
    # and a weighted layer before it; a ReLU right after a bare parameter (no layer before) or with no dead unit
    # is reported without one
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.shift = nn.Parameter(cr.zeros(3))
            self.fc = nn.Linear(3, 4)
            self.fc2 = nn.Linear(4, 2)

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            h = cr.relu(x + self.shift - 100.0)  # every unit dead, no weighted layer before
            return self.fc2(cr.relu(self.fc(h) * 0 + 1.0))  # no unit dead

    cr.manual_seed(0)
    report = cr.explain.dead_units(M(), cr.randn(5, 3))
    first, second = report.layers
    assert (first.dead, first.previous, first.next, first.zero_rows_checked) == ([0, 1, 2], None, "fc", None)
    assert (second.dead, second.previous, second.next, second.zero_rows_checked) == ([], "fc", "fc2", None)
    assert "Checked with the engine" not in str(report)


def test_a_constant_shows_the_value_the_forward_used() -> None:
    # explain/build.py:209 (`value if value is not None else obj.array`): a constant whose `.data` was replaced
    # after the forward shows the value x*c was computed with, not its new one
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    c = cr.tensor([3.0, 5.0])
    L = (x * c).sum()
    c.data = cr.tensor([7.0, 7.0])
    g = cr.graph(L)
    assert [(n["name"], n["value"]["text"]) for n in g.nodes] == [("x", "[1.0, 2.0]"), ("c", "[3.0, 5.0]"),
                                                                 ("x*c", "[3.0, 10.0]"), ("L", "13.0")]


def test_an_op_that_gets_no_gradient_has_no_backward_step() -> None:
    # explain/build.py:609 (`if s is None: continue`): a custom backward returning None for an input leaves the op
    # before it without gradient: the graph lists the steps the engine took (the loss, then the Function), and
    # that op and its leaf show none, as the engine leaves a.grad None
    class Stop(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):  # noqa: ANN001, ANN205
            return x * y

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            return None, g

    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([3.0, 4.0], requires_grad=True)
    h = a * 2
    L = Stop.apply(h, b).sum()
    g = cr.graph(L)
    ids = {n["name"]: n["id"] for n in g.nodes}
    assert [s["node"] for s in g.data["backward_steps"]] == [ids["L"], ids["Stop(h, b)"]]
    grads = {n["name"]: n["grad"] and n["grad"]["text"] for n in g.nodes}
    assert (grads["a"], grads["h"], grads["b"]) == (None, None, "[1.0, 1.0]")
    L.backward()
    assert a.grad is None and b.grad.tolist() == [1.0, 1.0]


def test_name_tensors_names_a_modules_parameters() -> None:
    # explain/naming.py:23 (`hasattr(namespace, "named_parameters") and not isinstance(namespace, Mapping)`): a
    # cr.nn.Module names its parameters by their paths; a dict names tensors by its keys
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    named = cr.name_tensors(net)
    assert list(named) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert net[2].weight.name == "2.weight"
    t = cr.tensor([1.0])
    assert cr.name_tensors({"t": t, "_hidden": cr.tensor([2.0]), "n": 3}) == {"t": t} and t.name == "t"


def test_graph_repr_counts_its_nodes_by_kind() -> None:
    # explain/model.py:124 (`kinds.get(n["kind"], 0) + 1`)
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    w = cr.tensor([3.0, 4.0], requires_grad=True)
    L = (x * w * 2).sum()
    g = cr.graph(L)
    assert repr(g) == "<Graph of L: 2 leaves, 3 ops, 1 constant; gradients observed>"


def test_the_node_limit_counts_finished_nodes_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # explain/build.py:77 (`len(onstack) + len(done) > MAX_NODES`): a wide graph (20 products stacked: a shallow
    # walk, most nodes finished) is refused past the limit as a deep one is
    from chainrule.explain import build

    x = cr.tensor([1.0], requires_grad=True)
    y = cr.stack([x * float(k) for k in range(20)]).sum()
    ops = len(build._forward_order(y.grad_fn))
    assert ops == 22
    monkeypatch.setattr(build, "MAX_NODES", ops)
    cr.graph(y)
    monkeypatch.setattr(build, "MAX_NODES", ops - 1)
    with pytest.raises(ValueError, match="more than 21 recorded operations; too large to explain"):
        cr.graph(y)


def test_chain_lists_exactly_max_paths_paths() -> None:
    # explain/tables.py:578 (`if count > max_paths`): max_paths paths are listed; one more are not
    x = cr.tensor(3.0, requires_grad=True)
    L = x * x
    L.backward()
    both = cr.explain.chain(L, x, max_paths=2)
    assert len(both.chains) == 2 and both.products() == [3.0, 3.0] and sum(both.products()) == x.grad.item()
    none = cr.explain.chain(L, x, max_paths=1)
    assert none.chains == [] and "2 paths: showing none (limit 1)" in str(none)


def test_a_python_constant_is_shown_rounded_as_its_value() -> None:
    # explain/build.py:214-215 (a Python number's value and text): a Python number the op was given is named by
    # its value as the graph formats values (4 significant digits), not by its full repr
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    g = cr.graph((x * (1 / 3)).sum())
    assert [n["name"] for n in g.nodes] == ["x", "0.3333", "x*0.3333", "L"]
    assert g.nodes[1]["value"]["data"] == 1 / 3


def test_dead_units_footer_names_the_checked_layers_only() -> None:
    # explain/diagnostics.py:202 (`zero_rows_checked is False`): the footer reports a failed check only for layers
    # whose check failed; a passed one is reported as checked
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.out = nn.Linear(4, 1)

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            return self.out(cr.relu(self.fc(x) - 1e6))

    cr.manual_seed(0)
    report = cr.explain.dead_units(Net(), cr.randn(5, 3))
    (layer,) = report.layers
    assert (layer.dead, layer.previous, layer.zero_rows_checked) == ([0, 1, 2, 3], "fc", True)
    text = str(report)
    assert "Checked with the engine (cr.autograd.grad on this batch): those rows are exactly zero for ReLU relu" in text
    assert "NOT all zero" not in text


def test_dead_units_of_a_conv_layer_are_its_channels() -> None:
    # explain/diagnostics.py:285 (`np.moveaxis(post, 1, -1)`): on an (N, C, H, W) map a unit is a channel; channel
    # 0, pushed below zero by its bias, is dead
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 1)
            self.head = nn.Linear(2 * 5 * 3, 1)

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            return self.head(cr.relu(self.conv(x)).reshape(x.shape[0], -1))

    cr.manual_seed(0)
    net = Net()
    with cr.no_grad():
        net.conv.weight.fill_(1.0)
        net.conv.bias.copy_(cr.tensor([-100.0, 100.0]))
    report = cr.explain.dead_units(net, cr.randn(4, 1, 5, 3))
    (layer,) = report.layers
    assert (layer.units, layer.dead, layer.previous) == (2, [0], "conv")
    assert report.batch == 4 * 5 * 3


def test_gradient_flow_ratio_for_a_unit_weight() -> None:
    # explain/diagnostics.py:114 (`wnorm == 0`): the ratio |grad|/|weight| is given for any nonzero weight norm,
    # 1 included; only a zero weight norm has none
    net = _one_layer_with_grad(0.25)
    with cr.no_grad():
        net[0].weight.fill_(1.0)
    assert cr.explain.gradient_flow(net)["0"].ratio == 0.25
    with cr.no_grad():
        net[0].weight.fill_(0.0)
    assert cr.explain.gradient_flow(net)["0"].ratio is None


def test_gradient_flow_plot_tilts_the_layer_names() -> None:
    # explain/diagnostics.py:76 (`rotation=45`)
    import matplotlib.pyplot as plt

    fig = cr.explain.gradient_flow(_one_layer_with_grad(1.0)).plot()
    try:
        assert [t.get_rotation() for t in fig.axes[0].get_xticklabels()] == [45.0]
    finally:
        plt.close(fig)


def test_an_input_whose_value_backward_freed_is_shown_as_unknown() -> None:
    # explain/build.py:215 (`"?" if src.input_objs is None else repr(obj)`): after backward a custom Function's
    # node keeps neither its inputs nor their values: its constant input is "?", not "None"
    class Scale(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x, c):  # noqa: ANN001, ANN205
            ctx.save_for_backward(c)
            return x * c

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            (c,) = ctx.saved_tensors
            return g * c, None

    x = cr.tensor([1.0, 2.0], requires_grad=True)
    L = Scale.apply(x, cr.tensor([3.0, 5.0])).sum()
    L.backward()
    g = cr.graph(L)
    assert [(n["kind"], n["name"]) for n in g.nodes] == [("leaf", "x"), ("constant", "?"), ("op", "Scale(x, ?)"),
                                                         ("op", "L")]
    assert g.grad("x").tolist() == x.grad.tolist() == [3.0, 5.0]


def test_a_nested_layer_is_named_by_its_full_path() -> None:
    # explain/build.py:283 (`rsplit(".", 1)[0]`, the module that owns a parameter): `enc.fc.weight` belongs to
    # `enc.fc`, so the op it makes reads `enc.fc(...)`
    class Enc(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            return self.fc(x)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = Enc()

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            return self.enc(x)

    cr.manual_seed(0)
    net = Net()
    with cr.explain.record_modules(net):
        y = net(cr.randn(3, 2))
    names = [n["name"] for n in cr.graph(y.sum(), names=net).nodes]
    assert names == ["tensor(3×2)", "enc.fc.weight", "enc.fc.bias", "enc.fc(tensor(3×2))", "L"]


def test_the_grouped_view_starts_above_max_element_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    # explain/build.py:414 (`n_drawn > MAX_ELEMENT_NODES`): a graph of exactly the limit opens element by element
    from chainrule.explain import build

    x = cr.tensor([1.0, 2.0], requires_grad=True)
    L = (x * 2).sum()
    n = len(cr.graph(L).nodes)
    monkeypatch.setattr(build, "MAX_ELEMENT_NODES", n)
    assert cr.graph(L).data["default_view"] == "elements"
    monkeypatch.setattr(build, "MAX_ELEMENT_NODES", n - 1)
    assert cr.graph(L).data["default_view"] == "groups"


def test_inputs_of_a_function_without_a_signature_are_named_by_position() -> None:
    # explain/build.py:158 (`if not names: return f"arg{i}"`): a Function whose forward is a builtin (no signature
    # to read argument names from; chainrule runs it, PyTorch's apply refuses it) shows its input as arg0
    class Smallest(cr.autograd.Function):
        forward = staticmethod(min)

        @staticmethod
        def setup_context(ctx, inputs, output):  # noqa: ANN001, ANN205
            ctx.save_for_backward(inputs[0], output)

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            x, out = ctx.saved_tensors
            return (x == out).to(g.dtype) * g

    x = cr.tensor([3.0, 1.0, 2.0], requires_grad=True)
    y = Smallest.apply(x) * 2
    g = cr.graph(y)
    assert [e["arg"] for e in g.edges] == ["arg0", "a", "b"]
    assert [n["name"] for n in g.nodes] == ["x", "Smallest(x)", "2", "y"]
    y.backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0]


def test_the_graph_of_a_freed_custom_function_output_shows_its_value() -> None:
    # explain/build.py:384 (`if op_entry[id(root)]["value"] is None`): after backward a custom Function's node
    # keeps no output value; the root's value is then read from the output tensor itself
    class SumSq(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            ctx.save_for_backward(x)
            return (x * x).sum()

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = cr.tensor([1.0, 2.0], requires_grad=True)
    L = SumSq.apply(x)
    L.backward()
    g = cr.graph(L)
    assert g.root["value"]["text"] == "5.0" and g.root["value"]["data"] == L.item()


def test_gradient_flow_plot_colours_the_flags() -> None:
    # explain/diagnostics.py:72 (the bar colours): vanishing blue, exploding red, the others grey
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    net = nn.Sequential(*[nn.Linear(1, 1, bias=False) for _ in range(3)])
    for layer, g in zip(net, (1e-6, 1e4, 1.0)):
        layer.weight.grad = cr.tensor([[g]])
    flow = cr.explain.gradient_flow(net)
    assert [la.flag for la in flow.layers] == ["vanishing", "exploding", ""]
    fig = flow.plot()
    try:
        assert [to_hex(p.get_facecolor()) for p in fig.axes[0].patches] == ["#1c7ed6", "#c92a2a", "#868e96"]
    finally:
        plt.close(fig)


def test_a_recorded_pass_is_shown_only_for_its_own_seed() -> None:
    # explain/build.py:489 (`if recorded:` after an explicit grad_output): the steps recorded by cr.explain.record()
    # are shown when grad_output is the seed that pass used; for another grad_output they are not that seed's
    # gradients, so the steps are taken again with it (dy/dx for the seed v is 2 v, checked against torch)
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with cr.explain.record():
        y.backward(cr.tensor([3.0, 3.0]))
    same = cr.graph(y, grad_output=cr.tensor([3.0, 3.0]))
    assert same.data["status"]["gradients"] == "recorded"
    assert same.grad("x").tolist() == x.grad.tolist() == [6.0, 6.0]
    other = cr.graph(y, grad_output=cr.tensor([1.0, 0.5]))
    assert other.data["status"]["gradients"] == "replayed" and other.data["seed"]["data"] == [1.0, 0.5]
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    (expected,) = torch.autograd.grad(tx * 2, tx, torch.tensor([1.0, 0.5]))
    assert other.grad("x").tolist() == expected.tolist() == [2.0, 1.0]


def test_the_graph_shows_a_leaf_gradient_after_its_hooks() -> None:
    # explain/build.py:574 (`key in by_key`, the engine's own leaf totals): a leaf's gradient in the graph is the
    # engine's, after the leaf's tensor hooks, as .grad will be (checked against torch)
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    L = (x * 3).sum()
    g = cr.graph(L)
    L.backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    tx.register_hook(lambda g: g * 10)
    (tx * 3).sum().backward()
    assert g.grad("x").tolist() == x.grad.tolist() == tx.grad.tolist() == [30.0, 30.0]


def test_gradient_flow_without_any_nonzero_gradient_compares_each_layer_with_itself() -> None:
    # explain/diagnostics.py:130 (`else 1.0`): with no nonzero gradient to compare with, a layer's relative norm
    # is 1: with explode=1.5 (and no absolute bounds in the way) nothing is flagged exploding
    net = nn.Sequential(nn.Linear(1, 1, bias=False), nn.Linear(1, 1, bias=False))
    for layer in net:
        layer.weight.grad = cr.zeros(1, 1)
    flow = cr.explain.gradient_flow(net, explode=1.5, vanish_abs=-1.0)
    assert [(la.grad_norm, la.flag) for la in flow.layers] == [(0.0, ""), (0.0, "")]


def test_a_gradient_summed_over_six_consumers_lists_every_term() -> None:
    # explain/tables.py:250 (`len(parts) <= MAX_TERMS`): up to 6 terms are listed, more are cut after 3; the terms
    # are the engine's contributions k (dL/dx = 1 + ... + n)
    for n, numbers in ((6, "1.0 + 2.0 + 3.0 + 4.0 + 5.0 + 6.0"), (7, "1.0 + 2.0 + 3.0 + … (4 more terms)")):
        x = cr.tensor(2.0, requires_grad=True)
        L = cr.stack([x * float(k) for k in range(1, n + 1)]).sum()
        how = cr.explain.gradient_table(L)["x"].how
        assert how.endswith(f" = {numbers}"), how
        L.backward()
        assert x.grad.item() == n * (n + 1) / 2


def test_a_recorded_scalar_seed_other_than_one_is_noted() -> None:
    # explain/build.py:484 (`seed.size != 1 or float(seed.reshape(())) != 1.0`): a recorded backward(gradient=2)
    # on a scalar is said to be seeded with 2, and the gradients are that seed's (dL/dx = 3 * 2)
    x = cr.tensor(2.0, requires_grad=True)
    L = x * 3
    with cr.explain.record():
        L.backward(cr.tensor(2.0))
    g = cr.graph(L)
    assert g.notices == ["the gradient seeded at L was 2.0 (backward(gradient=...)): every gradient below is for "
                         "that seed."]
    assert g.grad("x").item() == x.grad.item() == 6.0


def test_a_summary_row_stands_where_the_third_row_of_its_kind_would() -> None:
    # explain/tables.py:231 (`elif position == 2`): in a summarized table (61 rows) the "… N more like" row
    # replaces the third row of its kind, in its place: before the rows that come between the third and the fourth
    x = cr.tensor(1.0, dtype=cr.float64, requires_grad=True, name="x")
    y = x
    for k in range(60):
        y = y * 1.01
        y.name = "a" if k in (3, 5, 7, 9) else f"u{k}"
    rows = [r[0] for r in cr.explain.gradient_table(y, all_nodes=True)._rows()]
    assert len(rows) == 60
    assert rows[-10:] == ["du59/da#4", "du59/du8", "du59/da#3", "du59/du6", "… 2 more like a", "du59/du4",
                          "du59/du2", "du59/du1", "du59/du0", "du59/dx"]


def test_a_one_element_matrix_is_shown_as_a_matrix() -> None:
    # explain/values.py:44 (`arr.size == 1 and arr.ndim == 0`): only a 0-d value is written as a bare number
    w = cr.tensor([[5.0]], requires_grad=True)
    g = cr.graph((w * 2).sum())
    assert [n["value"]["text"] for n in g.nodes] == ["[[5.0]]", "2", "[[10.0]]", "10.0"]


def test_dead_units_check_fails_when_the_layer_before_also_feeds_the_output() -> None:
    # explain/diagnostics.py:305 (`g is not None and bool(np.all(... == 0))`): the engine's check reports False when
    # the previous layer's weight rows get gradient by another path, and the footer says the guess was wrong
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.head = nn.Linear(4, 1)

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            h = self.fc(x)
            return self.head(cr.relu(h - 1e6)) + h.sum(-1, keepdim=True)

    cr.manual_seed(0)
    report = cr.explain.dead_units(Net(), cr.randn(5, 3))
    (layer,) = report.layers
    assert (layer.dead, layer.previous, layer.zero_rows_checked) == ([0, 1, 2, 3], "fc", False)
    assert "The engine's gradient rows are NOT all zero for ReLU relu" in str(report)


def test_dead_units_with_a_layer_before_whose_weight_is_unused() -> None:
    # explain/diagnostics.py:303 (`allow_unused=True`): a layer that owns a weight it does not use in this call
    # gets no weight gradient at all: the check reports False (the guess was wrong) instead of failing
    class Shift(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(cr.ones(3))
            self.offset = nn.Parameter(cr.zeros(3))

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            return x + self.offset  # the weight is not used

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.shift = Shift()
            self.head = nn.Linear(3, 1)

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            return self.head(cr.relu(self.shift(x) - 1e6))

    cr.manual_seed(0)
    report = cr.explain.dead_units(Net(), cr.randn(5, 3))
    (layer,) = report.layers
    assert (layer.dead, layer.previous, layer.zero_rows_checked) == ([0, 1, 2], "shift", False)


def test_record_modules_ignores_calls_made_in_another_thread() -> None:
    # explain/record.py:240 (`if threading.get_ident() != thread: return`): a call of the model in another thread
    # while recording neither counts as a call nor encloses the main thread's: its first call here is call 0 of
    # Sequential and of each layer
    import threading

    cr.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    with cr.explain.record_modules(net):
        worker = threading.Thread(target=lambda: net(cr.randn(2, 3)))
        worker.start()
        worker.join()
        y = net(cr.randn(2, 3))
    ops = [(n["module"], n["call"], n["calls"]) for n in cr.graph(y.sum()).nodes if n["kind"] == "op"]
    assert ops == [("0", 0, [["Sequential", 0], ["0", 0]]), ("1", 0, [["Sequential", 0], ["1", 0]]), (None, None, [])]


def test_a_parameter_keeps_its_path_name_when_its_layer_is_recorded_alone() -> None:
    # explain/record.py:83 and 287 (`overwrite=False` for the roots of a global record_modules()): a parameter
    # named by its path in a recorded model (`fc.weight`) keeps that name when its layer is later called on its
    # own under a global record_modules(), instead of becoming the bare `weight`
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x: cr.Tensor) -> cr.Tensor:
            return self.fc(x)

    cr.manual_seed(0)
    net = Net()
    with cr.explain.record_modules(net):
        net(cr.randn(2, 3))
    with cr.explain.record_modules():
        y = net.fc(cr.randn(2, 3))
    assert [n["name"] for n in cr.graph(y.sum()).nodes] == ["tensor(2×3)", "fc.weight", "fc.bias", "y", "L"]


def test_paths_of_tensor_ops_end_with_the_engines_gradient() -> None:
    # explain/tables.py:428 (`self.total is not None and not self.too_many`): without scalar products there is no
    # "sum over paths" line; the footer gives the engine's gradient
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    L = (x * 3).sum()
    L.backward()
    text = str(cr.explain.paths(L, x))
    assert "sum over paths" not in text
    assert text.endswith(f"dL/dx (the engine's gradient) = {[float(v) for v in x.grad.tolist()]}")
