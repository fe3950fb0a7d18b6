"""`chainrule explain` and `cr.explain.record()` stop storing after their limits: a 400-step training script's
peak memory under `chainrule explain` stays within 1.5x of the plain run (it grew ~10x when every backward
step was kept)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule.explain.record import recorded_step

TRAIN = """
import numpy as np
import chainrule as cr

rng = np.random.default_rng(0)
x = cr.tensor(rng.standard_normal((64, 32)), dtype=cr.float32)
y = cr.tensor(rng.integers(0, 10, 64))
model = cr.nn.Sequential(cr.nn.Linear(32, 128), cr.nn.ReLU(), cr.nn.Linear(128, 128), cr.nn.ReLU(),
                         cr.nn.Linear(128, 10))
opt = cr.optim.SGD(model.parameters(), lr=0.01)
for step in range(400):
    opt.zero_grad()
    loss = cr.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
print("final", float(loss))
"""

# Runs the script plainly or under `chainrule explain` in this process and reports the peak resident size.
MEASURE = """
import resource, runpy, sys
mode, script, out = sys.argv[1:4]
if mode == "plain":
    sys.argv = [script]
    runpy.run_path(script, run_name="__main__")
else:
    from chainrule.cli.main import main
    code = main(["explain", script, "--out", out, "--max-backwards", "3"])
    assert code == 0, code
print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak(mode: str, tmp_path: Path) -> int:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(TRAIN), encoding="utf-8")
    measure = tmp_path / "measure.py"
    measure.write_text(textwrap.dedent(MEASURE), encoding="utf-8")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(measure), mode, str(script), str(tmp_path / "out")], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("PEAK_KB"))
    return int(line.split()[1])


def test_explain_memory_stays_near_the_plain_run(tmp_path: Path) -> None:
    plain = _peak("plain", tmp_path)
    explained = _peak("explain", tmp_path)
    assert explained <= 1.5 * plain, f"peak {explained / 1024:.0f} MB under explain vs {plain / 1024:.0f} MB plain"
    assert (tmp_path / "out" / "backward_3.html").exists() and not (tmp_path / "out" / "backward_4.html").exists()


def test_record_keeps_no_finished_graphs_and_honours_max_passes() -> None:
    w = cr.tensor(np.ones(3), requires_grad=True)
    nodes = []
    with cr.explain.record() as rec:
        for _ in range(50):
            loss = (w * 2).sum()
            nodes.append(weakref.ref(loss.grad_fn))
            loss.backward()
        gc.collect()
        assert sum(ref() is not None for ref in nodes) <= 1  # finished graphs (and their records) went away
        assert rec.passes == 50
    loss = (w * 3).sum()
    with cr.explain.record(max_passes=1) as rec:
        (w * 2).sum().backward()
        loss.backward()
    assert rec.passes == 2
    assert recorded_step(loss.grad_fn) is None  # the second pass was not stored
