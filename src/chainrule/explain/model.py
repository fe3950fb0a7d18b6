"""`Graph`: a recorded computation as a JSON document (docs/graph-schema.md), with its renderers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chainrule.explain.build import SCHEMA, VERSION


class Graph:
    """What the engine recorded for one output: nodes, edges, values, gradients, backward steps.

    `to_json()` is the single input of every renderer (`to_dot`, `to_svg`, `to_html`), of the web
    playgrounds and of Jupyter widgets; `Graph.from_json(text)` reads it back.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a chainrule graph document (schema {data.get('schema')!r}, expected {SCHEMA!r})")
        if data.get("version") != VERSION:
            raise ValueError(f"graph schema version {data.get('version')!r} is not supported (this chainrule "
                             f"reads version {VERSION})")
        self.data = data
        self._by_id = {n["id"]: n for n in data["nodes"]}
        self._by_name = {n["name"]: n for n in data["nodes"] if n["kind"] != "constant" or n["explicit_name"]}

    # ------------------------------------------------------------------ access
    @property
    def nodes(self) -> list[dict[str, Any]]:
        return self.data["nodes"]

    @property
    def edges(self) -> list[dict[str, Any]]:
        return self.data["edges"]

    @property
    def notices(self) -> list[str]:
        return self.data["notices"]

    @property
    def root(self) -> dict[str, Any]:
        return self._by_id[self.data["root"]]

    def node(self, key: str) -> dict[str, Any]:
        """A node by name ("w1", "mul#2") or id ("n3")."""
        if key in self._by_name:
            return self._by_name[key]
        if key in self._by_id:
            return self._by_id[key]
        raise KeyError(f"no node named {key!r}; names: {', '.join(sorted(self._by_name))}")

    def by_id(self, node_id: str) -> dict[str, Any]:
        return self._by_id[node_id]

    def value(self, key: str) -> Any:
        """A node's forward value as a NumPy array (None if unknown or summarized)."""
        from chainrule.explain.values import value_array

        return value_array(self.node(key)["value"])

    def grad(self, key: str) -> Any:
        """A node's gradient (of the root) as a NumPy array (None if unknown)."""
        from chainrule.explain.values import value_array

        return value_array(self.node(key)["grad"])

    # ------------------------------------------------------------------ serialization
    def to_dict(self) -> dict[str, Any]:
        return self.data

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.data, indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, source: str | bytes | dict[str, Any] | Path) -> Graph:
        """Read a graph document: JSON text, a dict, or a path to a .json file."""
        if isinstance(source, dict):
            return cls(source)
        if isinstance(source, Path):
            source = source.read_text(encoding="utf-8")
        return cls(json.loads(source))

    # ------------------------------------------------------------------ renderers
    def to_dot(self, **options: Any) -> str:
        from chainrule.viz.dot import to_dot

        return to_dot(self, **options)

    def to_svg(self, **options: Any) -> str:
        from chainrule.viz.svg import to_svg

        return to_svg(self, **options)

    def to_html(self, path: str | Path | None = None, title: str | None = None) -> str:
        """One self-contained offline page (inline JS/CSS/data). Written to `path` if given; returns the HTML."""
        from chainrule.viz.html import render_page

        page = render_page(self, title=title)
        if path is not None:
            Path(path).write_text(page, encoding="utf-8")
        return page

    def _repr_html_(self) -> str:
        from chainrule.viz.html import render_fragment

        return render_fragment(self)

    def _repr_svg_(self) -> str | None:
        from chainrule.viz.jslayout import available

        return self.to_svg() if available() else None  # the picture needs mini-racer (chainrule[viz])

    # ------------------------------------------------------------------ explanations
    def gradient_table(self, wrt: Any = None, all_nodes: bool = False) -> Any:
        from chainrule.explain.tables import table_from_graph

        return table_from_graph(self, wrt=wrt, all_nodes=all_nodes)

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for n in self.nodes:
            kinds[n["kind"]] = kinds.get(n["kind"], 0) + 1
        plural = {"leaf": "leaves", "op": "ops", "constant": "constants"}
        parts = ", ".join(f"{v} {k if v == 1 else plural[k]}" for k, v in kinds.items())
        return f"<Graph of {self.root['name']}: {parts}; gradients {self.data['status']['gradients']}>"
