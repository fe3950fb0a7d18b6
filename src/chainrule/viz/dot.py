"""Graphviz DOT text for a graph: records with data and grad per node, local derivatives on edges."""

from __future__ import annotations

from typing import Any

from chainrule.viz.view import boxes

_SPECIAL = str.maketrans({c: "\\" + c for c in '{}|<>"\\'})


def _esc(text: str) -> str:
    return text.translate(_SPECIAL).replace("\n", "\\n")


def to_dot(graph: Any, grouped: bool | None = None, edge_labels: bool = True) -> str:
    """DOT text (render with `dot -Tsvg`); `grouped=None` groups only graphs too large to draw element by element."""
    if grouped is None:
        grouped = graph.data["default_view"] == "groups"
    bx, links = boxes(graph, grouped)
    edges = {e["id"]: e for e in graph.edges}
    out = [f'digraph "{_esc(graph.root["name"])}" {{', "  rankdir=LR;",
           '  node [shape=record, fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=9];']
    for b in bx:
        fields = "|".join(_esc(x) for x in [b.title, *b.lines])
        style = {"leaf": ', style=filled, fillcolor="#e8f1fb"', "op": "",
                 "constant": ', style="rounded,dashed"', "group": ', style="filled,bold", fillcolor="#f3efe2"'}[b.kind]
        out.append(f'  "{b.id}" [label="{{{fields}}}"{style}];')
    for s, t, eid in links:
        e = edges[eid]
        label = ""
        if edge_labels and not grouped and e["flows"]:
            local = e["local"]["text"] if e["local"] else None
            formula = e["formula_named"]
            numeric = formula.lstrip("-").replace(".", "", 1).isdigit()
            text = f"{formula} = {local}" if local is not None and not numeric else (local or formula)
            label = f' [label="{_esc(text)}"]'
        elif not e["flows"]:
            label = " [style=dotted]"
        out.append(f'  "{s}" -> "{t}"{label};')
    out.append("}")
    return "\n".join(out) + "\n"
