"""The graph lab's view of a computation: nodes, edges, forward and backward steps, gradient table and
chain-rule factors, every number read from the engine (its recorded graph and its backward observer).

    built = expr.build("(3*x + 1)**2", {"x": 2.0})
    view = describe(built.output, built.leaves, built.labels)
    view["table"][-1]   # {'name': 'x', 'grad': 42.0, ...}
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import chainrule as cr
from chainrule.engine.node import Node

MAX_NODES = 200  # graphs beyond this are refused with a message
MAX_PATHS = 32  # chain-rule paths listed per variable
MAX_PATH_EDGES = 10_000  # edges listed across all paths of one graph: bounds the work of one request

SYMBOLS = {
    "add": "+", "sub": "\u2212", "mul": "\u00d7", "div": "\u00f7", "pow": "^", "neg": "\u2212x",
    "rsub": "\u2212", "rdiv": "\u00f7", "rpow": "^", "maximum": "max", "minimum": "min",
}


class GraphError(ValueError):
    """A graph the lab cannot show (too large, no history, non-finite gradients): a 400 answer."""


def num(value: Any) -> Any:
    """A JSON-friendly number or nested list (None stays None)."""
    if value is None:
        return None
    if isinstance(value, cr.Tensor):
        value = value.detach().numpy()
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        v = float(arr)
        return v if math.isfinite(v) else None
    return [num(v) for v in arr]


def _topological(root: Node) -> list[Node]:
    """Op nodes reachable from root, inputs before consumers (iterative DFS)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            raise GraphError(f"the graph has more than {MAX_NODES} operations: too large for the graph lab")
        stack.append((node, True))
        for parent in reversed(node.parents):
            if isinstance(parent, Node) and id(parent) not in seen:
                stack.append((parent, False))
    return order


def describe(output: cr.Tensor, leaves: dict[str, cr.Tensor] | None = None,
             labels: dict[int, str] | None = None) -> dict[str, Any]:
    """Run backward on `output` under the observer and describe its graph, forward and backward steps.

    `leaves` names the variables (their tensors must require grad); `labels` maps id(node) to a display
    text (the subexpression it computes). Raises GraphError for graphs the lab cannot show.
    """
    labels = labels or {}
    leaves = leaves or {}
    if output.numel() != 1:
        raise GraphError("the output must be a single number (a scalar loss)")
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    ids: dict[int, str] = {}

    def leaf_id(t: cr.Tensor) -> str:
        if id(t) not in ids:
            name = t.name or f"leaf{len(ids)}"
            ids[id(t)] = f"v{len(nodes)}"
            nodes.append({"id": ids[id(t)], "kind": "variable", "label": name, "name": name, "expr": name,
                          "op": None, "value": num(t.detach()), "grad": None})
        return ids[id(t)]

    for t in leaves.values():
        leaf_id(t)
    root = output.grad_fn
    if root is None:
        if not output.requires_grad:
            raise GraphError("the expression has no variables: there is nothing to differentiate")
        out_id = leaf_id(output)
        nodes[-1]["grad"] = 1.0
        return _finish(nodes, edges, out_id, [], [])
    order = _topological(root)
    for k, node in enumerate(order):
        nid = f"n{k}"
        ids[id(node)] = nid
        op = node.op.name
        for i, parent in enumerate(node.parents):
            if isinstance(parent, Node):
                src = ids[id(parent)]
            elif isinstance(parent, cr.Tensor):
                src = leaf_id(parent)
            else:  # a constant, or a tensor that needs no gradient
                inp = node.inputs[i] if node.inputs is not None else None
                if inp is None:
                    continue
                src = f"c{len(nodes)}"
                val = num(inp.detach() if isinstance(inp, cr.Tensor) else inp)
                nodes.append({"id": src, "kind": "constant", "label": _fmt(val), "name": None, "expr": _fmt(val),
                              "op": None, "value": val, "grad": None})
            edges.append({"id": f"e{len(edges)}", "from": src, "to": nid, "arg": i, "formula": None,
                          "local": None, "contribution": None})
        expr = labels.get(id(node)) or node.out_name or f"{op}"
        name = node.out_name or (f"u{k + 1}" if node is not root else "out")
        nodes.append({"id": nid, "kind": "op", "label": SYMBOLS.get(op, op), "name": name, "expr": expr, "op": op,
                      "pytorch": node.name(), "value": num(node.out), "grad": None})
    out_id = ids[id(root)]
    forward = [ids[id(n)] for n in order]

    by_id = {n["id"]: n for n in nodes}
    with cr.autograd.observe() as steps, np.errstate(all="ignore"):
        output.backward()
    backward = []
    for step in steps:
        nid = ids[id(step.node)]
        upstream = num(step.upstream)
        by_id[nid]["grad"] = upstream
        step_edges = []
        for edge in edges:
            if edge["to"] != nid:
                continue
            i = edge["arg"]
            edge["formula"] = step.formulas[i] if i < len(step.formulas) else None
            local = step.local[i] if i < len(step.local) else None
            edge["local"] = num(local)
            edge["contribution"] = num(step.contributions[i]) if i < len(step.contributions) else None
            step_edges.append(edge["id"])
        backward.append({"node": nid, "upstream": upstream, "edges": step_edges})
    for t in leaves.values():
        by_id[ids[id(t)]]["grad"] = num(t.grad) if t.grad is not None else 0.0
    for n in nodes:
        if n["kind"] != "constant" and n["grad"] is None:
            raise GraphError(f"the gradient at {n['expr']} is not finite (NaN or infinite)")
        if n["kind"] == "variable" and isinstance(n["grad"], float) and not math.isfinite(n["grad"]):
            raise GraphError(f"the gradient at {n['expr']} is not finite")
    return _finish(nodes, edges, out_id, forward, backward)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return "[...]"


