"""The static SVG and the browser viewer are one picture: the layout Python runs in V8 (mini-racer) gives the
boxes, edge paths and labels that graph.js gives in Chromium (Debian's, through Playwright)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule.chapter import examples
from chainrule.viz import jslayout

VIEWER = """
(root) => {
  const v = root.crgViewer;
  return { boxes: v.boxList.map((b) => ({ id: b.id, x: v.P[b.id].x, y: v.P[b.id].y, w: v.P[b.id].w, h: v.P[b.id].h })),
           links: v.links.map((l) => ({ id: l.id, d: l.d, label: l.label ? [l.lx, l.ly, l.lw, l.lh] : null })),
           width: v.W, height: v.H, tb: v.tb };
}
"""


def _graphs() -> dict[str, cr.explain.Graph]:
    x = cr.tensor(2.0, requires_grad=True, name="x")
    y = cr.tensor(3.0, requires_grad=True, name="y")
    z = x * y + x
    z.backward()
    with cr.explain.record():
        t = examples.two_layer_network()
    ws = [cr.tensor(float(i % 7) / 7, dtype=cr.float64, requires_grad=True) for i in range(200)]
    total = ws[0] * 0.0
    for w in ws:
        total = total + w * w
    return {"sum_over_paths": cr.graph(z), "two_layer": cr.graph(t["L"]), "chain200": cr.graph(total)}


@pytest.mark.parametrize("name", ["sum_over_paths", "two_layer", "chain200"])
def test_static_layout_equals_the_viewers_in_chromium(browser: Any, tmp_path: Path, name: str) -> None:
    g = _graphs()[name]
    path = tmp_path / f"{name}.html"
    g.to_html(path)
    page = browser.new_page(viewport={"width": 1280, "height": 800})  # wide: left to right, as the static SVG
    try:
        page.goto(path.as_uri())
        page.locator(".crg-svg").first.wait_for()
        seen = page.eval_on_selector("[data-cr-graph]", VIEWER)
    finally:
        page.close()
    ours = jslayout.layout(g)
    assert not seen["tb"]
    assert (seen["width"], seen["height"]) == pytest.approx((ours["width"], ours["height"]))
    assert [b["id"] for b in seen["boxes"]] == [b["id"] for b in ours["boxes"]]
    for a, b in zip(seen["boxes"], ours["boxes"]):
        assert (a["x"], a["y"], a["w"], a["h"]) == pytest.approx((b["x"], b["y"], b["w"], b["h"])), a["id"]
    assert [link["d"] for link in seen["links"]] == [link["d"] for link in ours["links"]]
    labels = [None if link["label"] is None else [link["label"][k] for k in ("x", "y", "w", "h")]
              for link in ours["links"]]
    assert [link["label"] for link in seen["links"]] == labels
