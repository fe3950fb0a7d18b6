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
    assert t.name.startswith("<cr.compile step")  # `<cr.compile step #2>` when another step of that name traced
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


_SCRIPT = '''
import sys
import chainrule as cr

cr.manual_seed(0)
model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.ReLU(), cr.nn.Linear(4, 2))
opt = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def train_step(x, y, labels):
    opt.zero_grad()
    out = model(x)
    loss = ((out - y) ** 2).mean() + cr.nn.functional.cross_entropy(out, labels)
    loss.backward()
    opt.step()
    return loss


step = train_step if sys.argv[1:] == ["eager"] else cr.compile(train_step)
x = cr.randn(5, 3)
y = cr.randn(5, 2)
labels = cr.tensor([0, 1, 1, 0, 1])
for i in range(4):
    loss = step(x, y, labels)
print("params", "".join(p.detach().numpy().tobytes().hex() for p in model.parameters()))
'''


def _params_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("params "))


def test_chainrule_trace_shows_the_tracing_call_and_walks_the_replay(tmp_path) -> None:
    """`chainrule trace script.py` on a script with a compiled step: the first calls (which trace, eagerly) show
    the step's own lines; the first replay of each trace is walked line by line (`Trace.walks`); and the
    training is the same as eager training's, bit for bit (the tracer's own work is not seen by cr.compile)."""
    import subprocess
    import sys

    script = tmp_path / "train.py"
    script.write_text(_SCRIPT, encoding="utf-8")
    out = tmp_path / "trace.json"
    run = subprocess.run([sys.executable, "-m", "chainrule", "trace", str(script), "--format", "json", "-o", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    eager = subprocess.run([sys.executable, str(script), "eager"], capture_output=True, text=True, timeout=300)
    assert _params_line(run.stdout) == _params_line(eager.stdout)

    from chainrule.trace import Trace

    t = Trace.from_json(out.read_text(encoding="utf-8"))
    assert validate(t.to_dict()) == []
    body = [s for s in t.steps if s.function == "train_step" and s.event == "line"]
    assert [s.source for s in body[:2]] == ["opt.zero_grad()", "out = model(x)"]  # the traced (eager) call
    assert len(t.walks) == 1  # the first replay, walked once (later replays are the same code)
    walk = t.walks[0]
    assert walk.name.startswith("<cr.compile train_step")
    lines = [s.source for s in walk.steps if s.event == "line"]
    assert any(line.startswith("dloss_2_dlayer0_weight = ") for line in lines)  # (loss_2: the sum of the losses)
    assert any(line.startswith("opt") and ".step()" in line for line in lines)  # SGD with momentum: its own step
    callers = [s for s in t.steps if s.note and "ran generated code" in s.note]
    assert len(callers) == 1 and f"iteration {callers[0].iteration}:" in walk.intro

    text = subprocess.run([sys.executable, "-m", "chainrule", "trace", str(script)], capture_output=True, text=True,
                          timeout=300).stdout
    assert "Walk 1: the generated code <cr.compile train_step" in text and "dloss_2_dlayer0_weight = " in text


def test_each_trace_walks_its_own_code() -> None:
    """Two traces of one step (two batch sizes): walking the first shows the first's code, not the latest's."""
    _, step = _setup()
    compiled = cr.compile(step)
    small = cr.randn(3, 4), cr.tensor([0, 1, 0])
    big = cr.randn(6, 4), cr.tensor([0, 1, 0, 1, 1, 0])
    for args in (small, small, big, big):
        compiled(*args)
    assert len(compiled.entries) == 2 and compiled.entries[0].source != compiled.entries[1].source
    first = compiled.trace(*small)
    assert "\n".join(first.source) == compiled.entries[0].source.rstrip("\n")
    assert first.name != compiled.trace(*big).name


def test_a_trace_function_set_before_the_step_sees_the_traced_call() -> None:
    """A debugger's or coverage's trace function goes on seeing the step's lines while cr.compile traces it."""
    import sys

    model, step = _setup()
    twin, eager = _setup()
    compiled = cr.compile(step)
    seen: list[str] = []

    def tracer(frame, event, arg):
        if frame.f_code is step.__code__:
            def local(frame, event, arg):
                if event == "line":
                    seen.append(f"{frame.f_lineno - step.__code__.co_firstlineno}")
                return local
            return local
        return None

    x, y = cr.randn(5, 4), cr.tensor([0, 1, 0, 1, 1])
    before = sys.gettrace()  # (coverage's, when the suite runs under coverage: put back after)
    sys.settrace(tracer)
    try:
        compiled(x, y)
    finally:
        sys.settrace(before)
    assert seen == ["1", "2", "3", "4", "5"]  # the five lines of step's body
    for _ in range(3):
        compiled(x, y)
    for _ in range(4):
        eager(x, y)
    assert compiled.fallback_reason is None and compiled.replays == 3
    for p, q in zip(model.parameters(), twin.parameters()):
        assert p.detach().numpy().tobytes() == q.detach().numpy().tobytes()


def test_a_trace_function_that_installs_itself_again_does_not_end_the_watch() -> None:
    """coverage's C tracer, called from Python, installs itself as the thread's trace function again; a chained
    Python one might do the same. Either way cr.compile keeps watching the step: an `.item()` still makes it fall
    back (a replay would otherwise repeat the traced branch)."""
    import sys

    w = cr.tensor([1.0, -2.0], requires_grad=True)

    def f(x):
        y = (w * x).sum()
        if y.item() > 0:
            y = y * 2.0
        y.backward()
        return y

    class CLike:  # not a Python function: suspended for the traced call, as coverage's CTracer
        def __call__(self, frame, event, arg):
            sys.settrace(self)
            return None

    def reinstalling(frame, event, arg):
        sys.settrace(reinstalling)
        return None

    before = sys.gettrace()  # (coverage's, when the suite runs under coverage: put back after)
    for tracer in (CLike(), reinstalling):
        compiled = cr.compile(f)
        sys.settrace(tracer)
        try:
            with pytest.warns(CompileWarning, match=r"\.item\(\)"):
                compiled(cr.tensor([1.0, 1.0]))
        finally:
            after = sys.gettrace()
            sys.settrace(before)
        assert after is tracer  # restored after the call
        assert compiled.fallback_reason is not None
