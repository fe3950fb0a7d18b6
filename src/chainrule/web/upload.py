"""Uploaded graph JSON (as exported by the graph lab's "Download JSON" or by `cr.graph(loss).to_json()`),
validated and turned back into the graph lab's view. Nothing in it is executed: it is data only."""

from __future__ import annotations

import math
from typing import Any

from chainrule.web import graphview

MAX_TEXT = 200
MAX_NUMBERS = 20_000


class UploadError(ValueError):
    """Why an uploaded graph was refused (a 400 answer)."""


def _text(v: Any, what: str, optional: bool = True) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise UploadError(f"{what} must be a string")
    return v[:MAX_TEXT]


def _numbers(v: Any, what: str, budget: list[int], depth: int = 0) -> Any:
    """A number, None, or a nested list of them (bounded in depth and count)."""
    if v is None:
        return None
    if depth > 8:
        raise UploadError(f"{what} is nested too deeply")
    if isinstance(v, bool) or not isinstance(v, int | float | list):
        raise UploadError(f"{what} must be a number, null or a list of numbers")
    if isinstance(v, list):
        return [_numbers(x, what, budget, depth + 1) for x in v]
    budget[0] += 1
    if budget[0] > MAX_NUMBERS:
        raise UploadError(f"the graph holds more than {MAX_NUMBERS} numbers: too large")
    try:
        v = float(v)
    except OverflowError:  # an integer beyond the float range, such as 10**400
        raise UploadError(f"{what} is beyond the range of a float64") from None
    return v if math.isfinite(v) else None


