"""`step.trace(...)`: one replay of a compiled step walked line by line with chainrule's tracer."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.compile import CompileWarning
from chainrule.trace import validate

F = cr.nn.functional


def _setup():
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(4, 3), cr.nn.ReLU(), cr.nn.Linear(3, 2))
    opt = cr.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return model, step


def test_a_replay_walked_line_by_line_with_its_values() -> None:
    model, step = _setup()
    twin, eager = _setup()
    compiled = cr.compile(step)
    cr.manual_seed(1)
    x, y = cr.randn(5, 4), cr.tensor([0, 1, 0, 1, 1])
    for _ in range(2):
        compiled(x, y)
        eager(x, y)
    t = compiled.trace(x, y)
    loss = eager(x, y)
    assert t.name == "<cr.compile step>"
    assert t.source == compiled.source.splitlines()
    lines = [s.source for s in t.steps if s.event == "line"]
    assert any(line.startswith("layer0_linear = ") and "layer0_weight.T" in line for line in lines)
    assert any(line.startswith("dloss_dlayer0_weight = ") for line in lines)
    assert t.last("loss") == pytest.approx(loss.item(), abs=0)  # the value the generated line computed
    assert compiled.replays == 2  # the walk is a replay
    for p, q in zip(model.parameters(), twin.parameters()):  # and a real step
        assert p.detach().numpy().tobytes() == q.detach().numpy().tobytes()
    validate(t.to_dict())
    assert "layer1_relu = np.maximum(layer0_linear, 0" in t.to_markdown()


def test_walking_needs_a_trace_that_replays_the_arguments() -> None:
    _, step = _setup()
    compiled = cr.compile(step)
    x, y = cr.randn(5, 4), cr.tensor([0, 1, 0, 1, 1])
    with pytest.raises(ValueError, match="no trace replays these arguments"):
        compiled.trace(x, y)
    compiled(x, y)
    with pytest.raises(ValueError, match="no trace replays"):
        compiled.trace(cr.randn(6, 4), cr.tensor([0, 1, 0, 1, 1, 0]))
    assert isinstance(compiled.trace(x, y).steps[0].args, list)


def test_walking_a_step_that_runs_eagerly_says_why() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)

    @cr.compile
    def f(x):
        return (w * x).sum().item()

    with pytest.warns(CompileWarning):
        f(cr.ones(2))
    with pytest.raises(ValueError, match="runs eagerly"):
        f.trace(cr.ones(2))


def test_the_walk_of_the_scalar_neuron() -> None:
    leaves = [cr.tensor(v, requires_grad=True) for v in (2.0, 0.0, -3.0, 1.0, 6.8813735870195432)]

    @cr.compile
    def neuron(x1, x2, w1, w2, b):
        n = x1 * w1 + x2 * w2 + b
        o = n.tanh()
        o.backward()
        return o

    neuron(*leaves)
    neuron(*leaves)
    t = neuron.trace(*leaves)
    assert abs(t.last("o") - 0.7071) < 1e-4
    assert np.isclose(leaves[2].grad.item(), 3 * 1.0)


def test_explain_shows_the_eager_ops_beside_the_generated_code_by_section(capsys) -> None:
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(4, 3), cr.nn.ReLU(), cr.nn.Dropout(0.1), cr.nn.Linear(3, 2))
    opt = cr.optim.SGD(model.parameters(), lr=0.1)

    @cr.compile(explain=True)
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    x, y = cr.randn(5, 4), cr.tensor([0, 1, 0, 1, 1])
    step(x, y)
    printed = capsys.readouterr().out
    assert printed.strip() == step.explain_text().strip()
    rows = [r.split(" | ", 1) + [""] for r in printed.splitlines()[2:]]
    left = [r[0].strip() for r in rows]
    right = [r[1].strip() for r in rows]
    assert "eager (what the engine ran)" in printed and "generated (what a replay runs)" in printed
    # each section's eager events sit beside that section's generated code
    row = left.index("SGD.zero_grad()")
    assert right[row] == "# ---- optimizer"
    row = next(i for i, t in enumerate(left) if t.startswith("linear") and "model(x)" in t)
    assert right[row] == "# ---- forward"
    assert any(t.startswith("dropout mask") for t in left)
    row = left.index("backward: CrossEntropyLossBackward0")
    assert right[row] == "# ---- backward"
    row = left.index("SGD.step()")
    assert right[row] == "# ---- optimizer"
