"""The graph as a static SVG: the browser viewer's picture at its last step, laid out by the viewer's own code.

The geometry comes from `jslayout.layout` (graph.js and dagre, run in V8 by mini-racer: `pip install
'chainrule[viz]'`); this module only writes it out with the viewer's light-theme colours as attributes, so
the file stands alone (an <img>, a notebook output, a document).
"""

from __future__ import annotations

import html
from typing import Any

from chainrule.viz.jslayout import layout

FILL = {"leaf": "#e3eefb", "op": "#ffffff", "constant": "#f1f1f1", "group": "#f3efe2"}
STROKE = {"group": "#8a7440"}
FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
MONO = "Menlo, Consolas, monospace"


def to_svg(graph: Any, grouped: bool | None = None, timeout: float | None = None) -> str:
    """The graph (a `chainrule.explain.Graph` or its document) as an SVG document: the viewer's boxes (data,
    grad), edges and edge labels, at the last step.

    grouped=None draws what the viewer shows first (large graphs as groups), True every group closed, False
    every node. Needs mini-racer (`pip install 'chainrule[viz]'`); raises ImportError naming it otherwise, and
    TimeoutError if the layout takes more than `timeout` seconds.
    """
    p = layout(graph, grouped, timeout)
    e = html.escape
    w, h, line = p["width"], p["height"], p["line"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="cr-graph-svg" width="{w:.0f}" height="{h:.0f}" '
           f'viewBox="0 0 {w:.0f} {h:.0f}" font-family="{FONT}" font-size="11">',
           '<defs><marker id="cr-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
           'markerUnits="userSpaceOnUse" orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="#8b939e"/></marker>'
           '</defs>',
           f'<rect width="{w:.0f}" height="{h:.0f}" fill="#ffffff"/>']
    out.append('<g class="cr-edges">')
    for link in p["links"]:
        dash = "" if link["flows"] else ' stroke-dasharray="3 3"'
        out.append(f'<path d="{link["d"]}" fill="none" stroke="#8b939e" stroke-width="1.4"{dash} '
                   f'marker-end="url(#cr-arrow)" data-edge="{e(link["edges"][0])}" data-source="{e(link["source"])}" '
                   f'data-target="{e(link["target"])}"/>')
    out.append("</g>")
    out.append('<g class="cr-boxes">')
    for b in p["boxes"]:
        x0, y0 = b["x"] - b["w"] / 2, b["y"] - b["h"] / 2
        kind = b["kind"]
        rx = 12 if kind in ("constant", "group") else 4
        extra = ' stroke-dasharray="4 3"' if kind == "constant" else ""
        width = 2 if kind == "group" else 1
        out.append(f'<g data-node="{e(b["id"])}" class="cr-box cr-{kind}"><title>{e(b["full_title"])}</title>'
                   f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{b["w"]:.1f}" height="{b["h"]:.1f}" rx="{rx}" '
                   f'fill="{FILL[kind]}" stroke="{STROKE.get(kind, "#4b5563")}" stroke-width="{width}"{extra}/>')
        top = y0 + 15
        out.append(f'<text x="{b["x"]:.1f}" y="{top:.1f}" text-anchor="middle" font-weight="bold" fill="#1d232b">'
                   f'{e(b["title"])}</text>')
        for k, text in enumerate(b["lines"]):
            colour = "#a61e1e" if k == 1 and not b["group"] else "#1d232b"
            out.append(f'<text x="{b["x"]:.1f}" y="{top + line * (k + 1):.1f}" text-anchor="middle" '
                       f'fill="{colour}">{e(text)}</text>')
        out.append("</g>")
    out.append("</g>")
    out.append('<g class="cr-labels">')
    for link in p["links"]:
        lab = link["label"]
        if not lab:
            continue
        title = f"<title>{e(lab['full'])}</title>" if lab["full"] and lab["full"] != lab["text"] else ""
        out.append(f'<g class="cr-edge-label" data-edge-label="{e(link["edges"][0])}">{title}'
                   f'<rect x="{lab["x"] - lab["w"] / 2:.1f}" y="{lab["y"] - lab["h"] / 2:.1f}" width="{lab["w"]:.1f}" '
                   f'height="{lab["h"]:.1f}" rx="3" fill="#ffffff" stroke="#d9dde3"/>'
                   f'<text x="{lab["x"]:.1f}" y="{lab["y"] + 4:.1f}" text-anchor="middle" font-family="{MONO}" '
                   f'fill="#1d232b">{e(lab["text"])}</text></g>')
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
