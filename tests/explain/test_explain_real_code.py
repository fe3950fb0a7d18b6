"""`chainrule explain` and the API on programs shaped like real PyTorch code (tests/explain/programs): a Linear
without bias, backward with an explicit gradient, 200 time steps of an LSTM cell, a small transformer block.
Each runs as a subprocess (output piped, as in CI logs) and through the API after a plain backward()."""

from __future__ import annotations

import io
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

PROGRAMS = Path(__file__).parent / "programs"
SRC = Path(cr.__file__).resolve().parents[1]


def _explain(tmp_path: Path, name: str, *options: str) -> tuple[str, Path]:
    out = tmp_path / name
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""), COLUMNS="80")
    proc = subprocess.run([sys.executable, "-m", "chainrule", "explain", str(PROGRAMS / f"{name}.py"), "--out",
                           str(out), *options], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, out


def _run(name: str) -> dict:
    return runpy.run_path(str(PROGRAMS / f"{name}.py"), run_name="__main__")


def _hows(text: str) -> list[str]:
    rows = [line for line in text.splitlines() if line.startswith("d") and " | " in line]
    return [row.split(" | ", 2)[2] for row in rows]


def test_linear_without_bias_piped_output_is_whole_and_every_row_says_how(tmp_path: Path) -> None:
    text, out = _explain(tmp_path, "linear_no_bias", "--format", "json")
    doc = json.loads((out / "backward_1.json").read_text(encoding="utf-8"))
    # no box for the missing bias: every node has a value and a name a learner can read
    assert all(n["value"] is not None and n["name"] != "?" for n in doc["nodes"])
    assert not any("#" in n["name"] or "leaf" in n["name"] or "unnamed" in n["name"] for n in doc["nodes"])
    linears = [n for n in doc["nodes"] if n["op"] == "linear"]
    assert [len(n["inputs"]) for n in linears] == [2, 2]
    text, _ = _explain(tmp_path, "linear_no_bias")
    assert any(len(line) > 120 for line in text.splitlines())  # piped: plain text, not cut at 80 columns
    assert "dloss/d(0.weight)" in text and "dloss/d(2.weight)" in text
    for how in _hows(text):  # every row has a local derivative in words, never an empty factor
        assert " ×  " not in how and not how.startswith(" =") and "[" in how or how.startswith("starting")
    assert "[sigmoid(prediction) - y]" in text and "[G^T @ inputs]" in text


def test_the_rich_table_keeps_bracketed_formulas() -> None:
    from rich.console import Console

    ns = _run("linear_no_bias")
    table = cr.explain.graph(ns["loss"], names=ns).gradient_table()  # after backward: replayed from kept values
    console = Console(file=io.StringIO(), width=400, force_terminal=True, color_system=None)
    console.print(table)
    rendered = console.file.getvalue()
    assert "[sigmoid(prediction) - y]" in rendered and "[G^T @ inputs]" in rendered
    assert "[G @ W]" in rendered


def test_backward_with_an_explicit_gradient_shows_that_seed(tmp_path: Path) -> None:
    text, _ = _explain(tmp_path, "custom_seed")
    assert "starting point: dy/dy = [10.0, 100.0]" in text
    assert "dy/dv    | [30.0, 400.0]" in text and "= [30.0, 400.0]" in text
    assert "[1.0, 1.0]" not in text
    ns = _run("custom_seed")
    g = cr.graph(ns["y"], names=ns, grad_output=cr.tensor([10.0, 100.0]))
    assert g.grad("v").tolist() == ns["v"].grad.tolist() == [30.0, 400.0]


def test_200_time_steps_are_grouped_by_call_and_the_table_is_summarized(tmp_path: Path) -> None:
    text, out = _explain(tmp_path, "lstm_steps", "--format", "json")
    doc = json.loads((out / "backward_1.json").read_text(encoding="utf-8"))
    calls = [g for g in doc["groups"] if g["kind"] == "call"]
    assert len(calls) == 200 and [g["call"] for g in calls] == list(range(200))
    cell = next(g for g in doc["groups"] if g["kind"] == "module" and g["path"].endswith("cell"))
    assert cell["calls"] == 200 and all(g["parent"] == cell["id"] for g in calls)
    sizes = {len(g["nodes"]) for g in calls}
    assert len(sizes) == 1 and sizes.pop() > 5  # every step holds the same ops
    by_id = {n["id"]: n for n in doc["nodes"]}
    for g in calls[:3]:
        assert all(by_id[i]["call"] == g["call"] and by_id[i]["module"] == g["path"] for i in g["nodes"])
        assert all([g["path"], g["call"]] in by_id[i]["calls"] for i in g["nodes"])
    text, _ = _explain(tmp_path, "lstm_steps")
    rows = [line for line in text.splitlines() if " | " in line]
    assert len(rows) < 80 and any("more like" in r for r in rows)
    assert "summarized" in text
    text_all, _ = _explain(tmp_path, "lstm_steps", "--all-rows")
    assert len([line for line in text_all.splitlines() if " | " in line]) > 1000
    ns = _run("lstm_steps")
    table = cr.explain.graph(ns["loss"], names={**ns, **dict(ns["model"].named_parameters())}).gradient_table()
    assert len(table.rows) > 1000 and len(table._rows()) < 80 and len(table.show_all()._rows()) == len(table.rows)
    assert np.allclose(table["cell.weight_ih"].grad["data"], ns["model"].cell.weight_ih.grad.numpy(), rtol=1e-5)


def test_a_small_transformer_after_backward_is_explained_in_full() -> None:
    ns = _run("tiny_transformer")
    loss, model = ns["loss"], ns["model"]
    g = cr.graph(loss, names={**ns, **dict(model.named_parameters())})
    assert g.data["status"] == {"values": "complete", "gradients": "replayed"}
    for name, p in model.named_parameters():
        assert np.allclose(g.grad(name), p.grad.numpy(), rtol=1e-5, atol=1e-7), name
    assert not any(n["value"] is None for n in g.nodes)
    assert not any("leaf#" in n["name"] or n["name"] == "const" for n in g.nodes)
    table = str(g.gradient_table())
    assert "?" not in table.replace("(backward", "") and "freed" not in table
    assert "dloss/dblock.query.weight" in table and "[G^T @" in table


@pytest.mark.parametrize("name", ["linear_no_bias", "custom_seed", "lstm_steps", "tiny_transformer"])
def test_the_programs_give_the_same_gradients_as_without_explain(tmp_path: Path, name: str) -> None:
    text, _ = _explain(tmp_path, name)
    plain = subprocess.run([sys.executable, str(PROGRAMS / f"{name}.py")], capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=str(SRC)), timeout=300)
    assert plain.returncode == 0 and plain.stdout.strip().splitlines()[-1] in text
