"""Renderers of a graph document (`chainrule.explain.Graph`): DOT text, SVG, and the offline HTML page.

Every renderer reads only the graph's JSON document, so the same pictures can be made from a saved
`.json` file (`Graph.from_json`). The page's JS/CSS live in `static/` for reuse by other pages. There is one
layout, the viewer's (graph.js on dagre); `to_svg` runs it in V8 (mini-racer, `pip install 'chainrule[viz]'`).
"""

from chainrule.viz.dot import to_dot
from chainrule.viz.html import render_fragment, render_page
from chainrule.viz.jslayout import layout
from chainrule.viz.svg import to_svg

__all__ = ["layout", "render_fragment", "render_page", "to_dot", "to_svg"]
