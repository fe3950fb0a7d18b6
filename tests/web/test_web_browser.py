"""Every playground page in a real headless Chromium against a real server: moving a slider or toggling a
bit shows the engine's numbers, the diagonal-flip page highlights exactly the engine's dead units, state
lives in the URL, and no request leaves 127.0.0.1. In CI (CI=true) a missing browser fails the tests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule.playgrounds import depth, flip, neuron, two_inputs
from chainrule.utils.numbers import format_number


class Page:
    """A page of the app with every request it tried to make; requests off the server are aborted."""

    def __init__(self, browser: Any, server_url: str) -> None:
        self.origin = server_url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=False)
        self.requests: list[str] = []
        self.foreign: list[str] = []

        def handle(route: Any) -> None:
            url = route.request.url
            self.requests.append(url)
            if url.startswith(self.origin + "/") or url.startswith(("blob:", "data:")):
                route.continue_()
            else:
                self.foreign.append(url)
                route.abort()

        self.context.route("**/*", handle)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def goto(self, path: str) -> None:
        updates = self.updates
        self.page.goto(self.origin + path)
        self.wait_update(updates)

    @property
    def updates(self) -> int:
        try:
            return int(self.page.evaluate("Number(document.body && document.body.dataset.updates || 0)"))
        except Exception:
            return 0

    def wait_update(self, before: int) -> None:
        self.page.wait_for_function("(n) => Number(document.body.dataset.updates || 0) > n", arg=before)

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.inner_text().strip()

    def set_range(self, key: str, value: float) -> None:
        """Move the slider `#key-range` to value (as a user drag does: input events)."""
        before = self.updates
        script = "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }"
        self.page.eval_on_selector(f"#{key}-range", script, value)
        self.wait_update(before)
        self.settle()

    def settle(self) -> None:
        """Wait until no API request is in flight and the last answer is rendered."""
        self.page.wait_for_load_state("networkidle")

    def click(self, selector: str) -> None:
        before = self.updates
        self.page.locator(selector).first.click()
        self.wait_update(before)
        self.settle()

    def close(self) -> None:
        assert not self.errors, self.errors
        assert not self.foreign, f"requests left the machine: {self.foreign}"
        assert all(u.startswith((self.origin, "blob:", "data:")) for u in self.requests)
        self.context.close()


@pytest.fixture
def page(browser: Any, server_url: str) -> Iterator[Page]:
    p = Page(browser, server_url)
    yield p
    p.close()


def fmt(v: float | None) -> str:
    """The pages' number format (common.js fmt), for comparing with the engine's values."""
    return format_number(v)


# --- neuron ------------------------------------------------------------------------------------------

def test_neuron_sliders_show_the_engine_values(page: Page) -> None:
    page.goto("/neuron?x=1&w=1&b=0&t=0")
    assert page.text("#out-L") == "1.0" and page.text("#grad-w") == "2.0"
    for key, value in (("x", 2), ("w", 1.5), ("b", -1), ("t", 3)):
        page.set_range(key, value)
    assert page.text("#out-z") == "2.0" and page.text("#out-a") == "2.0"
    assert page.text("#out-L") == "1.0"
    assert page.text("#f-dL_da") == "-2.0" and page.text("#f-da_dz") == "1.0" and page.text("#f-dz_dw") == "2.0"
    assert page.text("#product") == "-4.0" and page.text("#grad-w") == "-4.0"
    assert page.page.locator("#gate").get_attribute("data-state") == "open"
    page.set_range("b", -4)
    assert page.page.locator("#gate").get_attribute("data-state") == "closed"
    assert page.text("#gate") == "closed (z \u2264 0)"
    assert page.text("#grad-w") == "0.0" and page.text("#product") == "0.0"
    assert page.text("#out-L") == "9.0"
    assert "b=-4" in page.page.url  # the state is in the URL


def test_neuron_update_button_lowers_the_loss(page: Page) -> None:
    page.goto("/neuron?x=2&w=1.5&b=-1&t=3&lr=0.1")
    expected = neuron.compute({"x": 2, "w": 1.5, "b": -1, "t": 3, "lr": 0.1})
    assert page.text("#upd-w") == fmt(expected["update"]["w"]) == "1.9"
    page.click("#step")
    assert page.page.locator("#w").input_value() == "1.9"
    after = neuron.compute({"x": 2, "w": 1.9, "b": -1, "t": 3, "lr": 0.1})
    assert page.text("#out-L") == fmt(after["forward"]["L"]) == "0.04"
    assert page.text("#history") == "loss after each update: 1.0 \u2192 0.04"
    assert "w=1.9" in page.page.url


def test_neuron_shared_link_and_bad_value(page: Page) -> None:
    page.goto("/neuron?x=2&w=1.5&b=-4&t=3")
    assert page.page.locator("#gate").get_attribute("data-state") == "closed"
    before = page.updates
    page.page.fill("#x", "50")  # beyond the API's range: a clear error in the page, numbers unchanged
    page.page.locator("#error").wait_for(state="visible")
    assert "x must be between -10 and 10" in page.text("#error")
    assert page.updates == before
    page.page.fill("#x", "2")
    page.page.locator("#error").wait_for(state="hidden")


# --- two inputs -----------------------------------------------------------------------------------------

def test_two_inputs_delta_times_input(page: Page) -> None:
    page.goto("/two-inputs")
    page.set_range("w1", 2)
    page.set_range("a2", -1.5)
    r = two_inputs.compute({"a1": 1, "a2": -1.5, "w1": 2, "w2": -0.4, "b": 0.2, "y": 1})
    assert page.text("#delta") == fmt(r["factors"]["delta"])
    assert page.text("#grad-w1") == fmt(r["grads"]["w1"]) and page.text("#grad-w2") == fmt(r["grads"]["w2"])
    assert page.text("#how-w2") == f"\u03b4 \u00d7 a\u2082 = {fmt(r['factors']['delta'])} \u00d7 -1.5"
    page.set_range("b", -5)
    assert page.text("#grad-w1") == "0.0" and page.page.locator("#gate").get_attribute("data-state") == "closed"


# --- diagonal flip --------------------------------------------------------------------------------------

def _shown_dead(page: Page) -> list[int]:
    return [int(u.get_attribute("data-unit")) for u in page.page.locator(".unit.dead").all()]


def _zero_rows(page: Page, matrix: str) -> list[int]:
    rows = page.page.locator(f"table[data-matrix={matrix}] tbody tr.zero-row").all()
    return [int(r.get_attribute("data-row")) for r in rows]


def test_flip_toggles_highlight_exactly_the_engine_dead_units(page: Page) -> None:
    page.goto("/flip")
    x, t = [1, 1, 0, 0], [1, 0, 1, 0]  # the page's default: the top row, flipped to the left column
    expected = flip.compute({"x": x, "t": t})
    assert _shown_dead(page) == expected["dead"] == [2]
    assert _zero_rows(page, "W1") == expected["zero_rows"]["W1"]
    assert _zero_rows(page, "W2") == expected["zero_rows"]["W2"]
    for bit in (0, 1, 2, 3, 0):  # toggle every input bit, checking each configuration against the engine
        page.click(f"#x-bits button[data-bit='{bit}']")
        x[bit] = 1 - x[bit]
        expected = flip.compute({"x": x, "t": t})
        assert _shown_dead(page) == expected["dead"], x
        assert _zero_rows(page, "W1") == expected["zero_rows"]["W1"], x
        assert _zero_rows(page, "W2") == expected["zero_rows"]["W2"], x
        assert page.text("#loss") == fmt(expected["forward"]["loss"])
        assert page.page.locator("#x-bits button[aria-pressed=true]").count() == sum(x)
    page.click("#t-bits button[data-bit='3']")
    t[3] = 1 - t[3]
    expected = flip.compute({"x": x, "t": t})
    assert page.text("#loss") == fmt(expected["forward"]["loss"])
    assert f"t={''.join(map(str, t))}" in page.page.url
    page.click("#flipped")
    assert [int(b.inner_text()) for b in page.page.locator("#t-bits button").all()] == flip.transpose(x)


@pytest.mark.parametrize("bits", ["0000", "0100", "0011", "1111"])
def test_flip_shared_links(page: Page, bits: str) -> None:
    x = [int(b) for b in bits]
    page.goto(f"/flip?x={bits}&t={''.join(map(str, flip.transpose(x)))}")
    expected = flip.compute({"x": x})
    assert _shown_dead(page) == expected["dead"]
    assert page.text("#dead-list") == (", ".join(f"h{j + 1}" for j in expected["dead"]) or "none")
    assert _zero_rows(page, "W1") == expected["zero_rows"]["W1"]


def test_flip_sgd_step_and_train(page: Page) -> None:
    page.goto("/flip")
    page.click("#sgd")
    one = flip.compute({"steps": 1})
    assert page.text("#steps") == "1" and page.text("#loss") == fmt(one["forward"]["loss"])
    points = page.page.locator("#curve polyline").get_attribute("points").split()
    assert len(points) == 2
    page.click("#train")  # all 16 images: the 4->3->4 network stops short and says why
    trained = flip.compute({"train": True})
    assert page.text("#loss") == fmt(trained["forward"]["loss"])
    points = page.page.locator("#curve polyline").get_attribute("points").split()
    assert len(points) == len(trained["task"]["curve"])
    assert "train=1" in page.page.url


# --- depth ------------------------------------------------------------------------------------------------

def test_depth_vanishing_and_exploding(page: Page) -> None:
    page.goto("/depth")
    before = page.updates
    page.page.select_option("#activation", "sigmoid")
    page.wait_update(before)
    page.set_range("depth", 30)
    r = depth.compute({"depth": 30, "activation": "sigmoid", "scale": 1})
    assert page.text("#verdict") == r["verdict"] and r["verdict"].startswith("vanishing")
    assert page.page.locator("#rows tr").count() == 30
    assert page.page.locator("#chart rect.bar[data-layer]").count() == 30
    assert page.text("#rows tr[data-layer='1'] td:nth-child(2)") == fmt(r["layers"][0]["delta_norm"])
    before = page.updates
    page.page.select_option("#activation", "relu")
    page.wait_update(before)
    page.set_range("scale", 2)
    assert page.text("#verdict").startswith("exploding")
    assert "activation=relu" in page.page.url and "scale=2" in page.page.url


# --- graph lab ----------------------------------------------------------------------------------------------

def _table(page: Page) -> dict[str, str]:
    return {r.locator("td").nth(0).inner_text(): r.locator("td").nth(1).inner_text()
            for r in page.page.locator(".crg-table tbody tr").all()}


def test_graph_lab_expression_viewer_and_table(page: Page) -> None:
    page.goto("/graph")
    assert page.page.evaluate("document.body.dataset.viewer") == "crgraph"  # the shared chainrule.viz viewer
    page.page.fill("#expr", "relu(w*x + b)")
    before = page.updates
    page.page.click("#run")
    page.wait_update(before)
    for name, value in (("w", "1.5"), ("x", "2"), ("b", "-1")):
        before = page.updates
        page.page.fill(f"input[data-var={name}]", value)
        page.wait_update(before)
    page.settle()
    # step the viewer to its last backward step: the boxes and the table show the engine's gradients
    page.page.eval_on_selector(".crg-slider", "el => { el.value = el.max; el.dispatchEvent(new Event('input')); }")
    grads = _table(page)
    assert grads["dout/dw"] == "2.0" and grads["dout/dx"] == "1.5" and grads["dout/db"] == "1.0"
    texts = page.page.locator(".crg-canvas svg.crg-svg").text_content()
    assert "grad 2.0" in texts and "grad 1.5" in texts
    last = page.page.locator(".crg-slider").get_attribute("max")
    assert re.search(rf"[?&]step={last}\b", page.page.url)  # the viewer's step is part of the shared link
    assert "expr=relu" in page.page.url and "v.w=1.5" in page.page.url
    chain = page.page.locator(".crg-tables [data-variable=w]").inner_text()
    assert "1.0 \u00d7 1.0 \u00d7 2.0 = 2.0" in chain


def test_graph_lab_errors_are_shown(page: Page) -> None:
    page.goto("/graph")
    for text, needle in (("foo(x)", "unknown function 'foo'"), ("x / (x - x)", "division by zero"),
                         ("__import__('os')", "unknown function"), ("log(x - 5)", "log needs a positive number")):
        page.page.fill("#expr", text)
        page.page.click("#run")
        page.page.locator("#error").wait_for(state="visible")
        page.page.wait_for_function("(n) => document.querySelector('#error').textContent.includes(n)", arg=needle)


def test_graph_lab_upload_of_to_json(page: Page, tmp_path: Path) -> None:
    w = cr.tensor(0.5, requires_grad=True, name="w1")
    h = cr.relu(w * 3.0)
    h.name = "h"
    loss = (2.0 * h - 1.0 - 4.0) ** 2
    path = tmp_path / "graph.json"
    path.write_text(cr.graph(loss).to_json())
    page.goto("/graph")
    before = page.updates
    page.page.set_input_files("#upload", str(path))
    page.wait_update(before)
    assert page.text("#graph-title") == "Uploaded graph"
    page.page.eval_on_selector(".crg-slider", "el => { el.value = el.max; el.dispatchEvent(new Event('input')); }")
    assert _table(page)["dloss/dw1"] == "-24.0"  # named from the caller's variables, as cr.graph does by default


def test_graph_lab_download_is_the_document_and_uploads_again(page: Page, tmp_path: Path) -> None:
    page.page.add_init_script("""(() => { const make = URL.createObjectURL; window.blobs = [];
      URL.createObjectURL = (b) => { window.blobs.push(b); return make(b); }; })()""")
    page.goto("/graph")
    text = page.page.evaluate("async () => window.blobs[window.blobs.length - 1].text()")
    path = tmp_path / "graph.json"
    path.write_text(text)
    doc = json.loads(text)
    assert doc["schema"] == "chainrule.graph"
    assert cr.explain.Graph.from_json(doc).grad("x").item() == 42.0  # the chapter: x = 2, dL/dx = 42
    before = page.updates
    page.page.set_input_files("#upload", str(path))
    page.wait_update(before)
    assert page.text("#graph-title") == "Uploaded graph"


def test_index_links_every_page(page: Page) -> None:
    page.page.goto(page.origin + "/")
    links = {a.get_attribute("href") for a in page.page.locator("ul.cards a").all()}
    assert links == {"/graph", "/neuron", "/two-inputs", "/flip", "/depth"}
    page.page.wait_for_function("() => document.querySelector('#version').textContent.includes('chainrule')")
