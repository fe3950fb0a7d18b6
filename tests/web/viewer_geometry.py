"""Checks of the shared graph viewer (chainrule/viz/static/graph.js) from rendered geometry, in a real browser:
box rectangles from getBoundingClientRect, edges sampled along their path with getPointAtLength (mapped to
the screen with getScreenCTM), label rectangles, the current step's boxes and labels against the window."""

from __future__ import annotations

from typing import Any

GEOMETRY = """
(root) => {
  const rect = (r) => ({ l: r.left, t: r.top, r: r.right, b: r.bottom });
  const canvas = root.querySelector('.crg-canvas');
  const boxes = {};
  root.querySelectorAll('.crg-canvas .crg-box').forEach((g) => {
    boxes[g.getAttribute('data-node')] = rect(g.querySelector('rect').getBoundingClientRect());
  });
  const edges = [...root.querySelectorAll('.crg-canvas path.crg-edge')].map((p) => {
    const m = p.getScreenCTM(), n = p.getTotalLength(), pts = [];
    const k = Math.max(8, Math.ceil(n / 4));
    for (let i = 0; i <= k; i++) {
      const q = p.getPointAtLength(n * i / k);
      pts.push([m.a * q.x + m.c * q.y + m.e, m.b * q.x + m.d * q.y + m.f]);
    }
    return { id: p.getAttribute('data-edge'), s: p.getAttribute('data-source'), t: p.getAttribute('data-target'),
             marker: p.getAttribute('marker-end'), pts, scale: Math.hypot(m.a, m.b) };
  });
  const labels = [...root.querySelectorAll('.crg-canvas .crg-edge-label')].map((g) => ({
    id: g.getAttribute('data-edge-label'), hot: g.classList.contains('crg-hot'), text: g.textContent,
    box: rect(g.querySelector('rect').getBoundingClientRect()) }));
  const current = [...root.querySelectorAll('.crg-canvas .crg-current, .crg-canvas .crg-peer')]
    .map((g) => ({ id: g.getAttribute('data-node'), box: rect(g.querySelector('rect').getBoundingClientRect()) }));
  return { boxes, edges, labels, current, canvas: rect(canvas.getBoundingClientRect()),
           window: { w: document.documentElement.clientWidth, h: window.innerHeight },
           scrollWidth: document.documentElement.scrollWidth, step: Number(root.getAttribute('data-step')) };
}
"""


def _inside(p: tuple[float, float], r: dict[str, float], margin: float) -> bool:
    return r["l"] + margin < p[0] < r["r"] - margin and r["t"] + margin < p[1] < r["b"] - margin


def _overlap(a: dict[str, float], b: dict[str, float], margin: float = 0.5) -> bool:
    return (a["l"] + margin < b["r"] and b["l"] + margin < a["r"]
            and a["t"] + margin < b["b"] and b["t"] + margin < a["b"])


def geometry(page: Any, root: str = "[data-cr-graph]") -> dict[str, Any]:
    return page.eval_on_selector(root, GEOMETRY)


def layout_problems(g: dict[str, Any]) -> list[str]:
    """Edges under boxes that are not their endpoints, labels over boxes or over each other."""
    out = []
    for e in g["edges"]:
        for p in e["pts"]:
            for bid, r in g["boxes"].items():
                if bid not in (e["s"], e["t"]) and _inside(p, r, 1.0):
                    out.append(f"edge {e['id']} ({e['s']}->{e['t']}) passes under box {bid} at {p}")
                    break
    labels = g["labels"]
    for i, a in enumerate(labels):
        for bid, r in g["boxes"].items():
            if _overlap(a["box"], r):
                out.append(f"label {a['id']} {a['text']!r} overlaps box {bid}")
        for b in labels[i + 1:]:
            if _overlap(a["box"], b["box"]):
                out.append(f"labels {a['id']} and {b['id']} overlap")
    return out


def step_problems(g: dict[str, Any]) -> list[str]:
    """The current step's sender, receiver(s) and labels outside the window or the canvas."""
    out = []
    win = {"l": 0, "t": 0, "r": g["window"]["w"], "b": g["window"]["h"]}
    items = [(f"box {c['id']}", c["box"]) for c in g["current"]]
    items += [(f"label {lab['id']} {lab['text']!r}", lab["box"]) for lab in g["labels"] if lab["hot"]]
    for what, r in items:
        for frame, f in (("window", win), ("canvas", g["canvas"])):
            if r["l"] < f["l"] - 0.5 or r["t"] < f["t"] - 0.5 or r["r"] > f["r"] + 0.5 or r["b"] > f["b"] + 0.5:
                out.append(f"step {g['step']}: {what} is outside the {frame} ({r} vs {f})")
    return out


def walk_all_steps(page: Any, root: str = "[data-cr-graph]") -> list[str]:
    """Step from the first to the last step with the viewer's own button; geometry problems at each step."""
    problems: list[str] = []
    page.eval_on_selector(root, "r => r.crgViewer.go(0, true)")
    total = int(page.eval_on_selector(f"{root} .crg-slider", "s => Number(s.max)"))
    first = geometry(page, root)
    problems += layout_problems(first)
    for _ in range(total):
        page.locator(f"{root} [data-act=next]").click()
        g = geometry(page, root)
        problems += step_problems(g)
        if g["step"] == total:
            problems += layout_problems(g)
    return problems
