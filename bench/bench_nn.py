#!/usr/bin/env python
"""Training steps with cr.nn against PyTorch and hand-written NumPy, side by side in one process.

    python bench/bench_nn.py            # full run (~1 minute); updates its section of docs/performance.md
    python bench/bench_nn.py --quick    # smoke run; prints only
    python bench/bench_nn.py --no-write # full run, prints only

Two workloads on scikit-learn's digits, float32, batch 32, one step = zero_grad + forward + cross-entropy
+ backward + SGD update (lr 0.1), on the same batches in the same order for every engine:

1. MLP 64-32-10 with ReLU (nn.Linear, nn.ReLU, F.cross_entropy, optim.SGD);
2. CNN Conv2d(1, 8, 3, padding=1) - ReLU - MaxPool2d(2) - Flatten - Linear(128, 10).

The hand-written NumPy versions compute the same forward and backward passes by hand (the CNN's im2col and
col2im are the plain NumPy helpers of chainrule.ops.conv). Before timing, the three engines' gradients on
the first batch are checked against each other.

Rounds rotate the engine order; each round times a block of steps per engine; a gc.collect() runs untimed
between blocks. PyTorch runs on one thread like the others, so the CPU time of the benchmark thread measures
every engine fully; we report its median over rounds (and the wall-clock median, which a shared machine
inflates).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import chainrule as cr
from chainrule.ops.conv import max_pool_mask, np_fold, np_unfold

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"
HEADING = "## Neural networks: training steps (bench/bench_nn.py)"
LR = 0.1
BATCH = 32


def batches(images: bool, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    x, y = cr.datasets.digits(images=images)
    xs, ys = x.numpy(), y.numpy()
    order = np.random.default_rng(0).permutation(len(xs))
    out = []
    for i in range(n):
        idx = order[(i * BATCH) % (len(xs) - BATCH):][:BATCH]
        out.append((np.ascontiguousarray(xs[idx]), ys[idx]))
    return out


# ----------------------------------------------------------------------------- models
def mlp(m):
    return m.Sequential(m.Linear(64, 32), m.ReLU(), m.Linear(32, 10))


def cnn(m):
    return m.Sequential(m.Conv2d(1, 8, 3, padding=1), m.ReLU(), m.MaxPool2d(2), m.Flatten(), m.Linear(128, 10))


class Chainrule:
    name = "chainrule"

    def __init__(self, build, weights: dict[str, np.ndarray]) -> None:
        self.model = build(cr.nn)
        self.model.load_state_dict({k: cr.tensor(v) for k, v in weights.items()})
        self.opt = cr.optim.SGD(self.model.parameters(), lr=LR)

    def prepare(self, data: list) -> list:
        return [(cr.from_numpy(x), cr.from_numpy(y)) for x, y in data]

    def step(self, x, y) -> None:
        self.opt.zero_grad()
        cr.nn.functional.cross_entropy(self.model(x), y).backward()
        self.opt.step()

    def grads(self) -> list[np.ndarray]:
        return [p.grad.numpy() for p in self.model.parameters()]


class Torch(Chainrule):
    name = "PyTorch"

    def __init__(self, build, weights: dict[str, np.ndarray]) -> None:
        self.model = build(torch.nn)
        self.model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)

    def prepare(self, data: list) -> list:
        return [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in data]

    def step(self, x, y) -> None:
        self.opt.zero_grad()
        torch.nn.functional.cross_entropy(self.model(x), y).backward()
        self.opt.step()

    def grads(self) -> list[np.ndarray]:
        return [p.grad.numpy() for p in self.model.parameters()]


def _softmax_xent_grad(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(1, keepdims=True))
    p = e / e.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    return p / np.float32(len(y))


class NumpyMLP:
    name = "NumPy by hand"

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.w = [weights[k].copy() for k in ("0.weight", "0.bias", "2.weight", "2.bias")]
        self.g: list[np.ndarray] = []

    def prepare(self, data: list) -> list:
        return data

    def step(self, x: np.ndarray, y: np.ndarray) -> None:
        w1, b1, w2, b2 = self.w
        z = x @ w1.T + b1
        h = np.maximum(z, 0)
        d = _softmax_xent_grad(h @ w2.T + b2, y)
        gw2, gb2 = d.T @ h, d.sum(0)
        dz = (d @ w2) * (z > 0)
        self.g = [dz.T @ x, dz.sum(0), gw2, gb2]
        for p, g in zip(self.w, self.g):
            p -= LR * g

    def grads(self) -> list[np.ndarray]:
        return self.g


class NumpyCNN(NumpyMLP):
    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.w = [weights[k].copy() for k in ("0.weight", "0.bias", "4.weight", "4.bias")]
        self.g = []

    def step(self, x: np.ndarray, y: np.ndarray) -> None:
        wc, bc, wl, bl = self.w
        n = len(x)
        cols = np_unfold(x, (3, 3), (1, 1), (1, 1))  # (N, 9, 64)
        z = (wc.reshape(8, 9) @ cols + bc[:, None]).reshape(n, 8, 8, 8)
        a = np.maximum(z, 0)
        mask = max_pool_mask(a, (2, 2), (2, 2), (0, 0))  # (N, 8*4, 16)
        pooled = (a.reshape(n, 8, 4, 2, 4, 2).max(axis=(3, 5))).reshape(n, 128)
        d = _softmax_xent_grad(pooled @ wl.T + bl, y)
        gwl, gbl = d.T @ pooled, d.sum(0)
        dp = (d @ wl).reshape(n, 8, 1, 16)
        da = np_fold((dp * mask.reshape(n, 8, 4, 16)).reshape(n, 32, 16), (8, 8), (2, 2), (2, 2), (0, 0))
        dz = (da * (z > 0)).reshape(n, 8, 64)
        gwc = np.einsum("nol,nkl->ok", dz, cols).reshape(wc.shape)
        self.g = [gwc, dz.sum((0, 2)), gwl, gbl]
        for p, g in zip(self.w, self.g):
            p -= LR * g


# ----------------------------------------------------------------------------- timing
def check(engines: list, data: list) -> None:
    grads = []
    for e in engines:
        x, y = e.prepare(data[:1])[0]
        e.step(x, y)
        grads.append(e.grads())
    for e, gs in zip(engines[1:], grads[1:]):
        for a, b in zip(grads[0], gs):
            np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-5, err_msg=f"{engines[0].name} vs {e.name}")


def time_block(step: Callable, data: list) -> tuple[float, float]:
    """(wall clock, CPU time of this thread) per step."""
    start, cpu = time.perf_counter(), time.thread_time()
    for x, y in data:
        step(x, y)
    return (time.perf_counter() - start) / len(data), (time.thread_time() - cpu) / len(data)


def run(name: str, engines: list, data: list, rounds: int) -> dict[str, list[tuple[float, float]]]:
    check(engines, data)
    prepared = [e.prepare(data) for e in engines]
    for e, d in zip(engines, prepared):  # warm-up
        time_block(e.step, d[:20])
    times: dict[str, list[tuple[float, float]]] = {e.name: [] for e in engines}
    for r in range(rounds):
        k = r % len(engines)
        for e, d in list(zip(engines, prepared))[k:] + list(zip(engines, prepared))[:k]:
            gc.collect()
            times[e.name].append(time_block(e.step, d))
    return times


def report(results: dict[str, dict[str, list[tuple[float, float]]]], rounds: int, steps: int) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [HEADING, "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()} "
             f"({os.cpu_count()} cores, load average {load:.1f}), Python {platform.python_version()}, NumPy "
             f"{np.__version__}, PyTorch {torch.__version__} ({torch.get_num_threads()} thread). {rounds} rounds of "
             f"{steps} steps per engine, order rotated. Microseconds per training step (zero_grad + forward + "
             "cross-entropy + backward + SGD update), batch 32, float32, digits: the median over rounds of the "
             "CPU time of the benchmark thread (robust on a shared machine; every engine runs on this one thread), "
             "and in brackets the median wall-clock time. Ratios are of the CPU-time medians.", "",
             "| workload | chainrule | PyTorch | NumPy by hand | chainrule / NumPy | chainrule / PyTorch |",
             "|---|---|---|---|---|---|"]
    for name, times in results.items():
        cpu = {k: statistics.median(t[1] for t in v) * 1e6 for k, v in times.items()}
        wall = {k: statistics.median(t[0] for t in v) * 1e6 for k, v in times.items()}
        cells = [f"{cpu[k]:.0f} ({wall[k]:.0f})" for k in ("chainrule", "PyTorch", "NumPy by hand")]
        lines.append(f"| {name} | " + " | ".join(cells) +
                     f" | {cpu['chainrule'] / cpu['NumPy by hand']:.2f}x | {cpu['chainrule'] / cpu['PyTorch']:.2f}x |")
    lines += ["", "Reproduce with `python bench/bench_nn.py`. The issue's target for the MLP step is chainrule "
              "within 1.3x of hand-written NumPy.", ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace our section of docs/performance.md (or append it): the rest of the file is not ours."""
    doc = DOC.read_text() if DOC.exists() else "# Performance\n"
    pattern = re.compile(re.escape(HEADING) + r".*?(?=\n## |\Z)", re.S)
    doc = pattern.sub(text.rstrip("\n") + "\n", doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + text
    DOC.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rounds, steps = (3, 30) if args.quick else (15, 100)
    results = {}
    for label, build, images, by_hand in (("MLP 64-32-10", mlp, False, NumpyMLP), ("CNN conv8-pool-linear", cnn,
                                                                                    True, NumpyCNN)):
        cr.manual_seed(0)
        weights = {k: v.detach().numpy().copy() for k, v in build(cr.nn).state_dict().items()}
        engines = [Chainrule(build, weights), Torch(build, weights), by_hand(weights)]
        results[label] = run(label, engines, batches(images, steps), rounds)
    text = report(results, rounds, steps)
    print(text)
    if not args.quick and not args.no_write:
        write_section(text)
        print(f"updated {DOC}")


if __name__ == "__main__":
    torch.set_num_threads(1)  # one thread for every engine: fair at these sizes, and measurable by thread CPU time
    gc.freeze()
    main()
