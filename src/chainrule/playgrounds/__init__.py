"""The playgrounds' math, written once with the engine; the web pages and Jupyter widgets only display it.

Each module has `compute(params: dict) -> dict` (JSON-ready), raising `PlaygroundError` for bad input.
"""

from chainrule.playgrounds import depth, flip, neuron, two_inputs
from chainrule.playgrounds.common import PlaygroundError

__all__ = ["PlaygroundError", "depth", "flip", "neuron", "two_inputs"]
