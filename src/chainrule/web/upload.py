"""An uploaded graph document (`cr.graph(loss).to_json()` or the graph lab's "download"), checked field by
field before anything reads it. Nothing in it is executed: it is data only.

The checked document is the one model of chainrule.explain (docs/graph-schema.md): the page shows it with
the shared viewer, and its tables come from chainrule.explain through chainrule.viz.tables. This module
only refuses what is malformed or too large, so that neither of them meets a field of the wrong type.
"""

from __future__ import annotations

import math
from typing import Any

MAX_TEXT = 400  # characters kept of any text field
MAX_NODES = 2000  # nodes of an uploaded graph
MAX_EDGES = 8000
MAX_NUMBERS = 20_000  # numbers in all `data` fields together
MAX_LIST = 4096  # entries of any other list (grad states, terms, steps of one node...)
SCHEMA = "chainrule.graph"
SUPPORTED_VERSIONS = (1,)


class UploadError(ValueError):
    """Why an uploaded graph was refused (a 400 answer)."""


def _text(v: Any, what: str, optional: bool = True) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise UploadError(f"{what} must be a string")
    return v[:MAX_TEXT]


def _bool(v: Any, what: str, default: bool | None = None) -> bool | None:
    if v is None:
        return default
    if not isinstance(v, bool):
        raise UploadError(f"{what} must be true or false")
    return v


def _int(v: Any, what: str, optional: bool = True, lo: int = -1, hi: int = 10**9) -> int | None:
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise UploadError(f"{what} must be an integer from {lo} to {hi}")
    return v


def _list(v: Any, what: str, limit: int = MAX_LIST) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise UploadError(f"{what} must be a list")
    if len(v) > limit:
        raise UploadError(f"{what} has {len(v)} entries: at most {limit}")
    return v


def _texts(v: Any, what: str) -> list[str]:
    return [_text(x, what, optional=False) or "" for x in _list(v, what)]


def _numbers(v: Any, what: str, budget: list[int], depth: int = 0) -> Any:
    """A number, None, or a nested list of them (bounded in depth and count); non-finite numbers become None."""
    if v is None or v in ("nan", "inf", "-inf"):  # how the document writes non-finite numbers
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


def _value(v: Any, what: str, budget: list[int]) -> dict[str, Any] | None:
    """A value object {shape, dtype, text, data[, summary]}."""
    if v is None:
        return None
    if not isinstance(v, dict):
        raise UploadError(f"{what} must be an object with shape, dtype, text and data (or null)")
    shape = [_int(s, f"{what} shape", optional=False, lo=0) for s in _list(v.get("shape"), f"{what} shape", 16)]
    data = _numbers(v.get("data"), f"{what} data", budget)
    text = _text(v.get("text"), f"{what} text")
    if text is None:
        text = "?" if data is None else str(data)[:MAX_TEXT]
    out: dict[str, Any] = {"shape": shape, "dtype": _text(v.get("dtype"), f"{what} dtype") or "float32",
                           "text": text, "data": data}
    summary = v.get("summary")
    if isinstance(summary, dict):
        out["summary"] = {k: _text(summary.get(k), f"{what} summary") for k in ("min", "max", "mean", "norm")}
    return out


