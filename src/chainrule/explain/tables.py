"""Gradient tables, chain-rule factorizations and path sums, built from a graph's recorded numbers.

Every number comes from the engine (the graph's observed backward pass): local derivatives and
contributions as applied. Each result prints as plain text (`str`), to the terminal with rich
(`.print()` or `rich.print(result)`), as Markdown (`.to_markdown()`) and as HTML (`.to_html()`).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.explain.naming import factor, symbol
from chainrule.explain.values import fmt_array, fmt_number, is_scalar, scalar, value_array

TIMES = "×"
DOT = "·"


# ---------------------------------------------------------------------- shared rendering
class _Rendered:
    title: str = ""

    def _header(self) -> list[str]:
        raise NotImplementedError

    def _rows(self) -> list[list[str]]:
        raise NotImplementedError

    def _footer(self) -> list[str]:
        return []

    def __str__(self) -> str:
        head, rows = self._header(), self._rows()
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        line = lambda r: " | ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
        out = [self.title] if self.title else []
        out += [line(head), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows]
        return "\n".join(out + self._footer())

    def to_markdown(self) -> str:
        esc = lambda c: c.replace("|", "\\|")  # noqa: E731
        head, rows = self._header(), self._rows()
        out = [f"**{self.title}**", ""] if self.title else []
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join("---" for _ in head) + "|")
        out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
        foot = self._footer()
        return "\n".join(out + ([""] + foot if foot else [])) + "\n"

    def to_html(self) -> str:
        e = html.escape
        head, rows = self._header(), self._rows()
        cap = f"<caption>{e(self.title)}</caption>" if self.title else ""
        body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
        foot = "".join(f"<p>{e(f)}</p>" for f in self._footer())
        return (f'<table class="cr-explain-table">{cap}<thead><tr>' + "".join(f"<th>{e(h)}</th>" for h in head)
                + f"</tr></thead><tbody>{body}</tbody></table>{foot}")

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        # every cell is Text, never markup: `[sum of G over the batch]` is a formula, not a style tag
        table = Table(title=Text(self.title) if self.title else None)
        for h in self._header():
            table.add_column(Text(h))
        for r in self._rows():
            table.add_row(*(Text(c) for c in r))
        foot = self._footer()
        return Group(table, *(Text(f) for f in foot)) if foot else table

    def print(self, file: Any = None) -> None:
        """Print to the terminal with rich; as plain text, never cut, when the output is not a terminal (a pipe,
        a file) or rich is missing."""
        import sys

        out = file if file is not None else sys.stdout
        isatty = getattr(out, "isatty", None)
        if not (isatty is not None and isatty()):
            print(str(self), file=out)
            return
        try:
            from rich.console import Console
        except ImportError:  # pragma: no cover - rich is a dependency of the cli extra
            print(str(self), file=out)
            return
        Console(file=out).print(self)


def _graph_and_index(output: Any, what: str) -> tuple[Any, dict[int, str]]:
    from chainrule.explain.build import build_indexed
    from chainrule.explain.model import Graph

    if hasattr(output, "data") and isinstance(getattr(output, "data", None), dict):
        return output, {}
    from chainrule.explain import _names

    data, index = build_indexed(output, names=_names(None), what=what)
    return Graph(data), index


def _find(graph: Any, index: dict[int, str], target: Any, what: str) -> dict[str, Any]:
    if isinstance(target, str):
        return graph.node(target)
    if isinstance(target, dict) and "id" in target:
        return target
    key = id(target.grad_fn) if getattr(target, "grad_fn", None) is not None else id(target)
    if key not in index:
        raise ValueError(f"{what}: that tensor is not part of the graph of {graph.root['name']} "
                         f"(the loss does not depend on it)")
    return graph.by_id(index[key])


class _Topology:
    """Consumer/producer lists over edges that carry gradient."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.consumers: dict[str, list[dict]] = {}
        self.inputs: dict[str, list[dict]] = {}
        for e in graph.edges:
            self.inputs.setdefault(e["target"], []).append(e)
            if e["flows"]:
                self.consumers.setdefault(e["source"], []).append(e)
        self.root = graph.root["id"]

    def backward_order(self) -> list[str]:
        """Consumers before producers; among siblings, argument order (reverse post-order, inputs reversed)."""
        post: list[str] = []
        seen: set[str] = set()
        stack: list[tuple[str, int]] = [(self.root, 0)]
        seen.add(self.root)
        while stack:
            nid, i = stack[-1]
            ins = list(reversed(self.inputs.get(nid, [])))
            if i < len(ins):
                stack[-1] = (nid, i + 1)
                src = ins[i]["source"]
                if src not in seen:
                    seen.add(src)
                    stack.append((src, 0))
            else:
                stack.pop()
                post.append(nid)
        return post[::-1]


