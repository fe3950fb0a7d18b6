"""The lesson page: one self-contained HTML file (inline CSS, JS and data; no network requests)."""

from __future__ import annotations

import html
import json
from importlib import resources

from .model import Trace


def _static(name: str) -> str:
    return resources.files("chainrule.trace").joinpath("static", name).read_text(encoding="utf-8")


def _lesson(trace: Trace) -> str:
    """One stepper (a `.cr-trace` element) for the trace, then one for each of its walks (generated code it ran)."""
    data = trace.to_dict()
    data.pop("walks", None)  # each walk has a stepper of its own, below
    # keep the JSON inside its <script> element whatever the script printed
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")
    own = (_static("fragment.html")
           .replace("__CR_TITLE__", html.escape(f"Trace of {trace.name}"))
           .replace("__CR_DATA__", text))
    return own + "".join(_lesson(walk) for walk in trace.walks)


def render_fragment(trace: Trace, with_style: bool = True) -> str:
    """The lesson as an HTML fragment (for Jupyter), styles included unless ``with_style=False``."""
    body = _lesson(trace) + "<script>\n" + _static("lesson.js") + "\n</script>\n"
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
