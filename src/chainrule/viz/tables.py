"""The explain tables of a graph document, as the JSON the shared viewer (static/graph.js) steps through.

Nothing here computes a gradient, a path or a local derivative: the gradient table is
`cr.explain.gradient_table(graph)` and the paths are `cr.explain.paths(graph, leaf)`. This module only
adds, for each row and each path factor, the graph's edge ids, so that the viewer can show a number
only once the backward step that produced it has been reached.

    from chainrule.viz.tables import tables
    t = tables(cr.graph(loss))
    t["gradient_table"][0]["how"]          # 'starting point: dL/dL = 1.0'
    t["paths"][0]["paths"][0]["edges"]     # ['e3'] (x side first)
"""

from __future__ import annotations

import time
from typing import Any

MAX_PATHS = 32  # paths listed per leaf (more are counted and summarized by node)
MAX_VARIABLES = 24  # leaves whose paths are listed
TIME_BUDGET = 2.0  # seconds of path work per graph; the leaves after it get a note instead


def _json_count(n: int) -> int | float:
    """An exact integer where JavaScript can hold it, else the nearest float."""
    return n if n <= 2**53 else float(n)


def _count_text(n: int) -> str:
    return f"{n:,}" if n < 10**9 else f"{float(n):.3g}"


def _consumers(graph: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for e in graph.edges:
        if e["flows"]:
            out.setdefault(e["source"], []).append(e)
    return out


def _route_edges(graph: Any, consumers: dict[str, list[dict[str, Any]]], start: str,
                 names: list[str]) -> list[str | None]:
    """The edge ids of a path given as node names (x side first): at each node, the consumer edge that
    carries gradient to the next name. None where the name is ambiguous or missing."""
    out: list[str | None] = []
    cur = start
    for name in names[1:]:
        found = [e for e in consumers.get(cur, []) if graph.by_id(e["target"])["name"] == name]
        targets = {e["target"] for e in found}
        if len(targets) != 1:
            return out + [None] * (len(names) - 1 - len(out))
        if len(found) == 1:
            out.append(found[0]["id"])
        else:  # the same input twice into one op (x * x): each path uses one of them; the viewer needs one id
            used = sum(1 for e in out if e in {f["id"] for f in found})
            out.append(found[min(used, len(found) - 1)]["id"])
        cur = found[0]["target"]
    return out


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("text")
    return value if isinstance(value, str) else None


def gradient_rows(graph: Any) -> list[dict[str, Any]]:
    """cr.explain.gradient_table(graph) as JSON rows (texts only: the document holds the numbers)."""
    from chainrule.explain import gradient_table

    rows = []
    for r in gradient_table(graph).to_dict():
        rows.append({"location": r["location"], "name": r["name"], "node": r["node"], "grad": _text(r["grad"]),
                     "how": r["how"],
                     "terms": [{"from": t.get("from"), "symbolic": t.get("symbolic"), "numeric": t.get("numeric"),
                                "value": _text(t.get("value")), "edges": list(t.get("edges") or [])}
                               for t in r.get("terms") or []]})
    return rows


def leaf_paths(graph: Any, max_paths: int = MAX_PATHS, max_variables: int = MAX_VARIABLES,
               budget: float = TIME_BUDGET) -> tuple[list[dict[str, Any]], list[str]]:
    """cr.explain.paths(graph, leaf) for each leaf that requires grad, with the edges of each listed path."""
    from chainrule.explain import paths

    leaves = [n for n in graph.nodes if n["kind"] == "leaf" and n.get("requires_grad", True)]
    notes: list[str] = []
    if len(leaves) > max_variables:
        notes.append(f"paths are listed for the first {max_variables} of {len(leaves)} leaves")
        leaves = leaves[:max_variables]
    out = []
    consumers = _consumers(graph)
    t0 = time.monotonic()
    for n in leaves:
        if time.monotonic() - t0 > budget:
            notes.append(f"path listing stopped after {budget:g} s: {len(leaves) - len(out)} leaves not listed")
            break
        p = paths(graph, n, max_paths=max_paths)
        count = int(p.count)
        entry: dict[str, Any] = {"node": n["id"], "name": p.name, "loss": p.loss, "grad": _text(p.grad),
                                 "count": _json_count(count), "count_text": _count_text(count),
                                 "too_many": bool(p.too_many), "notes": list(p.notes),
                                 "total": None if p.total is None else float(p.total),
                                 "paths": []}
        for term in p.paths:
            edges = _route_edges(graph, consumers, n["id"], term.names)
            entry["paths"].append({"names": list(term.names), "factors": list(term.factors),
                                   "product": term.product, "edges": edges})
        if p.too_many:
            entry["summary"] = [list(row) for row in (p.summary or [])[:64]]
            entry["note"] = (f"{entry['count_text']} paths: too many to list (limit {max_paths}); "
                             "summarized by node")
        out.append(entry)
    return out, notes


def tables(graph: Any, max_paths: int = MAX_PATHS) -> dict[str, Any]:
    """The gradient table and the leaves' paths of a graph, for the viewer."""
    rows = gradient_rows(graph)
    leaves, notes = leaf_paths(graph, max_paths=max_paths)
    return {"gradient_table": rows, "paths": leaves, "notes": notes}
