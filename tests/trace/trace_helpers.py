"""Small helpers shared by the tracer's tests (a uniquely named module: tests/ is not a package)."""

from __future__ import annotations

from pathlib import Path

from chainrule.trace import Trace

LESSONS = Path(__file__).resolve().parents[2] / "examples" / "lessons"


def chain(trace: Trace, line: int, occurrence: int = 0) -> str:
    """The substitution chain of the ``occurrence``-th step at ``line``, as 'a = b = c'."""
    steps = [s for s in trace.steps_at(line) if s.event == "line"]
    return " = ".join(steps[occurrence].substitution or [])


def line_of(trace: Trace, text: str) -> int:
    """The number of the first source line that starts with ``text`` (ignoring indentation and hidden lines)."""
    for number, line in enumerate(trace.source, 1):
        if number not in trace.hidden and line.strip().startswith(text):
            return number
    raise AssertionError(f"no line contains {text!r}")
