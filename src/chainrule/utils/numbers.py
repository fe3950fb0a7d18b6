"""One number format for every page, widget and export: `format_number(v)`, significant digits.

The JavaScript twin is `fmt` in `chainrule/web/static/common.js` (and the widgets' copy); both give the same
text for the same float (tests/playgrounds/test_number_format.py compares them in a browser):

    -24.0 -> "-24.0"   1.9 -> "1.9"   0.04 -> "0.04"   1/3 -> "0.3333"   732582.0243 -> "7.326e5"
    0.0001 -> "1e-4"   0.0 and -0.0 -> "0.0"   nan -> "nan"   inf -> "inf"   None -> "—"

Rules: `digits` significant digits (default 4), rounded half away from zero on the exact binary value (as
JavaScript's toPrecision); a whole number keeps ".0"; exponent notation ("m e k", no "+", mantissa without
trailing zeros) when the rounded magnitude is at least 1e4 or below 1e-3, so a column never mixes
"732582.0243" with "0.0001".
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["EXP_HIGH", "EXP_LOW", "format_number"]

EXP_HIGH = 1e4  # at or above this magnitude: exponent notation
EXP_LOW = 1e-3  # below this magnitude (and not 0): exponent notation
DASH = "\u2014"


def format_number(value: Any, digits: int = 4) -> str:
    """`value` (a Python or NumPy number, a 0-d array or one-element tensor, or None) as short text."""
    if value is None:
        return DASH
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        value = float(value)
    if isinstance(value, str):
        return value
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0.0"
    sign = "-" if v < 0 else ""
    # the exact binary value, rounded to `digits` significant digits, half away from zero (toPrecision's rule)
    d = abs(Decimal(v))
    exponent = d.adjusted()
    rounded = d.quantize(Decimal(1).scaleb(exponent - digits + 1), rounding=ROUND_HALF_UP)
    if rounded.adjusted() != exponent:  # 9.9996 -> 10.00: one digit more before the point
        exponent = rounded.adjusted()
        rounded = d.quantize(Decimal(1).scaleb(exponent - digits + 1), rounding=ROUND_HALF_UP)
    if rounded >= Decimal(EXP_HIGH) or rounded < Decimal(str(EXP_LOW)):
        mantissa = rounded.scaleb(-exponent)
        text = _trim(f"{mantissa:f}")
        if text.endswith(".0"):
            text = text[:-2]
        return f"{sign}{text}e{exponent}"
    text = _trim(f"{rounded:f}")
    return sign + text


def _trim(text: str) -> str:
    """'1.9000' -> '1.9', '24' -> '24.0', '0.0400' -> '0.04'."""
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"
    else:
        text += ".0"
    return text
