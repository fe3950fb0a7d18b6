"""Fuzzing the JSON API: schemathesis generates requests from the OpenAPI document (valid and invalid),
hypothesis throws arbitrary JSON (huge and tiny numbers, wrong types), uploaded graphs (deep, wide, lattices
with dead ends, spoiled fields) and expression text; the server never answers 5xx and keeps serving."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_helpers import Client

from chainrule.web import api, expr

try:
    import schemathesis
except ImportError:  # the hypothesis fuzzing below still runs
    schemathesis = None

if schemathesis is not None:
    schema = schemathesis.pytest.from_fixture("openapi_schema")

    @pytest.fixture(scope="session")
    def openapi_schema(server_url: str):  # noqa: ANN201 - a schemathesis schema object
        return schemathesis.openapi.from_url(server_url + "/api/openapi.json")

    @schema.parametrize()
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def test_schemathesis_no_server_error(case) -> None:  # noqa: ANN001 - a schemathesis Case
        response = case.call(timeout=30)
        assert response.status_code < 500, (case.path, case.body, response.text[:300])
        assert response.headers["content-type"] in ("application/json", ["application/json"])
        body = response.json()
        if response.status_code >= 400:
            assert isinstance(body["error"], str) and body["error"]
else:
    def test_schemathesis_no_server_error() -> None:
        pytest.skip("schemathesis is not installed (pip install schemathesis)")


# Numbers as JSON can carry them: huge integers beyond float range (10**400 parses as a Python int), the
# float extremes, subnormals and signed zeros, besides ordinary values.
NUMBERS = (st.integers(-10**6, 10**6) | st.integers() | st.floats(allow_nan=False)
           | st.sampled_from([10**400, -10**400, 2**63, -2**63 - 1, 2**1024, 1e308, -1e308, 5e-324, -5e-324, 1e-310,
                              0.0, -0.0]))
EXTREME = st.sampled_from([10**400, -10**400, 2**1024, 1e308, 5e-324, -0.0])
FIELDS = ["x", "w", "b", "t", "lr", "a1", "a2", "w1", "w2", "y", "depth", "scale", "activation", "steps",
          "expression", "variables", "graph", "nodes", "edges", "root", "source", "target", "index", "local", "value",
          "schema", "version"]
JSON = st.recursive(st.none() | st.booleans() | NUMBERS | EXTREME | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=5)
                    | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), children, max_size=5),
                    max_leaves=20)
POSTS = sorted(path for method, path in api.ROUTES if method == "POST")


@pytest.fixture(scope="module")
def fuzz_client(client: Client) -> Client:
    return client


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(path=st.sampled_from(POSTS), body=JSON)
def test_arbitrary_json_bodies(fuzz_client: Client, path: str, body: object) -> None:
    r = fuzz_client.post(path, raw=json.dumps(body).encode())
    assert r.status in (200, 400), (path, body, r.body[:300])


KEYS = {"/api/neuron": ["x", "w", "b", "t", "lr"], "/api/two-inputs": ["a1", "a2", "w1", "w2", "b", "y"],
        "/api/depth": ["depth", "scale", "activation"], "/api/flip": ["x", "t", "lr", "steps"]}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data(), path=st.sampled_from(sorted(KEYS)))
def test_every_playground_field_with_extreme_or_wrong_values(fuzz_client: Client, data: st.DataObject,
                                                              path: str) -> None:
    """Each field present, each drawn from the extremes (10**400, 2**1024, subnormals) or a wrong type."""
    body = {k: data.draw(EXTREME | NUMBERS | st.none() | st.booleans() | st.text(max_size=3)
                         | st.lists(NUMBERS, max_size=4) | st.dictionaries(st.text(max_size=2), NUMBERS, max_size=1))
            for k in KEYS[path]}
    r = fuzz_client.post(path, body)
    assert r.status in (200, 400), (path, body, r.body[:300])


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data(), path=st.sampled_from(sorted(KEYS)))
def test_playground_values_near_the_limits(fuzz_client: Client, data: st.DataObject, path: str) -> None:
    values = st.floats(-20, 20) | st.integers(-100, 3000) | NUMBERS | st.sampled_from(["relu", "tanh", "x", ""]) \
        | st.lists(st.integers(-1, 2), max_size=5) | st.lists(NUMBERS, max_size=5) \
        | st.dictionaries(st.text(max_size=3), NUMBERS, max_size=2) | st.booleans() | st.none()
    body = data.draw(st.dictionaries(st.sampled_from(KEYS[path]), values, max_size=4))
    r = fuzz_client.post(path, body)
    assert r.status in (200, 400), (path, body, r.body[:300])


WRONG = st.none() | st.booleans() | NUMBERS | st.text(max_size=5) | st.lists(st.integers(0, 3), max_size=2) \
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)


def _value(draw: st.DrawFn) -> dict | None:
    x = draw(NUMBERS | st.none())
    return None if x is None else {"shape": [], "dtype": "float64", "text": "v", "data": x}


@st.composite
def graphs(draw: st.DrawFn) -> dict:
    """chainrule.graph documents: deep chains, wide fans, lattices with and without dead ends, random DAGs
    (sometimes with cycles), and any field replaced by a value of the wrong type or an extreme number."""
    n = draw(st.integers(1, 200))
    shape = draw(st.sampled_from(["chain", "fan", "lattice", "random"]))
    nodes = [{"id": f"n{i}", "kind": draw(st.sampled_from(["leaf", "op", "constant"])) if i else "leaf",
              "name": f"n{i}", "value": _value(draw), "grad": _value(draw)} for i in range(n)]
    if shape == "chain":
        pairs = [(i, i + 1) for i in range(n - 1)]
    elif shape == "fan":
        pairs = [(i, n - 1) for i in range(n - 1)]
    elif shape == "lattice":  # two per layer, each feeding both of the next: 2**(n/2) paths
        pairs = [(i, j) for i in range(n) for j in (i + 1, i + 2) if j < n and (j - i == 1) == (i % 2 == 0)] \
            + [(i, j) for i in range(0, n - 2, 2) for j in (i + 3,) if j < n]
        if draw(st.booleans()) and n > 2:  # cut the last layer from the output: all paths are dead ends
            pairs = [(i, j) for i, j in pairs if j < n - 2]
    else:
        pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=4 * n))
        if not draw(st.booleans()):
            pairs = [(i, j) for i, j in pairs if i < j]  # acyclic
    edges = [{"id": f"e{k}", "source": f"n{i}", "target": f"n{j}", "index": k % 3, "local": _value(draw),
              "contribution": _value(draw), "flows": draw(st.booleans()), "step": draw(st.none() | st.integers(0, n))}
             for k, (i, j) in enumerate(pairs[:800])]
    doc: dict = {"schema": "chainrule.graph", "version": 1, "root": f"n{n - 1}", "nodes": nodes, "edges": edges}
    for _ in range(draw(st.integers(0, 2))):  # spoil a field
        target = draw(st.sampled_from(["node", "edge", "doc"]))
        value = draw(WRONG)
        if target == "node":
            nodes[draw(st.integers(0, n - 1))][draw(st.sampled_from(["id", "kind", "value", "grad", "name",
                                                                     "grad_states", "forward_index"]))] = value
        elif target == "edge" and edges:
            key = draw(st.sampled_from(["source", "target", "index", "local", "contribution", "formula", "flows"]))
            edges[draw(st.integers(0, len(edges) - 1))][key] = value
        else:
            doc[draw(st.sampled_from(["root", "nodes", "edges", "backward_steps", "groups"]))] = value
    return doc


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(doc=graphs())
def test_uploaded_graphs_deep_wide_and_spoiled(fuzz_client: Client, doc: dict) -> None:
    """Every answer is a view or a 400 with a message, and it comes quickly: path work is bounded."""
    r = fuzz_client.request("POST", "/api/graph/upload", body=json.dumps({"graph": doc}).encode(),
                            headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status in (200, 400), r.body[:300]
    if r.status == 400:
        assert r.json["error"]
    else:
        assert all(len(p["paths"]) <= 32 for p in r.json["tables"]["paths"])


TOKENS = ["x", "y", "w", "1", "0", "2.5", "1e308", "-", "+", "*", "/", "**", "(", ")", ",", "relu(", "log(", "sqrt(",
          "exp(", "max(", "abs(", "tanh(", " ", "0.0", "9" * 30, "."]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=30),
       values=st.fixed_dictionaries({}, optional={"x": st.floats(-5, 5), "y": st.floats(-1e6, 1e6) | NUMBERS,
                                                  "w": st.sampled_from([0.0, -0.0, 1e-300, -3.0, 5e-324])}))
def test_expression_grammar_never_crashes(tokens: list[str], values: dict) -> None:
    """Token soup through the real endpoint function: a view or a clear 400, nothing else."""
    try:
        view = api.call("POST", "/api/graph", {"expression": "".join(tokens), "variables": values})
    except api.ApiError as exc:
        assert exc.status == 400 and exc.message
        return
    json.dumps(view, allow_nan=False)  # always valid JSON: no NaN or infinity leaks out


@settings(max_examples=100, deadline=None, derandomize=True)
@given(text=st.text(alphabet=string.printable, max_size=60))
def test_arbitrary_text_is_refused_or_parsed(text: str) -> None:
    try:
        expr.parse(text)
    except expr.ExpressionError as exc:
        assert exc.message


def test_the_server_still_answers_after_fuzzing(fuzz_client: Client) -> None:
    assert fuzz_client.get("/api/health").json["ok"] is True
