"""The playgrounds as a local web app: `chainrule serve`, or `chainrule.web.make_server(...)`.

Static pages (hand-written JS/CSS, no build step, no network) and a JSON API whose every number is
computed by the engine. See docs/playgrounds.md.
"""

from chainrule.web.server import PlaygroundServer, make_server, start_in_thread

__all__ = ["PlaygroundServer", "make_server", "start_in_thread"]
