"""How an explanation shows values (found by mutation testing): every tensor of two or more elements gets a
summary (min, max, mean, norm), a single element does not."""

from __future__ import annotations

import numpy as np

from chainrule.explain.values import value_json


def test_two_elements_get_a_summary() -> None:
    v = value_json(np.array([3.0, -4.0]))
    assert v["summary"] is not None
    assert v["summary"]["min"] == "-4.0" and v["summary"]["max"] == "3.0" and v["summary"]["norm"] == "5.0"


def test_one_element_gets_none() -> None:
    assert value_json(np.array([3.0])).get("summary") is None