def _loss(graph: Any) -> str:
    return graph.data["loss_name"]


def _derivative_name(graph: Any, top: str, bottom: str) -> str:
    return f"d{symbol(top)}/d{symbol(bottom)}"


# ---------------------------------------------------------------------- gradient table
@dataclass
class GradientRow:
    location: str
    name: str
    node: str
    value: str
    how: str
    grad: dict[str, Any] | None = None
    terms: list[dict[str, Any]] = field(default_factory=list)


class GradientTable(_Rendered):
    """One row per node from the loss back to the leaves: location, gradient value, how it got there."""

    def __init__(self, rows: list[GradientRow], notices: Sequence[str] = ()) -> None:
        self.rows = rows
        self.notices = list(notices)
        self.title = "Gradients, from the loss back to the leaves"

    def __getitem__(self, key: str) -> GradientRow:
        for r in self.rows:
            if r.location == key or r.name == key:
                return r
        raise KeyError(key)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def _header(self) -> list[str]:
        return ["Location", "Gradient Value", "How It Got There"]

    max_rows = 60  # longer tables are summarized: rows that repeat (time steps, layers) are counted, not listed

    def show_all(self) -> GradientTable:
        """The same table, every row listed (`chainrule explain --all-rows`)."""
        table = GradientTable(self.rows, self.notices)
        table.max_rows = 0
        return table

    def _rows(self) -> list[list[str]]:
        rows = [[r.location, r.value, r.how] for r in self.rows]
        if not self.max_rows or len(rows) <= self.max_rows:
            return rows
        return [[r.location, r.value, r.how] if isinstance(r, GradientRow) else r for r in self._summary()]

    def _summary(self) -> list[Any]:
        """Rows whose names differ only in their number (`cell: sigmoid#3`, `#4`...) or that repeat a time step:
        the first two of each kind are listed, the rest counted in one row where the third would be."""
        kinds: dict[str, list[int]] = {}
        for k, r in enumerate(self.rows):
            kinds.setdefault(_pattern_of(r.name), []).append(k)
        out: list[Any] = []
        for k, r in enumerate(self.rows):
            same = kinds[_pattern_of(r.name)]
            position = same.index(k)
            if position < 2 or len(same) <= 3:
                out.append(r)
            elif position == 2:
                out.append([f"… {len(same) - 2} more like {_pattern_of(r.name)}", "", "(not listed: the table "
                            "has many repeated rows; .show_all() or chainrule explain --all-rows lists every one)"])
        return out

    def _footer(self) -> list[str]:
        if self.max_rows and len(self.rows) > self.max_rows:
            return [*self.notices, f"{len(self.rows)} rows, summarized: repeated kinds of rows are counted."]
        return self.notices

    def to_dict(self) -> list[dict[str, Any]]:
        return [{"location": r.location, "name": r.name, "node": r.node, "value": r.value, "how": r.how,
                 "grad": r.grad, "terms": r.terms} for r in self.rows]


MAX_TERMS = 6  # a gradient summed over more consumers (a weight shared by 200 time steps) lists the first few


