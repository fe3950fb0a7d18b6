"""The one number format (chainrule.utils.numbers.format_number, twin of common.js fmt): significant digits,
exponent notation outside [1e-3, 1e4), never "732582.0243" next to "0.0001"."""

from __future__ import annotations

import pytest

from chainrule.utils.numbers import format_number

CASES = [(-24.0, "-24.0"), (42.0, "42.0"), (49, "49.0"), (1.9, "1.9"), (0.04, "0.04"), (1 / 3, "0.3333"),
         (732582.0243, "7.326e5"), (0.0001, "1e-4"), (0.0, "0.0"), (-0.0, "0.0"), (float("nan"), "nan"),
         (float("inf"), "inf"), (float("-inf"), "-inf"), (None, "\u2014"), (9.99996, "10.0"), (9999.6, "1e4"),
         (0.00099996, "0.001"), (0.30000000000000004, "0.3"), (-4.0, "-4.0"), (123.456, "123.5"),
         (1e-10, "1e-10"), (-2.5e-7, "-2.5e-7"), (0.125, "0.125"), (1.0005, "1.0"), (2.5, "2.5"), (True, "1.0")]


@pytest.mark.parametrize(("value", "text"), CASES)
def test_format_number(value: object, text: str) -> None:
    assert format_number(value) == text


def test_numpy_and_tensor_values() -> None:
    import numpy as np

    import chainrule as cr

    assert format_number(np.float32(0.1)) == "0.1" and format_number(np.array(2.0)) == "2.0"
    assert format_number(cr.tensor(-24.0)) == "-24.0"
    assert format_number(2 / 3, digits=2) == "0.67"
