"""The lesson notebooks (docs/lessons/*.ipynb) run from top to bottom in a real Jupyter kernel, and their
outputs show the chapter's numbers."""

from __future__ import annotations

import os
from pathlib import Path

import nbclient
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "docs" / "lessons"

# what each notebook's outputs must contain (the chapter's numbers, computed by the engine)
EXPECTED = {
    "01-composed-function": ["u = g(2) = 7.0", "h = f(u) = 49.0", "dh/dx = 42.0", "correct: gradcheck agrees"],
    "02-one-neuron": ["z = 2.0, a = 2.0, loss = 1.0", "× x = -2.0 × 2.0", "dL/dw = -4.0", "dL/db = -2.0",
                      "loss = 9.0, dL/dw = 0.0, dL/db = 0.0", "correct"],
    "03-two-inputs": ["delta = dC/dz", "correct"],
    "04-two-layers": ["dloss/dw1 = -24.0", "dloss/db1 = -8.0", "dloss/dw2 = -6.0", "dloss/db2 = -4.0",
                      "dloss/dw1 = -24.0000", "dloss/dz1 × x = -8.0 × 3.0",
                      "-4.0 × 2.0 × 1.0 × 3.0 = -24.0", "correct"],
    "05-diagonal-flip": ["dead hidden units (counted from 1)", "zero rows of dL/dW1 (pixels that are 0): [3, 4]",
                         "4 -> 4 -> 4: images wrong: 0", "correct"],
    "06-vanishing-exploding": ["weight scale 0.25", "weight scale 3.0", "correct"],
    "07-custom-function": ["h = 49.0, dh/dx = 42.0", "correct: gradcheck agrees with your backward"],
}


def test_every_lesson_is_checked() -> None:
    assert sorted(p.stem for p in LESSONS.glob("*.ipynb")) == sorted(EXPECTED)


def _text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lesson_runs_and_shows_the_chapters_numbers(name: str, tmp_path: Path) -> None:
    book = nbformat.read(LESSONS / f"{name}.ipynb", as_version=4)
    env_path = os.environ.get("PYTHONPATH")
    client = nbclient.NotebookClient(book, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    if env_path:
        os.environ["PYTHONPATH"] = env_path
    client.execute()
    text = "\n".join(_text(c) for c in book.cells if c.cell_type == "code")
    for expected in EXPECTED[name]:
        assert expected in text, f"{name}: {expected!r} not in the outputs"
    # the viewer rendered inline wherever cr.graph(...) ends a cell
    html = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if "text/html" in o.get("data", {})]
    assert html, f"{name}: no rich (HTML) output"