def _sum_text(parts: list[str]) -> str:
    if len(parts) <= MAX_TERMS:
        return " + ".join(parts)
    return " + ".join(parts[:3]) + f" + … ({len(parts) - 3} more terms)"


def _pattern_of(name: str) -> str:
    return re.sub(r"#\d+$", "", name)


def _shown(graph: Any, top: _Topology, n: dict, all_nodes: bool) -> bool:
    if n["kind"] == "constant" or n["grad"] is None and n["kind"] == "op" and not n["grad_states"]:
        return n["id"] == top.root
    if all_nodes or n["id"] == top.root or n["explicit_name"] or n["kind"] == "leaf":
        return True
    if n["kind"] == "op" and not n["elementwise"]:
        return True  # a matmul, reduction, loss...: its own row keeps tensor explanations short
    return len(top.consumers.get(n["id"], [])) != 1


def _term(graph: Any, top: _Topology, edge: dict, shown: set[str]) -> dict[str, Any]:
    """Follow one consumer edge down the loss-ward chain of hidden nodes to the next shown node."""
    chain = [edge]
    cur = edge["target"]
    while cur not in shown:
        nxt = top.consumers.get(cur, [])
        if len(nxt) != 1:
            break
        chain.append(nxt[0])
        cur = nxt[0]["target"]
    start = graph.by_id(cur)
    loss = _loss(graph)
    kept = [e for e in reversed(chain) if e["formula_named"] != "1" or e["local"] is None]  # loss side first
    if not kept:
        kept = [chain[0]]
    sym_factors = [factor(e["formula_named"]) if e["local"] is not None else f"[{e['formula_named']}]" for e in kept]
    seed_is_one = start["id"] == top.root and scalar(graph.data["seed"]) == 1.0
    lead = [] if seed_is_one and sym_factors else [_derivative_name(graph, loss, start["name"])]
    symbolic = f" {TIMES} ".join(lead + sym_factors)
    scalar_chain = is_scalar(start["grad"]) and all(is_scalar(e["local"]) for e in kept)
    if scalar_chain:
        nums = ([] if seed_is_one and sym_factors else [start["grad"]["text"]]) + [e["local"]["text"] for e in kept]
        numeric = f" {TIMES} ".join(nums)
    else:
        numeric = edge["contribution"]["text"] if edge["contribution"] else "?"
    return {"from": start["name"], "symbolic": symbolic, "numeric": numeric,
            "value": edge["contribution"], "edges": [e["id"] for e in chain]}


def table_from_graph(graph: Any, wrt: Any = None, all_nodes: bool = False,
                     index: dict[int, str] | None = None) -> GradientTable:
    top = _Topology(graph)
    loss = _loss(graph)
    order = top.backward_order()
    shown = {nid for nid in order if _shown(graph, top, graph.by_id(nid), all_nodes)}
    wanted: set[str] | None = None
    if wrt is not None:
        targets = wrt if isinstance(wrt, list | tuple) else [wrt]
        wanted = {_find(graph, index or {}, t, "gradient_table")["id"] for t in targets}
    rows = []
    partial = graph.data["status"]["gradients"] == "partial"
    for nid in order:
        n = graph.by_id(nid)
        if nid not in shown or (wanted is not None and nid not in wanted):
            continue
        if n["grad"] is None and nid != top.root:
            continue
        value = n["grad"]["text"] if n["grad"] else "?"
        if nid == top.root:
            how = f"starting point: {_derivative_name(graph, loss, loss)} = {graph.data['seed']['text']}"
            terms: list[dict[str, Any]] = []
        elif partial:
            how = "(backward freed the recorded steps)"
            terms = []
        else:
            terms = [_term(graph, top, e, shown) for e in top.consumers.get(nid, []) if e["contribution"] is not None]
            if not terms:
                how = "no gradient reached it"
            else:
                sym = _sum_text([t["symbolic"] for t in terms])
                num = _sum_text([t["numeric"] for t in terms])
                how = sym if sym == num else f"{sym} = {num}"
        rows.append(GradientRow(location=_derivative_name(graph, loss, n["name"]), name=n["name"], node=nid,
                                value=value, how=how, grad=n["grad"], terms=terms))
    return GradientTable(rows, graph.notices)