def _finish(nodes: list[dict], edges: list[dict], out_id: str, forward: list[str],
            backward: list[dict]) -> dict[str, Any]:
    _layout(nodes, edges, out_id)
    return {
        "nodes": nodes,
        "edges": edges,
        "output": out_id,
        "forward": forward,
        "backward": backward,
        "table": _table(nodes, edges, out_id, backward),
        "chains": _chains(nodes, edges, out_id),
    }


def _layout(nodes: list[dict], edges: list[dict], out_id: str) -> None:
    """Columns by longest path from the inputs; constants sit just left of their consumer."""
    incoming: dict[str, list[dict]] = {n["id"]: [] for n in nodes}
    for e in edges:
        incoming[e["to"]].append(e)
    col: dict[str, int] = {}
    const = {n["id"] for n in nodes if n["kind"] == "constant"}

    def column(nid: str) -> int:
        if nid in col:
            return col[nid]
        srcs = [e["from"] for e in incoming[nid] if e["from"] not in const]
        col[nid] = 1 + max(column(s) for s in srcs) if srcs else (1 if incoming[nid] else 0)
        return col[nid]

    for n in nodes:  # op nodes are in topological order, so recursion stays shallow
        if n["kind"] != "constant":
            column(n["id"])
    for e in edges:
        if e["from"] in const:
            col[e["from"]] = max(col[e["to"]] - 1, 0)
    for nid in const:
        col.setdefault(nid, 0)
    rows: dict[int, int] = {}
    for n in sorted(nodes, key=lambda n: (col[n["id"]], n["kind"] == "constant")):
        c = col[n["id"]]
        n["col"] = c
        n["row"] = rows.get(c, 0)
        rows[c] = n["row"] + 1


def _table(nodes: list[dict], edges: list[dict], out_id: str, backward: list[dict]) -> list[dict]:
    """One row per node from the output back to the variables: gradient and how it got its value."""
    by_id = {n["id"]: n for n in nodes}
    rows = []
    order = [b["node"] for b in backward] + [n["id"] for n in nodes if n["kind"] == "variable"]
    seen: set[str] = set()
    for nid in order:
        if nid in seen or nid not in by_id:
            continue
        seen.add(nid)
        n = by_id[nid]
        if nid == out_id:
            how, terms = "start: d out / d out = 1", []
        else:
            terms = []
            for e in edges:
                if e["from"] == nid and e["local"] is not None:
                    consumer = by_id[e["to"]]
                    terms.append({"via": consumer["expr"], "upstream": consumer["grad"], "local": e["local"],
                                  "formula": e["formula"], "contribution": e["contribution"]})
            how = " + ".join(f"{_fmt(t['upstream'])} \u00d7 {_fmt(t['local'])}" for t in terms)
            if how:
                how += f" = {_fmt(n['grad'])}"
            else:
                how = "no path to the output"
        rows.append({"node": nid, "name": n["name"], "expr": n["expr"], "kind": n["kind"], "value": n["value"],
                     "grad": n["grad"], "how": how, "terms": terms})
    return rows


