"""The playground pages judged from rendered geometry in a real Chromium (Debian's, through Playwright) against
a real `chainrule serve` process, at 1280x800 and 390x844: the diagonal-flip page draws the network (11 units
as circles, dead ones grey, edge width for |gradient|, zero-gradient edges faded, x/t/y as 2x2 images, tables
with headers) and its "Train until solved" explains itself and offers 4->4->4; the depth chart keeps its
aspect ratio, labels its log axis at the right powers of ten, has a layer axis and a legend; no page is wider
than a phone; every page formats numbers like chainrule.utils.numbers.format_number."""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from chainrule.playgrounds import depth, flip
from chainrule.utils.numbers import format_number

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


class Screen:
    def __init__(self, browser: Any, origin: str, size: tuple[int, int], scheme: str = "light") -> None:
        self.origin = origin
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]}, color_scheme=scheme)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def updates(self) -> int:
        return int(self.page.evaluate("Number(document.body && document.body.dataset.updates || 0)"))

    def goto(self, path: str) -> None:
        self.page.goto(self.origin + path)
        self.page.wait_for_function("() => Number(document.body.dataset.updates || 0) > 0")
        self.page.wait_for_load_state("networkidle")

    def click(self, selector: str) -> None:
        before = self.updates()
        self.page.locator(selector).click()
        self.page.wait_for_function("(n) => Number(document.body.dataset.updates || 0) > n", arg=before)
        self.page.wait_for_load_state("networkidle")

    def boxes(self, selector: str) -> list[dict[str, float]]:
        return self.page.eval_on_selector_all(selector, "els => els.map((e) => e.getBoundingClientRect().toJSON())")

    def overflow(self) -> int:
        return int(self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))

    def close(self) -> None:
        assert not self.errors, self.errors
        self.context.close()


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def screen(request: Any, browser: Any, server_url: str) -> Iterator[Screen]:
    s = Screen(browser, server_url, SIZES[request.param])
    yield s
    s.close()


def _is_2x2_image(boxes: list[dict[str, float]]) -> bool:
    """Four boxes laid out as a 2x2 grid of squares: two columns, two rows, touching."""
    if len(boxes) != 4:
        return False
    xs = sorted({round(b["x"]) for b in boxes})
    ys = sorted({round(b["y"]) for b in boxes})
    square = all(abs(b["width"] - b["height"]) <= 1.5 and b["width"] >= 20 for b in boxes)
    tl, tr, bl, br = boxes  # row-major: top-left, top-right, bottom-left, bottom-right
    order = tl["x"] < tr["x"] and tl["y"] < bl["y"] and abs(tl["y"] - tr["y"]) < 1 and abs(bl["x"] - tl["x"]) < 1 \
        and abs(br["x"] - tr["x"]) < 1 and abs(br["y"] - bl["y"]) < 1
    return len(xs) == 2 and len(ys) == 2 and square and order and abs(tr["x"] - (tl["x"] + tl["width"])) <= 2


# --- the diagonal-flip page draws the network -----------------------------------------------------------------

def test_flip_draws_the_network(screen: Screen) -> None:
    screen.goto("/flip")
    r = flip.compute({})
    circles = screen.boxes("#net g.unit circle.base")
    assert len(circles) == 11  # 4 + 3 + 4 units, each a circle
    assert all(abs(c["width"] - c["height"]) < 0.5 and c["width"] >= 12 for c in circles)
    per_layer = {layer: screen.page.locator(f"#net g.unit.{layer}").count() for layer in ("input", "hidden", "output")}
    assert per_layer == {"input": 4, "hidden": 3, "output": 4}
    # the three columns lie left to right, units inside the viewport's width
    centres = {layer: [b["x"] + b["width"] / 2 for b in screen.boxes(f"#net g.unit.{layer} circle.base")]
               for layer in per_layer}
    assert max(centres["input"]) < min(centres["hidden"]) < max(centres["hidden"]) < min(centres["output"]) or \
        len(set(map(round, centres["hidden"]))) == 1
    width = screen.page.viewport_size["width"]
    assert all(c["x"] >= 0 and c["x"] + c["width"] <= width for c in circles)
    # dead units: exactly the engine's, greyed (a fill unlike the live units' and with no value level)
    dead = [int(v) for v in screen.page.eval_on_selector_all("#net g.unit.hidden.dead",
                                                             "els => els.map(e => e.dataset.unit)")]
    assert dead == r["dead"] == [2]
    fills = screen.page.eval_on_selector_all("#net g.unit.hidden circle.base",
                                             "els => els.map(e => getComputedStyle(e).fill)")
    assert fills[2] != fills[0] and fills[0] == fills[1]
    grey = [int(v) for v in fills[2].strip("rgb()").split(",")]
    assert max(grey) - min(grey) < 16  # grey: no hue
    # edges: width grows with |dL/dW|; zero-gradient edges faded
    edges = screen.page.eval_on_selector_all("#net line.edge", """els => els.map((e) => ({id: e.dataset.edge,
        width: parseFloat(getComputedStyle(e).strokeWidth), opacity: parseFloat(getComputedStyle(e).opacity)}))""")
    assert len(edges) == 4 * 3 + 3 * 4
    grads = {f"W1-{i}-{j}": abs(g) for i, row in enumerate(r["grads"]["W1"]) for j, g in enumerate(row)}
    grads |= {f"W2-{i}-{j}": abs(g) for i, row in enumerate(r["grads"]["W2"]) for j, g in enumerate(row)}
    live = sorted((e for e in edges if grads[e["id"]] > 0), key=lambda e: grads[e["id"]])
    assert [e["width"] for e in live] == sorted(e["width"] for e in live)
    assert live[-1]["width"] > 4 * live[0]["width"] or grads[live[-1]["id"]] < 4 * grads[live[0]["id"]]
    faded = {e["id"] for e in edges if e["opacity"] < 0.5}
    assert faded == {k for k, g in grads.items() if g == 0}
    for i in r["zero_rows"]["W1"]:  # a zero input's whole row of dL/dW1 is faded
        assert all(f"W1-{i}-{j}" in faded for j in range(3))
    # x, t and y as 2x2 pixel images
    for sel in ("#x-bits button", "#t-bits button", "#y-out .pixel"):
        assert _is_2x2_image(screen.boxes(sel)), sel
    # the tables have headers over every column
    for table in ("#hidden-table table", "#output-table table", "table[data-matrix=W1]", "table[data-matrix=W2]"):
        heads = screen.page.eval_on_selector_all(f"{table} thead th", "els => els.map(e => e.textContent)")
        body_cols = screen.page.eval_on_selector(f"{table} tbody tr", "tr => tr.children.length")
        assert len(heads) == body_cols and all(h for h in heads[1:]), (table, heads)
    assert screen.overflow() <= 0


