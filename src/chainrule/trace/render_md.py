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


def render_markdown(trace: Trace) -> str:
    out = [f"# Trace of `{trace.name}`", ""]
    if trace.intro:
        out += [trace.intro, ""]
    width = len(str(len(trace.source)))
    listing = "\n".join(f"{i:>{width}}  {line}" for i, line in enumerate(trace.source, 1))
    out += ["## Code", "", _fence(listing, "python"), "", "## Walkthrough", ""]
    for step in trace.steps:
        if step.event == "skipped" or step.event == "limit":
            out += [f"**{step.index + 1}.** _{step.note}_", ""]
            continue
        where = f"line {step.line}" + (f" in `{step.function}`" if step.function not in ("<module>", "") else "")
        code = code_line(step.source)
        out.append(f"**{step.index + 1}.** {where}: `{code}`")
        out.append("")
        for label, text in step_facts(step, trace):
            if label == "explain":
                out += ["> " + line for line in text.splitlines()]
                out.append("")
            elif label in ("printed",):
                out += [f"- {_LABELS[label]}:", "", _fence(text), ""]
            else:
                out.append(f"- {_LABELS[label]}: `{text}`" if label != "iteration" else f"- Iteration {text}")
        out.append("")
    out += ["## Output", "", _fence(trace.output.rstrip("\n") or "(nothing printed)"), ""]
    for line in summary_lines(trace):
        out += [f"**{line}**", ""]
    return "\n".join(out).rstrip() + "\n"
