"""The lesson page: one self-contained HTML file (inline CSS, JS and data; no network requests)."""

from __future__ import annotations

import html
import json
from importlib import resources

from .model import Trace


def _static(name: str) -> str:
    return resources.files("chainrule.trace").joinpath("static", name).read_text(encoding="utf-8")


def _data(trace: Trace) -> str:
    text = json.dumps(trace.to_dict(), ensure_ascii=False)
    # keep the JSON inside its <script> element whatever the script printed
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_fragment(trace: Trace, with_style: bool = True) -> str:
    """The lesson as an HTML fragment (for Jupyter), styles included unless ``with_style=False``."""
    body = (
        _static("fragment.html")
        .replace("__CR_JS__", _static("lesson.js"))
        .replace("__CR_TITLE__", html.escape(f"Trace of {trace.name}"))
        .replace("__CR_DATA__", _data(trace))
    )
    if with_style:
        body = "<style>\n" + _static("lesson.css") + "\n</style>\n" + body
    return body


def render_html(trace: Trace) -> str:
    """The whole page."""
    page = _static("lesson.html")
    page = page.replace("__CR_CSS__", _static("lesson.css")).replace(
        "__CR_TITLE__", html.escape(f"Trace of {trace.name}")
    )
    return page.replace("__CR_FRAGMENT__", render_fragment(trace, with_style=False))
