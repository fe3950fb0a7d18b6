"""The static SVG (to_svg, the no-JavaScript picture) is the viewer's layout: geometry read back from the SVG.

Boxes are the rectangles of `g[data-node]`, edges are sampled along their paths (M, L and C commands), labels
are the rectangles of `g.cr-edge-label`. No edge may pass under a box that is not its endpoint, no label may
overlap a box or another label, and every edge ends at its own arrowhead."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule.chapter import examples
from chainrule.viz import jslayout

SVG = "{http://www.w3.org/2000/svg}"
Rect = tuple[float, float, float, float]


def _rect(el: ET.Element) -> Rect:
    x, y, w, h = (float(el.get(k)) for k in ("x", "y", "width", "height"))
    return (x, y, x + w, y + h)


def _sample(d: str, per_segment: int = 24) -> list[tuple[float, float]]:
    """Points along an SVG path made of M, L and C commands (what graph.js writes)."""
    tokens = re.findall(r"[MLC]|-?\d+(?:\.\d+)?", d)
    pts: list[tuple[float, float]] = []
    cur = (0.0, 0.0)
    i = 0
    while i < len(tokens):
        cmd = tokens[i]
        i += 1
        n = {"M": 2, "L": 2, "C": 6}[cmd]
        v = [float(t) for t in tokens[i:i + n]]
        i += n
        if cmd == "M":
            cur = (v[0], v[1])
            pts.append(cur)
        elif cmd == "L":
            for k in range(1, per_segment + 1):
                t = k / per_segment
                pts.append((cur[0] + (v[0] - cur[0]) * t, cur[1] + (v[1] - cur[1]) * t))
            cur = (v[0], v[1])
        else:
            p1, p2, p3 = (v[0], v[1]), (v[2], v[3]), (v[4], v[5])
            for k in range(1, per_segment + 1):
                t = k / per_segment
                a, b, c, e = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3
                pts.append((a * cur[0] + b * p1[0] + c * p2[0] + e * p3[0],
                            a * cur[1] + b * p1[1] + c * p2[1] + e * p3[1]))
            cur = p3
    return pts


def parse(svg: str) -> dict[str, Any]:
    root = ET.fromstring(svg)
    boxes = {g.get("data-node"): _rect(g.find(f"{SVG}rect")) for g in root.iter(f"{SVG}g") if g.get("data-node")}
    texts = {g.get("data-node"): [t.text or "" for t in g.iter(f"{SVG}text")]
             for g in root.iter(f"{SVG}g") if g.get("data-node")}
    edges = [{"id": p.get("data-edge"), "s": p.get("data-source"), "t": p.get("data-target"),
              "marker": p.get("marker-end"), "pts": _sample(p.get("d"))}
             for p in root.iter(f"{SVG}path") if p.get("data-edge")]
    labels = [{"id": g.get("data-edge-label"), "box": _rect(g.find(f"{SVG}rect")),
               "text": g.find(f"{SVG}text").text} for g in root.iter(f"{SVG}g") if g.get("data-edge-label")]
    return {"boxes": boxes, "texts": texts, "edges": edges, "labels": labels,
            "size": (float(root.get("width")), float(root.get("height")))}


def _inside(p: tuple[float, float], r: Rect, margin: float = 1.0) -> bool:
    return r[0] + margin < p[0] < r[2] - margin and r[1] + margin < p[1] < r[3] - margin


def _overlap(a: Rect, b: Rect, margin: float = 0.5) -> bool:
    return a[0] + margin < b[2] and b[0] + margin < a[2] and a[1] + margin < b[3] and b[1] + margin < a[3]


def problems(g: dict[str, Any]) -> list[str]:
    out = []
    for e in g["edges"]:
        for p in e["pts"]:
            hit = [b for b, r in g["boxes"].items() if b not in (e["s"], e["t"]) and _inside(p, r)]
            if hit:
                out.append(f"edge {e['id']} ({e['s']}->{e['t']}) passes under box {hit[0]} at {p}")
                break
        if not e["marker"]:
            out.append(f"edge {e['id']} has no arrowhead")
    labels = g["labels"]
    for i, a in enumerate(labels):
        out += [f"label {a['id']} {a['text']!r} overlaps box {b}"
                for b, r in g["boxes"].items() if _overlap(a["box"], r)]
        out += [f"labels {a['id']} and {b['id']} overlap" for b in labels[i + 1:] if _overlap(a["box"], b["box"])]
    ends: dict[tuple[float, float], str] = {}
    for e in g["edges"]:  # one arrowhead per edge: no two edges end at the same point
        end = (round(e["pts"][-1][0], 1), round(e["pts"][-1][1], 1))
        if end in ends:
            out.append(f"edges {ends[end]} and {e['id']} share the arrowhead at {end}")
        ends[end] = e["id"]
    w, h = g["size"]
    out += [f"box {b} outside the picture"
            for b, r in g["boxes"].items() if r[0] < 0 or r[1] < 0 or r[2] > w or r[3] > h]
    return out


def _sum_over_paths() -> cr.explain.Graph:
    x = cr.tensor(2.0, requires_grad=True, name="x")
    y = cr.tensor(3.0, requires_grad=True, name="y")
    z = x * y + x
    z.backward()
    return cr.graph(z)


def test_x_times_y_plus_x_shows_both_paths_from_x() -> None:
    g = _sum_over_paths()
    pic = parse(g.to_svg())
    assert problems(pic) == []
    x = g.node("x")["id"]
    out_of_x = [e for e in pic["edges"] if e["s"] == x]
    assert len(out_of_x) == 2 and {e["t"] for e in out_of_x} == {g.node("x*y")["id"], g.root["id"]}
    labelled = {lab["id"]: lab["text"] for lab in pic["labels"]}
    assert all(e["id"] in labelled for e in out_of_x)  # each path from x has its own label
    assert sorted(labelled[e["id"]] for e in out_of_x) == ["1.0 × 1.0 = 1.0", "1.0 × 3.0 = 3.0"]
    assert pic["edges"][0]["pts"][-1] != pic["edges"][1]["pts"][-1]
    assert "grad 1.0 + 3.0 = 4.0" in pic["texts"][x]  # the viewer's last step: x's gradient, summed


def test_the_chapters_two_layer_network() -> None:
    with cr.explain.record():
        t = examples.two_layer_network()
    g = cr.graph(t["L"])
    pic = parse(g.to_svg())
    assert problems(pic) == []
    assert len(pic["boxes"]) == len(g.nodes) and len(pic["edges"]) == len(g.edges)
    texts = {g.by_id(k)["name"]: v for k, v in pic["texts"].items()}
    assert "grad -24.0" in texts["w1"] and "data 4.0" in texts["L"]  # the chapter's dL/dw1 = -24 and L = 4
    assert any(lab["text"] == "-8.0 × 3.0 = -24.0" for lab in pic["labels"])
    # columns left to right: every edge goes from a box to a box further right
    for e in pic["edges"]:
        assert pic["boxes"][e["s"]][2] <= pic["boxes"][e["t"]][0]


def test_a_large_graph_is_drawn_grouped_and_every_node_on_request() -> None:
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(4, 8), cr.nn.Tanh(), cr.nn.Linear(8, 8), cr.nn.Tanh(), cr.nn.Linear(8, 2))
    ws = [cr.tensor(float(i % 7) / 7, dtype=cr.float64, requires_grad=True) for i in range(200)]
    total = ws[0] * 0.0
    for w in ws:
        total = total + w * w
    g = cr.graph(total)
    assert g.data["default_view"] == "groups"
    grouped = parse(g.to_svg())
    assert problems(grouped) == []
    assert 1 < len(grouped["boxes"]) < len(g.nodes) / 2
    assert all(not n.startswith("n") for n in grouped["boxes"])  # runs of ops, not single nodes
    assert jslayout.layout(g)["notice"].startswith(f"{len(g.nodes)} nodes, drawn as ")
    full = parse(g.to_svg(grouped=False))
    assert len(full["boxes"]) == len(g.nodes)

    with cr.explain.record_modules(model):
        loss = (model(cr.randn(3, 4)) ** 2).mean()
    loss.backward()
    mg = cr.graph(loss)
    modules = parse(mg.to_svg(grouped=True))  # one box per top-level module
    assert problems(modules) == []
    titles = [texts[0] for texts in modules["texts"].values()]
    assert any("Linear(4->8)" in t for t in titles), titles
    assert problems(parse(mg.to_svg())) == []  # small: the viewer's first view opens the modules


def test_the_picture_is_the_viewers_layout_and_deterministic() -> None:
    g = _sum_over_paths()
    a = jslayout.layout(g)
    assert jslayout.layout(cr.explain.Graph.from_json(g.to_json())) == a
    assert {b["id"] for b in a["boxes"]} == {n["id"] for n in g.nodes}
    svg = g.to_svg()
    for b in a["boxes"]:
        assert f'x="{b["x"] - b["w"] / 2:.1f}" y="{b["y"] - b["h"] / 2:.1f}"' in svg


def test_threads_share_one_v8_context() -> None:
    g = _sum_over_paths()
    expected = g.to_svg()
    results: list[str] = []
    errors: list[BaseException] = []

    def draw() -> None:
        try:
            for _ in range(3):
                results.append(g.to_svg())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and results == [expected] * 12


def test_without_mini_racer(monkeypatch: pytest.MonkeyPatch) -> None:
    g = _sum_over_paths()
    monkeypatch.setitem(sys.modules, "py_mini_racer", None)  # import fails as if not installed
    monkeypatch.setattr(jslayout, "_context", None)
    assert not jslayout.available()
    with pytest.raises(ImportError, match=re.escape("pip install 'chainrule[viz]'")):
        g.to_svg()
    assert g._repr_svg_() is None
    fragment = g._repr_html_()
    assert "chainrule[viz]" in fragment and "<img" not in fragment and "data-cr-graph" in fragment
    assert "<table" in fragment  # the gradient table still shows without JavaScript


def test_to_dot_needs_no_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    g = _sum_over_paths()
    monkeypatch.setitem(sys.modules, "py_mini_racer", None)
    monkeypatch.setattr(jslayout, "_context", None)
    dot = g.to_dot()
    assert dot.startswith('digraph "z"') and dot.count("->") == len(g.edges)
    assert not hasattr(cr.viz, "Placed") and not (Path(cr.viz.__file__).parent / "layout.py").exists()


FORK = """
import os, sys
import chainrule as cr
x = cr.tensor(2.0, requires_grad=True, name="x")
z = x * x + x
z.backward()
g = cr.graph(z)
a = g.to_svg()  # the parent's V8 is running
pid = os.fork()
if pid == 0:
    b = g.to_svg()  # V8 does not survive fork: a helper process lays out
    sys.exit(0 if a == b else 3)  # and the child's exit must not hang
