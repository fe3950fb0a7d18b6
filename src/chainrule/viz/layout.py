"""A layered left-to-right layout: longest-path layering, then barycenter ordering within layers.

Works on any boxes-and-edges picture (the full graph or its grouped view); coordinates are box
centers in pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Placed:
    x: float
    y: float
    layer: int
    order: int


def layers(ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layers: a box sits one layer right of its rightmost input; sources sit just left of
    their first consumer (so leaves stay next to where they are used)."""
    inputs: dict[str, list[str]] = {i: [] for i in ids}
    outputs: dict[str, list[str]] = {i: [] for i in ids}
    for s, t in edges:
        if s in inputs and t in inputs and s != t:
            inputs[t].append(s)
            outputs[s].append(t)
    indeg = {i: len(set(inputs[i])) for i in ids}
    ready = [i for i in ids if indeg[i] == 0]
    order: list[str] = []
    remaining = dict(indeg)
    seen_pairs: set[tuple[str, str]] = set()
    while ready:
        n = ready.pop()
        order.append(n)
        for t in outputs[n]:
            if (n, t) in seen_pairs:
                continue
            seen_pairs.add((n, t))
            remaining[t] -= 1
            if remaining[t] == 0:
                ready.append(t)
    placed = set(order)
    order += [i for i in ids if i not in placed]  # cycles cannot happen in a recorded graph; be safe
    layer: dict[str, int] = {}
    for n in order:
        layer[n] = 1 + max((layer.get(s, 0) for s in inputs[n]), default=-1)
    for n in reversed(order):  # pull sources right, next to their earliest consumer
        if not inputs[n] and outputs[n]:
            layer[n] = max(0, min(layer[t] for t in outputs[n]) - 1)
    return layer


def layout(ids: Sequence[str], edges: Sequence[tuple[str, str]], width: float = 170, height: float = 64,
           hgap: float = 70, vgap: float = 22, sweeps: int = 4) -> dict[str, Placed]:
    layer = layers(ids, edges)
    n_layers = 1 + max(layer.values(), default=0)
    rows: list[list[str]] = [[] for _ in range(n_layers)]
    for i in ids:
        rows[layer[i]].append(i)
    inputs: dict[str, list[str]] = {i: [] for i in ids}
    outputs: dict[str, list[str]] = {i: [] for i in ids}
    for s, t in edges:
        if s in inputs and t in inputs:
            inputs[t].append(s)
            outputs[s].append(t)
    pos = {i: float(k) for row in rows for k, i in enumerate(row)}

    def sweep(row: list[str], neighbours: dict[str, list[str]]) -> list[str]:
        def key(i: str) -> float:
            ns = [pos[n] for n in neighbours[i] if n in pos]
            return sum(ns) / len(ns) if ns else pos[i]

        ordered = sorted(row, key=lambda i: (key(i), pos[i]))
        for k, i in enumerate(ordered):
            pos[i] = float(k)
        return ordered

    for _ in range(sweeps):
        for li in range(1, n_layers):
            rows[li] = sweep(rows[li], inputs)
        for li in range(n_layers - 2, -1, -1):
            rows[li] = sweep(rows[li], outputs)
    tallest = max((len(r) for r in rows), default=1)
    placed: dict[str, Placed] = {}
    for li, row in enumerate(rows):
        offset = (tallest - len(row)) * (height + vgap) / 2
        for k, i in enumerate(row):
            placed[i] = Placed(x=li * (width + hgap) + width / 2 + 10,
                               y=offset + k * (height + vgap) + height / 2 + 10, layer=li, order=k)
    return placed
