"""SVG drawn directly in Python (no Graphviz needed): the layered layout of `layout.py`."""

from __future__ import annotations

import html
from typing import Any

from chainrule.viz.layout import layout
from chainrule.viz.view import boxes

W, H, LINE = 170, 64, 15
FILL = {"leaf": "#e8f1fb", "op": "#ffffff", "constant": "#f6f6f6", "group": "#f3efe2"}


def to_svg(graph: Any, grouped: bool | None = None) -> str:
    """The graph as an SVG document: one box per node (data, grad), edges left to right."""
    if grouped is None:
        grouped = graph.data["default_view"] == "groups"
    bx, links = boxes(graph, grouped)
    heights = {b.id: max(H, LINE * (len(b.lines) + 1) + 12) for b in bx}
    h = max(heights.values(), default=H)
    placed = layout([b.id for b in bx], [(s, t) for s, t, _ in links], width=W, height=h)
    width = max((p.x for p in placed.values()), default=0) + W / 2 + 10
    height = max((p.y for p in placed.values()), default=0) + h / 2 + 10
    e = html.escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="cr-graph-svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="11">',
           '<defs><marker id="cr-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#777"/></marker></defs>']
    edges = {x["id"]: x for x in graph.edges}
    for s, t, eid in links:
        a, b = placed[s], placed[t]
        x1, y1, x2, y2 = a.x + W / 2, a.y, b.x - W / 2, b.y
        mx = (x1 + x2) / 2
        dash = "" if edges[eid]["flows"] else ' stroke-dasharray="3 3"'
        out.append(f'<path d="M {x1:.1f} {y1:.1f} C {mx:.1f} {y1:.1f}, {mx:.1f} {y2:.1f}, {x2:.1f} {y2:.1f}" '
                   f'fill="none" stroke="#999"{dash} marker-end="url(#cr-arrow)" data-edge="{eid}"/>')
    for bx_ in bx:
        p = placed[bx_.id]
        bh = heights[bx_.id]
        x0, y0 = p.x - W / 2, p.y - bh / 2
        rx = 12 if bx_.kind in ("constant", "group") else 3
        out.append(f'<g data-node="{e(bx_.id)}" class="cr-box cr-{bx_.kind}">'
                   f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{W}" height="{bh}" rx="{rx}" fill="{FILL[bx_.kind]}" '
                   f'stroke="#555"/>')
        out.append(f'<text x="{p.x:.1f}" y="{y0 + 16:.1f}" text-anchor="middle" font-weight="bold">'
                   f'{e(_clip(bx_.title))}</text>')
        for k, line in enumerate(bx_.lines):
            out.append(f'<text x="{p.x:.1f}" y="{y0 + 16 + LINE * (k + 1):.1f}" text-anchor="middle">'
                       f'{e(_clip(line))}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _clip(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