def gradient_table(loss: Any, wrt: Any = None, all_nodes: bool = False) -> GradientTable:
    """How each gradient got its value, from the loss back to the leaves (a graph or a loss tensor).

    Rows: the loss, every named tensor and leaf (and every unnamed node with several consumers), in
    backward order. Unnamed single-consumer intermediates fold into the "how" chain; `all_nodes=True`
    shows them too. `wrt`: a tensor, a name, or a list of them, to keep only those rows.
    """
    graph, index = _graph_and_index(loss, "gradient_table")
    return table_from_graph(graph, wrt=wrt, all_nodes=all_nodes, index=index)


# ---------------------------------------------------------------------- paths
def _counts_to_root(top: _Topology) -> dict[str, int]:
    """For every node, how many gradient-carrying paths lead from it to the root."""
    counts: dict[str, int] = {}
    for nid in top.backward_order():  # consumers first: count from the root down
        counts[nid] = 1 if nid == top.root else sum(counts.get(e["target"], 0) for e in top.consumers.get(nid, []))
    return counts


def _setup(loss: Any, x: Any, what: str) -> tuple[Any, dict[str, Any], _Topology, str]:
    graph, index = _graph_and_index(loss, what)
    return graph, _find(graph, index, x, what), _Topology(graph), _loss(graph)


def _all_paths(top: _Topology, start: str, limit: int) -> tuple[int, list[list[dict]]]:
    """Number of start→root paths (over gradient-carrying edges), and the paths themselves if <= limit."""
    counts = _counts_to_root(top)
    total = counts.get(start, 0)
    if total > limit:
        return total, []
    paths: list[list[dict]] = []
    stack: list[tuple[str, list[dict]]] = [(start, [])]
    while stack:
        nid, path = stack.pop()
        if nid == top.root:
            paths.append(path)
            continue
        for e in reversed(top.consumers.get(nid, [])):
            if counts.get(e["target"], 0):
                stack.append((e["target"], path + [e]))
    return total, paths


def _product(edges: list[dict]) -> float | None:
    vals = [scalar(e["local"]) for e in edges]
    if any(v is None for v in vals):
        return None
    return math.prod(vals)


@dataclass
class PathTerm:
    names: list[str]
    factors: list[str]
    product: float | None

    @property
    def route(self) -> str:
        return " → ".join(self.names)


class Paths(_Rendered):
    """Every path from a tensor to the loss with its product of local derivatives; they sum to its gradient."""

    def __init__(self, name: str, loss: str, count: int, paths: list[PathTerm], total: float | None,
                 grad: dict[str, Any] | None, summary: list[list[str]] | None, limit: int, notes: list[str]) -> None:
        self.name, self.loss, self.count, self.paths = name, loss, count, paths
        self.total, self.grad, self.summary, self.limit, self.notes = total, grad, summary, limit, notes
        self.too_many = summary is not None
        self.title = f"Paths from {name} to {loss}: {count}"

    @property
    def grad_value(self) -> np.ndarray | None:
        return value_array(self.grad)

    def _header(self) -> list[str]:
        if self.too_many:
            return ["Node", "Paths through it", "Gradient there"]
        return ["Path", "Local derivatives", "Product"]

    def _rows(self) -> list[list[str]]:
        if self.too_many:
            return self.summary or []
        return [[p.route, f" {TIMES} ".join(p.factors), "?" if p.product is None else fmt_number(p.product)]
                for p in self.paths]

    def _footer(self) -> list[str]:
        grad = self.grad["text"] if self.grad else "?"
        out = list(self.notes)
        if self.too_many:
            out.insert(0, f"{self.count} paths: too many to list (limit {self.limit}); summarized by node.")
        if self.total is not None and not self.too_many:
            out.append(f"sum over paths = {fmt_number(self.total)} = d{self.loss}/d{self.name} "
                       f"(the engine's gradient: {grad})")
        else:
            out.append(f"{_derivative_name(None, self.loss, self.name)} (the engine's gradient) = {grad}")
        return out


