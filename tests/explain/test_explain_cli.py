"""`chainrule explain SCRIPT.py`: a table and a page per backward(), formats, exit codes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from chainrule.cli.main import main

SCRIPT = """
import chainrule as cr
x = cr.tensor(3.0, dtype=cr.float64)
w1 = cr.tensor(0.5, dtype=cr.float64, requires_grad=True)
b1 = cr.tensor(0.0, dtype=cr.float64, requires_grad=True)
w2 = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
b2 = cr.tensor(-1.0, dtype=cr.float64, requires_grad=True)
def step():
    z1 = w1 * x + b1
    h = cr.relu(z1)
    y = w2 * h + b2
    loss = (y - 4.0) ** 2
    loss.backward()
    return loss
step()
print("grad", w1.grad.item())
"""


def _script(tmp_path: Path, text: str = SCRIPT) -> Path:
    path = tmp_path / "net.py"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_explain_prints_the_table_and_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    code = main(["explain", str(_script(tmp_path)), "--out", str(out), "--format", "md"])
    text = capsys.readouterr().out
    assert code == 0
    assert "backward #1 (line 13): loss = 4.0" in text
    assert "| dloss/dw1 | -24.0 | dloss/dz1 × x = -8.0 × 3.0 |" in text  # names from the function's variables
    assert "grad -24.0" in text  # the script's own output
    page = (out / "backward_1.html").read_text(encoding="utf-8")
    assert "data-cr-graph" in page and (out / "backward_1.md").exists()


def test_explain_json_and_terminal_formats(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "o"
    assert main(["explain", "--format", "json", "--out", str(out), str(_script(tmp_path))]) == 0
    doc = json.loads((out / "backward_1.json").read_text(encoding="utf-8"))
    assert doc["schema"] == "chainrule.graph" and doc["status"]["gradients"] == "recorded"
    assert main(["explain", str(_script(tmp_path)), "--out", str(out)]) == 0
    assert "-24.0" in capsys.readouterr().out


def test_explain_limits_and_modules(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    script = _script(tmp_path, """
        import chainrule as cr
        cr.manual_seed(0)
        model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.ReLU(), cr.nn.Linear(4, 1))
        opt = cr.optim.SGD(model.parameters(), lr=0.1)
        x = cr.randn(5, 3)
        for _ in range(3):
            opt.zero_grad()
            loss = (model(x) ** 2).mean()
            loss.backward()
            opt.step()
    """)
    out = tmp_path / "m"
    assert main(["explain", str(script), "--out", str(out), "--format", "json", "--max-backwards", "2"]) == 0
    captured = capsys.readouterr()
    assert "1 more backward() / autograd.grad() calls were not explained" in captured.err
    doc = json.loads((out / "backward_1.json").read_text(encoding="utf-8"))
    assert {g["id"] for g in doc["groups"]} >= {"m:Sequential.0", "m:Sequential.1", "m:Sequential.2"}
    names = {n["name"] for n in doc["nodes"]}
    assert {"0.weight", "2.bias", "loss"} <= names
    assert not (out / "backward_3.json").exists()
    # the module call patch is undone
    import chainrule as cr

    assert cr.nn.Module.__call__.__name__ == "__call__"


def test_explain_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["explain", str(tmp_path / "missing.py")]) == 2
    bad = _script(tmp_path, "raise RuntimeError('boom')\n")
    assert main(["explain", str(bad), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "boom" in err and "no tensor.backward() or autograd.grad()" in err
    assert main(["explain"]) == 2


def test_explain_autograd_grad_and_the_transforms(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """cr.autograd.grad (and cr.grad, which calls it) is explained like backward(), at the script's line;
    several outputs in one call are reported as not explained; the patches are undone afterwards."""
    import chainrule as cr
    from chainrule import func
    from chainrule.autograd.grad import grad as original

    script = _script(tmp_path, """
        import chainrule as cr
        w = cr.tensor(1.5, requires_grad=True)
        b = cr.tensor(-1.0, requires_grad=True)
        x = cr.tensor(2.0)
        loss = (cr.relu(w * x + b) - 3.0) ** 2
        gw, gb = cr.autograd.grad(loss, [w, b], retain_graph=True)
        print("grads", gw.item(), gb.item())
        h = cr.grad(lambda v: (3 * v + 1) ** 2)(cr.tensor(2.0))
        print("dh/dx", h.item())
        cr.autograd.grad([loss, loss * 2], [w])
    """)
    out = tmp_path / "g"
    assert main(["explain", str(script), "--out", str(out), "--format", "md"]) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert "autograd.grad #1 (line 7): loss = 1.0" in text
    assert "| dloss/dw | -4.0 | 2(relu(w*x + b) - 3.0) × (0 if (w*x + b) <= 0 else 1) × x = -2.0 × 1.0 × 2.0 |" in text
    assert "| dloss/db | -2.0 |" in text and "grads -4.0 -2.0" in text
    assert "autograd.grad #2 (line 9):" in text and "| dL/da | 42.0 | 2(3*a + 1) × 3 = 14.0 × 3.0 |" in text
    assert "dh/dx 42.0" in text and (out / "backward_2.html").exists()
    assert "1 autograd.grad() calls with several outputs were not explained" in captured.err
    assert cr.autograd.grad is original and func.autograd_grad is original


# ----------------------------------------------------------------------------- --timeout, compile errors
import subprocess  # noqa: E402
import sys  # noqa: E402


def _explain(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chainrule", "explain", *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=180)


def test_explain_timeout_keeps_what_was_explained(tmp_path: Path) -> None:
    _script(tmp_path, SCRIPT + "import time\ntime.sleep(600)\n")
    run = _explain("net.py", "--timeout", "1", "--out", "out", cwd=tmp_path)
    assert run.returncode == 3, run.stderr
    assert "backward #1" in run.stdout and (tmp_path / "out" / "backward_1.html").exists()
    assert "stopped: the time limit of 1 s was reached (--timeout); the explanations so far are kept" in run.stderr
    assert "nothing to explain" not in run.stderr


def test_explain_timeout_kills_a_call_stuck_in_c(tmp_path: Path) -> None:
    _script(tmp_path, SCRIPT + "s = sum(range(10**13))\n")
    # 4 s, not 1: on a loaded machine the script's own imports took over a second, before its first backward
    run = _explain("net.py", "--timeout=4", "--out", "out", cwd=tmp_path)
    assert run.returncode == 3
    assert "backward #1" in run.stdout
    assert "could not be interrupted (a long call inside C code?); it was killed; what was explained before is " \
           "kept (--timeout 4)" in run.stderr


def test_explain_timeout_is_checked_and_a_quick_script_is_unaffected(tmp_path: Path) -> None:
    _script(tmp_path)
    run = _explain("net.py", "--timeout", "0", cwd=tmp_path)
    assert run.returncode == 2 and run.stderr == "chainrule explain: --timeout: must be a positive number of " \
                                                 "seconds, got '0'\n"
    run = _explain("net.py", "--timeout", "120", "--out", "out", cwd=tmp_path)
    assert run.returncode == 0 and "backward #1" in run.stdout and "grad" in run.stdout


def test_explain_a_script_that_does_not_compile(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = _script(tmp_path, "x = (\n")
    assert main(["explain", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "does not compile" in err and "nothing to explain" not in err


def test_tour_steps_names_every_node(capsys: pytest.CaptureFixture) -> None:
    assert main(["tour", "--steps"]) == 0
    out = capsys.readouterr().out
    assert "unnamed" not in out and "leaf#" not in out
    assert "backward add   at z        upstream -2.0  d/d(w*x): local 1.0 -> -2.0, d/db: local 1.0 -> -2.0" in out
    assert "dL/dw1 = -24" in out and "d/dw1: local 3.0 -> -24.0" in out
