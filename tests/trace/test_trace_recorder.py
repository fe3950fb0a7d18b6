"""The recorder: recursion, exceptions, caps, output, odd values, comments and the Python API."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from trace_helpers import chain, line_of

import chainrule.trace as crtrace
from chainrule.trace import Trace, Tracer, validate


def test_recursion_records_every_frame_with_its_depth(trace_code) -> None:
    t = trace_code(
        """
        def fact(n):
            if n <= 1:
                return 1
            return n * fact(n - 1)

        r = fact(4)
        """
    )
    calls = [s for s in t.steps if s.event == "call"]
    assert [c.args[0]["value"] for c in calls] == [4, 3, 2, 1]
    assert [c.depth for c in calls] == [1, 2, 3, 4]
    # steps are in the order lines started: the outer return line starts before the inner calls
    returns = [s.returned["value"] for s in t.steps if s.returned is not None]
    assert returns == [24, 6, 2, 1]
    assert chain(t, 4, 0) == "n * fact(n - 1) = 4 * fact(4 - 1) = 4 * fact(3) = 4 * 6 = 24"
    assert chain(t, 2, 3) == "n <= 1 = 1 <= 1 = True"
    assert t.last("r") == 24


def test_uncaught_exception_is_shown_on_its_line_and_the_trace_keeps_what_ran(trace_code, capsys) -> None:
    t = trace_code(
        """
        def inverse(v):
            return 1 / v

        a = inverse(4)
        print("a is", a)
        b = inverse(0)
        print("never")
        """
    )
    assert t.exit_code == 1
    assert t.exception["type"] == "ZeroDivisionError" and t.exception["line"] == 2
    assert "ZeroDivisionError" in capsys.readouterr().err  # reported as Python would
    raised = [s for s in t.steps if s.exception]
    assert [(s.line, s.exception.get("propagated", False)) for s in raised] == [(6, True), (2, False)]
    assert t.last("a") == 0.25
    assert t.output == "a is 0.25\n"
    assert not t.steps_at(7)
    assert validate(t.to_dict()) == []


def test_caught_exception_is_marked_caught(trace_code) -> None:
    t = trace_code(
        """
        try:
            x = int("seven")
        except ValueError:
            x = 7
        """
    )
    step = t.steps_at(2)[0]
    assert step.exception["type"] == "ValueError" and step.exception["caught"] is True
    assert t.exception is None and t.exit_code == 0 and t.last("x") == 7


def test_loops_are_capped_with_a_visible_marker(trace_code) -> None:
    t = trace_code(
        """
        total = 0
        for i in range(25):
            total += i
        print(total)
        """,
        max_iterations=5,
    )
    body = [s for s in t.steps if s.line == 3]
    assert [s.value("total")["value"] for s in body] == [0, 1, 3, 6, 10]
    assert [s.iteration for s in body] == [1, 2, 3, 4, 5]
    marker = [s for s in t.steps if s.event == "skipped"]
    assert len(marker) == 1 and "20 more iterations" in marker[0].note and marker[0].line == 2
    assert t.output == "300\n"  # the loop still ran in full
    assert t.last("total") == 10  # the last value shown
    assert t.steps[-1].printed == "300\n"


def test_nested_loops_restart_their_count(trace_code) -> None:
    t = trace_code(
        """
        for i in range(3):
            for j in range(4):
                k = i * j
        """,
        max_iterations=2,
    )
    notes = [s.note for s in t.steps if s.event == "skipped"]
    assert sum("2 more iterations of the loop at line 2" in n for n in notes) == 2
    assert sum("1 more iteration of the loop at line 1" in n for n in notes) == 1


def test_step_cap_stops_a_runaway_loop_and_keeps_the_record(trace_code) -> None:
    t = trace_code(
        """
        n = 0
        print("start")
        while True:
            n += 1
        """,
        max_steps=200,
    )
    assert t.limit is not None and t.limit["max_steps"] == 200
    assert t.exit_code == 3
    assert t.steps[-1].event == "limit" and "step limit of 200" in t.steps[-1].note
    assert t.output == "start\n"
    assert t.stats["executed_lines"] == 201
    assert any(s.event == "skipped" or s.line == 4 for s in t.steps)


def test_tracing_does_not_change_output_or_behaviour(tmp_path: Path) -> None:
    script = tmp_path / "prog.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            import random
            random.seed(3)
            values = [random.random() for _ in range(5)]
            print("args:", sys.argv[1:])
            print("sum: %.6f" % sum(values))
            print("name:", __name__)
            for k in range(30):
                print(k, end=" ")
            print()
            sys.stderr.write("to stderr\\n")
            sys.exit(4)
            """
        ),
        encoding="utf-8",
    )
    plain = subprocess.run([sys.executable, str(script), "a", "b"], capture_output=True, text=True)
    code = f"import sys; from chainrule.trace import run; t = run({str(script)!r}, ['a', 'b']); sys.exit(t.exit_code)"
    traced = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert traced.stdout == plain.stdout
    assert traced.stderr == plain.stderr
    assert traced.returncode == plain.returncode == 4


