"""The JSON API: one function per endpoint, request dict in, response dict out.

Independent of HTTP so the Jupyter widgets and tests can call it directly. Errors are `ApiError`s with an
HTTP status and a message meant for people; anything unexpected is reported by the server as a 500
without details (the fuzz tests assert that never happens).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any

from chainrule.playgrounds import PlaygroundError, depth, flip, neuron, two_inputs
from chainrule.version import __version__
from chainrule.web import expr, upload

DEFAULT_VALUE = 1.0  # value of a variable the request gives none for

# One computation at a time. Grad mode and observers are per thread now, so this lock is no longer needed for
# correctness; it still bounds the work the server does at once (see docs/playgrounds.md).
ENGINE_LOCK = threading.Lock()
LOCK_TIMEOUT = 10.0  # seconds a request waits for the engine before it is answered 503 (busy)


class ApiError(Exception):
    def __init__(self, status: int, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail or {}

    def to_json(self) -> dict[str, Any]:
        return {"error": self.message, "status": self.status, **self.detail}


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return body


def health(_: Any = None) -> dict[str, Any]:
    return {"ok": True, "version": __version__}


def openapi(_: Any = None) -> dict[str, Any]:
    return json.loads(resources.files("chainrule.web").joinpath("openapi.json").read_text(encoding="utf-8"))


def functions(_: Any = None) -> dict[str, Any]:
    return {
        "functions": [{"name": n, "arity": fn.arity, "doc": fn.doc} for n, fn in sorted(expr.FUNCTIONS.items())],
        "operators": ["+", "-", "*", "/", "**", "unary -"],
        "limits": {"length": expr.MAX_LENGTH, "depth": expr.MAX_DEPTH, "operations": expr.MAX_OPS,
                   "variables": expr.MAX_VARIABLES, "magnitude": expr.MAX_MAGNITUDE,
                   "graph_nodes": upload.MAX_NODES},
    }


def _view(document: dict[str, Any]) -> dict[str, Any]:
    """What the graph lab shows: the graph document and its explain tables (the one model, docs/graph-schema.md)."""
    from chainrule.explain.model import Graph
    from chainrule.viz.tables import tables

    return {"document": document, "tables": tables(Graph(document))}


def graph(body: Any) -> dict[str, Any]:
    body = _object(body)
    try:
        given = expr.check_variables(body.get("variables", {}) if body.get("variables") is not None else {})
        names = expr.variable_names(expr.parse(body.get("expression")))
        if len(names) > expr.MAX_VARIABLES:
            raise expr.ExpressionError(f"at most {expr.MAX_VARIABLES} variables")
        defaulted = [n for n in names if n not in given]
        built = expr.build(body.get("expression"), {n: given.get(n, DEFAULT_VALUE) for n in names})
    except expr.ExpressionError as exc:
        detail = {"column": exc.column} if exc.column else {}
        raise ApiError(400, exc.message, detail) from None
    if built.output.grad_fn is None:
        raise ApiError(400, "the expression has no variables: there is nothing to differentiate"
                       if not built.output.requires_grad else
                       "the expression is a single variable: there is no operation to show")
    # name the intermediate results as the chapter does (u1, u2, ... in the order they are computed)
    inner = [t for t in built.results.values() if t is not built.output]
    for k, t in enumerate(inner):
        t.name = f"u{k + 1}"
    built.output.name = "out"
    from chainrule.explain import graph as explain_graph

    document = json.loads(explain_graph(built.output).to_json())
    _check_finite(document)
    return {"expression": built.text, "variables": {k: float(v.item()) for k, v in built.leaves.items()},
            "defaulted": defaulted, **_view(document)}


def _finite(v: Any) -> bool:
    """False for NaN and infinities (the document writes them as the strings "nan", "inf", "-inf")."""
    if isinstance(v, str):
        return False
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, list):
        return all(_finite(x) for x in v)
    return True


def _check_finite(document: dict[str, Any]) -> None:
    """A graph whose numbers are not all finite is refused with the node's name (JSON has no NaN or infinity)."""
    for n in document["nodes"]:
        for key in ("value", "grad"):
            if n[key] is not None and not _finite(n[key].get("data")):
                what = "gradient" if key == "grad" else "value"
                raise ApiError(400, f"the {what} at {n['name']} is not finite (NaN or infinite)")
    names = {n["id"]: n["name"] for n in document["nodes"]}
    for e in document["edges"]:
        for key in ("local", "contribution"):
            if e[key] is not None and not _finite(e[key].get("data")):
                raise ApiError(400, f"the local derivative of {names[e['target']]} with respect to "
                               f"{names[e['source']]} is not finite (NaN or infinite)")
    try:
        json.dumps(document, allow_nan=False)
    except ValueError:
        raise ApiError(400, "the graph holds a number that is not finite (NaN or infinite)") from None


def graph_upload(body: Any) -> dict[str, Any]:
    body = _object(body)
    try:
        document = upload.check_document(body.get("graph"))
    except upload.UploadError as exc:
        raise ApiError(400, str(exc)) from None
    return {"uploaded": True, **_view(document)}


def _playground(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    def handler(body: Any) -> dict[str, Any]:
        try:
            return fn(_object(body))
        except PlaygroundError as exc:
            raise ApiError(400, str(exc)) from None

    handler.__name__ = fn.__module__.rsplit(".", 1)[-1]
    return handler


# (method, path) -> handler(body). GET handlers receive None.
ROUTES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("GET", "/api/health"): health,
    ("GET", "/api/openapi.json"): openapi,
    ("GET", "/api/functions"): functions,
    ("POST", "/api/graph"): graph,
    ("POST", "/api/graph/upload"): graph_upload,
    ("POST", "/api/neuron"): _playground(neuron.compute),
    ("POST", "/api/two-inputs"): _playground(two_inputs.compute),
    ("POST", "/api/flip"): _playground(flip.compute),
    ("POST", "/api/depth"): _playground(depth.compute),
}


# Routes that never touch the engine: answered without waiting for the engine lock.
READ_ONLY = frozenset({health, openapi, functions})


def call(method: str, path: str, body: Any = None) -> dict[str, Any]:
    """Run one endpoint, under the engine lock if it computes (raises ApiError; 404/405 for unknown routes,
    503 when the engine stays busy for LOCK_TIMEOUT seconds)."""
    handler = ROUTES.get((method, path))
    if handler is None:
        if any(p == path for _, p in ROUTES):
            raise ApiError(405, f"{method} is not allowed on {path}")
        raise ApiError(404, f"no such endpoint: {path[:100]}")
    if handler in READ_ONLY:
        return handler(body)
    if not ENGINE_LOCK.acquire(timeout=LOCK_TIMEOUT):
        raise ApiError(503, f"the engine is busy with other requests (waited {LOCK_TIMEOUT:g} s): try again")
    try:
        return handler(body)
    finally:
        ENGINE_LOCK.release()
