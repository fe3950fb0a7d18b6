"""Jupyter widgets for the playgrounds, computed by the kernel's engine (needs the `widgets` extra: anywidget).

    import chainrule as cr
    cr.widgets.Neuron(x=2.0, w=1.5, b=-1.0, t=3.0)     # sliders, the chain-rule factors, an update button
    cr.widgets.TwoInputs()
    cr.widgets.DiagonalFlip(x=[1, 1, 0, 0])            # the 4->3->4 network: dead units, zero rows, training
    cr.widgets.Depth(depth=20, activation="sigmoid")
    cr.widgets.Graph(loss)                               # the graph viewer and gradient table of any scalar

Importing this module is free: anywidget is imported the first time a widget class is used.
"""

from __future__ import annotations

from typing import Any

WIDGETS = ("Neuron", "TwoInputs", "DiagonalFlip", "Depth", "Graph")
__all__ = list(WIDGETS)


def __getattr__(name: str) -> Any:
    if name in WIDGETS:
        try:
            from chainrule.widgets import _anywidgets
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(f"cr.widgets.{name} needs anywidget and ipywidgets: "
                              "pip install 'chainrule[widgets]'") from exc
        return getattr(_anywidgets, name)
    raise AttributeError(f"module 'chainrule.widgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *WIDGETS])
