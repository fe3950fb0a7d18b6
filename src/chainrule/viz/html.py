"""The graph page: one self-contained HTML file (inline CSS, JS and the graph document; no network)."""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any


def static(name: str) -> str:
    """A file of chainrule/viz/static (graph.js, graph.css, graph.html, fragment.html)."""
    return resources.files("chainrule.viz").joinpath("static", name).read_text(encoding="utf-8")


def _data(graph: Any) -> str:
    text = json.dumps(graph.to_dict(), ensure_ascii=False)
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