def test_printed_output_is_recorded_per_line_and_cumulatively(trace_code) -> None:
    t = trace_code(
        """
        def shout(word):
            print(word.upper())

        print("one")
        shout("two")
        x = 3
        """
    )
    assert t.steps_at(4)[0].printed == "one\n"
    assert t.steps_at(2)[0].printed == "TWO\n"  # inside shout
    assert t.steps_at(5)[0].printed == ""
    last = t.steps_at(6)[0]
    assert t.output[: last.output_end] == "one\nTWO\n"


def test_values_whose_repr_raises_and_huge_values(trace_code) -> None:
    t = trace_code(
        """
        import numpy as np

        class Broken:
            def __repr__(self):
                raise RuntimeError("no repr for you")

        b = Broken()
        big = list(range(100000))
        text = "x" * 100000
        arr = np.arange(1000000.0).reshape(1000, 1000)
        small = np.array([1.0, 2.0])
        """
    )
    assert t.values("b")[0]["repr"] == "<repr raised RuntimeError: no repr for you>"
    big = t.values("big")[0]
    assert big["length"] == 100000 and "(99992 more)" in big["repr"] and len(big["repr"]) <= 200
    assert len(t.values("text")[0]["repr"]) <= 200
    arr = t.values("arr")[0]
    assert arr["kind"] == "array" and arr["shape"] == [1000, 1000] and "value" not in arr
    assert "..." in arr["repr"] and len(arr["repr"]) <= 200
    assert t.values("small")[0]["value"] == [1.0, 2.0]
    assert len(t.to_json()) < 60_000


def test_comments_become_explanations_and_hidden_lines_are_left_out(trace_code) -> None:
    t = trace_code(
        '''
        """The lesson intro.

        Second paragraph.
        """
        import math  # trace: hide

        # Two lines of explanation
        # for the next line.
        x = 2.0  # and a trailing note

        y = x * 3  # triple it
        # trace: hide-start
        print("setup output")
        z = 0
        # trace: hide-end
        def helper(v):  # trace: hide
            return v + 1

        w = helper(y)
        print(w)
        '''
    )
    assert t.intro == "The lesson intro.\n\nSecond paragraph."
    assert t.explanations[line_of(t, "x = 2.0")] == "Two lines of explanation\nfor the next line.\nand a trailing note"
    assert t.explanations[line_of(t, "y = x * 3")] == "triple it"
    shown = {s.line for s in t.steps}
    for text in ("import math", 'print("setup', "z = 0", "return v + 1"):
        number = next(n for n, line in enumerate(t.source, 1) if text in line)
        assert number not in shown and number in t.hidden
    assert t.output == "setup output\n7.0\n"  # hidden lines still run
    assert t.last("w") == 7.0
    assert not [s for s in t.steps if s.event == "call"]  # the hidden helper's frames are hidden too


def test_context_manager_api_and_callable_module() -> None:
    tracer = crtrace(max_iterations=3)
    assert isinstance(tracer, Tracer)
    with tracer as t:
        w, x, b = 1.5, 2.0, -1.0
        z = w * x + b
        print("z is", z)
        for _ in range(10):
            z += 1
    after = 1  # not traced
    assert isinstance(t, Trace)
    assert after == 1
    assert z == 12.0
    assert t.last("z") == 5.0  # the third capped iteration is the last one shown
    line = next(s.line for s in t.steps if s.source.startswith("z = w * x"))
    assert chain(t, line) == "w * x + b = 1.5 * 2.0 + -1.0 = 3.0 + -1.0 = 2.0"
    assert t.output == "z is 2.0\n"
    assert not [s for s in t.steps if "after" in s.source]
    assert any(s.event == "skipped" for s in t.steps)


def test_context_manager_records_an_exception_and_lets_it_through() -> None:
    with pytest.raises(KeyError), crtrace() as t:
        d = {}
        d["missing"]
    assert t.exception["type"] == "KeyError"
    assert t.steps[-1].exception["type"] == "KeyError"


