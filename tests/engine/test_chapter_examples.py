"""The chapter's examples, run as a user would, must give the chapter's numbers."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from chainrule.chapter import examples

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_composed_function_script():
    g = runpy.run_path(str(EXAMPLES / "composed_function.py"))
    assert g["u"].item() == 7.0 and g["h"].item() == 49.0
    assert g["x"].grad.item() == 42.0
    assert g["numerical"] == pytest.approx(42.0, abs=1e-4)


def test_single_neuron_script_open_and_closed_gate():
    g = runpy.run_path(str(EXAMPLES / "single_neuron.py"))
    assert (g["z"], g["a"], g["loss"], g["dl_dw"], g["dl_db"]) == (2.0, 2.0, 1.0, -4.0, -2.0)
    z, a, loss, dw, db = g["closed"]
    assert z < 0 and a == 0.0 and dw == 0.0 and db == 0.0


def test_two_layer_script_matches_hand_and_torch():
    g = runpy.run_path(str(EXAMPLES / "two_layer_network.py"))
    grads = {n: g[n].grad.item() for n in ("w1", "b1", "w2", "b2")}
    assert grads == {"w1": -24.0, "b1": -8.0, "w2": -6.0, "b2": -4.0}
    assert grads == g["manual"]
    tw = {n: torch.tensor(v, requires_grad=True) for n, v in (("w1", 0.5), ("b1", 0.0), ("w2", 2.0), ("b2", -1.0))}
    loss = (tw["w2"] * torch.relu(tw["w1"] * 3.0 + tw["b1"]) + tw["b2"] - 4.0) ** 2
    loss.backward()
    assert grads == {n: t.grad.item() for n, t in tw.items()}


def test_tour_command_checks_every_gradient():
    result = subprocess.run([sys.executable, "-m", "chainrule", "tour", "--steps"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "dL/dw1 = -24" in result.stdout and "dh/dx = 42" in result.stdout
    assert "MISMATCH" not in result.stdout
    assert "All gradients match finite differences." in result.stdout


def test_chapter_module_values():
    v = examples.two_layer_network()
    assert [v[k].item() for k in ("z1", "h", "y", "L")] == [1.5, 1.5, 2.0, 4.0]
    assert v["y"].grad.item() == -4.0 and v["h"].grad.item() == -8.0 and v["z1"].grad.item() == -8.0
    n = examples.single_neuron()
    assert n["a"].grad.item() == -2.0 and n["z"].grad.item() == -2.0
