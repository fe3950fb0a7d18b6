"""Tests that kill survivors of the seed-1919 mutation sample (docs/testing.md)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain import Graph


@pytest.mark.parametrize("schema", ["other", None, "chainrule.trace"])
def test_a_document_of_another_schema_is_refused_even_with_the_right_version(schema: str | None) -> None:
    """`Graph.from_json` refuses a document whose schema is not "chainrule.graph" even when its version is the
    supported one, naming the schema it found (seed-1919 survivor explain/model.py:21, the check removed: the
    existing test's `{"schema": "other"}` was still refused by the version check, this one was read as a graph)."""
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    x.name = "x"
    loss = (x * x).sum()
    doc = json.loads(cr.graph(loss).to_json())
    assert Graph.from_json(dict(doc)).grad("x") is not None  # the untouched document is read
    if schema is None:
        del doc["schema"]
    else:
        doc["schema"] = schema
    with pytest.raises(ValueError, match=rf"not a chainrule graph document \(schema {schema!r}, expected "
                                         r"'chainrule.graph'\)"):
        Graph.from_json(doc)
    with pytest.raises(ValueError, match="not a chainrule graph document"):
        Graph.from_json(json.dumps(doc))


def test_scalar_reads_one_number_from_a_value_object_and_none_otherwise() -> None:
    """`values.scalar` (the gradient tables' reading of a seed or a local derivative) gives the float of a 0-d or
    one-element value, and None for no value, a value of several elements or one whose data was summarized away
    (the other mutants on the seed-1919 line explain/values.py:130: `v is not None` -> `is`, and `and` -> `or`,
    raised TypeError on None or on a list's data)."""
    from chainrule.explain.values import scalar, value_json

    assert scalar(None) is None
    assert scalar(value_json(2.5)) == 2.5 and type(scalar(value_json(2.5))) is float
    assert scalar(value_json(cr.tensor(-3))) == -3.0
    assert scalar(value_json(np.array([[7.0]]))) == 7.0
    assert scalar(value_json(np.array([1.0, 2.0]))) is None
    big = value_json(np.ones(300))
    assert big is not None and big["data"] is None and scalar(big) is None
    assert scalar(json.loads(json.dumps(value_json(np.float32(0.5))))) == 0.5
