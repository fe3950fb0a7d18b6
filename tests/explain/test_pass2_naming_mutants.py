"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all), against PyTorch.

This file: explain/naming.py (name_tensors with a tensor under two names, caller_names inside a function)."""
from __future__ import annotations

import chainrule as cr
from chainrule.explain.naming import caller_names

GLOBAL_TENSOR = cr.ones(2)


def test_name_tensors_same_tensor_twice_takes_the_first_even_with_overwrite():
    # name_tensors: `if id(value) in seen: continue` (a tensor held by two variables takes the first name)
    t = cr.ones(2)
    named = cr.name_tensors({"first": t, "second": t}, overwrite=True)
    assert t.name == "first"
    assert list(named) == ["first"]


def test_caller_names_in_a_function_include_module_globals():
    # caller_names: `dict(frame.f_globals) if frame.f_globals is not frame.f_locals else {}` (a function's caller
    # sees its module's globals too, its locals taking precedence)
    local_tensor = cr.zeros(1)
    names = caller_names("/nonexistent-package-dir")
    assert names["GLOBAL_TENSOR"] is GLOBAL_TENSOR
    assert names["local_tensor"] is local_tensor
