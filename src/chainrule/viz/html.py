"""The graph page: one self-contained HTML file (inline CSS, JS and the graph document; no network)."""

from __future__ import annotations

import base64
import html
import json
import re
from importlib import resources
from typing import Any


def static(name: str) -> str:
    """A file of chainrule/viz/static (format.js, graph.js, graph.css, graph.html, fragment.html)."""
    return resources.files("chainrule.viz").joinpath("static", name).read_text(encoding="utf-8")


PICTURE_SECONDS = 5.0  # the no-JavaScript picture in a page or notebook display: at most this long to lay out
TABLES_UP_TO = 2000  # nodes: larger pages leave the gradient table and the paths out
COMPACT_ABOVE = 2000  # nodes: larger pages embed the document without raw numbers (the page shows texts)


def _compact(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without `data` arrays and gradient terms: what the page displays, at a fraction of the size.
    Only the places docs/graph-schema.md puts them are visited (value objects, grad states, accumulated sums)."""

    def value(v: Any) -> Any:
        return {k: x for k, x in v.items() if k != "data"} if isinstance(v, dict) and "data" in v else v

    def no_terms(v: Any) -> Any:
        return {k: x for k, x in v.items() if k != "terms"} if isinstance(v, dict) and "terms" in v else v

    out = dict(doc)
    out["seed"] = value(doc.get("seed"))
    out["nodes"] = [{**n, "value": value(n.get("value")), "grad": value(n.get("grad")),
                     "grad_states": [no_terms(s) for s in n.get("grad_states") or []]} for n in doc["nodes"]]
    out["edges"] = [{**e, "local": value(e.get("local")), "contribution": value(e.get("contribution")),
                     "accumulated": no_terms(e.get("accumulated"))} for e in doc["edges"]]
    out["backward_steps"] = [{**s, "upstream": value(s.get("upstream"))} for s in doc.get("backward_steps") or []]
    out["notices"] = list(out["notices"]) + ["This page shows a compact copy of the graph document (display texts "
                                             "only); Graph.to_json() has every number."]
    return out


def _script_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")  # stay inside the <script> element


def _shown(graph: Any) -> dict[str, Any]:
    """The document the page embeds (compact for large graphs): the viewer and the static picture read it."""
    doc = graph.to_dict()
    return _compact(doc) if len(doc["nodes"]) > COMPACT_ABOVE else doc


def viewer_js() -> str:
    """The shared viewer's script: the one number format (format.js), the vendored layout engine (dagre) and
    graph.js."""
    return static("format.js") + "\n" + static("dagre.min.js") + "\n" + static("graph.js")


def _picture(doc: dict[str, Any], title: str) -> str:
    """The static SVG as an <img> (the viewer's layout, run in V8), or how to get it without mini-racer."""
    from chainrule.viz.jslayout import INSTALL_HINT, available
    from chainrule.viz.svg import to_svg

    if not available():
        return (f'<p class="crg-no-picture">The static picture needs the optional dependency mini-racer '
                f"(<code>{html.escape(INSTALL_HINT)}</code>); the gradient table follows.</p>")
    try:
        svg = base64.b64encode(to_svg(doc, timeout=PICTURE_SECONDS).encode("utf-8")).decode("ascii")
    except TimeoutError:
        return (f'<p class="crg-no-picture">The static picture was left out: its layout took more than '
                f"{PICTURE_SECONDS:g} s (<code>g.to_svg()</code> draws it without a limit).</p>")
    return f'<img alt="{html.escape(title)}" src="data:image/svg+xml;base64,{svg}">'


def render_fragment(graph: Any, title: str | None = None, with_style: bool = True) -> str:
    """The viewer as an HTML fragment (Jupyter's _repr_html_), styles included unless with_style=False.

    Without JavaScript (an untrusted notebook) the fragment shows the static SVG picture instead."""
    from chainrule.viz.tables import tables

    title = title or f"Graph of {graph.root['name']}"
    doc = _shown(graph)
    picture = _picture(doc, title)
    shown = tables(graph) if len(graph.nodes) <= TABLES_UP_TO else {
        "gradient_table": [], "paths": [], "notes": [f"{len(graph.nodes)} nodes: the tables are left out of this page "
                                                     "(cr.explain.gradient_table(graph) prints them)"]}
    # JupyterLab's sanitizer (an untrusted notebook) drops scripts and inline <svg> but keeps the picture's
    # <img> with a data: source and this plain-HTML gradient table (tests/web/test_jupyterlab_browser.py)
    table = graph.gradient_table().to_html() if len(graph.nodes) <= TABLES_UP_TO else ""
    parts = {"__CR_TITLE__": html.escape(title), "__CR_PICTURE__": picture, "__CR_TABLES__": _script_json(shown),
             "__CR_TABLE_HTML__": table,
             "__CR_JS__": viewer_js(), "__CR_DATA__": _script_json(doc)}
    body = re.sub(r"__CR_[A-Z]+(?:_[A-Z]+)*__", lambda m: parts[m.group(0)], static("fragment.html"))
    if with_style:
        body = "<style>\n" + static("graph.css") + "\n</style>\n" + body
    return body


def render_page(graph: Any, title: str | None = None) -> str:
    title = title or f"Graph of {graph.root['name']}"
    parts = {"__CR_CSS__": static("graph.css"), "__CR_TITLE__": html.escape(title),
             "__CR_FRAGMENT__": render_fragment(graph, title, with_style=False)}
    return re.sub(r"__CR_[A-Z]+(?:_[A-Z]+)*__", lambda m: parts[m.group(0)], static("graph.html"))
