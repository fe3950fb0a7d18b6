"""Walks: generated code a traced script calls (registered with `register_source`, as `cr.compile` registers a
step's replay) is recorded line by line in a trace of its own, `Trace.walks`, once per piece of code."""

from __future__ import annotations

import json
from typing import Any

from chainrule.trace import Trace, Tracer, register_source, validate
from chainrule.trace.render_terminal import render_plain

_GEN = "def gen(a, b):\n    c = a * b\n    d = c + 1\n    return d\n"


def _generated(filename: str, source: str = _GEN) -> Any:
    register_source(filename, source)
    ns: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), ns)  # noqa: S102 - the test's own generated code
    return ns["gen"]


def _lines(trace: Trace) -> list[str]:
    return [s.source for s in trace.steps if s.event == "line"]


def test_generated_code_is_walked_once_with_its_values() -> None:
    gen = _generated("<generated gen A>")
    with Tracer() as t:
        x = gen(2.0, 3.0)
        y = gen(x, 2.0)
    assert (x, y) == (7.0, 15.0)
    assert len(t.walks) == 1  # the first run of each piece of generated code
    walk = t.walks[0]
    assert walk.name == "<generated gen A>"
    assert _lines(walk) == ["c = a * b", "d = c + 1", "return d"]
    assert walk.last("c") == 6.0 and walk.last("d") == 7.0
    assert walk.steps[0].event == "call" and [a["name"] for a in walk.steps[0].args] == ["a", "b"]
    assert "walk 1" in walk.intro.lower() and "line" in walk.intro
    caller = next(s for s in t.steps if s.source == "x = gen(2.0, 3.0)")
    assert caller.note == "This call ran generated code: walk 1 shows its lines."
    assert t.last("y") == 15.0  # the script's own steps are as without the walk
    assert walk.stats["recorded_steps"] == len(walk.steps)


def test_ordinary_functions_of_other_files_are_not_walked() -> None:
    ns: dict[str, Any] = {}
    exec(compile(_GEN, "<not registered>", "exec"), ns)  # noqa: S102
    gen = ns["gen"]
    with Tracer() as t:
        gen(2.0, 3.0)
    assert t.walks == []


def test_the_walk_is_in_json_markdown_text_and_html() -> None:
    gen = _generated("<generated gen B>")
    with Tracer() as t:
        gen(1.0, 2.0)
    doc = t.to_dict()
    assert validate(doc) == []
    assert len(doc["walks"]) == 1 and doc["walks"][0]["schema"] == "chainrule.trace"
    back = Trace.from_json(t.to_json())
    assert _lines(back.walks[0]) == _lines(t.walks[0])
    broken = json.loads(t.to_json())
    del broken["walks"][0]["steps"]
    assert validate(broken) == ["walks[0]: trace: missing 'steps'"]
    old = json.loads(t.to_json())
    del old["walks"]  # a document written before walks existed is still valid
    assert validate(old) == [] and Trace.from_dict(old).walks == []

    md = t.to_markdown()
    assert md.startswith("# Trace of")
    assert "\n## Trace of `<generated gen B>`\n" in md and "\n### Walkthrough\n" in md
    assert md.count("\n## Output\n") == 1 and "\n### Output\n" not in md  # a walk prints nothing: no section
    text = render_plain(t)
    assert "Trace of <generated gen B>" in text and "c = a * b" in text
    page = t.to_html()
    assert page.count('<div class="cr-trace" data-cr-trace') == 2  # a stepper for the block, one for the walk
    assert page.count("<script>\n(function") == 1  # one viewer script for both steppers


def test_the_step_limit_stops_the_walk_not_the_script() -> None:
    source = "def gen(a, b):\n" + "".join(f"    a = a + {i}\n" for i in range(10)) + "    return a * b\n"
    gen = _generated("<generated gen C>", source)
    with Tracer(max_steps=5) as t:
        y = gen(0.0, 2.0)
    assert y == 90.0  # the code ran on to its end
    walk = t.walks[0]
    assert walk.limit is not None and walk.steps[-1].event == "limit"
    assert "This walk stops here; the code itself ran on." in walk.steps[-1].note
    assert t.limit is None
