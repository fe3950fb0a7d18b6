"""The versioned JSON trace schema (documented in docs/trace.md) and a small validator."""

from __future__ import annotations

from typing import Any

SCHEMA_NAME = "chainrule.trace"
SCHEMA_VERSION = 1

# field -> (type(s), required). Types are JSON types: str, int, float, bool, list, dict, None.
TRACE_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "schema": ((str,), True),
    "version": ((int,), True),
    "script": ((dict,), True),
    "intro": ((str, type(None)), True),
    "source": ((list,), True),
    "explanations": ((dict,), True),
    "hidden": ((list,), True),
    "steps": ((list,), True),
    "output": ((str,), True),
    "exception": ((dict, type(None)), True),
    "limit": ((dict, type(None)), True),
    "exit_code": ((int,), True),
    "settings": ((dict,), True),
    "stats": ((dict,), True),
    "walks": ((list,), False),  # traces of generated code the script called (optional: older documents lack it)
}

STEP_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "index": ((int,), True),
    "event": ((str,), True),
    "line": ((int,), True),
    "function": ((str,), True),
    "depth": ((int,), True),
    "source": ((str,), True),
    "assigned": ((list,), True),
    "substitution": ((list, type(None)), True),
    "calls": ((list,), True),
    "args": ((list, type(None)), True),
    "returned": ((dict, type(None)), True),
    "printed": ((str,), True),
    "output_end": ((int,), True),
    "exception": ((dict, type(None)), True),
    "iteration": ((int, type(None)), True),
    "note": ((str, type(None)), True),
}

STEP_EVENTS = ("line", "call", "skipped", "limit")


def validate(data: dict[str, Any]) -> list[str]:
    """Problems with a trace document (an empty list when it follows the schema)."""
    problems: list[str] = []

    def check(obj: dict[str, Any], fields: dict[str, tuple[tuple[type, ...], bool]], where: str) -> None:
        for name, (types_, required) in fields.items():
            if name not in obj:
                if required:
                    problems.append(f"{where}: missing {name!r}")
                continue
            value = obj[name]
            if not isinstance(value, types_) or (isinstance(value, bool) and bool not in types_):
                problems.append(f"{where}: {name!r} has type {type(value).__name__}")

    if not isinstance(data, dict):
        return ["trace: not an object"]
    check(data, TRACE_FIELDS, "trace")
    if data.get("schema") != SCHEMA_NAME:
        problems.append(f"trace: schema is {data.get('schema')!r}, expected {SCHEMA_NAME!r}")
    if data.get("version") != SCHEMA_VERSION:
        problems.append(f"trace: version {data.get('version')!r}, expected {SCHEMA_VERSION}")
    for i, step in enumerate(data.get("steps") or []):
        if not isinstance(step, dict):
            problems.append(f"steps[{i}]: not an object")
            continue
        check(step, STEP_FIELDS, f"steps[{i}]")
        if step.get("event") not in STEP_EVENTS:
            problems.append(f"steps[{i}]: unknown event {step.get('event')!r}")
        for j, item in enumerate(step.get("assigned") or []):
            if not (isinstance(item, dict) and isinstance(item.get("name"), str) and "repr" in item):
                problems.append(f"steps[{i}].assigned[{j}]: needs 'name' and 'repr'")
    for i, walk in enumerate(data.get("walks") or []):
        problems.extend(f"walks[{i}]: {p}" for p in validate(walk))
    return problems
