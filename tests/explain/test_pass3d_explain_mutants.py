"""Tests for survivors of the first exhaustive mutation pass, resumed part (h/p3d).

explain/naming.py: `substitute` with nothing to substitute (a formula for an op none of whose argument names has
an input name). `cr.graph` never calls it so (each edge has an argument name and a named input), so the
function is tested directly, as the other helpers of explain/naming.py are."""
from __future__ import annotations

import pytest

from chainrule.explain.naming import substitute

_FORMULAS = ["(1 if z > 0 else 0)", "x / ||x||", "d / beta where |d| < beta, else sign(d)  (d = x - target)",
             "-q  (q: the weighted one-hot target)", "G", "1"]


@pytest.mark.parametrize("formula", _FORMULAS)
def test_substitute_with_no_names_returns_the_formula_unchanged(formula):
    """naming.py:95 (the early exit for an empty mapping removed: the empty pattern then matched between two
    non-word characters and looked up the argument name "", a KeyError)."""
    assert substitute(formula, (), []) == formula
    assert substitute(formula, ("x", "y"), ["", ""]) == formula  # unnamed inputs: nothing to substitute either
    assert substitute(formula, ("", ""), ["a", "b"]) == formula


def test_substitute_replaces_whole_argument_names_only():
    assert substitute("x / ||x||", ("x",), ["w"]) == "w / ||w||"
    assert substitute("(1 if z > 0 else 0)", ("z",), ["h1"]) == "(1 if h1 > 0 else 0)"
    assert substitute("xs + x", ("x",), ["a + b"]) == "xs + (a + b)"
