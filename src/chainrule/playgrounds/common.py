"""Shared helpers for the playgrounds: validated parameters and reading the engine's observer."""

from __future__ import annotations

import math
from typing import Any

from chainrule.engine.observe import BackwardStep


class PlaygroundError(ValueError):
    """A clear reason a playground request was refused (out-of-range value, wrong type): a 400 answer."""


def number(params: dict[str, Any], name: str, lo: float, hi: float, default: float | None = None) -> float:
    """params[name] as a float in [lo, hi] (or the default when absent)."""
    if not isinstance(params, dict):
        raise PlaygroundError("the request body must be a JSON object")
    if name not in params or params[name] is None:
        if default is None:
            raise PlaygroundError(f"{name} is required")
        return float(default)
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlaygroundError(f"{name} must be a number, got {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:  # an integer beyond the float range, such as 10**400
        raise PlaygroundError(f"{name} must be between {lo:g} and {hi:g}, got an integer of "
                              f"{len(str(abs(value)))} digits") from None
    if not math.isfinite(value):
        raise PlaygroundError(f"{name} must be finite")
    if not lo <= value <= hi:
        raise PlaygroundError(f"{name} must be between {lo:g} and {hi:g}, got {value:g}")
    return value


def integer(params: dict[str, Any], name: str, lo: int, hi: int, default: int) -> int:
    if not isinstance(params, dict):
        raise PlaygroundError("the request body must be a JSON object")
    value = params.get(name, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            isinstance(value, float) and not value.is_integer()):
        raise PlaygroundError(f"{name} must be an integer")
    value = int(value)
    if not lo <= value <= hi:
        shown = str(value) if abs(value) < 10**12 else f"an integer of {len(str(abs(value)))} digits"
        raise PlaygroundError(f"{name} must be between {lo} and {hi}, got {shown}")
    return value


def choice(params: dict[str, Any], name: str, options: tuple[str, ...], default: str) -> str:
    value = params.get(name, default) if isinstance(params, dict) else default
    if value not in options:
        raise PlaygroundError(f"{name} must be one of {', '.join(options)}")
    return value


def bits(params: dict[str, Any], name: str, n: int, default: list[int]) -> list[int]:
    value = params.get(name, default) if isinstance(params, dict) else default
    if value is None:
        value = default
    if (not isinstance(value, list) or len(value) != n
            or any(isinstance(v, bool) or v not in (0, 1) for v in value)):
        raise PlaygroundError(f"{name} must be a list of {n} bits (0 or 1)")
    return [int(v) for v in value]


def step_for(steps: list[BackwardStep], op: str, output: Any = None) -> BackwardStep:
    """The observed backward step of op `op` (whose node produced `output`, when given)."""
    for s in steps:
        if s.op_name == op and (output is None or s.node is output.grad_fn):
            return s
    raise LookupError(f"no backward step for {op}")


def as_float(value: Any) -> float:
    """A Python float from an engine value (NumPy scalar, 0-d array, bool or tensor)."""
    if hasattr(value, "item"):
        value = value.item()
    return float(value) + 0.0  # no negative zero
