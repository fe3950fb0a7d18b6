"""The op registry refuses malformed declarations (a check removed survived mutation testing: no test declared
a bad op). Each refused declaration leaves the registry as it was."""

from __future__ import annotations

import operator

import pytest

from chainrule.ops import registry
from chainrule.ops.registry import REGISTRY, defop, variant


def _rule(xp, g, out, a, b=None):  # noqa: ANN001, ANN202
    return g


def test_an_op_name_is_registered_once():
    with pytest.raises(ValueError, match="already registered"):
        defop("add", operator.add, "a b", derivs=(("1", _rule), ("1", _rule)))


def test_derivs_or_vjp_not_both_not_neither():
    with pytest.raises(ValueError, match="either derivs"):
        defop("mutants_neither", operator.neg, "a")
    with pytest.raises(ValueError, match="either derivs"):
        defop("mutants_both", operator.neg, "a", derivs=(("1", _rule),), vjp=_rule, formulas=("1",))
    assert "mutants_neither" not in REGISTRY and "mutants_both" not in REGISTRY


def test_an_elementwise_op_needs_one_rule_and_one_formula_per_input():
    with pytest.raises(ValueError, match="1 rules for 2 inputs"):
        registry.Op("mutants_rules", operator.add, ("a", "b"), (_rule,), ("1",), "", "inputs")
    with pytest.raises(ValueError, match="1 formulas for 2 inputs"):
        registry.Op("mutants_formulas", operator.add, ("a", "b"), (_rule, _rule), ("1",), "", "inputs")
    with pytest.raises(ValueError, match="saves must be one of"):
        registry.Op("mutants_saves", operator.add, ("a", "b"), (_rule, _rule), ("1", "1"), "", "everything")


def test_a_variant_needs_one_formula_per_input():
    with pytest.raises(ValueError, match="variant of 'add': 1 formulas for 2 inputs"):
        variant(REGISTRY["add"], "AddBackward9", formulas=("1",))
    assert variant(REGISTRY["add"], "AddBackward9").formulas == REGISTRY["add"].formulas


def test_registry_module_exposes_defop():
    assert registry.defop is defop
