"""Tests that kill survivors of the seed-808 mutation sample (docs/testing.md), against hand-computed values."""

from __future__ import annotations

import pytest

import chainrule as cr
from chainrule.explain.naming import factor
from chainrule.explain.tables import _Rendered


@pytest.mark.parametrize(("count", "label"), [
    (2, "x0, x1 → cat"),
    (3, "x0, x1, x2 → cat"),
    (4, "x0, x1 and 2 more → cat"),
    (5, "x0, x1 and 3 more → cat"),
])
def test_a_group_of_inputs_names_up_to_three_and_counts_the_rest(count: int, label: str) -> None:
    """The grouped view labels the inputs of one op by name, three at most, then `a, b and N more`
    (seed-808 survivor explain/build.py:802, the limit 3 -> 4)."""
    xs = [cr.tensor([float(i)], dtype=cr.float64, requires_grad=True) for i in range(count)]
    cr.name_tensors({f"x{i}": x for i, x in enumerate(xs)})
    g = cr.graph(cr.cat(xs).sum())
    groups = [grp for grp in g.data["groups"] if grp["id"].startswith("o:leaf:cat:")]
    assert [grp["label"] for grp in groups] == [label]
    assert len(groups[0]["nodes"]) == count


class _NoRows(_Rendered):
    def _header(self) -> list[str]:
        return ["a"]


class _NoHeader(_Rendered):
    def _rows(self) -> list[list[str]]:
        return [["1"]]


@pytest.mark.parametrize("cls", [_NoRows, _NoHeader])
def test_a_table_class_that_leaves_out_its_rows_or_header_fails_loudly(cls: type) -> None:
    """The shared table renderer's `_header` and `_rows` are abstract: a table class that does not define one
    raises NotImplementedError when printed, not a TypeError about None or an empty table (seed-808 survivor
    explain/tables.py:34, `raise` dropped; also :31, a line no other test reached)."""
    with pytest.raises(NotImplementedError):
        str(cls())


@pytest.mark.parametrize(("formula", "expected"), [
    ("x", "x"),
    ("exp(x)", "exp(x)"),
    ("f(a, b)", "f(a, b)"),  # the space is inside the parentheses: one factor
    ("[a, b]", "[a, b]"),
    ("2 * x", "(2 * x)"),
    ("sigmoid(x) * (1 - sigmoid(x))", "(sigmoid(x) * (1 - sigmoid(x)))"),  # a space after a closed parenthesis
    ("w[0] + b", "(w[0] + b)"),
    ("(1 - y) + (1 + y)", "((1 - y) + (1 + y))"),
])
def test_a_formula_is_parenthesized_as_a_factor_when_it_has_a_space_outside_parentheses(formula: str,
                                                                                          expected: str) -> None:
    """`factor` counts parenthesis depth: a closing one lowers it again, so a space after `sigmoid(x)` is at the
    top level (seed-808 survivor explain/naming.py:79, `depth -= 1` -> `+= 1`)."""
    assert factor(formula) == expected