def paths(loss: Any, x: Any, max_paths: int = 64) -> Paths:
    """Every path from `x` to the loss with the product of its local derivatives (scalar graphs).

    Their sum equals `x.grad` (the multivariable chain rule). With more than `max_paths` paths, the
    result says so and summarizes by node: how many paths pass through each node and its gradient.
    """
    graph, node, top, loss_name = _setup(loss, x, "paths")
    notes: list[str] = []
    if node["kind"] == "constant":
        notes.append(f"{node['name']} does not require grad: the engine computed no gradient for it.")
        return Paths(node["name"], loss_name, 0, [], None, None, None, max_paths, notes)
    count, found = _all_paths(top, node["id"], max_paths)
    if count > max_paths:
        through: dict[str, int] = {}
        counts_down: dict[str, int] = {node["id"]: 1}
        for nid in reversed(top.backward_order()):  # producers first
            for e in top.consumers.get(nid, []):
                if nid in counts_down:
                    counts_down[e["target"]] = counts_down.get(e["target"], 0) + counts_down[nid]
        up_counts = _counts_to_root(top)
        for nid, c in counts_down.items():
            through[nid] = c * up_counts.get(nid, 0)
        summary = [[graph.by_id(nid)["name"], str(c), graph.by_id(nid)["grad"]["text"] if graph.by_id(nid)["grad"]
                    else "?"] for nid, c in through.items() if c]
        return Paths(node["name"], loss_name, count, [], None, node["grad"], summary, max_paths, notes)
    terms = []
    for path in found:
        names = [node["name"]] + [graph.by_id(e["target"])["name"] for e in path]
        factors = [e["local"]["text"] if e["local"] else f"[{e['formula_named']}]" for e in path]
        terms.append(PathTerm(names, factors, _product(path)))
    total = None
    if terms and all(t.product is not None for t in terms):
        total = math.fsum(t.product for t in terms)
    elif terms:
        notes.append("some ops on these paths are not elementwise (or not scalar): their local derivative is a "
                     "Jacobian, shown as its formula; the engine's gradient is the sum of the paths' VJPs.")
    return Paths(node["name"], loss_name, count, terms, total, node["grad"], None, max_paths, notes)


# ---------------------------------------------------------------------- chain
@dataclass
class Factor:
    symbol: str  # dL/da
    formula: str  # 2*(a - t) style, with input names
    value: float | None
    text: str
    parts: list[str] = field(default_factory=list)  # each step's local derivative, loss side first