def test_flip_train_until_solved_says_why_and_offers_4_4_4(screen: Screen) -> None:
    screen.goto("/flip")
    screen.click("#train")
    three = flip.compute({"train": True})["task"]
    screen.page.locator("#task").wait_for(state="visible")
    summary = screen.page.locator("#task-summary").inner_text()
    assert f"{three['errors']} of the 16 images still wrong" in summary
    why = screen.page.locator("#task-why").inner_text()
    assert "15 regions" in why and "16 images need 16 different outputs" in why
    assert screen.page.locator("#try-444").is_visible()
    box = screen.boxes("#task-why")[0]
    assert box["x"] >= 0 and box["x"] + box["width"] <= screen.page.viewport_size["width"]
    screen.click("#try-444")
    assert "hidden=4" in screen.page.url and "train=1" in screen.page.url
    assert screen.page.locator("#net g.unit circle.base").count() == 12  # 4 + 4 + 4
    assert "zero error" in screen.page.locator("#task-summary").inner_text()
    assert not screen.page.locator("#try-444").is_visible() and not screen.page.locator("#task-why").is_visible()
    four = flip.compute({"train": True, "hidden": 4})
    shown = [float(v) for v in screen.page.eval_on_selector_all("#y-out .pixel",
                                                                "els => els.map(e => e.title.split('= ')[1])")]
    assert [int(v > 0.5) for v in shown] == four["inputs"]["t"] == four["output_bits"]
    assert screen.page.locator("#solved").inner_text() == "output = target"
    screen.click("#back-434")
    assert screen.page.locator("#net g.unit circle.base").count() == 11 and "hidden=3" in screen.page.url


# --- the depth chart ------------------------------------------------------------------------------------------

def _superscript_exponent(text: str) -> int:
    digits = str.maketrans("\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079", "-0123456789")
    assert text.startswith("10"), text
    return int(text[2:].translate(digits))


@pytest.mark.parametrize("query", ["depth=20&activation=tanh&scale=1", "depth=30&activation=sigmoid&scale=1",
                                   "depth=20&activation=relu&scale=2"])
