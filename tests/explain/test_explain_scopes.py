"""Named scopes in the graph document: the time steps of nn.LSTM / nn.GRU / nn.RNN (which run inside one forward)
and a user's own `record_function` blocks become nested "call" groups, named after what they are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd.profiler import record_function

STEPS = 200
PROGRAMS = Path(__file__).parent / "programs"
SRC = Path(cr.__file__).resolve().parents[1]
# the ops of one time step: the input and hidden projections, the gates (chunks of one tensor), the new state
STEP_OPS = {"LSTM": ["linear", "linear", "add", "index", "sigmoid", "index", "sigmoid", "mul", "index", "sigmoid",
                     "index", "tanh", "mul", "add", "tanh", "mul"],
            "GRU": ["linear", "index", "index", "linear", "index", "add", "sigmoid", "index", "mul", "add", "tanh",
                    "index", "index", "add", "sigmoid", "sub", "mul", "add"],
            "RNN": ["linear", "linear", "add", "tanh"]}


class Seq(nn.Module):
    def __init__(self, kind: str, **options: Any) -> None:
        super().__init__()
        self.rnn = getattr(nn, kind)(3, 4, **options)
        self.head = nn.Linear(4 * (2 if options.get("bidirectional") else 1), 1)

    def forward(self, xs: cr.Tensor) -> cr.Tensor:
        out, _ = self.rnn(xs)
        return self.head(out[-1])


def _graph(kind: str, steps: int = STEPS, **options: Any) -> tuple[cr.explain.Graph, Seq]:
    cr.manual_seed(0)
    net = Seq(kind, **options)
    with cr.explain.record_modules(net):
        loss = net(cr.randn(steps, 1, 3)).pow(2).mean()
    return cr.graph(loss), net


def _groups(g: Any) -> dict[str, dict]:
    return {grp["label"]: grp for grp in g.data["groups"]}


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_a_200_step_layer_has_one_group_per_time_step(kind: str) -> None:
    g, net = _graph(kind)
    groups = _groups(g)
    by_id = {n["id"]: n for n in g.nodes}
    layer = groups[f"{kind} layer 0"]
    assert layer["kind"] == "call" and layer["parent"] == "m:rnn" and layer["scope"] == f"{kind} layer 0"
    assert groups[f"rnn: {kind}(3->4)"]["kind"] == "module"
    steps = [groups[f"{kind} layer 0, t={t}"] for t in range(STEPS)]
    assert len([grp for grp in g.data["groups"] if (grp["scope"] or "").startswith(f"{kind} layer 0, t=")]) == STEPS
    seen: set[str] = set()
    for step in steps:
        assert step["kind"] == "call" and step["parent"] == layer["id"] and step["path"] == "rnn"
        ops = [by_id[i]["op"] for i in step["nodes"] if by_id[i]["kind"] == "op"]
        assert ops == STEP_OPS[kind]  # the step's own ops, and nothing else
        assert all(step["id"] in by_id[i]["groups"] and layer["id"] in by_id[i]["groups"] for i in step["nodes"])
        assert not seen & set(step["nodes"])  # no node in two steps
        seen |= set(step["nodes"])
        assert set(step["nodes"]) <= set(layer["nodes"])
    # the layer's weights are in the layer's group, in no step; the initial state is in step 0 only
    weights = {by_id[i]["name"] for i in layer["nodes"] if by_id[i]["kind"] == "leaf"}
    assert weights == {f"rnn.{p}" for p, _ in net.rnn.named_parameters()}
    assert not any(by_id[i]["kind"] == "leaf" for i in seen)
    # and the whole thing is what the engine computed: the document's gradients are the engine's
    assert g.data["status"]["gradients"] in ("observed", "recorded")


def test_layers_and_directions_nest_and_are_named() -> None:
    g, _ = _graph("GRU", steps=4, num_layers=2, bidirectional=True)
    groups = _groups(g)
    for layer in ("GRU layer 0", "GRU layer 0, reverse", "GRU layer 1", "GRU layer 1, reverse"):
        assert groups[layer]["parent"] == "m:rnn"
        for t in range(4):
            assert groups[f"{layer}, t={t}"]["parent"] == groups[layer]["id"]
    # a reverse direction runs its steps from the last: t=3 is entered first
    ids = [groups[f"GRU layer 0, reverse, t={t}"]["id"] for t in (3, 2, 1, 0)]
    assert ids == sorted(ids, key=lambda i: int(i.split(":")[1]))


def test_without_recording_no_scope_is_opened_and_nothing_is_grouped() -> None:
    cr.manual_seed(0)
    net = Seq("LSTM")
    loss = net(cr.randn(5, 1, 3)).sum()
    g = cr.graph(loss)
    assert not [grp for grp in g.data["groups"] if grp["kind"] == "call"]


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 4)

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        with record_function("feed-forward"):
            h = self.fc2(self.fc1(x).relu())
        return x + h


def test_a_users_record_function_is_a_group_nested_in_its_module_call() -> None:
    cr.manual_seed(0)
    block = Block()
    net = nn.Sequential(block, nn.Linear(4, 1))
    with cr.explain.record_modules(net):
        x = cr.randn(2, 4)
        y = x
        for _ in range(2):  # the block called twice: two calls, each with its own scope
            y = block(y)
        loss = net[1](y).sum()
    g = cr.graph(loss)
    groups = _groups(g)
    scopes = [grp for grp in g.data["groups"] if grp["scope"] == "feed-forward"]
    assert len(scopes) == 2
    assert [s["parent"] for s in scopes] == ["m:0@0", "m:0@1"]
    assert groups["0: Block"]["kind"] == "module" and groups["0.fc1: Linear(4->8)"]["parent"] == "m:0"
    by_id = {n["id"]: n for n in g.nodes}
    ops = [by_id[i]["op"] for i in scopes[0]["nodes"] if by_id[i]["kind"] == "op"]
    assert ops == ["linear", "relu", "linear"]  # inside the scope; the residual add is not


def test_a_scope_outside_any_module_and_as_a_decorator() -> None:
    @record_function("square")
    def square(v: cr.Tensor) -> cr.Tensor:
        return v * v

    w = cr.tensor([1.0, 2.0], requires_grad=True)
    with cr.explain.record_modules():
        loss = (square(w) + square(w + 1)).sum()
    g = cr.graph(loss, names={"w": w})
    scopes = [grp for grp in g.data["groups"] if grp["scope"] == "square"]
    assert len(scopes) == 2 and all(s["parent"] is None and s["kind"] == "call" for s in scopes)
    by_id = {n["id"]: n for n in g.nodes}
    assert [[by_id[i]["op"] for i in s["nodes"] if by_id[i]["kind"] == "op"] for s in scopes] == [["mul"], ["mul"]]


def test_module_groups_and_a_cells_calls_are_named_after_what_they_are() -> None:
    class Cells(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = nn.LSTMCell(10, 20)
            self.conv = nn.Conv1d(1, 2, 3)
            self.norm = nn.LayerNorm(20)
            self.fc = nn.Linear(20, 5)

        def forward(self, xs: cr.Tensor) -> cr.Tensor:
            h = c = cr.zeros(1, 20)
            for t in range(3):
                h, c = self.cell(xs[t], (h, c))
            return self.fc(self.norm(h)).sum() + self.conv(h.unsqueeze(0)).sum()

    net = Cells()
    with cr.explain.record_modules(net):
        loss = net(cr.randn(3, 1, 10))
    labels = set(_groups(cr.graph(loss)))
    assert {"cell: LSTMCell(10->20)", "fc: Linear(20->5)", "norm: LayerNorm(20)", "conv: Conv1d(1->2, 3)",
            "cell: LSTMCell(10->20), t=0", "cell: LSTMCell(10->20), t=2"} <= labels


def test_chainrule_explain_on_a_200_step_nn_lstm(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "chainrule", "explain", str(PROGRAMS / "lstm_layer.py"), "--out",
                           str(tmp_path), "--format", "json"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "backward_1.json").read_text(encoding="utf-8"))
    labels = [grp["label"] for grp in doc["groups"]]
    assert "lstm: LSTM(3->4)" in labels and "LSTM layer 0" in labels
    assert [lab for lab in labels if lab.startswith("LSTM layer 0, t=")] == [f"LSTM layer 0, t={t}" for t in range(200)]
    layer = next(grp for grp in doc["groups"] if grp["label"] == "LSTM layer 0")
    assert layer["parent"] == "m:Sequence.lstm"
    notice = next(n for n in doc["notices"] if "too many to draw" in n)
    assert "by module, named scope" in notice and "open a group" in notice
    # a long sum of gradient terms (a weight used in 200 steps) is written with its first and last terms
    w = next(n for n in doc["nodes"] if n["name"] == "lstm.weight_hh_l0")
    last = w["grad_states"][-1]
    assert len(last["terms"]) == 200 and "(200 terms)" in last["text"] and len(last["text"]) < 400
