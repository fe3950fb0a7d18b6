"""A/B of two source trees on the per-op hot path: the chapter's neuron, a scalar chain and a small MLP step.

    A=/path/to/old/src B=/path/to/new/src python bench/ab_trees.py 10     # 10 rounds

One fresh process per measurement, the trees alternated round by round; CPU time (process_time) per call, best
of 5 blocks within a process; prints the best and the median over the processes, and their ratios (B / A).
Used for the before/after tables in docs/performance.md.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

CODE = r'''
import gc, json, time
import numpy as np
import chainrule as cr
gc.freeze()

def neuron():
    x = cr.tensor(2.0)
    w = cr.tensor(1.5, requires_grad=True)
    b = cr.tensor(-1.0, requires_grad=True)
    ((cr.relu(w * x + b) - 3.0) ** 2).backward()

def chain(n=1000):
    x = cr.tensor(1.0, requires_grad=True)
    y = x
    for i in range(n):
        y = y * 1.0001 + 0.0001 if i % 2 else y * 0.9999
    y.backward()

rng = np.random.default_rng(0)
model = cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.ReLU(), cr.nn.Linear(32, 10))
opt = cr.optim.SGD(model.parameters(), lr=0.1)
X = cr.tensor(rng.standard_normal((32, 64)).astype(np.float32))
Y = cr.tensor(rng.integers(0, 10, 32))

def mlp():
    opt.zero_grad()
    cr.nn.functional.cross_entropy(model(X), Y).backward()
    opt.step()

out = {}
for name, fn, reps, per in (("neuron_us", neuron, 3000, 1), ("chain_us_per_op", chain, 30, 1000),
                            ("mlp_us", mlp, 1000, 1)):
    for _ in range(reps // 10):
        fn()
    blocks = []
    for _ in range(5):
        t = time.process_time()
        for _ in range(reps):
            fn()
        blocks.append((time.process_time() - t) / reps / per * 1e6)
    out[name] = min(blocks)
print(json.dumps(out))
'''


def main(rounds: int) -> int:
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    trees = {"A": os.environ["A"], "B": os.environ.get("B", here)}
    results: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
    for r in range(rounds):
        for k in (["A", "B"] if r % 2 == 0 else ["B", "A"]):
            env = {"PYTHONPATH": trees[k], "PATH": os.environ.get("PATH", "/usr/bin")}
            proc = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True)
            if proc.returncode:
                print(proc.stderr[-2000:])
                return 1
            results[k].append(json.loads(proc.stdout))
    for m in results["A"][0]:
        a_best, b_best = (min(x[m] for x in results[k]) for k in ("A", "B"))
        a_med, b_med = (statistics.median(x[m] for x in results[k]) for k in ("A", "B"))
        print(f"{m:16s} best A {a_best:8.3f} B {b_best:8.3f} B/A {b_best / a_best:.3f} | "
              f"median A {a_med:8.3f} B {b_med:8.3f} B/A {b_med / a_med:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 6))