def test_depth_chart_aspect_axis_labels_layers_and_legend(screen: Screen, query: str) -> None:
    screen.goto(f"/depth?{query}")
    params = dict(kv.split("=") for kv in query.split("&"))
    r = depth.compute({"depth": int(params["depth"]), "activation": params["activation"],
                       "scale": float(params["scale"])})
    chart = screen.boxes("#chart")[0]
    assert abs(chart["width"] / chart["height"] - 600 / 280) < 0.02  # the chart keeps its aspect ratio
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= screen.page.viewport_size["width"]
    # text is not stretched: a label's box keeps the proportions of the same text measured unscaled
    ratio = screen.page.evaluate("""() => { const t = document.querySelector('#chart g.tick.y text');
        const b = t.getBoundingClientRect(); const l = t.getComputedTextLength();
        const s = document.querySelector('#chart').getBoundingClientRect().width / 600;
        return (b.width / (l * s)); }""")
    assert 0.9 < ratio < 1.1
    ticks = screen.page.eval_on_selector_all("#chart g.tick.y", """els => els.map((g) => ({
        k: Number(g.dataset.exponent), text: g.querySelector('text').textContent,
        y: g.querySelector('line').getBoundingClientRect().y}))""")
    assert all(_superscript_exponent(t["text"]) == t["k"] for t in ticks)  # 10^k labels, e.g. 10^1, never "1e1"
    logs = [math.log10(layer["delta_norm"]) for layer in r["layers"] if layer["delta_norm"]]
    ks = [t["k"] for t in ticks]
    assert max(ks) == math.ceil(max(0, *logs)) and min(ks) == math.floor(min(0, *logs))  # top and bottom labels
    # each bar's top (or bottom, below 10^0) sits at the log of the engine's value on the labelled axis
    y_of = {t["k"]: t["y"] for t in ticks}
    k0, k1 = min(ks), max(ks)
    per_decade = (y_of[k0] - y_of[k1]) / (k1 - k0)
    bars = screen.page.eval_on_selector_all("#chart rect.bar[data-layer]", """els => els.map((e) => ({layer:
        Number(e.dataset.layer), rect: e.getBoundingClientRect().toJSON()}))""")
    assert len(bars) == len(r["layers"])
    for bar in bars:
        v = math.log10(r["layers"][bar["layer"] - 1]["delta_norm"])
        edge = bar["rect"]["y"] if v >= 0 else bar["rect"]["y"] + bar["rect"]["height"]
        assert abs(edge - (y_of[k1] + (k1 - v) * per_decade)) < 1.5, bar
    # a layer axis: labels 1 ... depth under the bars, in order, and the axis title
    layer_labels = screen.page.eval_on_selector_all("#chart text.tick.x", """els => els.map((e) => ({n:
        Number(e.textContent), x: e.getBoundingClientRect().x}))""")
    assert layer_labels[0]["n"] == 1 and layer_labels[-1]["n"] == len(r["layers"])
    assert [t["x"] for t in layer_labels] == sorted(t["x"] for t in layer_labels)
    assert "layer" in screen.page.locator("#chart text.axis-label").text_content()
    legend = screen.page.eval_on_selector_all("#chart g.legend text", "els => els.map(e => e.textContent)")
    assert len(legend) == 3 and all("|dL/dz" in t for t in legend)
    assert screen.overflow() <= 0


# --- phones: no horizontal overflow ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/neuron", "/two-inputs", "/flip", "/flip?train=1", "/flip?train=1&hidden=4",
                                  "/depth", "/depth?depth=60&activation=relu&scale=4"])
def test_no_horizontal_overflow_on_a_phone(browser: Any, server_url: str, path: str) -> None:
    s = Screen(browser, server_url, SIZES["phone"])
    if path == "/":
        s.page.goto(server_url + path)
        s.page.wait_for_function("() => document.querySelector('#version').textContent.includes('chainrule')")
    else:
        s.goto(path)
    assert s.overflow() <= 0, path
    wide = s.page.evaluate("""() => [...document.querySelectorAll('body *')].filter((e) => {
        const r = e.getBoundingClientRect(); if (!r.width) return false;
        let p = e.parentElement; while (p) { const o = getComputedStyle(p).overflowX;
          if (o === 'auto' || o === 'scroll' || o === 'hidden') return false; p = p.parentElement; }
        return r.right > window.innerWidth + 0.5 || r.left < -0.5; }).map((e) => e.tagName + '.' + e.className)""")
    assert wide == [], wide
    s.close()


def test_lesson_page_fits_a_phone(browser: Any, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "trace"))
    from trace_helpers import LESSONS

    from chainrule.trace import run

    with redirect_stdout(io.StringIO()):
        trace = run(LESSONS / "03_two_layer_backprop.py")
    path = tmp_path / "lesson.html"
    trace.to_html(path)
    for name, size in SIZES.items():
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        page = context.new_page()
        page.goto(path.as_uri())
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0], name
        code = page.locator(".cr-code").bounding_box()
        panel = page.locator(".cr-panel").bounding_box()
        assert code["x"] >= 0 and code["x"] + code["width"] <= size[0], (name, code)
        assert panel["x"] + panel["width"] <= size[0], (name, panel)
        current = page.locator(".cr-code li.cr-current").bounding_box()
        assert current is not None and current["height"] > 0
        context.close()


# --- one number format ------------------------------------------------------------------------------------------

VALUES = [-24.0, 42.0, 1.9, 0.04, 1 / 3, 732582.0243, 0.0001, 0.0, -0.0, 9.99996, 9999.6, 0.00099996,
          0.30000000000000004, -4.0, 123.456, 1e-10, -2.5e-7, 0.125, 1.0005, 2.5, 0.015625, 1e21, 6.02e23,
          -0.000123456, 12345.678, 0.6666666666666666, 1.0000499999, 99.995, 0.00123449999]


def test_pages_format_numbers_like_the_python_twin(browser: Any, server_url: str) -> None:
    s = Screen(browser, server_url, SIZES["desktop"])
    s.goto("/neuron")
    shown = s.page.evaluate("async (vs) => { const m = await import('/static/common.js'); "
                            "return vs.map((v) => m.fmt(v)).concat([m.fmt(null), m.fmt(NaN), m.fmt(-Infinity)]); }",
                            VALUES)
    assert shown == [format_number(v) for v in VALUES] + ["\u2014", "nan", "-inf"]
    s.close()