_, status = os.waitpid(pid, 0)
print("child", os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_draws_and_exits() -> None:
    run = subprocess.run([sys.executable, "-c", FORK], capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "child 0"


def test_nan_and_infinite_values_are_drawn() -> None:
    x = cr.tensor([float("nan"), float("inf"), -1.0], requires_grad=True, name="x")
    y = cr.relu(x).sum()
    y.backward()
    pic = parse(cr.graph(y).to_svg())
    assert problems(pic) == []
    assert any("nan" in t.lower() for texts in pic["texts"].values() for t in texts)


def test_a_slow_layout_is_left_out_of_the_page_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    from chainrule.viz import html as viz_html

    ws = [cr.tensor(float(i % 7) / 7, dtype=cr.float64, requires_grad=True) for i in range(100)]
    total = ws[0] * 0.0
    for w in ws:  # the viewer's first view: 103 boxes, two groups with an edge to each add: dagre takes seconds
        total = total + w * w
    g = cr.graph(total)
    with pytest.raises(TimeoutError):
        g.to_svg(timeout=0.2)
    monkeypatch.setattr(viz_html, "PICTURE_SECONDS", 0.2)
    fragment = g._repr_html_()
    assert "layout took more than 0.2 s" in fragment and "<img" not in fragment
    assert parse(_sum_over_paths().to_svg())["boxes"]  # V8 still works after the interruption


def test_drawn_from_inside_a_running_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Jupyter kernel runs cells inside an asyncio loop: the V8 context must still honour a timeout."""
    import asyncio

    monkeypatch.setattr(jslayout, "_context", None)  # made afresh, from inside the loop
    monkeypatch.setattr(jslayout, "_context_pid", None)
    g = _sum_over_paths()

    async def cell() -> str:
        return g.to_svg(timeout=30)

    try:
        assert parse(asyncio.run(cell()))["boxes"]
        assert "<img" in g._repr_html_()
    finally:
        jslayout._close()
