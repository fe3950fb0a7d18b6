"""The boxes to draw for a graph: every node (element view) or one box per top-level group (grouped view)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Box:
    id: str
    kind: str  # leaf | op | constant | group
    title: str
    lines: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


def _top_group(graph: Any) -> dict[str, str]:
    """node id -> the outermost group containing it (module groups win over op groups)."""
    groups = {g["id"]: g for g in graph.data["groups"]}
    out: dict[str, str] = {}
    for n in graph.nodes:
        gids = n.get("groups") or []
        mods = [g for g in gids if groups[g]["kind"] == "module"]
        pick = mods[0] if mods else gids[0] if gids else None
        if pick is not None:
            while groups[pick]["parent"] is not None:  # a time step's outermost group: its layer's module
                pick = groups[pick]["parent"]
            out[n["id"]] = pick
    return out


def node_box(n: dict[str, Any]) -> Box:
    value = n["value"]["text"] if n["value"] else "?"
    grad = n["grad"]["text"] if n["grad"] else None
    if n["kind"] == "constant":
        named = n["explicit_name"] or bool(n["shape"])  # tensors by name, Python numbers by value
        return Box(n["id"], "constant", n["name"] if named else value, [f"data {value}"] if named else [])
    title = n["name"] if n["kind"] == "leaf" or not n["explicit_name"] else f"{n['name']} = {n['op']}"
    lines = [f"data {value}", f"grad {grad if grad is not None else '—'}"]
    return Box(n["id"], n["kind"], title, lines)


def boxes(graph: Any, grouped: bool) -> tuple[list[Box], list[tuple[str, str, str]]]:
    """Boxes and (source box, target box, edge id) triples, deduplicated for the grouped view."""
    if not grouped:
        return [node_box(n) for n in graph.nodes], [(e["source"], e["target"], e["id"]) for e in graph.edges]
    top = _top_group(graph)
    groups = {g["id"]: g for g in graph.data["groups"]}
    out: list[Box] = []
    seen: set[str] = set()
    for n in graph.nodes:
        gid = top.get(n["id"])
        if gid is None:
            out.append(node_box(n))
        elif gid not in seen:
            seen.add(gid)
            g = groups[gid]
            members = [m for m, t in top.items() if t == gid]
            out.append(Box(gid, "group", g["label"], [f"{len(members)} nodes"], members))
    pairs: dict[tuple[str, str], str] = {}
    for e in graph.edges:
        s, t = top.get(e["source"], e["source"]), top.get(e["target"], e["target"])
        if s != t:
            pairs.setdefault((s, t), e["id"])
    return out, [(s, t, eid) for (s, t), eid in pairs.items()]