def _chains(nodes: list[dict], edges: list[dict], out_id: str) -> list[dict]:
    """For each variable: its paths to the output (at most MAX_PATHS listed), their local-derivative factors
    and products, and how many paths there are in all.

    Nodes that cannot reach the output are pruned before any path work, so every step of the walk is on a
    path to the output; the edges listed across all variables are capped by MAX_PATH_EDGES. A graph with
    more paths (a lattice has 2**layers) gets the first ones and a count: a summary, never a stall.
    """
    by_id = {n["id"]: n for n in nodes}
    incoming: dict[str, list[dict]] = {}
    for e in edges:
        incoming.setdefault(e["to"], []).append(e)
    live = {out_id}  # nodes with a path to the output
    stack = [out_id]
    while stack:
        for e in incoming.get(stack.pop(), []):
            if e["from"] not in live:
                live.add(e["from"])
                stack.append(e["from"])
    outgoing: dict[str, list[dict]] = {}
    for e in edges:
        if e["from"] in live and e["to"] in live:
            outgoing.setdefault(e["from"], []).append(e)
    counts = _path_counts(outgoing, live, out_id)
    budget = MAX_PATH_EDGES
    chains = []
    for n in nodes:
        if n["kind"] != "variable":
            continue
        paths: list[list[dict]] = []  # each from the output back to the variable, as the chapter writes it
        # depth-first; a path is a linked list (edge, rest) so a step costs O(1), a listed path its length
        walk: list[tuple[str, tuple | None]] = [(n["id"], None)] if n["id"] in live else []
        while walk and len(paths) < MAX_PATHS and budget > 0:
            nid, link = walk.pop()
            if nid == out_id:
                path = []
                while link is not None:
                    path.append(link[0])
                    link = link[1]
                budget -= len(path)
                paths.append(path)
                continue
            for e in reversed(outgoing.get(nid, [])):
                budget -= 1
                walk.append((e["to"], (e, link)))
        listed = []
        for path in paths:
            factors = []
            product: float | None = 1.0
            for e in path:
                frm, to = by_id[e["from"]], by_id[e["to"]]
                factors.append({"of": to["expr"], "wrt": frm["expr"], "formula": e["formula"], "value": e["local"]})
                product = product * e["local"] if isinstance(e["local"], float) and product is not None else None
            listed.append({"factors": factors, "product": product})
        total = counts.get(n["id"], 0)
        chain = {"variable": n["name"], "grad": n["grad"], "paths": listed, "path_count": _json_count(total),
                 "truncated": len(listed) < total}
        if chain["truncated"]:
            chain["note"] = f"too many paths to list: {_count_text(total)} in all, the first {len(listed)} shown"
        chains.append(chain)
    return chains


def _path_counts(outgoing: dict[str, list[dict]], live: set[str], out_id: str) -> dict[str, int]:
    """Number of paths from each live node to the output (exact integers; iterative, linear in the edges)."""
    counts: dict[str, int] = {out_id: 1}
    for start in live:
        stack = [(start, False)]
        while stack:
            nid, done = stack.pop()
            if nid in counts:
                continue
            if done:
                counts[nid] = sum(counts[e["to"]] for e in outgoing.get(nid, []))
                continue
            stack.append((nid, True))
            stack.extend((e["to"], False) for e in outgoing.get(nid, []) if e["to"] not in counts)
    return counts


def _json_count(n: int) -> int | float:
    """An exact integer where JavaScript can hold it, else the nearest float."""
    return n if n <= 2**53 else float(n)


def _count_text(n: int) -> str:
    return f"{n:,}" if n < 10**9 else f"{float(n):.3g}"
