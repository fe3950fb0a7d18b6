"""chainrule.playgrounds: the playground math shared by the web pages and the widgets. It sits above explain/viz
and below web and widgets, so using a widget never loads the web server; and the diagonal-flip task's
"Train until solved" (4->3->4 cannot reach zero error, 4->4->4 does), against an independent NumPy reference."""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chainrule.playgrounds import flip

SRC = Path(__file__).resolve().parents[2] / "src" / "chainrule"


def test_importing_the_widgets_does_not_load_the_web_server() -> None:
    code = ("import sys, chainrule.widgets; assert 'http.server' not in sys.modules\n"
            "import chainrule.playgrounds; assert 'http.server' not in sys.modules\n"
            "try:\n    import anywidget\nexcept ImportError:\n    anywidget = None\n"
            "if anywidget is not None:\n"
            "    import chainrule as cr\n    cr.widgets.Neuron(); cr.widgets.DiagonalFlip(); cr.widgets.Depth()\n"
            "print(sorted(m for m in sys.modules if m == 'http.server' or m.startswith('chainrule.web')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_playgrounds_import_only_downward() -> None:
    """playgrounds may import explain/viz and below, never web, widgets, cli or trace."""
    for path in (SRC / "playgrounds").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                parts = name.split(".")
                assert not (parts[0] == "chainrule" and len(parts) > 1
                            and parts[1] in ("web", "widgets", "cli", "trace")), f"{path.name} imports {name}"
    assert not (SRC / "web" / "playgrounds").exists()


def _numpy_errors(weights: dict[str, np.ndarray]) -> int:
    """Images of the task with a wrong output pixel, with NumPy only (an independent forward pass)."""
    x = np.array(list(itertools.product((0.0, 1.0), repeat=4)))
    t = x[:, [0, 2, 1, 3]]
    y = np.maximum(x @ weights["W1"] + weights["b1"], 0) @ weights["W2"] + weights["b2"]
    return int((np.abs(y - t) >= 0.5).any(axis=1).sum())


def test_the_4_4_4_network_reaches_zero_error() -> None:
    r = flip.compute({"train": True, "hidden": 4})
    task = r["task"]
    assert task["solved"] and task["errors"] == 0 and task["wrong"] == [] and task["why"] is None
    assert task["regions"] == 16 and task["epochs"] == len(task["curve"]) - 1
    assert _numpy_errors({k: np.array(v) for k, v in r["params"].items()}) == 0
    assert np.array(r["params"]["W1"]).shape == (4, 4) and np.array(r["params"]["W2"]).shape == (4, 4)
    for bits in itertools.product((0, 1), repeat=4):  # every image, shown after training: output = its flip
        shown = flip.compute({"train": True, "hidden": 4, "x": list(bits)})
        assert shown["output_bits"] == flip.transpose(list(bits)) and shown["solved"]


def test_the_4_3_4_network_says_why_it_cannot_reach_zero_error() -> None:
    r = flip.compute({"train": True})
    task = r["task"]
    assert not task["solved"] and task["errors"] >= 1 and task["regions"] == 15 < task["patterns"] == 16
    assert "15" in task["why"] and "16" in task["why"] and "4 \u2192 4 \u2192 4" in task["why"]
    assert _numpy_errors({k: np.array(v) for k, v in r["params"].items()}) == task["errors"]


def test_region_count_bound_holds_for_any_3_unit_hidden_layer() -> None:
    """The reason given is a theorem: with 3 hidden units at most 15 of the 16 output patterns are reachable.
    Checked on random 4->3->4 networks (none produces 16 distinct thresholded outputs)."""
    rng = np.random.default_rng(0)
    x = np.array(list(itertools.product((0.0, 1.0), repeat=4)))
    for _ in range(2000):
        w1, b1 = rng.normal(size=(4, 3)) * 3, rng.normal(size=3)
        w2, b2 = rng.normal(size=(3, 4)) * 3, rng.normal(size=4)
        y = np.maximum(x @ w1 + b1, 0) @ w2 + b2 > 0.5
        assert len({tuple(row) for row in y}) <= 15


def test_default_stays_the_chapter_fixed_weights() -> None:
    r = flip.compute({})
    assert r["inputs"]["hidden"] == 3 and r["task"] is None
    assert np.array_equal(np.array(r["params"]["W1"]), flip.W1) and np.array_equal(np.array(r["params"]["b2"]), flip.B2)
    assert r["dead"] == [2]


@pytest.mark.parametrize("bad", [{"hidden": 5}, {"hidden": 2}, {"hidden": "4"}, {"hidden": 3.5}])
def test_bad_hidden_size(bad: dict) -> None:
    with pytest.raises(flip.PlaygroundError, match="hidden"):
        flip.compute(bad)
