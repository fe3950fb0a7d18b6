"""The one number format of chainrule: `format_number(v)`, significant digits.

Every number a learner reads (the explain tables, chain and paths texts, the graph viewer and its exports,
the playground pages and widgets, the CLI and the tracer) is written by this function or by its JavaScript
twin `crFormatNumber` in `chainrule/viz/static/format.js`, which gives the same text for the same float
(tests/playgrounds/test_number_format.py runs both over one table of values). docs/numbers.md states the rule:

    -24.0 -> "-24.0"   49.0 -> "49.0"   1.9 -> "1.9"   0.042 -> "0.042"   1/3 -> "0.3333"   0.1 + 0.2 -> "0.3"
    0.0001 -> "0.0001"   1e-5 -> "1e-5"   732582.0243 -> "7.326e5"   49 (an int) -> "49"
    0.0 and -0.0 -> "0.0"   nan -> "nan"   inf -> "inf"   None -> "—"

Rules: floats get `digits` significant digits (default 4, PyTorch's print precision), rounded half away from
zero on the exact binary value (as JavaScript's toPrecision); a whole number keeps ".0" (the chapter's
-24.0); trailing zeros are dropped; exponent notation ("m e k", no "+", mantissa without trailing zeros) when
the rounded magnitude is at least 1e4 or below 1e-4, so a column never mixes "732582.0243" with "0.0001".
Integers (Python or NumPy ints) are exact: "49", "100000". The sign of a zero is not shown.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["DIGITS", "EXP_HIGH", "EXP_LOW", "format_number"]

DIGITS = 4  # significant digits
EXP_HIGH = 1e4  # at or above this magnitude: exponent notation
EXP_LOW = 1e-4  # below this magnitude (and not 0): exponent notation
DASH = "\u2014"


def format_number(value: Any, digits: int = DIGITS) -> str:
    """`value` (a Python or NumPy number, a 0-d array or one-element tensor, or None) as short text."""
    if value is None:
        return DASH
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        value = float(value)
    elif isinstance(value, int):
        return str(value)
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0.0"
    sign = "-" if v < 0 else ""
    a = abs(v)
    text = format(a, f".{digits - 1}e")
    if format(a, f".{digits}e")[digits + 1] == "5":
        # a possible tie at `digits` digits, where Python rounds half to even: round the exact binary value
        # half away from zero, as toPrecision does (otherwise Python's correctly rounded "e" format is the same)
        d = Decimal(a)
        text = format(d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), rounding=ROUND_HALF_UP),
                      f".{digits - 1}e")
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text)
    figures = mantissa.replace(".", "")
    if exponent >= 4 or exponent < -4:  # at or above 1e4, or below 1e-4
        body = _trim(figures[0] + "." + figures[1:])
        if body.endswith(".0"):
            body = body[:-2]
        return f"{sign}{body}e{exponent}"
    if exponent >= 0:
        figures = figures.ljust(exponent + 1, "0")
        return sign + _trim(figures[:exponent + 1] + "." + figures[exponent + 1:])
    return sign + _trim("0." + "0" * (-exponent - 1) + figures)


def _trim(text: str) -> str:
    """'1.9000' -> '1.9', '24' -> '24.0', '0.0400' -> '0.04'."""
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"
    else:
        text += ".0"
    return text
