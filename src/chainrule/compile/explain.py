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
