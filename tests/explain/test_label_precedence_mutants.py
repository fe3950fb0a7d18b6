"""Expression labels of unnamed results: every infix op with every kind of operand (a name, a negation, a sum,
a difference, a product, a quotient, a power) on either side. Each label reads back to the same value when
evaluated with Python's precedence (`^` as `**`, `@` as `*` on numbers), and carries no parenthesis that
precedence makes unnecessary: `a + b + c`, not `(a + b) + c` (a mutation survivor at `explain/naming.py:
_label`, `pa < prec` -> `pa <= prec`, wrapped every left operand of equal precedence)."""

from __future__ import annotations

import operator

import pytest

from chainrule.explain.naming import ATOM, expression_text

OPERANDS = {"a": ("a", ATOM), "-a": ("-a", 3), "a + b": ("a + b", 1), "a - b": ("a - b", 1),
            "a*b": ("a*b", 2), "a/b": ("a/b", 2), "a^2": ("a^2", 4)}
VALUES = {"a": 2.0, "b": 3.0, "c": 5.0}
OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
       "matmul": operator.mul, "pow": operator.pow}

# op -> operand -> (label with the operand on the left of c, label with it on the right)
EXPECTED = {
    "add": {"a": ("a + c", "c + a"), "-a": ("-a + c", "c + (-a)"), "a + b": ("a + b + c", "c + a + b"),
            "a - b": ("a - b + c", "c + a - b"), "a*b": ("a*b + c", "c + a*b"), "a/b": ("a/b + c", "c + a/b"),
            "a^2": ("a^2 + c", "c + a^2")},
    "sub": {"a": ("a - c", "c - a"), "-a": ("-a - c", "c - (-a)"), "a + b": ("a + b - c", "c - (a + b)"),
            "a - b": ("a - b - c", "c - (a - b)"), "a*b": ("a*b - c", "c - a*b"), "a/b": ("a/b - c", "c - a/b"),
            "a^2": ("a^2 - c", "c - a^2")},
    "mul": {"a": ("a*c", "c*a"), "-a": ("-a*c", "c*(-a)"), "a + b": ("(a + b)*c", "c*(a + b)"),
            "a - b": ("(a - b)*c", "c*(a - b)"), "a*b": ("a*b*c", "c*a*b"), "a/b": ("a/b*c", "c*a/b"),
            "a^2": ("a^2*c", "c*a^2")},
    "div": {"a": ("a/c", "c/a"), "-a": ("-a/c", "c/(-a)"), "a + b": ("(a + b)/c", "c/(a + b)"),
            "a - b": ("(a - b)/c", "c/(a - b)"), "a*b": ("a*b/c", "c/(a*b)"), "a/b": ("a/b/c", "c/(a/b)"),
            "a^2": ("a^2/c", "c/a^2")},
    "matmul": {"a": ("a @ c", "c @ a"), "-a": ("-a @ c", "c @ (-a)"), "a + b": ("(a + b) @ c", "c @ (a + b)"),
               "a - b": ("(a - b) @ c", "c @ (a - b)"), "a*b": ("a*b @ c", "c @ (a*b)"),
               "a/b": ("a/b @ c", "c @ (a/b)"), "a^2": ("a^2 @ c", "c @ a^2")},
    "pow": {"a": ("a^c", "c^a"), "-a": ("(-a)^c", "c^(-a)"), "a + b": ("(a + b)^c", "c^(a + b)"),
            "a - b": ("(a - b)^c", "c^(a - b)"), "a*b": ("(a*b)^c", "c^(a*b)"), "a/b": ("(a/b)^c", "c^(a/b)"),
            "a^2": ("(a^2)^c", "c^a^2")},
}


def _value(label: str) -> float:
    return float(eval(label.replace("^", "**").replace("@", "*"), {}, dict(VALUES)))  # noqa: S307


@pytest.mark.parametrize("operand", sorted(OPERANDS))
@pytest.mark.parametrize("op", sorted(EXPECTED))
def test_labels_are_minimal_and_read_back_to_the_same_value(op: str, operand: str) -> None:
    left = expression_text(op, [OPERANDS[operand], ("c", ATOM)])
    right = expression_text(op, [("c", ATOM), OPERANDS[operand]])
    assert (left, right) == EXPECTED[op][operand]
    x = _value(operand)
    assert _value(left) == pytest.approx(OPS[op](x, VALUES["c"]), rel=1e-12)
    assert _value(right) == pytest.approx(OPS[op](VALUES["c"], x), rel=1e-12)
