"""Tests that kill survivors of the seed-606 mutation sample (docs/testing.md)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

import chainrule as cr
from chainrule import nn


def _png_size_and_dpi(path: Path) -> tuple[int, int, float]:
    """Width and height from the PNG's IHDR chunk, and its resolution in dots per inch from pHYs."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    at = data.index(b"pHYs")
    per_metre, _, unit = struct.unpack(">IIB", data[at + 4:at + 13])
    assert unit == 1  # metres
    return width, height, per_metre * 0.0254


def test_gradient_flow_plot_is_saved_at_100_dpi(tmp_path: Path) -> None:
    """explain/diagnostics.py:81 (`savefig(path, dpi=100)` -> 101): the PNG is 100 dpi (docs/explain.md), so
    its pixel size is the figure's size in inches times 100: 5 x 3.6 inches for two layers."""
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
    (model(cr.randn(8, 4)) ** 2).mean().backward()
    png = tmp_path / "flow.png"
    fig = cr.explain.gradient_flow(model).plot(png)
    width, height, dpi = _png_size_and_dpi(png)
    inches = fig.get_size_inches()
    assert tuple(inches) == (5.0, 3.6)
    assert (width, height) == (500, 360)
    assert dpi == pytest.approx(100, abs=0.05)


def test_a_chain_of_jacobian_factors_shows_no_numbers() -> None:
    """explain/tables.py:515 (the `prods[k] is None` exit removed): a chain whose factors are Jacobians (matmul)
    has no product to show, so each path's line is only its symbols; the mutant appended `= ? × ? = —`."""
    w = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    x = cr.tensor([1.0, -1.0], name="x")
    h = w @ x
    h.name = "h"
    loss = (h * h).sum()
    loss.name = "L"
    loss.backward()
    chain = cr.explain.chain(loss, "w")
    assert chain.products() == [None, None]
    assert chain.line(0) == chain.line(1) == "dL/dw = dL/dh · dh/dw"
    lines = str(chain).splitlines()
    assert lines[:3] == ["dL/dw = the sum over 2 paths:", "  dL/dw = dL/dh · dh/dw", "  dL/dw = dL/dh · dh/dw"]
    assert lines[3] == "  the engine's gradient: [[-2.0, 2.0], [-2.0, 2.0]]"  # 2 h x^T with h = [-1, -1]
    assert "—" not in str(chain) and "?" not in lines[1]


def test_a_chain_of_one_jacobian_step_shows_its_formula_and_the_engines_gradient() -> None:
    """One path through a matmul: the line is the step's formula alone, and the engine's gradient follows."""
    w = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    x = cr.tensor([1.0, -1.0], name="x")
    loss = (w @ x).sum()
    loss.name = "L"
    loss.backward()
    chain = cr.explain.chain(loss, "w")
    assert chain.products() == [None]
    text = str(chain).splitlines()
    assert text[0].startswith("dL/dw = ") and "=" not in text[0][len("dL/dw = "):]
    assert text[1] == "  = [[1.0, -1.0], [1.0, -1.0]] (the engine's gradient)"
