"""The formula language (`chainrule.ops.formula`): what it refuses and how it evaluates every construct, by
hand-computed values (mutation testing found the refusals and `not` unexecuted)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule.ops import formula


@pytest.mark.parametrize("text,match", [
    ("x[0]", "Subscript is not part of the formula language"),
    ("x.real", "Attribute is not part of the formula language"),
    ("lambda: 1", "Lambda is not part of the formula language"),
    ("x @ y", "operator MatMult is not part of the language"),
    ("x % 2", "operator Mod is not part of the language"),
    ("x in y", "only <, <=, >, >=, == and != compare"),
    ("x is y", "only <, <=, >, >=, == and != compare"),
    ("max(x, y)", "unknown function 'max'"),
    ("exp(x, base=2)", "unknown function 'exp'"),
    ("x +", "does not parse"),
])
def test_refused(text, match):
    with pytest.raises(ValueError, match=match):
        formula.check(text)


@pytest.mark.parametrize("text,values,expected", [
    ("not x > 1", {"x": np.array([0.5, 2.0])}, [True, False]),
    ("x > 1 and x < 3", {"x": np.array([0.5, 2.0, 4.0])}, [False, True, False]),
    ("x < 1 or x > 3", {"x": np.array([0.5, 2.0, 4.0])}, [True, False, True]),
    ("0 < x <= 2", {"x": np.array([0.0, 2.0, 2.5])}, [False, True, False]),
    ("x == 2", {"x": np.array([2.0, 3.0])}, [True, False]),
    ("x != 2", {"x": np.array([2.0, 3.0])}, [False, True]),
    ("x >= 2", {"x": np.array([1.0, 2.0])}, [False, True]),
    ("-x^2", {"x": 3.0}, -9.0),
    ("+x", {"x": 3.0}, 3.0),
    ("x // 2", {"x": 7.0}, 3.0),
    ("x / 4 - 1", {"x": 6.0}, 0.5),
    ("1 if x > 0 else sigmoid(x)", {"x": np.array([1.0, 0.0])}, [1.0, 0.5]),
    ("Phi(0) + phi(0)", {}, 0.5 + 1 / math.sqrt(2 * math.pi)),
    ("ln(x) + log(1)", {"x": math.e}, 1.0),
])
def test_evaluates(text, values, expected):
    np.testing.assert_allclose(formula.evaluate(text, values), expected, rtol=1e-15)


def test_an_unbound_name_is_a_keyerror():
    with pytest.raises(KeyError, match="no value for 'y'"):
        formula.evaluate("x + y", {"x": 1.0})
