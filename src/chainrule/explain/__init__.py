"""Explanations of what the engine computed: graphs, gradient tables, chain-rule factorizations,
paths, and gradient-flow diagnostics. See docs/explain.md.

    g = cr.graph(loss)                   # before or after loss.backward()
    cr.explain.gradient_table(loss)      # how each gradient got its value
    cr.explain.chain(loss, w)            # dL/dw = dL/da · da/dz · dz/dw = ...
    cr.explain.paths(loss, x)            # every path from x to the loss; their sum is x.grad
"""

from __future__ import annotations

from typing import Any

from chainrule.explain.build import build_graph
from chainrule.explain.model import Graph
from chainrule.explain.naming import name_tensors
from chainrule.explain.record import record, record_modules


def graph(output: Any, names: Any = None, grad_output: Any = None) -> Graph:
    """The recorded graph of `output` (usually a loss), before or after `backward()`.

    names: optional dict (e.g. `locals()`) or `cr.nn.Module` naming tensors that have no `.name`; by
      default the variables of the calling code name them.
    grad_output: the gradient to seed at a non-scalar output (default: ones).
    """
    return Graph(build_graph(output, names=_names(names), grad_output=grad_output))


def draw(output: Any, names: Any = None) -> Graph:
    """Like micrograd's draw_dot / torchviz's make_dot: the graph with data, grad and op per node.

    Returns the Graph, which displays itself in Jupyter; `.to_svg()`, `.to_dot()`, `.to_html(path)`.
    """
    return Graph(build_graph(output, names=_names(names), what="cr.draw"))


def _names(names: Any) -> Any:
    if names is not None:
        return names
    import os

    from chainrule.explain.naming import caller_names

    return caller_names(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


from chainrule.explain.diagnostics import dead_units, gradient_flow  # noqa: E402
from chainrule.explain.tables import chain, gradient_table, paths  # noqa: E402

__all__ = ["Graph", "chain", "dead_units", "draw", "gradient_flow", "gradient_table", "graph", "name_tensors",
           "paths", "record", "record_modules"]
