"""The graph page: one self-contained HTML file (inline CSS, JS and the graph document; no network)."""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any


def static(name: str) -> str:
    """A file of chainrule/viz/static (graph.js, graph.css, graph.html, fragment.html)."""
    return resources.files("chainrule.viz").joinpath("static", name).read_text(encoding="utf-8")


COMPACT_ABOVE = 2000  # nodes: larger pages embed the document without raw numbers (the page shows texts)


def _compact(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without `data` arrays and gradient terms: what the page displays, at a fraction of the size."""

    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in ("data", "terms")}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    out = strip(doc)
    out["notices"] = list(out["notices"]) + ["This page shows a compact copy of the graph document (display texts "
                                             "only); Graph.to_json() has every number."]
    return out


def _data(graph: Any) -> str:
    doc = graph.to_dict()
    if len(doc["nodes"]) > COMPACT_ABOVE:
        doc = _compact(doc)
    text = json.dumps(doc, ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")  # stay inside the <script> element


def render_fragment(graph: Any, title: str | None = None, with_style: bool = True) -> str:
    """The viewer as an HTML fragment (Jupyter's _repr_html_), styles included unless with_style=False."""
    title = title or f"Graph of {graph.root['name']}"
    body = (static("fragment.html").replace("__CR_TITLE__", html.escape(title))
            .replace("__CR_JS__", static("graph.js")).replace("__CR_DATA__", _data(graph)))
    if with_style:
        body = "<style>\n" + static("graph.css") + "\n</style>\n" + body
    return body


def render_page(graph: Any, title: str | None = None) -> str:
    title = title or f"Graph of {graph.root['name']}"
    page = static("graph.html").replace("__CR_CSS__", static("graph.css")).replace("__CR_TITLE__", html.escape(title))
    return page.replace("__CR_FRAGMENT__", render_fragment(graph, title, with_style=False))
