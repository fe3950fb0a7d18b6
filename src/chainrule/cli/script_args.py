"""Splitting `chainrule COMMAND SCRIPT.py [ARGS ...]` into the command's own options and the script's
arguments (shared by `trace` and `explain`, which run a user script)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def split_script_args(args: Any, argv: list[str], options: dict[str, str], usage: str,
                      convert: Callable[[str, str], Any]) -> str | None:
    """Set `args.script`, `args.script_args` and each recognized option (`options`: flag -> dest) on `args`.

    Options may come before or after the script's own arguments; everything after a second `--` belongs to
    the script. `convert(dest, value)` checks and converts a value, raising ValueError with a message.
    Returns an error message, or None.
    """
    rest = list(argv)
    if rest and rest[0] == "--":
        rest = rest[1:]
    if not rest:
        return usage
    args.script, rest = rest[0], rest[1:]
    script_args: list[str] = []
    i = 0
    while i < len(rest):
        token = rest[i]
        if token == "--":
            script_args += rest[i + 1:]
            break
        name, eq, value = token.partition("=")
        if name in options:
            if not eq:
                if i + 1 >= len(rest):
                    return f"{name} needs a value"
                value = rest[i + 1]
                i += 1
            dest = options[name]
            try:
                setattr(args, dest, convert(dest, value))
            except ValueError as exc:
                return f"{name}: {exc}"
        else:
            script_args.append(token)
        i += 1
    args.script_args = script_args
    return None
