"""The built-in nn.LSTM runs its 200 time steps inside one forward; its named scopes (one per layer, one per
step) make the viewer show the layer as a box that opens into runs of steps, and one step opens on its own
(Debian's Chromium through Playwright)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chainrule as cr
from chainrule import nn

STEPS = 200


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, xs: cr.Tensor) -> cr.Tensor:
        out, _ = self.lstm(xs)
        return self.head(out[-1])


def _chip(page: Any, text: str) -> Any:
    return page.locator("g.crg-box[data-group]", has_text=text).first


def test_one_time_step_of_a_200_step_lstm_opens_on_its_own(browser: Any, tmp_path: Path) -> None:
    cr.manual_seed(0)
    net = Net()
    with cr.explain.record_modules(net):
        loss = net(cr.randn(STEPS, 1, 3)).pow(2).mean()
    g = cr.graph(loss)
    step3 = next(grp for grp in g.data["groups"] if grp["label"] == "LSTM layer 0, t=3")
    path = tmp_path / "lstm.html"
    g.to_html(str(path))
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(path.as_uri())
        page.locator(".crg-svg").first.wait_for()
        notice = page.locator(".crg-draw-notice").first.inner_text()
        groups_drawn = page.evaluate("document.querySelectorAll('.crg-svg g.crg-box[data-group]').length")
        assert f"{len(g.nodes)} nodes, drawn as {groups_drawn} groups" in notice
        page.locator("button.crg-group-toggle", has_text="LSTM layer 0").first.click()
        page.wait_for_timeout(200)
        _chip(page, "t=0 \u2026 t=").click()  # the layer opens into runs of 40 steps; the first holds t=3
        page.wait_for_timeout(200)
        step = page.locator("g.crg-box[data-group]", has_text="t=3 (").first
        assert (step.text_content() or "").startswith("t=3")
        step.click()
        page.wait_for_timeout(300)
        drawn = page.evaluate("Array.from(document.querySelectorAll('.crg-svg g.crg-box:not([data-group])'))"
                              ".map(function (b) { return b.getAttribute('data-node'); })")
        layer = set(next(grp for grp in g.data["groups"] if grp["label"] == "LSTM layer 0")["nodes"])
        steps = {n for grp in g.data["groups"] if grp["label"].startswith("LSTM layer 0, t=") for n in grp["nodes"]}
        assert set(step3["nodes"]) <= set(drawn)  # that step's nodes, one box each
        assert not set(drawn) & (steps - set(step3["nodes"]))  # and no node of another step
        weights = {i for i in layer if g.node(i)["kind"] == "leaf"}
        assert not set(drawn) & (layer - steps - weights)  # besides: the layer's weights and nodes outside it
        titles = page.evaluate("Array.from(document.querySelectorAll('.crg-svg g.crg-box[data-group]'))"
                               ".map(function (b) { return b.textContent; })")
        assert any(t.startswith("t=4 (") for t in titles) and not any(t.startswith("t=3 (") for t in titles)
    finally:
        page.close()