def _extra(n: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """Fields this chainrule does not know yet (a newer exporter's grouping fields): kept when they are
    short texts, integers, booleans or null, dropped otherwise."""
    out: dict[str, Any] = {}
    for k, v in list(n.items())[:64]:
        if k in known or not isinstance(k, str) or len(k) > 40:
            continue
        if v is None or isinstance(v, bool) or (isinstance(v, int) and abs(v) < 2**53):
            out[k] = v
        elif isinstance(v, str):
            out[k] = v[:MAX_TEXT]
    return out


NODE_KEYS = {"id", "kind", "name", "explicit_name", "op", "grad_fn", "requires_grad", "shape", "dtype", "value", "grad",
             "module", "module_type", "groups", "forward_index", "backward_index", "inputs", "arg_names",
             "elementwise", "expression", "forward_text", "grad_states"}
EDGE_KEYS = {"id", "source", "target", "index", "arg", "formula", "formula_named", "formula_factor", "flows", "local",
             "contribution", "step", "text", "accumulated"}


def _node(n: Any, i: int, budget: list[int]) -> dict[str, Any]:
    if not isinstance(n, dict):
        raise UploadError(f"node {i} must be an object")
    nid = _text(n.get("id"), f"node {i} id", optional=False)
    kind = n.get("kind")
    if kind not in ("leaf", "op", "constant"):
        raise UploadError(f"node {nid!r}: kind must be leaf, op or constant")
    w = f"node {nid!r}"
    states = []
    for s in _list(n.get("grad_states"), f"{w} grad_states"):
        if not isinstance(s, dict):
            raise UploadError(f"{w} grad_states must be objects")
        states.append({"step": _int(s.get("step"), f"{w} grad state step", optional=False),
                       "text": _text(s.get("text"), f"{w} grad state text") or "?",
                       "terms": _texts(s.get("terms"), f"{w} grad state terms"),
                       "complete": bool(_bool(s.get("complete"), f"{w} grad state complete", False))})
    shape = n.get("shape")
    out = {
        "id": nid, "kind": kind, "name": _text(n.get("name"), f"{w} name") or nid,
        "explicit_name": bool(_bool(n.get("explicit_name"), f"{w} explicit_name", False)),
        "op": _text(n.get("op"), f"{w} op"), "grad_fn": _text(n.get("grad_fn"), f"{w} grad_fn"),
        "requires_grad": bool(_bool(n.get("requires_grad"), f"{w} requires_grad", kind != "constant")),
        "shape": None if shape is None else [_int(s, f"{w} shape", optional=False, lo=0)
                                             for s in _list(shape, f"{w} shape", 16)],
        "dtype": _text(n.get("dtype"), f"{w} dtype"),
        "value": _value(n.get("value"), f"{w} value", budget), "grad": _value(n.get("grad"), f"{w} grad", budget),
        "module": _text(n.get("module"), f"{w} module"), "module_type": _text(n.get("module_type"), f"{w} module_type"),
        "groups": _texts(n.get("groups"), f"{w} groups"),
        "forward_index": _int(n.get("forward_index"), f"{w} forward_index"),
        "backward_index": _int(n.get("backward_index"), f"{w} backward_index"),
        "inputs": _texts(n.get("inputs"), f"{w} inputs"), "arg_names": _texts(n.get("arg_names"), f"{w} arg_names"),
        "elementwise": _bool(n.get("elementwise"), f"{w} elementwise"),
        "expression": _text(n.get("expression"), f"{w} expression"),
        "forward_text": _text(n.get("forward_text"), f"{w} forward_text"), "grad_states": states,
    }
    out.update(_extra(n, NODE_KEYS))
    return out


def _edge(e: Any, i: int, ids: set[str], budget: list[int]) -> dict[str, Any]:
    if not isinstance(e, dict):
        raise UploadError(f"edge {i} must be an object")
    w = f"edge {i}"
    src, dst = e.get("source"), e.get("target")
    if not isinstance(src, str) or not isinstance(dst, str):
        raise UploadError(f"{w}: source and target must be node ids (strings)")
    if src not in ids or dst not in ids:
        raise UploadError(f"{w} connects unknown nodes")
    acc = e.get("accumulated")
    if acc is not None:
        if not isinstance(acc, dict):
            raise UploadError(f"{w} accumulated must be an object")
        acc = {"terms": _texts(acc.get("terms"), f"{w} accumulated terms"),
               "text": _text(acc.get("text"), f"{w} accumulated text") or "?",
               "complete": bool(_bool(acc.get("complete"), f"{w} accumulated complete", False)),
               "count": _int(acc.get("count"), f"{w} accumulated count", optional=False, lo=0),
               "of": _int(acc.get("of"), f"{w} accumulated of", optional=False, lo=0)}
    formula = _text(e.get("formula"), f"{w} formula") or "?"
    out = {
        "id": _text(e.get("id"), f"{w} id") or f"e{i}", "source": src, "target": dst,
        "index": _int(e.get("index"), f"{w} index", optional=False, lo=0, hi=63) if "index" in e else 0,
        "arg": _text(e.get("arg"), f"{w} arg") or "x", "formula": formula,
        "formula_named": _text(e.get("formula_named"), f"{w} formula_named") or formula,
        "formula_factor": _text(e.get("formula_factor"), f"{w} formula_factor") or formula,
        "flows": bool(_bool(e.get("flows"), f"{w} flows", True)),
        "local": _value(e.get("local"), f"{w} local", budget),
        "contribution": _value(e.get("contribution"), f"{w} contribution", budget),
        "step": _int(e.get("step"), f"{w} step"), "text": _text(e.get("text"), f"{w} text"), "accumulated": acc,
    }
    out.update(_extra(e, EDGE_KEYS))
    return out


def _acyclic(nodes: list[dict], edges: list[dict]) -> None:
    indegree = {n["id"]: 0 for n in nodes}
    out: dict[str, list[str]] = {}
    for e in edges:
        indegree[e["target"]] += 1
        out.setdefault(e["source"], []).append(e["target"])
    ready = [nid for nid, d in indegree.items() if d == 0]
    seen = 0
    while ready:
        nid = ready.pop()
        seen += 1
        for m in out.get(nid, []):
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    if seen != len(nodes):
        raise UploadError("the graph has a cycle: a computational graph must be acyclic")


def check_document(doc: Any) -> dict[str, Any]:
    """The uploaded document, every field checked and of the type chainrule.explain writes (raises UploadError)."""
    if not isinstance(doc, dict):
        raise UploadError("graph must be a JSON object: a chainrule.graph document (cr.graph(loss).to_json())")
    if doc.get("schema") != SCHEMA:
        raise UploadError(f"unknown schema {str(doc.get('schema'))[:40]!r}: expected {SCHEMA!r} "
                          "(a document written by cr.graph(loss).to_json() or the graph lab's download)")
    if doc.get("version") not in SUPPORTED_VERSIONS or isinstance(doc.get("version"), bool):
        raise UploadError(f"graph schema version {str(doc.get('version'))[:20]} is not supported "
                          f"(supported: {', '.join(map(str, SUPPORTED_VERSIONS))})")
    nodes_in, edges_in = doc.get("nodes"), doc.get("edges")
    if not isinstance(nodes_in, list) or not isinstance(edges_in, list):
        raise UploadError("graph must have a list of nodes and a list of edges")
    if not nodes_in:
        raise UploadError("the graph has no nodes")
    if len(nodes_in) > MAX_NODES:
        raise UploadError(f"the graph has {len(nodes_in)} nodes: more than {MAX_NODES}, too large to upload")
    if len(edges_in) > MAX_EDGES:
        raise UploadError(f"the graph has {len(edges_in)} edges: more than {MAX_EDGES}, too many")
    budget = [0]
    nodes = [_node(n, i, budget) for i, n in enumerate(nodes_in)]
    ids = {n["id"] for n in nodes}
    if len(ids) != len(nodes):
        raise UploadError("node ids must be unique")
    edges = [_edge(e, i, ids, budget) for i, e in enumerate(edges_in)]
    if len({e["id"] for e in edges}) != len(edges):
        raise UploadError("edge ids must be unique")
    _acyclic(nodes, edges)
    root = doc.get("root")
    if not isinstance(root, str) or root not in ids:
        raise UploadError("root must be the id of a node of the graph")
    edge_ids = {e["id"] for e in edges}
    steps = []
    for i, s in enumerate(_list(doc.get("backward_steps"), "backward_steps", MAX_NODES)):
        if not isinstance(s, dict) or not isinstance(s.get("node"), str) or s["node"] not in ids:
            raise UploadError(f"backward step {i} must be an object naming a node")
        step_edges = _texts(s.get("edges"), f"backward step {i} edges")
        if any(e not in edge_ids for e in step_edges):
            raise UploadError(f"backward step {i} names an unknown edge")
        upstream = _value(s.get("upstream"), f"backward step {i} upstream", budget)
        steps.append({"index": i, "node": s["node"], "upstream": upstream, "edges": step_edges})
    groups = []
    group_ids: set[str] = set()
    for i, g in enumerate(_list(doc.get("groups"), "groups", MAX_NODES)):
        if not isinstance(g, dict):
            raise UploadError(f"group {i} must be an object")
        gid = _text(g.get("id"), f"group {i} id", optional=False)
        members = [m for m in _texts(g.get("nodes"), f"group {i} nodes") if m in ids]
        groups.append({"id": gid, "kind": "module" if g.get("kind") == "module" else "op",
                       "label": _text(g.get("label"), f"group {i} label") or gid,
                       "path": _text(g.get("path"), f"group {i} path"),
                       "module_type": _text(g.get("module_type"), f"group {i} module_type"),
                       "parent": _text(g.get("parent"), f"group {i} parent"), "nodes": members})
        group_ids.add(gid or "")
    for g in groups:
        if g["parent"] not in group_ids or g["parent"] == g["id"]:
            g["parent"] = None
    for n in nodes:
        n["groups"] = [g for g in n["groups"] if g in group_ids]
    status = doc.get("status") if isinstance(doc.get("status"), dict) else {}
    gradients = status.get("gradients")
    return {
        "schema": SCHEMA, "version": doc["version"], "root": root,
        "loss_name": _text(doc.get("loss_name"), "loss_name") or "L",
        "seed": _value(doc.get("seed"), "seed", budget) or {"shape": [], "dtype": "float32", "text": "1.0",
                                                           "data": 1.0},
        "status": {"values": status.get("values") if isinstance(status.get("values"), str) else "complete",
                   "gradients": gradients if isinstance(gradients, str) else ""},
        "default_view": doc.get("default_view") if doc.get("default_view") in ("elements", "groups") else "elements",
        "notices": _texts(doc.get("notices"), "notices"),
        "backward_steps": steps, "groups": groups, "nodes": nodes, "edges": edges,
    }
