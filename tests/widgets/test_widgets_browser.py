"""The widgets' front end (widget.js, as anywidget loads it) in headless Chromium, wired to a widget object of
this Python process: it renders the engine's numbers, and moving a slider or toggling a bit goes to Python
and back, as in a notebook. No request leaves the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

anywidget = pytest.importorskip("anywidget", reason="the widgets extra is not installed (pip install anywidget)")

import chainrule as cr  # noqa: E402

# A stand-in for anywidget's model: get/set/on/off/save_changes; save_changes sends `params` to Python
# (window.pySync) and applies the traits Python sends back, firing change events as the real model does.
FAKE_MODEL = """
(state) => {
  const handlers = {};
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; },
    on: (ev, f) => { (handlers[ev] = handlers[ev] || []).push(f); },
    off: () => {},
    save_changes: async () => {
      const answer = JSON.parse(await window.pySync(JSON.stringify(state.params)));
      for (const [k, v] of Object.entries(answer)) {
        state[k] = v;
        (handlers["change:" + k] || []).forEach((f) => f());
      }
      window.syncs = (window.syncs || 0) + 1;
    },
  };
  window.widget.render({ model, el: document.getElementById("root") });
}
"""


@pytest.fixture
def widget_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    requests: list[str] = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    assert not errors, errors
    assert not requests, requests
    context.close()


def mount(page: Any, w: Any) -> None:
    esm = w._esm.replace("export default", "window.widget =")
    page.set_content(f"<!doctype html><style>{w._css}</style><div id='root'></div>"
                     f"<script type='module'>{esm}</script>")
    page.wait_for_function("() => window.widget !== undefined")

    def sync(params: str) -> str:
        w.params = json.loads(params)
        return json.dumps({"result": w.result, "error": w.error, "params": w.params})

    page.expose_function("pySync", sync)
    page.evaluate(FAKE_MODEL, {"kind": w.kind, "params": w.params, "result": w.result, "error": w.error})


def move(page: Any, param: str, value: float) -> None:
    before = page.evaluate("() => window.syncs || 0")
    script = "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }"
    page.eval_on_selector(f"input[data-param={param}]", script, value)
    page.wait_for_function("(n) => (window.syncs || 0) > n", arg=before)


def out(page: Any, key: str) -> str:
    return page.locator(f"[data-out={key}]").inner_text()


def test_neuron_widget_renders_and_round_trips(widget_page: Any) -> None:
    w = cr.widgets.Neuron(x=1.0, w=1.0, b=0.0, t=0.0)
    mount(widget_page, w)
    assert out(widget_page, "L") == "1.0"
    for key, value in (("x", 2), ("w", 1.5), ("b", -1), ("t", 3)):
        move(widget_page, key, value)
    assert w.params == {"x": 2, "w": 1.5, "b": -1, "t": 3, "lr": 0.1}
    assert out(widget_page, "L") == "1.0" and out(widget_page, "product") == "-4.0"
    assert out(widget_page, "grad_w") == "-4.0" and out(widget_page, "gate") == "gate open"
    move(widget_page, "b", -4)
    assert out(widget_page, "gate") == "gate closed" and out(widget_page, "grad_w") == "0.0"
    assert w.result["gate"] == "closed"


def test_flip_widget_highlights_the_engine_dead_units(widget_page: Any) -> None:
    w = cr.widgets.DiagonalFlip(x=[1, 0, 0, 1])
    mount(widget_page, w)
    shown = lambda: [int(u.get_attribute("data-unit")) for u in widget_page.locator(".crw-dead").all()]  # noqa: E731
    assert shown() == w.dead == [1]
    before = widget_page.evaluate("() => window.syncs || 0")
    widget_page.locator("[data-bit=x1]").click()  # x = 1101
    widget_page.wait_for_function("(n) => (window.syncs || 0) > n", arg=before)
    assert w.result["inputs"]["x"] == [1, 1, 0, 1]
    assert shown() == w.dead == [0]


def test_graph_widget_mounts_the_shared_viewer(widget_page: Any) -> None:
    x = cr.tensor(2.0, requires_grad=True, name="x")
    w = cr.widgets.Graph((3 * x + 1) ** 2)
    widget_page.set_content(f"<!doctype html><style>{w._css}</style><div id='root'></div>"
                            f"<script type='module'>{w._esm.replace('export default', 'window.widget =')}</script>")
    widget_page.wait_for_function("() => window.widget !== undefined")
    widget_page.evaluate("(s) => window.widget.render({model: {get: (k) => s[k], on() {}, off() {}},"
                         " el: document.getElementById('root')})", {"kind": "graph", "result": w.result, "error": ""})
    widget_page.eval_on_selector(".crg-slider", "el => { el.value = el.max; el.dispatchEvent(new Event('input')); }")
    assert "grad 42.0" in widget_page.locator(".crg-canvas svg.crg-svg").text_content()
    assert "42.0" in widget_page.locator(".crg-table").inner_text()  # the explain table, in the shared viewer


def test_flip_widget_counts_from_1_and_offers_4_4_4(widget_page: Any) -> None:
    w = cr.widgets.DiagonalFlip()  # x = 1100: h3 dead, zero rows x3, x4 of dL/dW1 and h3 of dL/dW2
    mount(widget_page, w)
    assert "zero rows of dL/dW1: x3, x4; of dL/dW2: h3" in out(widget_page, "info")
    assert widget_page.locator(".crw-unit.crw-dead").inner_text().startswith("h3:")
    boxes = [widget_page.locator(f"[data-out=y-image] [data-pixel='{i}']").bounding_box() for i in range(4)]
    assert boxes[0]["y"] == boxes[1]["y"] < boxes[2]["y"] == boxes[3]["y"]  # y drawn as a 2x2 image
    assert boxes[0]["x"] == boxes[2]["x"] < boxes[1]["x"] == boxes[3]["x"]
    before = widget_page.evaluate("() => window.syncs || 0")
    widget_page.locator("[data-act=train]").click()
    widget_page.wait_for_function("(n) => (window.syncs || 0) > n", arg=before)
    assert "15 regions" in out(widget_page, "task") and widget_page.locator("[data-act=try-444]").is_visible()
    before = widget_page.evaluate("() => window.syncs || 0")
    widget_page.locator("[data-act=try-444]").click()
    widget_page.wait_for_function("(n) => (window.syncs || 0) > n", arg=before)
    assert w.params["hidden"] == 4 and w.result["task"]["solved"]
    assert "zero error" in out(widget_page, "task") and widget_page.locator(".crw-unit").count() == 4


def test_neuron_slider_arrow_keys_even_with_a_page_wide_key_listener(widget_page: Any) -> None:
    w = cr.widgets.Neuron()
    mount(widget_page, w)
    # what a graph viewer shown in the same notebook did: take ArrowLeft/Right on the whole page
    widget_page.evaluate("() => document.addEventListener('keydown', (e) => { if (e.key.startsWith('Arrow')) "
                         "e.preventDefault(); })")
    widget_page.locator("input[data-param=w]").focus()
    before = widget_page.evaluate("() => window.syncs || 0")
    widget_page.keyboard.press("ArrowRight")
    widget_page.wait_for_function("(n) => (window.syncs || 0) > n", arg=before)
    assert w.params["w"] == 1.6 and out(widget_page, "L") == "0.64"


CONTRAST = """(sel) => [...document.querySelectorAll(sel)].map((e) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92
    : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let p = e; while (p && getComputedStyle(p).backgroundColor.endsWith(", 0)")) p = p.parentElement;
  const a = lum(getComputedStyle(e).color), b = lum(p ? getComputedStyle(p).backgroundColor : "rgb(255, 255, 255)");
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); })"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_widgets_readable_in_both_colour_schemes(browser: Any, scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme)
    context.route("**/*", lambda route: route.abort())
    page = context.new_page()
    page.set_content("<!doctype html><body style='background:" + ("#111" if scheme == "dark" else "#fff") + "'>"
                     "<div id='a'></div><div id='b'></div></body>")
    for root, widget in (("a", cr.widgets.Neuron(b=-4.0)), ("b", cr.widgets.DiagonalFlip())):
        esm = widget._esm.replace("export default", f"window.w_{root} =")
        page.add_style_tag(content=widget._css)
        page.add_script_tag(content=esm, type="module")
        page.wait_for_function(f"() => window.w_{root} !== undefined")
        page.evaluate(f"(s) => window.w_{root}.render({{model: {{get: (k) => s[k], on() {{}}, off() {{}}}}, "
                      f"el: document.getElementById('{root}')}})",
                      {"kind": widget.kind, "params": widget.params, "result": widget.result, "error": ""})
    texts = page.evaluate(CONTRAST, ".crw-eq, .crw-num, .crw-unit, .crw button, .crw-control")
    assert texts and min(texts) >= 4.5, texts
    assert min(page.evaluate(CONTRAST, ".crw-unit.crw-dead")) >= 4.5
    assert min(page.evaluate(CONTRAST, ".crw-gate")) >= 3.0
    context.close()