def view_from_json(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise UploadError("graph must be a JSON object with nodes and edges")
    document = None
    if "schema" in doc:
        document = _checked_document(doc)
        doc = _from_explain_schema(doc)
    nodes_in, edges_in = doc.get("nodes"), doc.get("edges")
    if not isinstance(nodes_in, list) or not isinstance(edges_in, list):
        raise UploadError("graph must have a list of nodes and a list of edges")
    if not nodes_in:
        raise UploadError("the graph has no nodes")
    if len(nodes_in) > graphview.MAX_NODES:
        raise UploadError(f"the graph has {len(nodes_in)} nodes: more than {graphview.MAX_NODES}, too large for the "
                          "graph lab")
    if len(edges_in) > 4 * graphview.MAX_NODES:
        raise UploadError(f"the graph has {len(edges_in)} edges: too many")
    budget = [0]
    nodes: list[dict[str, Any]] = []
    ids: set[str] = set()
    for i, n in enumerate(nodes_in):
        if not isinstance(n, dict):
            raise UploadError(f"node {i} must be an object")
        nid = _text(n.get("id"), f"node {i} id", optional=False)
        if nid in ids:
            raise UploadError(f"duplicate node id {nid!r}")
        ids.add(nid)
        kind = n.get("kind", "op")
        if kind not in ("variable", "constant", "op"):
            raise UploadError(f"node {nid!r}: kind must be variable, constant or op")
        label = _text(n.get("label"), f"node {nid!r} label") or nid
        nodes.append({
            "id": nid, "kind": kind, "label": label,
            "name": _text(n.get("name"), f"node {nid!r} name"),
            "expr": _text(n.get("expr"), f"node {nid!r} expr") or label,
            "op": _text(n.get("op"), f"node {nid!r} op"),
            "value": _numbers(n.get("value"), f"node {nid!r} value", budget),
            "grad": _numbers(n.get("grad"), f"node {nid!r} grad", budget),
        })
    edges: list[dict[str, Any]] = []
    for i, e in enumerate(edges_in):
        if not isinstance(e, dict):
            raise UploadError(f"edge {i} must be an object")
        src, dst = e.get("from"), e.get("to")
        if not isinstance(src, str) or not isinstance(dst, str):
            raise UploadError(f"edge {i}: from and to must be node ids (strings)")
        if src not in ids or dst not in ids:
            raise UploadError(f"edge {i} connects unknown nodes")
        arg = e.get("arg", 0)
        if isinstance(arg, bool) or not isinstance(arg, int) or not 0 <= arg < 64:
            raise UploadError(f"edge {i}: arg must be a small integer")
        edges.append({
            "id": f"e{i}", "from": src, "to": dst, "arg": arg,
            "formula": _text(e.get("formula"), f"edge {i} formula"),
            "local": _numbers(e.get("local"), f"edge {i} local", budget),
            "contribution": _numbers(e.get("contribution"), f"edge {i} contribution", budget),
        })
    order = _topological(nodes, edges)
    consumers = {e["from"] for e in edges}
    sinks = [n["id"] for n in nodes if n["id"] not in consumers]
    output = doc.get("output")
    if not isinstance(output, str) or output not in ids:
        if len(sinks) != 1:
            raise UploadError("the graph must have exactly one output (or name it in 'output')")
        output = sinks[0]
    forward = [nid for nid in order if any(e["to"] == nid for e in edges)]
    backward = [{"node": nid, "upstream": next(n["grad"] for n in nodes if n["id"] == nid),
                 "edges": [e["id"] for e in edges if e["to"] == nid]} for nid in reversed(forward)]
    view = graphview._finish(nodes, edges, output, forward, backward)
    view["uploaded"] = True
    view["document"] = document
    return view


def _topological(nodes: list[dict], edges: list[dict]) -> list[str]:
    indegree = {n["id"]: 0 for n in nodes}
    out: dict[str, list[str]] = {}
    for e in edges:
        indegree[e["to"]] += 1
        out.setdefault(e["from"], []).append(e["to"])
    ready = [nid for nid, d in indegree.items() if d == 0]
    order = []
    while ready:
        nid = ready.pop(0)
        order.append(nid)
        for m in out.get(nid, []):
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    if len(order) != len(nodes):
        raise UploadError("the graph has a cycle: a computational graph must be acyclic")
    return order


SCHEMA = "chainrule.graph"
SUPPORTED_VERSIONS = (1,)


def _data(v: Any) -> Any:
    """The schema's value object ({shape, dtype, text, data}) -> its data (None when absent or too large)."""
    if v is None:
        return None
    if not isinstance(v, dict):
        raise UploadError("values in a chainrule.graph document must be objects with 'data'")
    return v.get("data")


def _checked_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as the shared viewer will read it: its lists present and of the right type."""
    out = dict(doc)
    for key in ("notices", "groups", "backward_steps"):
        value = out.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict | str) for v in value):
            raise UploadError(f"{key} must be a list")
        out[key] = value
    if not all(isinstance(t, str) for t in out["notices"]):
        raise UploadError("notices must be a list of strings")
    for key in ("groups", "backward_steps"):
        if not all(isinstance(v, dict) for v in out[key]):
            raise UploadError(f"{key} must be a list of objects")
    if out.get("default_view") not in ("elements", "groups"):
        out["default_view"] = "elements"
    if not isinstance(out.get("loss_name"), str):
        out["loss_name"] = "L"
    return out


def _from_explain_schema(doc: dict[str, Any]) -> dict[str, Any]:
    """A `cr.graph(loss).to_json()` document (schema chainrule.graph, docs/graph-schema.md) in the lab's form."""
    if doc.get("schema") != SCHEMA:
        raise UploadError(f"unknown schema {str(doc.get('schema'))[:40]!r}: expected {SCHEMA!r}")
    if doc.get("version") not in SUPPORTED_VERSIONS:
        raise UploadError(f"graph schema version {str(doc.get('version'))[:20]} is not supported "
                          f"(supported: {', '.join(map(str, SUPPORTED_VERSIONS))})")
    nodes_in, edges_in = doc.get("nodes"), doc.get("edges")
    if not isinstance(nodes_in, list) or not isinstance(edges_in, list):
        raise UploadError("graph must have a list of nodes and a list of edges")
    if len(nodes_in) > graphview.MAX_NODES:
        raise UploadError(f"the graph has {len(nodes_in)} nodes: more than {graphview.MAX_NODES}, too large for the "
                          "graph lab")
    kinds = {"leaf": "variable", "constant": "constant", "op": "op"}
    nodes, edges = [], []
    for i, n in enumerate(nodes_in):
        if not isinstance(n, dict):
            raise UploadError(f"node {i} must be an object")
        kind = kinds.get(n["kind"]) if isinstance(n.get("kind"), str) else None
        if kind is None:
            raise UploadError(f"node {i}: kind {str(n.get('kind'))[:20]!r} is not shown by the graph lab "
                              "(export with default_view 'elements')")
        op = n.get("op")
        label = graphview.SYMBOLS.get(op, op) if kind == "op" and isinstance(op, str) else n.get("name")
        nodes.append({"id": n.get("id"), "kind": kind, "label": label, "name": n.get("name"),
                      "expr": n.get("expression") or n.get("name"), "op": op,
                      "value": _data(n.get("value")), "grad": _data(n.get("grad"))})
    for i, e in enumerate(edges_in):
        if not isinstance(e, dict):
            raise UploadError(f"edge {i} must be an object")
        edges.append({"from": e.get("source"), "to": e.get("target"), "arg": e.get("index", 0),
                      "formula": e.get("formula"), "local": _data(e.get("local")),
                      "contribution": _data(e.get("contribution"))})
    return {"nodes": nodes, "edges": edges, "output": doc.get("root")}
