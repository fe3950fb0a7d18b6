"""`cr.compile(fn, explain=True)`: the eager program (what the engine recorded) beside the generated code."""

from __future__ import annotations

from typing import Any


def side_by_side(step: Any, width: int = 60) -> str:
    """Two columns per section: on the left the eager ops as the engine ran them (op and the user's line), on
    the right the generated statements for that section."""
    if not step.entries:
        return f"{step!r}"
    entry = step.entries[-1]
    left = entry.eager_lines
    right = [line[4:] for line in entry.source.splitlines()[1:]]
    rows = [f"{'eager (what the engine ran)':<{width}} | generated (what a replay runs)",
            f"{'-' * width}-+-{'-' * width}"]
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        rows.append(f"{a[:width]:<{width}} | {b}")
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
