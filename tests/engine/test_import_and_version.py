"""`import chainrule` stays light (SciPy only when erf needs it); `chainrule --version`."""

from __future__ import annotations

import os
import subprocess
import sys

import chainrule as cr


def _python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                          timeout=120).stdout.strip()


def test_import_chainrule_does_not_import_scipy() -> None:
    code = ("import sys, chainrule as cr\n"
            "print('scipy' in sys.modules)\n"
            "x = cr.tensor([0.5, -1.0], requires_grad=True)\n"
            "cr.erf(x).sum().backward()\n"
            "print(round(cr.erf(x)[0].item(), 6), 'scipy.special' in sys.modules)")
    before, after = _python(code).splitlines()
    assert before == "False"
    value, loaded = after.split()
    assert value == "0.5205" and loaded == "True"  # erf(0.5); SciPy loaded on first use


def test_version() -> None:
    out = subprocess.run([sys.executable, "-m", "chainrule", "--version"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and out.stdout == f"chainrule {cr.__version__}\n"
