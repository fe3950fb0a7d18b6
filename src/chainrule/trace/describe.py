"""A step as labelled lines of text, shared by the terminal and Markdown views."""

from __future__ import annotations

from typing import Any

from .model import Step, Trace


def code_line(source: str) -> str:
    """A step's first source line without its trailing comment (shown as the explanation)."""
    line = source.splitlines()[0] if source else ""
    quote = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#":
            return line[:i].rstrip()
        i += 1
    return line


def _args_text(args: list[dict[str, Any]] | None) -> str:
    return ", ".join(f"{a['name']}={a['repr']}" for a in (args or []))


def call_text(call: dict[str, Any]) -> str:
    text = f"{call['function']}({_args_text(call.get('args'))})"
    if call.get("raised"):
        return f"{text} raised {call['raised']}"
    ret = call.get("return")
    return f"{text} → {ret['repr']}" if ret is not None else text


def tensor_extra(item: dict[str, Any]) -> str:
    """`shape=[], grad=..., grad_fn=...` for tensors; '' for anything else."""
    if item.get("kind") != "tensor":
        return ""
    parts = [f"shape={tuple(item.get('shape', []))}"]
    if item.get("grad") is not None:
        parts.append(f"grad={item['grad']}")
    if item.get("grad_fn"):
        parts.append(f"grad_fn={item['grad_fn']}")
    return "  (" + ", ".join(parts) + ")"


def step_facts(step: Step, trace: Trace) -> list[tuple[str, str]]:
    """(label, text) pairs: explanation, substitution, assigned values, calls, output, exception."""
    facts: list[tuple[str, str]] = []
    if step.event in ("skipped", "limit"):
        facts.append(("note", step.note or ""))
        return facts
    explanation = trace.explanations.get(step.line)
    if explanation and step.event == "line":
        facts.append(("explain", explanation))
    if step.event == "call":
        facts.append(("call", f"enter {step.function}({_args_text(step.args)})"))
        return facts
    if step.iteration is not None:
        facts.append(("iteration", str(step.iteration)))
    if step.substitution:
        facts.append(("compute", " = ".join(step.substitution)))
    for item in step.assigned:
        facts.append(("value", f"{item['name']} = {item['repr']}{tensor_extra(item)}"))
    for call in step.calls:
        facts.append(("calls", call_text(call)))
    if step.returned is not None:
        facts.append(("returns", step.returned["repr"] + tensor_extra(step.returned)))
    if step.printed:
        facts.append(("printed", step.printed.rstrip("\n")))
    if step.exception:
        exc = step.exception
        how = "caught" if exc.get("caught") else ("propagated here" if exc.get("propagated") else "raised")
        facts.append(("exception", f"{exc['type']}: {exc['message']} ({how})"))
    if step.note:
        facts.append(("note", step.note))
    return facts


def summary_lines(trace: Trace) -> list[str]:
    """Closing lines: the uncaught exception, the step limit, the exit code."""
    lines = []
    if trace.exception:
        where = f" at line {trace.exception['line']}" if trace.exception.get("line") else ""
        lines.append(f"The script raised {trace.exception['type']}{where}: {trace.exception['message']}")
    if trace.limit:
        lines.append(trace.limit["message"])
    return lines
