"""The one number format: chainrule.utils.numbers.format_number (Python) and crFormatNumber of
chainrule/viz/static/format.js (JavaScript, used by the pages, the widgets and the graph viewer) give the same
text for the same float; docs/numbers.md states the rule. Expected texts come from the chapter
(/work/shared/seed/chain-rule-chapter.txt: 49.0, 42.0, -8.0 × 3.0 = -24.0, 0.001, 0.042)."""

from __future__ import annotations

import json
import math
from importlib import resources

import numpy as np
import pytest

import chainrule as cr
from chainrule.utils.numbers import format_number

NAN, INF = float("nan"), float("inf")
CASES = [
    # the chapter's numbers, as the chapter prints them
    (-24.0, "-24.0"), (49.0, "49.0"), (42.0, "42.0"), (14.0, "14.0"), (-8.0, "-8.0"), (1.5, "1.5"), (0.5, "0.5"),
    (0.001, "0.001"), (0.042, "0.042"), (0.0001, "0.0001"), (1e-7, "1e-7"),
    # long floats shortened to 4 significant digits; exponent notation outside [1e-4, 1e4)
    (1 / 3, "0.3333"), (2 / 3, "0.6667"), (0.1 + 0.2, "0.3"), (123.456, "123.5"), (1.9, "1.9"), (0.04, "0.04"),
    (123456.789, "1.235e5"), (732582.0243, "7.326e5"), (12345.678, "1.235e4"), (1e-5, "1e-5"),
    (0.00012345, "0.0001234"), (-2.5e-7, "-2.5e-7"), (1e-10, "1e-10"), (1e21, "1e21"), (6.02e23, "6.02e23"),
    (-0.000123456, "-0.0001235"), (5e-324, "4.941e-324"), (1.7976931348623157e308, "1.798e308"),
    # rounding (half away from zero on the exact binary value) that adds a digit or crosses a threshold
    (9.99996, "10.0"), (9999.6, "1e4"), (9999.4, "9999.0"), (0.000099996, "0.0001"), (0.00009999, "9.999e-5"),
    (99.995, "100.0"), (1.0005, "1.0"), (1.0000499999, "1.0"), (0.00123449999, "0.001234"), (0.125, "0.125"),
    (2.5, "2.5"), (0.015625, "0.01563"), (-4.0, "-4.0"), (1024.0, "1024.0"),
    # zeros and non-finite values
    (0.0, "0.0"), (-0.0, "0.0"), (NAN, "nan"), (INF, "inf"), (-INF, "-inf"),
]


@pytest.mark.parametrize(("value", "text"), CASES)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


def test_other_kinds_of_values() -> None:
    assert format_number(None) == "\u2014" and format_number(True) == "1.0" and format_number("?") == "?"
    assert format_number(49) == "49" and format_number(np.int64(-3)) == "-3" and format_number(100000) == "100000"
    assert format_number(np.float32(0.1)) == "0.1" and format_number(np.array(2.0)) == "2.0"
    assert format_number(cr.tensor(-24.0)) == "-24.0" and format_number(cr.tensor(0.1 + 0.2)) == "0.3"
    assert format_number(2 / 3, digits=2) == "0.67" and format_number(math.pi, digits=8) == "3.1415927"


def _js_formatter():  # noqa: ANN202
    try:
        from py_mini_racer import MiniRacer
    except ImportError:
        from tests.conftest import unavailable

        unavailable("mini-racer is not installed (pip install mini-racer)")
    ctx = MiniRacer()
    ctx.eval(resources.files("chainrule.viz").joinpath("static", "format.js").read_text(encoding="utf-8"))
    # JSON has no NaN or infinities: they travel as strings
    ctx.eval("function crFormatAll(text, digits) { return JSON.stringify(JSON.parse(text).map(function (v) {"
             " return crFormatNumber(typeof v === 'string' ? Number(v) : v, digits); })); }")
    return lambda values, digits=4: json.loads(ctx.call("crFormatAll", json.dumps(
        [v if math.isfinite(v) else str(v).replace("inf", "Infinity").replace("nan", "NaN") for v in values]),
        digits))


def test_javascript_twin_agrees() -> None:
    js = _js_formatter()
    values = [v for v, _ in CASES]
    assert js(values) == [format_number(v) for v in values]
    assert js([-0.0]) == ["0.0"]  # JSON carries -0.0 to JavaScript as -0


def test_javascript_twin_agrees_on_random_floats() -> None:
    rng = np.random.default_rng(13)
    values = [float(v) for v in np.concatenate([
        rng.standard_normal(300) * 10.0 ** rng.integers(-8, 9, 300),  # every magnitude
        [round(v, int(k)) for v, k in zip(rng.uniform(-100, 100, 200), rng.integers(0, 6, 200), strict=True)],  # ties
        rng.integers(-20000, 20000, 100) / 8.0,  # exact halves and eighths
    ])]
    js = _js_formatter()
    for digits in (2, 4, 6):
        assert js(values, digits) == [format_number(v, digits) for v in values], digits


def test_the_viewer_the_pages_and_the_widgets_share_one_formatter() -> None:
    from chainrule.viz.html import viewer_js
    from chainrule.widgets._anywidgets import _asset

    static = resources.files("chainrule")
    common = static.joinpath("web", "static", "common.js").read_text(encoding="utf-8")
    widget = static.joinpath("widgets", "static", "widget.js").read_text(encoding="utf-8")
    graph = static.joinpath("viz", "static", "graph.js").read_text(encoding="utf-8")
    for source in (common, widget, graph):
        assert "toPrecision" not in source and "toExponential" not in source  # no private number format
    assert 'import "/static/viz/format.js"' in common and "crFormatNumber" in graph
    lab = static.joinpath("web", "static", "graph.html").read_text(encoding="utf-8")  # graph.js as a classic script
    assert lab.index('src="/static/viz/format.js"') < lab.index('src="/static/viz/graph.js"')
    assert viewer_js().startswith(static.joinpath("viz", "static", "format.js").read_text(encoding="utf-8"))
    assert _asset("js").count("function crFormatNumber(") == 1  # one module string: declared once
