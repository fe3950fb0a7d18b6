"""A module called again and again (an LSTM cell over time steps) is drawn one box per call, named after the
call, and one call can be opened on its own (Debian's Chromium through Playwright)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chainrule as cr
from chainrule import nn

STEPS = 30


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.cell = nn.LSTMCell(3, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, xs: cr.Tensor) -> cr.Tensor:
        h = c = cr.zeros(1, 4)
        for t in range(xs.shape[0]):
            h, c = self.cell(xs[t], (h, c))
        return self.head(h)


def test_a_cell_over_time_steps_is_one_box_per_call(browser: Any, tmp_path: Path) -> None:
    cr.manual_seed(0)
    net = Net()
    with cr.explain.record_modules(net):
        loss = net(cr.randn(STEPS, 1, 3)).sum()
    path = tmp_path / "lstm.html"
    cr.graph(loss).to_html(str(path))
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(path.as_uri())
        page.locator(".crg-svg").first.wait_for()
        chips = page.locator("button", has_text="cell: LSTMCell(3->4), t=").all_inner_texts()
        assert len(chips) == STEPS and chips[0].startswith("cell: LSTMCell(3->4), t=0 (")
        notice = page.locator(".crg-notice, .crg-note").first.inner_text()
        assert "519 nodes" in notice and "groups" in notice
        boxes_before = page.evaluate("document.querySelectorAll('.crg-svg g.crg-box').length")
        page.locator("button", has_text="cell: LSTMCell(3->4), t=6 (").first.click()  # drill into one time step
        page.wait_for_timeout(300)
        boxes_after = page.evaluate("document.querySelectorAll('.crg-svg g.crg-box').length")
        assert boxes_after > boxes_before
    finally:
        page.close()
