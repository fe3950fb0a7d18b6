"""The widget classes (anywidget). Every number is computed here, in the kernel, by the playgrounds' Python
code (chainrule.playgrounds) or by cr.explain; the front end (static/widget.js) only displays `result`
and writes `params` back."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, ClassVar

import anywidget
import traitlets

from chainrule.engine.tensor import Tensor
from chainrule.playgrounds import PlaygroundError, depth, flip, neuron, two_inputs


def _asset(ext: str) -> str:
    """The widget front end (widget.js / widget.css), preceded by the shared graph viewer of chainrule.viz
    (the one number format crFormatNumber of format.js, which widget.js uses too, the layout engine and graph.js,
    which defines window.CRGraph): anywidget's `_esm` is one module string."""
    own = resources.files("chainrule.widgets").joinpath("static", f"widget.{ext}").read_text(encoding="utf-8")
    try:
        from chainrule.viz.html import static, viewer_js

        viewer = viewer_js() if ext == "js" else static("graph.css")
    except (ModuleNotFoundError, FileNotFoundError):
        viewer = ""
    return viewer + "\n" + own


class _Playground(anywidget.AnyWidget):
    """A playground: `params` in (synced from the sliders), `result` out (the engine's numbers)."""

    _esm = _asset("js")
    _css = _asset("css")
    kind = traitlets.Unicode("").tag(sync=True)
    params = traitlets.Dict().tag(sync=True)
    result = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    _compute: ClassVar[Any] = None
    _kind: ClassVar[str] = ""

    def __init__(self, **params: Any) -> None:
        super().__init__(kind=self._kind, params=params)
        self._recompute()

    @traitlets.observe("params")
    def _on_params(self, change: dict[str, Any]) -> None:
        self._recompute()

    def _recompute(self) -> None:
        try:
            self.result = type(self)._compute(dict(self.params))
            self.error = ""
        except PlaygroundError as exc:
            self.error = str(exc)

    def set(self, **params: Any) -> None:
        """Change some parameters (as the sliders do) and recompute."""
        self.params = {**self.params, **params}


class Neuron(_Playground):
    """z = w*x + b, a = ReLU(z), L = (a - t)^2: the factors dL/da, da/dz, dz/dw and one SGD update of w."""

    _compute = staticmethod(neuron.compute)
    _kind = "neuron"

    def __init__(self, x: float = 2.0, w: float = 1.5, b: float = -1.0, t: float = 3.0, lr: float = 0.1) -> None:
        super().__init__(x=x, w=w, b=b, t=t, lr=lr)

    def step(self) -> float:
        """Apply w <- w - lr * dL/dw; returns the new loss."""
        self.set(w=self.result["update"]["w"])
        return float(self.result["forward"]["L"])


class TwoInputs(_Playground):
    """z = w1*a1 + w2*a2 + b: the shared factor delta and each weight gradient delta * input."""

    _compute = staticmethod(two_inputs.compute)
    _kind = "two-inputs"

    def __init__(self, a1: float = 1.0, a2: float = 0.5, w1: float = 0.8, w2: float = -0.4, b: float = 0.2,
                 y: float = 1.0) -> None:
        super().__init__(a1=a1, a2=a2, w1=w1, w2=w2, b=b, y=y)


class DiagonalFlip(_Playground):
    """The 4->3->4 ReLU network on 2x2 images with the chapter's fixed weights (hidden=4: the 4->4->4 network
    that can solve the whole task); docs/playgrounds.md."""

    _compute = staticmethod(flip.compute)
    _kind = "flip"

    def __init__(self, x: list[int] | None = None, t: list[int] | None = None, lr: float = 0.1,
                 steps: int = 0, hidden: int = 3) -> None:
        x = list(x) if x is not None else list(flip.DEFAULT_X)
        super().__init__(x=x, t=list(t) if t is not None else flip.transpose(x), lr=lr, steps=steps,
                         hidden=hidden, train=False)

    def step(self) -> float:
        """One more SGD update on the example shown; returns its new loss."""
        self.set(steps=int(self.result["inputs"]["steps"]) + 1)
        return float(self.result["forward"]["loss"])

    def train(self) -> dict[str, Any]:
        """Train on all 16 images until zero error (or until the loss stops falling); returns the summary:
        epochs, errors (images still wrong), solved, and `why` when the network cannot solve the task."""
        self.set(train=True, steps=0)
        return dict(self.result["task"])

    def reset(self) -> None:
        """Back to the documented starting weights."""
        self.set(train=False, steps=0)

    @property
    def dead(self) -> list[int]:
        """Indices (from 0) of the hidden units whose ReLU derivative is 0 (the engine's observer)."""
        return list(self.result["dead"])


class Depth(_Playground):
    """Per-layer gradient magnitude through a deep chain (depth, activation, weight scale)."""

    _compute = staticmethod(depth.compute)
    _kind = "depth"

    def __init__(self, depth: int = 20, activation: str = "tanh", scale: float = 1.0) -> None:
        super().__init__(depth=depth, activation=activation, scale=scale)


class Graph(anywidget.AnyWidget):
    """The computational graph of a scalar `loss` (before or after backward): the shared graph viewer
    (forward and backward stepping) and the gradient table, from `cr.explain.graph(loss)`."""

    _esm = _asset("js")
    _css = _asset("css")
    kind = traitlets.Unicode("graph").tag(sync=True)
    result = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, loss: Tensor, names: Any = None) -> None:
        from chainrule.explain import graph as explain_graph
        from chainrule.viz.tables import tables

        g = explain_graph(loss, names=names)
        document = json.loads(g.to_json())
        super().__init__(result={"document": document, "tables": tables(g)}, error="")
