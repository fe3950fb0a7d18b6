"""`cr.compile(fn, explain=True)`: the eager program (what the engine recorded) beside the generated code."""

from __future__ import annotations

import re
from typing import Any

_SECTIONS = {"forward": "forward", "backward": "backward", "gradient accumulation into .grad": "backward",
             "optimizer": "optimizer"}
_OPTIMIZER = re.compile(r"^\w+\.(zero_grad|step)\(\)$")


def _eager_kind(line: str) -> str:
    if line.startswith("backward: "):
        return "backward"
    if _OPTIMIZER.match(line):
        return "optimizer"
    return "forward"


def _blocks(items: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """Consecutive (kind, text) items grouped into (kind, texts) blocks."""
    out: list[tuple[str, list[str]]] = []
    for kind, text in items:
        if out and out[-1][0] == kind:
            out[-1][1].append(text)
        else:
            out.append((kind, [text]))
    return out


def side_by_side(step: Any, width: int = 60) -> str:
    """The eager program beside the generated code, section by section (optimizer, forward, backward with the
    accumulation into .grad, optimizer): on the left each op the engine ran with the user's line that ran it
    (then each backward step and optimizer call), on the right the generated statements for that section."""
    if not step.entries:
        return f"{step!r}"
    entry = step.entries[-1]
    left = _blocks([(_eager_kind(line), line) for line in entry.eager_lines])
    right_items: list[tuple[str, str]] = []
    kind = "inputs"  # the loads of the arguments come first
    for line in entry.source.splitlines()[1:]:
        text = line[4:]
        if text.startswith("# ---- "):
            kind = _SECTIONS.get(text[7:], kind)
        right_items.append((kind, text))
    right = _blocks(right_items)
    rows = [f"{'eager (what the engine ran)':<{width}} | generated (what a replay runs)",
            f"{'-' * width}-+-{'-' * width}"]

    def emit(a: list[str], b: list[str]) -> None:
        for i in range(max(len(a), len(b))):
            x = a[i] if i < len(a) else ""
            y = b[i] if i < len(b) else ""
            x = x if len(x) <= width else x[:width - 1] + "~"
            rows.append(f"{x:<{width}} | {y}".rstrip())

    li = ri = 0
    while li < len(left) or ri < len(right):
        if li < len(left) and ri < len(right) and left[li][0] == right[ri][0]:
            emit(left[li][1], right[ri][1])
            li, ri = li + 1, ri + 1
        elif ri < len(right) and (li >= len(left) or not any(k == right[ri][0] for k, _ in left[li:])):
            emit([], right[ri][1])  # generated only (input loads, a section eager ran inside another)
            ri += 1
        else:
            emit(left[li][1], [])
            li += 1
        if li < len(left) or ri < len(right):
            rows.append(f"{'':<{width}} |")
    return "\n".join(rows)


def walk(step: Any, *args: Any, max_steps: int | None = None, **kwargs: Any) -> Any:
    """Run one replay of a compiled step under chainrule's line tracer and return its `chainrule.trace.Trace`:
    each generated line with the values it assigned (show it with `.print()`, `.to_markdown()`,
    `.to_html(path)`, or in Jupyter). The replay is a real call: parameters and optimizer state are updated
    as by `step(*args)`. Raises ValueError when no trace of the step replays these arguments."""
    from chainrule.trace import DEFAULT_MAX_STEPS, Tracer

    if step.fallback_reason is not None:
        raise ValueError(f"{step!r} runs eagerly ({step.fallback_reason}): there is no generated code to walk")
    call_args = args if not kwargs else (*args, *(kwargs[k] for k in sorted(kwargs)))
    signature = (len(args), tuple(sorted(kwargs))) if kwargs else len(args)
    for entry in step.entries:
        if entry.signature == signature and entry.guard(*call_args):
            run = entry.run
            tracer = Tracer(max_steps=max_steps or DEFAULT_MAX_STEPS)
            trace = tracer.run_call(run.__code__.co_filename, run, *call_args)
            step.replays += 1
            return trace
    raise ValueError(f"{step!r}: no trace replays these arguments (call the step with them first, so that it "
                     f"traces; the first call runs eagerly)")
