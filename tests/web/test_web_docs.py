"""docs/playgrounds.md states the diagonal-flip network's weights and, per input, its dead units and zero
gradient rows: those tables must be what the engine computes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from chainrule.playgrounds import depth, flip

DOC = (Path(__file__).resolve().parents[2] / "docs" / "playgrounds.md").read_text(encoding="utf-8")


def _num(text: str) -> float:
    return float(text.strip().replace("\u2212", "-"))


def _rows(prefix: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in DOC.splitlines() if line.startswith(prefix)]


def test_documented_weights_are_the_code_weights() -> None:
    w1 = [[_num(c) for c in row[1:]] for row in _rows("| x\u2081 |") + _rows("| x\u2082 |") + _rows("| x\u2083 |")
          + _rows("| x\u2084 |")]
    assert np.array_equal(np.array(w1), flip.W1)
    (b1,) = _rows("| **b\u2081** |")
    assert np.array_equal(np.array([_num(c) for c in b1[1:]]), flip.B1)
    w2 = [[_num(c) for c in row[1:]] for row in _rows("| h1 |") + _rows("| h2 |") + _rows("| h3 |")]
    assert np.array_equal(np.array(w2), flip.W2)
    (b2,) = _rows("| **b\u2082** |")
    assert np.array_equal(np.array([_num(c) for c in b2[1:]]), flip.B2)


def _indices(text: str, prefix: str = "") -> list[int]:
    return [] if text == "none" else [int(t.strip().removeprefix(prefix)) - 1 for t in text.split(",")]


def test_documented_dead_units_and_zero_rows_are_the_engines() -> None:
    rows = [r for r in _rows("| ") if re.fullmatch(r"[01]{4}", r[0])]
    assert len(rows) == 16
    for bits, z, dead, zero_w1, zero_w2 in rows:
        r = flip.compute({"x": [int(b) for b in bits]})
        assert np.allclose([_num(v) for v in z.split(",")], r["forward"]["z1"]), bits
        assert _indices(dead, "h") == r["dead"], bits
        assert _indices(zero_w1) == r["zero_rows"]["W1"], bits
        assert _indices(zero_w2) == r["zero_rows"]["W2"], bits
        assert min(abs(v) for v in r["forward"]["z1"]) >= 0.05 - 1e-12  # no ambiguous gates


def test_documented_depth_behaviour() -> None:
    verdict = {(a, s): depth.compute({"depth": 20, "activation": a, "scale": s})["verdict"].split(":")[0]
               for a, s in (("sigmoid", 4.0), ("relu", 1.0), ("relu", 1.4), ("relu", 2.0), ("tanh", 0.5),
                            ("tanh", 4.0))}
    assert verdict == {("sigmoid", 4.0): "vanishing", ("relu", 1.0): "vanishing", ("relu", 1.4): "stable",
                       ("relu", 2.0): "exploding", ("tanh", 0.5): "vanishing", ("tanh", 4.0): "exploding"}


def test_documented_default_training() -> None:
    assert flip.compute({})["dead"] == [2]
    assert flip.compute({"steps": 1})["dead"] == [1, 2]  # h2 dies at the first update
    assert flip.compute({"steps": 7})["curve"][-1] < 1e-3  # the other units fit the one example in 7 updates
    assert "/flip?x=1100&t=1010&lr=0.1&steps=7" in DOC
    three = flip.compute({"train": True})["task"]
    four = flip.compute({"train": True, "hidden": 4})["task"]
    assert not three["solved"] and four["solved"]
    assert f"{three['errors']} of the 16 images" in DOC and f"after {four['epochs']} epochs" in DOC
