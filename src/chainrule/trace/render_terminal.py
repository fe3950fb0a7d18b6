"""The trace in a terminal: rich when it is installed, plain text otherwise."""

from __future__ import annotations

import sys
from typing import Any

from .describe import code_line, step_facts, summary_lines
from .model import Trace

_STYLES = {
    "explain": "italic cyan",
    "iteration": "dim",
    "compute": "bold yellow",
    "value": "green",
    "calls": "magenta",
    "returns": "bold green",
    "printed": "white",
    "exception": "bold red",
    "call": "magenta",
    "note": "bold red",
}


def _head(trace: Trace, step: Any) -> tuple[str, str]:
    indent = "  " * step.depth
    code = code_line(step.source)
    return f"{step.index + 1:>4} L{step.line:<4}", f"{indent}{code}"


def render_plain(trace: Trace) -> str:
    """Plain text: one block per step, values and arithmetic indented under the code."""
    out = [f"Trace of {trace.name}"]
    if trace.intro:
        out += ["", trace.intro]
    out.append("")
    for step in trace.steps:
        num, code = _head(trace, step)
        if step.event in ("skipped", "limit"):
            out.append(f"{num}  {step.note}")
            continue
        out.append(f"{num}  {code}")
        pad = " " * (len(num) + 2 + 2 * step.depth)
        for label, text in step_facts(step, trace):
            for i, line in enumerate(text.splitlines() or [""]):
                prefix = f"{label}: " if i == 0 else " " * (len(label) + 2)
                if label == "explain":
                    prefix = "# "
                out.append(f"{pad}  {prefix}{line}")
    out += ["", *summary_lines(trace)]
    for walk in trace.walks:  # generated code the script called (a compiled step), each walked on its own
        out += ["", render_plain(walk).rstrip("\n")]
    return "\n".join(out).rstrip() + "\n"


def print_trace(trace: Trace, file: Any = None) -> None:
    """Print the trace; with rich installed, in colour."""
    file = file if file is not None else sys.stdout
    try:
        from rich.console import Console
        from rich.text import Text
    except ImportError:
        file.write(render_plain(trace))
        return
    console = Console(file=file, highlight=False, soft_wrap=True)
    console.rule(f"trace of {trace.name}")
    if trace.intro:
        console.print(Text(trace.intro, style="italic"))
        console.print()
    for step in trace.steps:
        num, code = _head(trace, step)
        if step.event in ("skipped", "limit"):
            console.print(Text(f"{num}  {step.note}", style="bold red" if step.event == "limit" else "dim"))
            continue
        line = Text(f"{num}  ", style="dim")
        line.append(code, style="bold")
        console.print(line)
        pad = " " * (len(num) + 4 + 2 * step.depth)
        for label, text in step_facts(step, trace):
            style = _STYLES.get(label, "")
            for i, part in enumerate(text.splitlines() or [""]):
                prefix = f"{label}: " if i == 0 else " " * (len(label) + 2)
                if label == "explain":
                    prefix = "# "
                console.print(Text(pad + prefix + part, style=style))
    for line in summary_lines(trace):
        console.print(Text(line, style="bold red"))
    for walk in trace.walks:  # generated code the script called (a compiled step), each walked on its own
        console.print()
        print_trace(walk, file=file)
