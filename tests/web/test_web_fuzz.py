"""Fuzzing the JSON API: schemathesis generates requests from the OpenAPI document (valid and invalid),
hypothesis throws arbitrary JSON and expression text; the server never answers 5xx and keeps serving."""

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


JSON = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
                    | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children,
                                                                                       max_size=5), max_leaves=20)
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
def test_playground_values_near_the_limits(fuzz_client: Client, data: st.DataObject, path: str) -> None:
    values = st.floats(-20, 20) | st.integers(-100, 3000) | st.sampled_from(["relu", "tanh", "x", ""]) \
        | st.lists(st.integers(-1, 2), max_size=5)
    body = data.draw(st.dictionaries(st.sampled_from(KEYS[path]), values, max_size=4))
    r = fuzz_client.post(path, body)
    assert r.status in (200, 400), (path, body, r.body[:300])


TOKENS = ["x", "y", "w", "1", "0", "2.5", "1e308", "-", "+", "*", "/", "**", "(", ")", ",", "relu(", "log(", "sqrt(",
          "exp(", "max(", "abs(", "tanh(", " ", "0.0", "9" * 30, "."]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=30),
       values=st.fixed_dictionaries({}, optional={"x": st.floats(-5, 5), "y": st.floats(-1e6, 1e6),
                                                  "w": st.sampled_from([0.0, -0.0, 1e-300, -3.0])}))
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