class Chain(_Rendered):
    """The chain-rule factorization of dL/dw along each path from w to the loss."""

    def __init__(self, name: str, loss: str, chains: list[list[Factor]], grad: dict[str, Any] | None,
                 notes: list[str]) -> None:
        self.name, self.loss, self.chains, self.grad, self.notes = name, loss, chains, grad, notes
        self.title = f"Chain rule for d{loss}/d{name}"

    @property
    def value(self) -> np.ndarray | None:
        return value_array(self.grad)

    def products(self) -> list[float | None]:
        out = []
        for factors in self.chains:
            vals = [f.value for f in factors]
            out.append(None if any(v is None for v in vals) else math.prod(vals))
        return out

    def line(self, k: int = 0) -> str:
        factors = self.chains[k]
        lhs = f"{_derivative_name(None, self.loss, self.name)}"
        sym = f" {DOT} ".join(f.symbol for f in factors)
        if len(factors) == 1:  # one step: show its formula instead of repeating dL/dw
            sym = factors[0].formula
        prods = self.products()
        if len(factors) == 1:  # unnamed steps in between: each step's number, as with names
            nums = f" {TIMES} ".join(factors[0].parts)
        else:
            nums = f" {TIMES} ".join(f.text for f in factors)
        if prods[k] is None:
            return f"{lhs} = {sym}"
        if nums == fmt_number(prods[k]):
            return f"{lhs} = {sym} = {nums}"
        return f"{lhs} = {sym} = {nums} = {fmt_number(prods[k])}"

    def __str__(self) -> str:
        if not self.chains:
            return "\n".join([f"{_derivative_name(None, self.loss, self.name)}: no path"] + self.notes)
        if len(self.chains) == 1:
            out = [self.line(0)]
            if self.products()[0] is None:
                out.append(f"  = {self.grad['text'] if self.grad else '?'} (the engine's gradient)")
        else:
            out = [f"{_derivative_name(None, self.loss, self.name)} = the sum over {len(self.chains)} paths:"]
            out += ["  " + self.line(k) for k in range(len(self.chains))]
            prods = self.products()
            if all(p is not None for p in prods):
                out.append(f"  sum = {' + '.join(fmt_number(p) for p in prods)} = {fmt_number(math.fsum(prods))}")
            out.append(f"  the engine's gradient: {self.grad['text'] if self.grad else '?'}")
        return "\n".join(out + self.notes)

    def _header(self) -> list[str]:
        return ["Factor", "Formula", "Value"]

    def _rows(self) -> list[list[str]]:
        rows = []
        for k, factors in enumerate(self.chains):
            if len(self.chains) > 1:
                rows.append([f"path {k + 1}", "", ""])
            rows += [[f.symbol, f.formula, f.text] for f in factors]
        return rows

    def _footer(self) -> list[str]:
        return [self.line(k) for k in range(len(self.chains))] + self.notes


def _segment_factor(graph: Any, seg: list[dict]) -> Factor:
    top_node = graph.by_id(seg[-1]["target"])
    bottom = graph.by_id(seg[0]["source"])
    kept = [e for e in seg if e["formula_named"] != "1" or e["local"] is None] or [seg[-1]]
    formula = f" {TIMES} ".join(factor(e["formula_named"]) for e in reversed(kept)) if len(kept) > 1 else \
        kept[0]["formula_named"]
    vals = [scalar(e["local"]) for e in seg]
    if any(v is None for v in vals):
        value, text = None, "?"
    else:
        value = math.prod(vals)
        text = fmt_number(value)
    parts = [e["local"]["text"] if e["local"] is not None else "?" for e in reversed(kept)]
    return Factor(_derivative_name(None, top_node["name"], bottom["name"]), formula, value, text, parts)


def chain(loss: Any, w: Any, max_paths: int = 16) -> Chain:
    """dL/dw as a product of factors, one per named step from w to the loss, along each path.

    Unnamed intermediate ops fold into the factor that spans them (name tensors to split them).
    """
    graph, node, top, loss_name = _setup(loss, w, "chain")
    notes: list[str] = []
    if node["kind"] == "constant":
        return Chain(node["name"], loss_name, [], None, [f"{node['name']} does not require grad: no gradient."])
    count, found = _all_paths(top, node["id"], max_paths)
    if count > max_paths:
        notes.append(f"{count} paths: showing none (limit {max_paths}); see cr.explain.paths for a summary.")
        found = []
    chains = []
    for path in found:
        segments: list[list[dict]] = []
        cur: list[dict] = []
        for e in path:
            cur.append(e)
            t = graph.by_id(e["target"])
            if t["explicit_name"] or t["id"] == top.root:
                segments.append(cur)
                cur = []
        if cur:
            segments.append(cur)
        chains.append([_segment_factor(graph, s) for s in reversed(segments)])
    if any(f.value is None for c in chains for f in c):
        notes.append("some factors are Jacobians of tensor ops (shown as formulas); the value is the engine's.")
    return Chain(node["name"], loss_name, chains, node["grad"], notes)


__all__ = ["Chain", "GradientTable", "Paths", "chain", "fmt_array", "gradient_table", "paths"]
