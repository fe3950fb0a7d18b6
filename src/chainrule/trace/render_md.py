"""The trace as Markdown: introduction, the numbered code, then every step in order."""

from __future__ import annotations

from .describe import code_line, step_facts, summary_lines
from .model import Trace

_LABELS = {
    "explain": "",
    "iteration": "Iteration",
    "compute": "Computed",
    "value": "Value",
    "calls": "Call",
    "returns": "Returns",
    "printed": "Printed",
    "exception": "Exception",
    "call": "Call",
    "note": "Note",
}


def _fence(text: str, lang: str = "") -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{lang}\n{text}\n{fence}"


def _code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    longest = max((len(run) for run in _runs(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _runs(text: str) -> list[str]:
    runs, current = [], ""
    for ch in text:
        if ch == "`":
            current += ch
        elif current:
            runs.append(current)
            current = ""
    if current:
        runs.append(current)
    return runs


def render_markdown(trace: Trace, level: int = 1) -> str:
    """The trace as Markdown, its title a heading of `level` (its walks one level below)."""
    h = "#" * level
    out = [f"{h} Trace of {_code(trace.name)}", ""]
    if trace.intro:
        out += [trace.intro, ""]
    width = len(str(len(trace.source)))
    listing = "\n".join(f"{i:>{width}}  {line}" for i, line in enumerate(trace.source, 1))
    out += [f"{h}# Code", "", _fence(listing, "python"), "", f"{h}# Walkthrough", ""]
    for step in trace.steps:
        if step.event == "skipped" or step.event == "limit":
            out += [f"**{step.index + 1}.** _{step.note}_", ""]
            continue
        where = f"line {step.line}" + (f" in {_code(step.function)}" if step.function not in ("<module>", "") else "")
        code = code_line(step.source)
        out.append(f"**{step.index + 1}.** {where}: {_code(code)}")
        out.append("")
        for label, text in step_facts(step, trace):
            if label == "explain":
                out += ["> " + line for line in text.splitlines()]
                out.append("")
            elif label in ("printed",):
                out += [f"- {_LABELS[label]}:", "", _fence(text), ""]
            else:
                out.append(f"- {_LABELS[label]}: {_code(text)}" if label != "iteration" else f"- Iteration {text}")
        out.append("")
    if level == 1 or trace.output:  # (a walk's code prints nothing: it is generated)
        out += [f"{h}# Output", "", _fence(trace.output.rstrip("\n") or "(nothing printed)"), ""]
    for line in summary_lines(trace):
        out += [f"**{line}**", ""]
    for walk in trace.walks:  # generated code the script called (a compiled step), each walked on its own
        out += [render_markdown(walk, level + 1)]
    return "\n".join(out).rstrip() + "\n"