def test_run_api_views(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text('"""Intro."""\nx = 1\ny = x + 1\nprint(y)\n', encoding="utf-8")
    t = crtrace.run(str(script), argv=[])
    data = t.to_dict()
    assert data["schema"] == "chainrule.trace" and data["version"] == 1
    assert validate(data) == []
    again = Trace.from_json(t.to_json())
    assert again.to_dict() == data
    md = t.to_markdown()
    assert "# Trace of `s.py`" in md and "`x + 1 = 1 + 1 = 2`" in md and "Intro." in md
    html = t.to_html(tmp_path / "s.html")
    assert (tmp_path / "s.html").read_text(encoding="utf-8") == html
    assert "<script" in html and "http://" not in html.replace("http://www.w3.org", "")
    frag = t._repr_html_()
    assert "data-cr-trace" in frag and "<html" not in frag
    assert "y = 2" in t.to_text() and "x + 1 = 1 + 1 = 2" in t.to_text()
    assert repr(t) == "<Trace s.py: 3 steps>"


def test_validate_reports_problems() -> None:
    assert validate({"schema": "x"})
    t = Trace(path="p.py")
    data = t.to_dict()
    assert validate(data) == []
    data["steps"] = [{"event": "nope"}]
    assert any("unknown event" in p for p in validate(data))


def test_plain_terminal_view_without_rich(trace_code, monkeypatch) -> None:
    t = trace_code("a = 2\nb = a * 21\n")
    monkeypatch.setitem(sys.modules, "rich", None)
    monkeypatch.setitem(sys.modules, "rich.console", None)
    import io

    out = io.StringIO()
    t.print(file=out)
    text = out.getvalue()
    assert "b = a * 21" in text and "a * 21 = 2 * 21 = 42" in text and "\x1b[" not in text


def test_rich_terminal_view(trace_code) -> None:
    pytest.importorskip("rich")
    import io

    t = trace_code("a = 2\nb = a * 21\n")
    out = io.StringIO()
    t.print(file=out)
    assert "a * 21 = 2 * 21 = 42" in out.getvalue() and "trace of script.py" in out.getvalue()


def test_tracer_restores_a_previous_trace_function(trace_code) -> None:
    seen = []

    def outer(frame, event, arg):
        seen.append(event)
        return None

    old = sys.gettrace()
    sys.settrace(outer)
    try:
        trace_code("x = 1\n")
        assert sys.gettrace() is outer
    finally:
        sys.settrace(old)


def test_bad_limits_are_rejected() -> None:
    with pytest.raises(ValueError):
        Tracer(max_steps=0)


def test_generators_attribute_targets_and_deletes(trace_code) -> None:
    t = trace_code(
        """
        def squares(n):
            for i in range(n):
                yield i * i

        class Box:
            def __init__(self, w):
                self.w = w

        got = list(squares(3))
        box = Box(0.5)
        data = {"a": 1}
        data["b"] = data["a"] + 1
        del data["a"]
        """
    )
    assert chain(t, line_of(t, "got =")) == "list(squares(3)) = [0, 1, 4]"
    assert len([s for s in t.steps if s.event == "call" and s.function == "squares"]) == 1  # resumptions are not calls
    assert t.steps_at(line_of(t, "self.w = w"))[0].value("self.w")["value"] == 0.5
    step = t.steps_at(line_of(t, 'data["b"]'))[0]
    assert step.value("data['b']")["value"] == 2
    assert t.steps_at(line_of(t, "del data"))[0].value("data")["repr"] == "{'b': 2}"


def test_with_block_inside_a_function_has_only_the_blocks_lines() -> None:
    def compute() -> Trace:
        with crtrace() as t:
            a = 1
            b = a + 1
        assert b == 2
        return t

    t = compute()
    assert [s.source for s in t.steps] == ["a = 1", "b = a + 1"]


def test_cr_trace_is_the_callable_module() -> None:
    import chainrule

    assert chainrule.trace is crtrace
    assert isinstance(chainrule.trace(), Tracer)
    assert callable(chainrule.trace.run)


def test_the_tracer_imports_nothing_from_the_engine() -> None:
    """Only the one number format (chainrule.utils.numbers: a function on the standard library) is shared."""
    import ast as _ast

    allowed = {"chainrule.utils.numbers"}

    package = Path(crtrace.__file__).parent
    for path in package.glob("*.py"):
        tree = _ast.parse(path.read_text(encoding="utf-8"))
        for node in _ast.walk(tree):
            if isinstance(node, _ast.ImportFrom) and node.level == 0 and node.module and node.module not in allowed:
                assert not node.module.startswith("chainrule"), f"{path.name} imports {node.module}"
            if isinstance(node, _ast.Import):
                assert not any(a.name.startswith("chainrule") for a in node.names), path.name


def test_with_block_in_a_notebook_like_cell_and_its_step_limit() -> None:
    """Jupyter compiles cells under made-up file names whose source only linecache knows."""
    import linecache

    name = "<cell-chainrule-trace-test>"
    source = (
        "import chainrule.trace as ct\n"
        "with ct.Tracer(max_steps=30) as t:\n"
        "    # count forever\n"
        "    n = 0\n"
        "    while True:\n"
        "        n += 1\n"
        "after = n\n"
    )
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    namespace: dict = {}
    exec(compile(source, name, "exec"), namespace)
    t = namespace["t"]
    assert t.limit is not None and t.steps[-1].event == "limit"
    assert namespace["after"] >= 1  # the cell goes on after the block
    assert t.explanations[4] == "count forever"
    assert t.steps[0].source == "n = 0"


def test_huge_ints_and_non_finite_floats_still_make_valid_json(trace_code) -> None:
    t = trace_code("big = 10 ** 5000\nbad = float('nan')\ninf = float('inf')\n")
    data = __import__("json").loads(t.to_json())
    big = next(s for s in data["steps"] if s["source"].startswith("big"))["assigned"][0]
    assert big["value"].startswith("<repr raised ValueError")
    assert t.last("bad") == "nan" and t.last("inf") == "inf"


MODULE_LOOP = """
import chainrule as cr
import chainrule.nn as nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x):
        return self.fc(x).sum()


model = Tiny()
v = cr.Tensor([1.0, 2.0])
for i in range(100):
    loss = model(v)
"""


def test_a_module_forward_called_through_module_call_is_nested_and_hidden_with_its_iteration(trace_code) -> None:
    t = trace_code(MODULE_LOOP, max_iterations=3)
    forwards = [s for s in t.steps if s.event == "call" and s.function == "Tiny.forward"]
    assert len(forwards) == 3  # not 100: the calls of iterations past the cap are hidden with them
    assert all(s.depth == 1 for s in forwards)  # called by line 18 (through Module.__call__), not at depth 0
    assert [s.depth for s in t.steps if s.function == "Tiny.forward" and s.event == "line"] == [1, 1, 1]
    marker = [s for s in t.steps if s.event == "skipped"]
    assert len(marker) == 1 and "97 more iterations" in marker[0].note


def test_a_class_called_in_an_expression_shows_the_instance_it_built(trace_code) -> None:
    t = trace_code(MODULE_LOOP, max_iterations=1)
    assert chain(t, line_of(t, "v = cr.Tensor")).endswith("tensor([1.0, 2.0])")
    fc_line = [s for s in t.steps if s.line == line_of(t, "self.fc = nn.Linear") and s.event == "line"][0]
    assert "None" not in " = ".join(fc_line.substitution or [])
    assert "Linear(in_features=2" in " = ".join(fc_line.substitution or [])


def test_the_step_limit_inside_a_capped_loop_says_how_many_iterations_ran_unseen(trace_code) -> None:
    t = trace_code(
        """
        total = 0
        for i in range(1000):
            total += i
        """,
        max_iterations=3,
        max_steps=50,
    )
    kinds = [s.event for s in t.steps]
    assert kinds[-2:] == ["skipped", "limit"]
    marker = t.steps[-2]
    assert marker.line == 2 and "before the step limit stopped the script" in marker.note
    more = int(marker.note.split()[1])
    assert more == marker.iteration - 3 and more > 15


def test_an_init_call_shows_its_instance_as_being_initialized(trace_code) -> None:
    """`self` of an `__init__` call is recorded before __init__ sets its attributes: its own repr would fail
    (`nn.Linear`'s reads `in_features`), so it is shown as being initialized."""
    t = trace_code(MODULE_LOOP, max_iterations=1)
    built = [c for s in t.steps for c in s.calls if c["function"] == "Linear.__init__"]
    assert built and built[0]["args"][0]["repr"] == "<Linear being initialized>"
    assert built[0]["args"][1]["name"] == "in_features" and built[0]["args"][1]["value"] == 2
    assert "repr raised" not in t.to_json()
    entered = next(s for s in t.steps if s.event == "call" and s.function == "Tiny.__init__")
    assert entered.args[0]["repr"] == "<Tiny being initialized>"


def test_an_optimizer_step_is_named_by_its_class_not_by_its_observer_wrapper(trace_code) -> None:
    t = trace_code("""
        import chainrule as cr
        w = cr.nn.Parameter(cr.ones(2))
        opt = cr.optim.SGD([w], lr=0.1)
        w.sum().backward()
        opt.step()
    """)
    (call,) = [c for s in t.steps if s.source == "opt.step()" for c in s.calls]
    assert call["function"].endswith("Optimizer.step") and "<locals>" not in call["function"]
