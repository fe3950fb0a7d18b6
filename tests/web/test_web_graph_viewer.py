"""The shared graph viewer (chainrule/viz/static/graph.js, laid out by the vendored dagre) in Debian's Chromium,
judged from rendered geometry at 1280x800 and 390x844: in the graph lab (a real `chainrule serve` process), in
the upload, in the offline page of `cr.graph(loss).to_html()` and in the Graph widget's front end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from viewer_geometry import geometry, layout_problems, walk_all_steps

import chainrule as cr
from browser_pages import OfflinePage

SIZES = [(1280, 800), (390, 844)]
TWO_LAYERS = "?expr=(w2*relu(w1*x%2Bb1)%2Bb2-4)**2&v.w2=2&v.w1=0.5&v.x=3&v.b1=0&v.b2=-1"
SUM_OVER_PATHS = "?expr=x*y%2Bx&v.x=2&v.y=3"


@pytest.fixture(scope="module", params=SIZES, ids=["1280", "390"])
def lab(request: Any, browser: Any, server_url: str) -> Iterator[Any]:
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.origin = server_url  # type: ignore[attr-defined]
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    assert not errors, errors
    context.close()


def open_lab(page: Any, query: str = "") -> None:
    page.goto(page.origin + "/graph" + query)
    page.wait_for_selector("[data-cr-graph] .crg-canvas .crg-box")


def test_lab_two_layers_every_step_framed_no_edge_under_a_box(lab: Any) -> None:
    open_lab(lab, TWO_LAYERS)
    assert walk_all_steps(lab) == []
    assert lab.evaluate("document.documentElement.scrollWidth") <= lab.viewport_size["width"]
    # the chapter's numbers at the last step: dL/dw1 = -24
    rows = {r.locator("td").nth(0).inner_text(): r.locator("td").nth(1).inner_text()
            for r in lab.locator(".crg-table tbody tr").all()}
    assert rows["dout/dw1"] == "-24.0" and rows["dout/dw2"] == "-6.0"


def test_lab_sum_over_paths_shows_both_paths_from_x(lab: Any) -> None:
    open_lab(lab, SUM_OVER_PATHS)
    assert walk_all_steps(lab) == []
    g = geometry(lab)
    x = lab.eval_on_selector("[data-cr-graph]", "r => r.crgViewer.doc.nodes.find(n => n.name === 'x').id")
    from_x = [e for e in g["edges"] if e["s"] == x]
    assert len(from_x) == 2 and len({e["t"] for e in from_x}) == 2  # x -> u1 and x -> out: two paths
    assert all(e["marker"] for e in from_x)  # each its own arrowhead, ending at distinct points
    ends = {tuple(round(c) for c in e["pts"][-1]) for e in g["edges"]}
    assert len(ends) == len(g["edges"])
    labelled = {lab_["id"] for lab_ in g["labels"]}
    assert {e["id"] for e in from_x} <= labelled  # and its own label
    texts = " ".join(lab_["text"] for lab_ in g["labels"])
    assert "1.0 \u00d7 3.0 = 3.0" in texts and "1.0 \u00d7 1.0 = 1.0" in texts
    chain = lab.locator("[data-variable=x]").inner_text()
    assert "sum of 2 paths" in chain and "= 4.0" in chain


def test_lab_opens_at_the_chapter_x_2_and_step_0_shows_no_gradient(lab: Any) -> None:
    open_lab(lab)
    assert lab.input_value("input[data-var=x]") == "2"
    assert lab.eval_on_selector("[data-cr-graph]", "r => r.getAttribute('data-step')") == "0"
    grads = [t.inner_text() for t in lab.locator(".crg-table td[data-grad]").all()]
    assert grads and all(t == "\u2026" for t in grads), grads
    boxes = lab.locator(".crg-canvas svg.crg-svg").text_content()
    assert "grad 42.0" not in boxes and "grad 6.0" not in boxes
    factors = lab.locator(".crg-tables").inner_text()
    assert "42.0" not in factors
    lab.locator("[data-cr-graph] .crg-box").first.hover()  # the hover details do not tell the answer either
    assert "42.0" not in lab.locator(".crg-detail").inner_text()
    lab.eval_on_selector(".crg-slider", "el => { el.value = el.max; el.dispatchEvent(new Event('input')); }")
    assert "grad 42.0" in lab.locator(".crg-canvas svg.crg-svg").text_content()
    assert "49.0" in lab.locator(".crg-canvas svg.crg-svg").text_content()


def test_keys_act_only_while_the_viewer_has_focus(lab: Any) -> None:
    open_lab(lab)
    lab.evaluate("""() => {
      const t = document.createElement('textarea'); t.id = 'cell'; document.querySelector('main').prepend(t);
      const c = document.createElement('div'); c.id = 'rich'; c.contentEditable = 'true'; c.textContent = '';
      document.querySelector('main').prepend(c);
    }""")
    step = "() => document.querySelector('[data-cr-graph]').getAttribute('data-step')"
    lab.locator("[data-cr-graph] [data-act=forward]").click()  # the viewer was used
    assert lab.evaluate(step) == "1"
    lab.locator("#cell").click()
    lab.keyboard.type("fab = 'bob'")
    assert lab.input_value("#cell") == "fab = 'bob'"
    lab.locator("#rich").click()
    lab.keyboard.type("fb")
    assert lab.locator("#rich").inner_text() == "fb"
    assert lab.evaluate(step) == "1"
    lab.locator("[data-cr-graph] .crg-canvas").focus()
    lab.keyboard.press("f")
    assert lab.evaluate(step) == "2"


def test_zoom_pan_and_fit(lab: Any) -> None:
    open_lab(lab, TWO_LAYERS)
    zoom = "() => Number(document.querySelector('[data-cr-graph]').getAttribute('data-zoom'))"
    lab.locator("[data-act=fit]").click()
    fitted = lab.evaluate(zoom)
    g = geometry(lab)
    for r in g["boxes"].values():  # fit: the whole graph inside the canvas
        c = g["canvas"]
        assert c["l"] - 1 <= r["l"] and r["r"] <= c["r"] + 1 and c["t"] - 1 <= r["t"] and r["b"] <= c["b"] + 1
    lab.locator("[data-act=zoom-in]").click()
    assert lab.evaluate(zoom) > fitted
    before = geometry(lab)["boxes"]
    box = lab.locator(".crg-canvas").bounding_box()
    lab.mouse.move(box["x"] + 40, box["y"] + 40)
    lab.mouse.down()
    lab.mouse.move(box["x"] + 120, box["y"] + 60, steps=4)
    lab.mouse.up()
    after = geometry(lab)["boxes"]
    some = next(iter(before))
    assert abs(after[some]["l"] - before[some]["l"] - 80) < 2  # dragged 80 px to the right


def test_upload_of_to_json_in_the_same_viewer(lab: Any, tmp_path: Path) -> None:
    w = cr.tensor(0.5, requires_grad=True, name="w1")
    h = cr.relu(w * 3.0)
    h.name = "h"
    loss = (2.0 * h - 1.0 - 4.0) ** 2
    path = tmp_path / "graph.json"
    path.write_text(cr.graph(loss).to_json())
    open_lab(lab)
    lab.set_input_files("#upload", str(path))
    lab.wait_for_function("() => document.querySelector('#graph-title').textContent === 'Uploaded graph'")
    lab.wait_for_selector("[data-cr-graph] .crg-canvas .crg-box")
    assert walk_all_steps(lab) == []
    rows = {r.locator("td").nth(0).inner_text(): r.locator("td").nth(1).inner_text()
            for r in lab.locator(".crg-table tbody tr").all()}
    assert rows["dloss/dw1"] == "-24.0"  # named from the caller's variables, as cr.graph does by default


def test_large_chain_notice_matches_the_drawing(lab: Any, tmp_path: Path) -> None:
    x = cr.tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(200):
        y = y * 1.0
    path = tmp_path / "chain.json"
    path.write_text(cr.graph(y).to_json())
    open_lab(lab)
    lab.set_input_files("#upload", str(path))
    lab.wait_for_function("() => document.querySelector('#graph-title').textContent === 'Uploaded graph'")
    lab.wait_for_selector("[data-cr-graph] .crg-canvas .crg-box")
    notice = lab.locator(".crg-draw-notice").inner_text()
    drawn = int(lab.eval_on_selector("[data-cr-graph]", "r => r.getAttribute('data-boxes')"))
    groups = lab.locator(".crg-canvas .crg-group").count()
    assert f"drawn as {groups} groups" in notice and "(0 groups)" not in lab.locator("[data-cr-graph]").inner_text()
    assert drawn < 40 and groups >= 2
    assert layout_problems(geometry(lab)) == []
    lab.locator(".crg-canvas .crg-group").first.click()  # a group opens into its nodes
    lab.wait_for_function("(n) => Number(document.querySelector('[data-cr-graph]').getAttribute('data-boxes')) > n",
                          arg=drawn)
    assert layout_problems(geometry(lab)) == []


# --- the offline page of cr.graph(loss).to_html() --------------------------------------------------------------

def _two_layer_loss() -> Any:
    x = cr.tensor(3.0, name="x")
    w1 = cr.tensor(0.5, requires_grad=True, name="w1")
    b1 = cr.tensor(0.0, requires_grad=True, name="b1")
    w2 = cr.tensor(2.0, requires_grad=True, name="w2")
    b2 = cr.tensor(-1.0, requires_grad=True, name="b2")
    h = cr.relu(w1 * x + b1)
    h.name = "h"
    y = w2 * h + b2
    y.name = "y"
    return (y - 4.0) ** 2


@pytest.mark.parametrize(("width", "height"), SIZES, ids=["1280", "390"])
def test_offline_page_geometry(browser: Any, tmp_path: Path, width: int, height: int) -> None:
    path = tmp_path / "graph.html"
    cr.graph(_two_layer_loss()).to_html(path)
    page = OfflinePage(browser, path, width=width, height=height)
    try:
        page.page.wait_for_selector("[data-cr-graph] .crg-canvas .crg-box")
        assert page.page.locator(".crg-fallback").count() == 0  # replaced by the viewer
        assert walk_all_steps(page.page) == []
        assert page.page.evaluate("document.documentElement.scrollWidth") <= width
        assert "-24.0" in page.page.locator(".crg-table").inner_text()
        assert page.requests == [page.url] and page.errors == []  # no request but the page itself
    finally:
        page.context.close()


def test_notebook_fragment_without_javascript_shows_the_static_picture(browser: Any) -> None:
    html = cr.graph(_two_layer_loss())._repr_html_()
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_content(f"<!doctype html><div style='max-width: 100%'>{html}</div>")
        img = page.locator(".crg-fallback img")
        assert img.count() == 1 and page.evaluate("document.querySelector('.crg-fallback img').naturalWidth") > 100
        assert "needs JavaScript" not in page.locator("body").inner_text()
        # what survives JupyterLab's sanitizer (no script, no SVG, no data: image): the gradient table as HTML
        assert "-24.0" in page.locator(".crg-fallback table").inner_text()
    finally:
        context.close()


# --- the Graph widget's front end --------------------------------------------------------------------------

@pytest.mark.parametrize(("width", "height"), SIZES, ids=["1280", "390"])
def test_graph_widget_geometry(browser: Any, width: int, height: int) -> None:
    pytest.importorskip("anywidget", reason="the widgets extra is not installed (pip install anywidget)")
    w = cr.widgets.Graph(_two_layer_loss())
    context = browser.new_context(viewport={"width": width, "height": height})
    context.route("**/*", lambda route: route.abort())
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_content(f"<!doctype html><meta name='viewport' content='width=device-width, initial-scale=1'>"
                         f"<style>{w._css}</style><div id='root' style='max-width: 100%'></div>"
                         f"<script type='module'>{w._esm.replace('export default', 'window.widget =')}</script>")
        page.wait_for_function("() => window.widget !== undefined")
        page.evaluate("(s) => window.widget.render({model: {get: (k) => s[k], on() {}, off() {}},"
                      " el: document.getElementById('root')})",
                      {"kind": "graph", "result": json.loads(json.dumps(w.result)), "error": ""})
        page.wait_for_selector("[data-cr-graph] .crg-canvas .crg-box")
        assert walk_all_steps(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert "-24.0" in page.locator(".crg-table").inner_text()
        assert errors == []
    finally:
        context.close()


# --- names, large graphs and the dark theme --------------------------------------------------------------

def _contrast(fg: str, bg: str) -> float:
    def lum(css: str) -> float:
        r, g, b = (int(v) / 255 for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    if bg.startswith("rgba(") and bg.replace(" ", "").endswith(",0)"):  # transparent: the canvas is white
        bg = "rgb(255, 255, 255)"
    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_module_groups_are_named_after_what_they_are_and_readable(browser: Any, tmp_path: Path, scheme: str) -> None:
    model = cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.ReLU(), cr.nn.Linear(32, 10))
    with cr.explain.record_modules(model):
        loss = model(cr.randn(4, 64)).sum()
    path = tmp_path / "modules.html"
    cr.graph(loss, names=model).to_html(path)
    page = OfflinePage(browser, path)
    try:
        page.page.emulate_media(color_scheme=scheme)
        page.page.wait_for_selector("[data-cr-graph] .crg-canvas .crg-box")
        chips = [c.inner_text() for c in page.page.locator(".crg-group-toggle").all()]
        assert chips == ["0: Linear(64->32)", "2: Linear(32->10)"]
        page.page.locator(".crg-group-toggle").first.click()  # pressed: closed into one box
        assert page.page.locator(".crg-canvas .crg-group").count() == 1
        colors = page.page.evaluate("""() => {
          const c = (sel) => { const s = getComputedStyle(document.querySelector(sel));
            return [s.color, s.backgroundColor]; };
          const root = getComputedStyle(document.querySelector('[data-cr-graph]'));
          return { pressed: c('.crg-group-toggle[aria-pressed=true]'), button: c('.crg-btn[data-act=forward]'),
                   step: c('.crg-step'), text: [root.color, getComputedStyle(document.body).backgroundColor] }; }""")
        for what, (fg, bg) in colors.items():
            assert _contrast(fg, bg) >= 4.5, (scheme, what, fg, bg)
    finally:
        page.context.close()
