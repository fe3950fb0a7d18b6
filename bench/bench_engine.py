#!/usr/bin/env python
"""chainrule vs PyTorch vs micrograd vs hand-written code, side by side in one process.

    python bench/bench_engine.py            # full run (a few minutes); rewrites docs/performance.md
    python bench/bench_engine.py --quick    # smoke run (< ~30 s); prints only, writes nothing
    python bench/bench_engine.py --out FILE # write the report somewhere else (--no-write: print only)

Three workloads, every engine run round by round in one process, the order rotated each round:

1. the single neuron  z = w*x + b, a = relu(z), L = (a - t)^2: forward + backward on a fresh graph each
   iteration (microseconds per iteration);
2. scalar chains  x = x * c + d  (alternating mul/add, the same op mix for every engine) of 500 to
   1,000,000 ops: forward + backward + graph teardown (microseconds per op);
3. an MLP 784-1024-1024-10 training step at batch 512, float32, ReLU, softmax cross-entropy
   (log_softmax + integer-array indexing), forward + backward + SGD update (milliseconds per step),
   with the time of that step's 8 matrix multiplications alone in NumPy as the floor.

Before timing, chainrule's gradients are checked against the hand-written and PyTorch ones (neuron,
chains, MLP step): a benchmark of a wrong computation is worthless.

Measurement rules (the pitfalls are in bench/README.md): gc.freeze() after imports; a gc.collect() between
timed blocks, untimed, so that one engine's garbage is never collected on another engine's clock;
untimed warm-up; a 0.15 s pause before each large-matrix block (BLAS threads keep spinning after a call);
medians and mins over rounds. OPENBLAS_* environment variables are reported, never changed.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as _dt
import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import chainrule as cr

try:
    import torch
except ImportError:  # pragma: no cover - torch is a dev dependency
    torch = None
try:
    from micrograd.engine import Value
except ImportError:  # pragma: no cover - micrograd is a dev dependency
    Value = None

perf = time.perf_counter
cpu = time.thread_time  # CPU time of this thread: what the scalar workloads cost, whatever else runs
Timing = tuple[float, float]  # (wall-clock, CPU time of this thread)
ChainResult = tuple[Timing, float]  # (timing, gradient d out / d x0)


def clock() -> Timing:
    return perf(), cpu()


def since(t0: Timing) -> Timing:
    t1 = cpu()
    t = perf()
    return t - t0[0], t1 - t0[1]
ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"

FULL = {
    "neuron_rounds": 31, "neuron_block_s": 0.02,
    "chain_sizes": [500, 1_000, 10_000, 100_000, 1_000_000],
    "chain_rounds": {500: 15, 1_000: 15, 10_000: 11, 100_000: 5, 1_000_000: 3},
    # chain_cap_s: skip a run estimated (from the previous size) to take longer; chain_block_s: repeat short chains
    "chain_cap_s": 40.0, "chain_block_s": 0.02,
    "mlp_rounds": 10, "mlp_steps": 7, "mlp_warmup": 2,
}
QUICK = {
    "neuron_rounds": 5, "neuron_block_s": 0.01,
    "chain_sizes": [500, 1_000, 10_000],
    "chain_rounds": {500: 3, 1_000: 3, 10_000: 3},
    "chain_cap_s": 5.0, "chain_block_s": 0.005,
    "mlp_rounds": 3, "mlp_steps": 3, "mlp_warmup": 1,
}
PAUSE_S = 0.15


# ============================================================================ harness
class Skip(Exception):
    """An engine that cannot run a workload: the message goes into the table cell."""


def interleave(engines: dict[str, Callable[[], Timing]], rounds: int, pause: float = 0.0) -> dict[str, Any]:
    """Run each engine's timed block once per round, rotating which goes first.

    A block returns its time per unit, (wall-clock, CPU time of this thread or None). A block raising
    RecursionError or Skip marks the engine with that message for the remaining rounds.
    Returns {name: list of samples, or an error string}.
    """
    names = list(engines)
    results: dict[str, Any] = {n: [] for n in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            if isinstance(results[name], str):
                continue
            gc.collect()  # untimed: nobody's garbage is collected on the next engine's clock
            if pause:
                time.sleep(pause)
            try:
                results[name].append(engines[name]())
            except RecursionError:
                results[name] = "RecursionError"
            except Skip as exc:
                results[name] = str(exc)
    gc.collect()
    return results


def summary(samples: Any, which: int = 0) -> tuple[float, float] | str:
    """(median, min) of the wall-clock (which=0) or CPU-time (which=1) samples, or the error string."""
    if isinstance(samples, str):
        return samples
    values = [s[which] for s in samples]
    if any(v is None for v in values):
        return "-"
    return statistics.median(values), min(values)


def calibrate(run: Callable[[int], Timing], target_s: float) -> int:
    """Iterations per timed block so that a block lasts about target_s (after an untimed warm-up)."""
    run(3)
    n = 8
    while True:
        t = run(n)[0]
        if t >= target_s / 4 or n >= 1 << 22:
            return max(1, int(n * target_s / max(t, 1e-9)))
        n *= 4


# ============================================================================ machine
def _openblas_runtime() -> str | None:
    """OpenBLAS's runtime configuration (the kernel it picked), read from the loaded library."""
    try:
        with open("/proc/self/maps") as fh:
            paths = {line.split()[-1] for line in fh if "openblas" in line.lower() and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for sym in ("scipy_openblas_get_config64_", "scipy_openblas_get_config", "openblas_get_config64_",
                    "openblas_get_config"):
            fn = getattr(lib, sym, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                threads = None
                for nsym in (sym.replace("get_config", "get_num_threads"),):
                    nfn = getattr(lib, nsym, None)
                    if nfn is not None:
                        nfn.restype = ctypes.c_int
                        threads = nfn()
                text = fn().decode().strip()
                return text + (f", {threads} threads" if threads else "")
    return None


def machine_info() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    flags = ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    have = line.split(":", 1)[1].split()
                    flags = ", ".join(f for f in ("avx2", "avx512f", "amx_tile") if f in have)
                    break
    except OSError:
        pass
    blas = "unknown"
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{deps.get('name')} {deps.get('version')}"
    except Exception:  # noqa: BLE001 - best effort, old NumPy
        pass
    try:
        from threadpoolctl import threadpool_info

        blas += "; threadpoolctl: " + "; ".join(
            f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} x{i.get('num_threads')}"
            for i in threadpool_info())
    except ImportError:
        runtime = _openblas_runtime()
        if runtime:
            blas += f" (runtime: {runtime})"
    env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    info = {
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{cpu}, {os.cpu_count()} logical CPUs ({flags})",
        "Python": platform.python_version(),
        "NumPy": f"{np.__version__}, BLAS: {blas}",
        "BLAS env": ", ".join(f"{k}={v}" for k, v in sorted(env.items())) or "(no OPENBLAS_/OMP_/MKL_ variables set)",
        "PyTorch": "not installed" if torch is None else
        f"{torch.__version__}, {torch.get_num_threads()} threads, MKL {_on(torch.backends.mkl.is_available())}",
        "micrograd": "not installed" if Value is None else _version("micrograd"),
        "chainrule": f"{_version('chainrule')} at {_git_head()}",
    }
    return info


def _on(flag: bool) -> str:
    return "on" if flag else "off"


class Contention:
    """How much CPU other processes took while we ran: the benchmark shares the machine, and its
    wall-clock times (BLAS above all, whose threads wait for each other) suffer when it is busy."""

    def __init__(self) -> None:
        self.t0, self.busy0, self.own0 = perf(), self._busy(), self._own()

    @staticmethod
    def _busy() -> float | None:
        try:
            with open("/proc/stat") as fh:
                f = [int(v) for v in fh.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        return (f[0] + f[1] + f[2] + f[5] + f[6]) / os.sysconf("SC_CLK_TCK")  # user nice system irq softirq

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def report(self) -> str:
        busy = self._busy()
        if busy is None or self.busy0 is None:
            return "unknown"
        wall = perf() - self.t0
        others = max(0.0, (busy - self.busy0) - (self._own() - self.own0))
        share = others / (wall * (os.cpu_count() or 1))
        load = Path("/proc/loadavg").read_text().split()[:3]
        warn = " - the machine was busy: absolute times are inflated, trust the ratios more" if share > 0.1 else ""
        return f"{share:.0%} of all CPUs used by other processes during the run (load average {' '.join(load)}){warn}"


def _version(dist: str) -> str:
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # noqa: BLE001
        return "?"


def _git_head() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True, timeout=5).stdout.strip()
        return out.stdout.strip() + (" (+ uncommitted changes in src/)" if dirty else "")
    except Exception:  # noqa: BLE001
        return "?"


# ============================================================================ 1. the single neuron
NEURON = {"x": 2.0, "w": 1.5, "b": -1.0, "t": 3.0}


def neuron_hand(w: float, x: float, b: float, t: float) -> tuple[float, float, float]:
    """Forward and hand-derived backward in Python floats: (L, dL/dw, dL/db)."""
    z = w * x + b
    a = z if z > 0.0 else 0.0
    d = a - t
    loss = d * d
    dz = 2.0 * d if z > 0.0 else 0.0
    return loss, dz * x, dz


def make_neuron_runners() -> dict[str, Callable[[int], Timing]]:
    x, w, b, t = NEURON["x"], NEURON["w"], NEURON["b"], NEURON["t"]
    runners: dict[str, Callable[[int], Timing]] = {}

    cw, cb = cr.tensor(w, requires_grad=True), cr.tensor(b, requires_grad=True)
    cx, ct = cr.tensor(x), cr.tensor(t)

    def run_cr(n: int) -> Timing:
        relu = cr.relu
        t0 = clock()
        for _ in range(n):
            loss = (relu(cw * cx + cb) - ct) ** 2
            loss.backward()
            cw.grad = None
            cb.grad = None
        return since(t0)

    runners["chainrule"] = run_cr

    if torch is not None:
        tw, tb = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
        tx, tt = torch.tensor(x), torch.tensor(t)

        def run_torch(n: int) -> Timing:
            relu = torch.relu
            t0 = clock()
            for _ in range(n):
                loss = (relu(tw * tx + tb) - tt) ** 2
                loss.backward()
                tw.grad = None
                tb.grad = None
            return since(t0)

        runners["PyTorch"] = run_torch

    if Value is not None:
        mw, mb, mx, mt = Value(w), Value(b), Value(x), Value(t)

        def run_micrograd(n: int) -> Timing:
            t0 = clock()
            for _ in range(n):
                loss = ((mw * mx + mb).relu() - mt) ** 2
                loss.backward()
                mw.grad = 0.0
                mb.grad = 0.0
            return since(t0)

        runners["micrograd"] = run_micrograd

    def run_hand(n: int) -> Timing:
        t0 = clock()
        for _ in range(n):
            neuron_hand(w, x, b, t)
        return since(t0)

    runners["hand-written Python"] = run_hand
    return runners


def check_neuron() -> None:
    for w in (NEURON["w"], -1.5):  # a positive and a negative pre-activation (relu passes no gradient)
        x, b, t = NEURON["x"], NEURON["b"], NEURON["t"]
        loss, dw, db = neuron_hand(w, x, b, t)
        cw, cb = cr.tensor(w, requires_grad=True), cr.tensor(b, requires_grad=True)
        cl = (cr.relu(cw * cr.tensor(x) + cb) - cr.tensor(t)) ** 2
        cl.backward()
        got = (cl.item(), cw.grad.item(), cb.grad.item())
        _close("neuron (chainrule vs hand-written)", got, (loss, dw, db), 1e-6)
        if torch is not None:
            tw, tb = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
            tl = (torch.relu(tw * torch.tensor(x) + tb) - torch.tensor(t)) ** 2
            tl.backward()
            _close("neuron (chainrule vs PyTorch)", got, (tl.item(), tw.grad.item(), tb.grad.item()), 1e-6)
        if Value is not None:
            mw, mb = Value(w), Value(b)
            ml = ((mw * Value(x) + mb).relu() - Value(t)) ** 2
            ml.backward()
            _close("neuron (micrograd vs hand-written)", (ml.data, mw.grad, mb.grad), (loss, dw, db), 1e-9)
    assert neuron_hand(1.5, 2.0, -1.0, 3.0) == (1.0, -4.0, -2.0)


def _close(what: str, got: Any, want: Any, rtol: float) -> None:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if not np.allclose(got, want, rtol=rtol, atol=rtol):
        raise AssertionError(f"{what}: got {got.tolist()}, want {want.tolist()}")


# ============================================================================ 2. scalar chains
C, D = 0.999999, 0.001  # x = x * C + D, n/2 times: n ops; d(out)/d(x0) = C ** (n/2)
CR_NOGC = "chainrule, gc disabled (diagnostic)"  # shows how much of the growth with size is the cyclic GC


def make_chain_runners() -> dict[str, Callable[[int], ChainResult]]:
    """Each runner builds a chain of n ops, backpropagates, frees it; returns (seconds, d out / d x0)."""
    runners: dict[str, Callable[[int], ChainResult]] = {}

    def run_cr(n: int) -> ChainResult:
        x0 = cr.tensor(1.0, requires_grad=True)
        t0 = clock()
        x = x0
        for _ in range(n // 2):
            x = x * C + D
        x.backward()
        del x
        dt = since(t0)
        return dt, x0.grad.item()

    runners["chainrule"] = run_cr

    def run_cr_nogc(n: int) -> ChainResult:
        gc.disable()
        try:
            return run_cr(n)
        finally:
            gc.enable()

    runners[CR_NOGC] = run_cr_nogc

    if torch is not None:
        def run_torch(n: int) -> ChainResult:
            x0 = torch.tensor(1.0, requires_grad=True)
            t0 = clock()
            x = x0
            for _ in range(n // 2):
                x = x * C + D
            x.backward()
            del x
            dt = since(t0)
            return dt, x0.grad.item()

        runners["PyTorch"] = run_torch

    if Value is not None:
        def run_micrograd(n: int) -> ChainResult:
            x0 = Value(1.0)
            t0 = clock()
            x = x0
            for _ in range(n // 2):
                x = x * C + D
            x.backward()
            del x
            dt = since(t0)
            return dt, x0.grad

        runners["micrograd"] = run_micrograd

    def run_hand(n: int) -> ChainResult:
        t0 = clock()
        x = 1.0
        tape = []  # what a reverse pass would save (here, the inputs of each mul)
        append = tape.append
        for _ in range(n // 2):
            append(x)
            x = x * C + D
        g = 1.0
        for _ in reversed(tape):
            g = g * C  # d(x*C + D)/dx = C
        del tape
        return since(t0), g

    runners["hand-written Python"] = run_hand
    return runners


def _chain_expected(engine: str, n: int) -> float:
    c = float(np.float32(C)) if engine in ("chainrule", CR_NOGC, "PyTorch") else C  # float32 engines round C
    return c ** (n // 2)


def bench_chains(cfg: dict) -> dict[int, dict[str, Any]]:
    runners = make_chain_runners()
    for name, run in runners.items():  # untimed warm-up, and the correctness check
        if name == "micrograd":
            continue
        _, g = run(1_000)
        _close(f"chain of 1,000 ops ({name} gradient)", g, _chain_expected(name, 1_000), 1e-3)
    results: dict[int, dict[str, Any]] = {}
    broken: dict[str, str] = {}
    previous: dict[str, float] = {}
    for n in cfg["chain_sizes"]:
        blocks: dict[str, Callable[[], Timing]] = {}
        pre: dict[str, Any] = {}
        for name, run in runners.items():
            if name in broken:
                pre[name] = broken[name]
                continue
            est = previous.get(name, 0.0) * n
            if est > cfg["chain_cap_s"]:
                pre[name] = f"skipped (est. {est:.0f} s/run)"
                continue
            blocks[name] = _chain_block(name, run, n, _chain_reps(run, n, cfg["chain_block_s"]))
        res = interleave(blocks, cfg["chain_rounds"][n])
        for name, r in res.items():
            if isinstance(r, str):
                broken[name] = f"{r} (from {n:,} ops)" if r == "RecursionError" else r
                pre[name] = "RecursionError" if r == "RecursionError" else r
            else:
                previous[name] = statistics.median(v[0] for v in r) * 1e-6
                pre[name] = r
        results[n] = {name: pre[name] for name in runners if name in pre}
        print(f"  chain {n:>9,}: " + ", ".join(_cell(summary(v), "{:.3g}") for v in results[n].values()),
              file=sys.stderr, flush=True)
    return results


def _chain_reps(run: Callable[[int], ChainResult], n: int, target_s: float) -> int:
    """Chains per timed block, so that a block of short chains still lasts about target_s."""
    if n > 10_000:
        return 1
    try:
        t = run(n)[0][0]
    except RecursionError:
        return 1
    return max(1, min(1000, round(target_s / max(t, 1e-7))))


def _chain_block(name: str, run: Callable[[int], ChainResult], n: int, reps: int) -> Callable[[], Timing]:
    def block() -> Timing:
        wall = cpu_s = 0.0
        for _ in range(reps):
            dt, g = run(n)
            if not np.isclose(g, _chain_expected(name, n), rtol=1e-3 if n <= 100_000 else 2e-2):
                raise AssertionError(f"chain of {n:,} ops: {name} gradient {g}, want {_chain_expected(name, n)}")
            wall += dt[0]
            cpu_s += dt[1]
        return wall / (n * reps) * 1e6, cpu_s / (n * reps) * 1e6

    return block


# ============================================================================ 3. MLP training step
SIZES = (784, 1024, 1024, 10)
BATCH, LR = 512, 0.01


def mlp_data(seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32))
        params.append(np.zeros(fan_out, np.float32) + np.float32(0.01))
    X = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH).astype(np.int64)
    return params, X, y


class NumpyMLP:
    """Hand-written forward and backward in NumPy: what chainrule must match (within 1.05x)."""

    def __init__(self, params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> None:
        self.params = [p.copy() for p in params]
        self.X, self.y = X, y
        self.rows = np.arange(len(y))

    def loss_and_grads(self) -> tuple[float, list[np.ndarray]]:
        W1, b1, W2, b2, W3, b3 = self.params
        X, y, rows = self.X, self.y, self.rows
        z1 = X @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0)
        logits = h2 @ W3 + b3
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -logp[rows, y].mean()
        g3 = np.exp(logp)  # d loss / d logits = (softmax - onehot) / B
        g3[rows, y] -= 1.0
        g3 /= len(y)
        dW3, db3 = h2.T @ g3, g3.sum(axis=0)
        g2 = (g3 @ W3.T) * (z2 > 0)
        dW2, db2 = h1.T @ g2, g2.sum(axis=0)
        g1 = (g2 @ W2.T) * (z1 > 0)
        dW1, db1 = X.T @ g1, g1.sum(axis=0)
        return float(loss), [dW1, db1, dW2, db2, dW3, db3]

    def step(self) -> None:
        _, grads = self.loss_and_grads()
        for p, g in zip(self.params, grads):
            p -= LR * g


class AutogradMLP:
    """The same training step written once against a PyTorch-style library: `cr` or `torch`."""

    def __init__(self, lib: Any, params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> None:
        self.lib = lib
        self.params = [lib.from_numpy(p.copy()).requires_grad_() for p in params]
        self.X, self.y, self.rows = lib.from_numpy(X), lib.from_numpy(y), lib.arange(len(y))

    def loss(self) -> Any:
        lib = self.lib
        W1, b1, W2, b2, W3, b3 = self.params
        h = lib.relu(self.X @ W1 + b1)
        h = lib.relu(h @ W2 + b2)
        logits = h @ W3 + b3
        return -lib.log_softmax(logits, dim=1)[self.rows, self.y].mean()

    def step(self) -> None:
        self.loss().backward()
        with self.lib.no_grad():
            for p in self.params:
                p -= LR * p.grad
                p.grad = None


def ChainruleMLP(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> AutogradMLP:  # noqa: N802
    return AutogradMLP(cr, params, X, y)


def TorchMLP(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> AutogradMLP:  # noqa: N802
    return AutogradMLP(torch, params, X, y)


class GemmFloor:
    """Only the step's matrix multiplications, same shapes and layouts: forward 3, backward 5."""

    def __init__(self, params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> None:
        rng = np.random.default_rng(1)
        self.X, self.W1, self.W2, self.W3 = X, params[0], params[2], params[4]
        self.h1, self.h2 = (rng.random((BATCH, SIZES[1]), np.float32), rng.random((BATCH, SIZES[2]), np.float32))
        self.g1, self.g2 = (rng.random((BATCH, SIZES[1]), np.float32), rng.random((BATCH, SIZES[2]), np.float32))
        self.g3 = rng.random((BATCH, SIZES[3]), np.float32)

    def step(self) -> None:
        X, W1, W2, W3, h1, h2, g1, g2, g3 = (self.X, self.W1, self.W2, self.W3, self.h1, self.h2, self.g1, self.g2,
                                             self.g3)
        X @ W1, h1 @ W2, h2 @ W3  # noqa: B018 - forward
        h2.T @ g3, g3 @ W3.T, h1.T @ g2, g2 @ W2.T, X.T @ g1  # noqa: B018 - backward (no gradient for X)


def gemm_gflop() -> float:
    b, (i, h1, h2, o) = BATCH, SIZES
    fwd = 2 * b * (i * h1 + h1 * h2 + h2 * o)
    return (3 * fwd - 2 * b * i * h1) / 1e9


def check_mlp(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> None:
    ref = NumpyMLP(params, X, y)
    loss, grads = ref.loss_and_grads()
    names = ["W1", "b1", "W2", "b2", "W3", "b3"]
    engines = [("chainrule", ChainruleMLP(params, X, y), lambda t: t.grad.numpy(), lambda v: v.item())]
    if torch is not None:
        engines.append(("PyTorch", TorchMLP(params, X, y), lambda t: t.grad.numpy(), lambda v: v.item()))
    for name, model, grad_of, item in engines:
        lv = model.loss()
        lv.backward()
        _close(f"MLP loss ({name} vs hand-written NumPy)", item(lv), loss, 1e-5)
        for pname, p, want in zip(names, model.params, grads):
            got = grad_of(p)
            if got.shape != want.shape or got.dtype != np.float32:
                raise AssertionError(f"MLP d loss/d {pname} ({name}): {got.shape} {got.dtype}, want {want.shape}")
            err = float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-30))
            if err > 1e-4:
                raise AssertionError(f"MLP d loss/d {pname}: {name} differs from hand-written NumPy by {err:.2e} "
                                     f"(relative to the largest entry)")
    # one SGD step: chainrule's parameters afterwards equal the hand-written ones
    model = ChainruleMLP(params, X, y)
    model.step()
    ref.step()
    for pname, p, want in zip(names, model.params, ref.params):
        if not np.allclose(p.detach().numpy(), want, rtol=1e-5, atol=1e-6) or p.grad is not None:
            raise AssertionError(f"MLP SGD step: chainrule's {pname} after one step differs from hand-written NumPy")


def bench_mlp(cfg: dict) -> dict[str, Any]:
    params, X, y = mlp_data()
    check_mlp(params, X, y)
    models: dict[str, Any] = {"chainrule": ChainruleMLP(params, X, y)}
    if torch is not None:
        models["PyTorch"] = TorchMLP(params, X, y)
    models["hand-written NumPy"] = NumpyMLP(params, X, y)
    models["NumPy GEMMs only (floor)"] = GemmFloor(params, X, y)

    def block_for(model: Any) -> Callable[[], Timing]:
        def block() -> Timing:
            for _ in range(cfg["mlp_warmup"]):
                model.step()
            times = []
            for _ in range(cfg["mlp_steps"]):
                t0 = perf()
                model.step()
                times.append(perf() - t0)
            return statistics.median(times) * 1e3, None  # a round's value: the median of its steps

        return block

    return interleave({n: block_for(m) for n, m in models.items()}, cfg["mlp_rounds"], pause=PAUSE_S)


def bench_neuron(cfg: dict) -> dict[str, Any]:
    check_neuron()
    blocks = {}
    for name, run in make_neuron_runners().items():
        n = calibrate(run, cfg["neuron_block_s"])
        blocks[name] = (lambda run=run, n=n: tuple(v / n * 1e6 for v in run(n)))
    return interleave(blocks, cfg["neuron_rounds"])


# ============================================================================ report
def _cell(s: Any, fmt: str) -> str:
    if isinstance(s, str):
        return s
    med, lo = s
    return f"{fmt.format(med)} ({fmt.format(lo)})"


def _ratio(a: Any, b: Any) -> str:
    if isinstance(a, str) or isinstance(b, str):
        return "-"
    return f"{a[0] / b[0]:.2f}x"


def _fmt(v: float) -> str:
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def _neuron_table(neuron: dict, which: int) -> list[str]:
    s = {n: summary(v, which) for n, v in neuron.items()}
    L = ["| engine | us/iteration, median (min) | chainrule / engine |", "|---|---:|---:|"]
    for n, v in s.items():
        body = v if isinstance(v, str) else f"{_fmt(v[0])} ({_fmt(v[1])})"
        L.append(f"| {n} | {body} | {_ratio(s['chainrule'], v) if n != 'chainrule' else '1'} |")
    return L


def _chain_table(chains: dict, which: int) -> list[str]:
    sizes = list(chains)
    engines = list(next(iter(chains.values())))
    L = ["| engine | " + " | ".join(f"{n:,} ops" for n in sizes) + " | per-op cost, largest size / 1,000 ops |",
         "|---|" + "---:|" * len(sizes) + "---:|"]
    table = {e: {n: summary(chains[n].get(e, "-"), which) for n in sizes} for e in engines}
    for e in engines:
        cells = [v if isinstance(v, str) else f"{_fmt(v[0])} ({_fmt(v[1])})" for v in table[e].values()]
        ok = [n for n in sizes if not isinstance(table[e][n], str)]
        lin = (f"{table[e][ok[-1]][0] / table[e][1_000][0]:.2f}x (at {ok[-1]:,})"
               if 1_000 in ok and ok[-1] > 1_000 else "-")
        L.append(f"| {e} | " + " | ".join(cells) + f" | {lin} |")
    for e in engines:
        if e in ("chainrule", CR_NOGC):
            continue
        L.append(f"| *chainrule / {e}* | " + " | ".join(_ratio(table["chainrule"][n], table[e][n]) for n in sizes)
                 + " | |")
    return L


def report(info: dict, neuron: dict, chains: dict, mlp: dict, cfg: dict, quick: bool) -> str:
    L: list[str] = ["### Machine\n"]
    for k, v in info.items():
        L.append(f"- **{k}**: {v}")
    L.append(f"- **run**: {'--quick (smoke: few rounds, small sizes)' if quick else 'full'}; cells are "
             "median (min) over rounds; ratios are chainrule's median over the peer's median "
             "(below 1 = chainrule faster)")

    L.append(f"\n### 1. Single neuron, forward + backward, fresh graph (us per iteration, wall-clock; "
             f"{cfg['neuron_rounds']} rounds)\n")
    L.extend(_neuron_table(neuron, 0))

    rounds = ", ".join(f"{n:,}: {cfg['chain_rounds'][n]}" for n in chains)
    L.append("\n### 2. Scalar chain x = x * c + d, forward + backward + teardown (us per op, wall-clock; rounds "
             f"per size {rounds})\n")
    L.extend(_chain_table(chains, 0))
    L.append("\nmicrograd's recursive topological sort exceeds Python's default recursion limit from about 1,000 ops "
             "(its larger sizes are not attempted); the 500-op column is there to have a micrograd per-op figure at "
             "all. The diagnostic row runs chainrule with the cyclic garbage collector disabled during the block "
             "(never the default): the difference is the GC's cost, which grows with the number of live graph "
             "objects.")

    s = {n: summary(v) for n, v in mlp.items()}
    gf = gemm_gflop()
    L.append(f"\n### 3. MLP 784-1024-1024-10, batch {BATCH}, float32: forward + backward + SGD step (ms per step, "
             f"wall-clock; {cfg['mlp_rounds']} rounds, each the median of {cfg['mlp_steps']} steps after "
             f"{cfg['mlp_warmup']} warm-up)\n")
    L.append("| engine | ms/step, median (min) | chainrule / engine |")
    L.append("|---|---:|---:|")
    for n, v in s.items():
        extra = ""
        if n.startswith("NumPy GEMMs") and not isinstance(v, str):
            extra = f" = {gf / (v[0] * 1e-3):.0f} GFLOP/s for {gf:.2f} GFLOP"
        body = v if isinstance(v, str) else f"{_fmt(v[0])} ({_fmt(v[1])}){extra}"
        L.append(f"| {n} | {body} | {_ratio(s['chainrule'], v) if n != 'chainrule' else '1'} |")

    L.append("\n### The scalar workloads in CPU time\n")
    L.append("The same rounds, timed by the CPU time of the benchmark's thread (`time.thread_time`): every engine "
             "runs these on one thread, so this is what they cost regardless of what else the machine runs "
             "(cache and memory-bandwidth interference from other processes still counts).\n")
    L.extend(_neuron_table(neuron, 1))
    L.append("")
    L.extend(_chain_table(chains, 1))

    L.append("\n### Targets\n")
    L.extend(_targets(neuron, chains, mlp))
    return "\n".join(L) + "\n"


def _targets(neuron: dict, chains: dict, mlp: dict) -> list[str]:
    out = []
    w = [summary(neuron["chainrule"], i) for i in (0, 1)]
    m = [summary(neuron.get("micrograd", "-"), i) for i in (0, 1)]
    if not isinstance(m[0], str):
        verdict = _verdict(w[0][0] < m[0][0], w[0][1] < m[0][1])
        out.append(f"- neuron faster than micrograd: {verdict} ({_fmt(w[0][0])} us vs "
                   f"{_fmt(m[0][0])} us, {w[0][0] / m[0][0]:.2f}x; mins {w[0][1] / m[0][1]:.2f}x; in CPU time "
                   f"{w[1][0] / m[1][0]:.2f}x, mins {w[1][1] / m[1][1]:.2f}x)")
    mg = [(n, summary(c["micrograd"])) for n, c in chains.items() if "micrograd" in c]
    mg = [(n, v) for n, v in mg if not isinstance(v, str)]
    cr_ok = {n: summary(c["chainrule"]) for n, c in chains.items() if not isinstance(summary(c["chainrule"]), str)}
    if mg and cr_ok:
        n, v = mg[-1]
        worst_n = max(cr_ok, key=lambda k: cr_ok[k][0])
        ok = cr_ok[worst_n][0] < v[0]
        out.append(f"- per-op cost below micrograd's: {'PASS' if ok else 'FAIL'} (micrograd {_fmt(v[0])} us/op at "
                   f"{n:,} ops, chainrule {_fmt(cr_ok[n][0])} there; chainrule's worst {_fmt(cr_ok[worst_n][0])} "
                   f"at {worst_n:,} ops)")
    sizes = list(cr_ok)
    if 1_000 in sizes and sizes[-1] > 1_000:
        r = cr_ok[sizes[-1]][0] / cr_ok[1_000][0]
        nogc = [summary(chains[n].get(CR_NOGC, "-")) for n in (1_000, sizes[-1])]
        extra = (f"; with the GC disabled {nogc[1][0] / nogc[0][0]:.2f}x"
                 if not any(isinstance(v, str) for v in nogc) else "")
        out.append(f"- linear up to {sizes[-1]:,} ops: {'PASS' if r < 1.5 else 'FAIL'} (per-op cost at {sizes[-1]:,} "
                   f"is {r:.2f}x that at 1,000{extra}; no RecursionError; PASS means under 1.5x)")
    m_cr, m_np = summary(mlp["chainrule"]), summary(mlp["hand-written NumPy"])
    if not isinstance(m_cr, str) and not isinstance(m_np, str):
        r, r_min = m_cr[0] / m_np[0], m_cr[1] / m_np[1]
        out.append(f"- MLP step within 1.05x of hand-written NumPy: {_verdict(r <= 1.05, r_min <= 1.05)} ({r:.3f}x; "
                   f"mins {r_min:.3f}x)")
    out.append("\nPASS or FAIL when the medians and the mins agree; UNCLEAR when they disagree (a busy machine: "
               "rerun).")
    return out


def _verdict(by_median: bool, by_min: bool) -> str:
    if by_median == by_min:
        return "PASS" if by_median else "FAIL"
    return f"UNCLEAR (medians: {'pass' if by_median else 'fail'}, mins: {'pass' if by_min else 'fail'})"


INTRO = """# Performance

How fast chainrule is against PyTorch (CPU, eager), micrograd and hand-written code, measured side by side
in one process by `bench/bench_engine.py` (the docs site holds only docs/, so no link):

```
python bench/bench_engine.py          # full run, 1.5 min on a quiet machine (more on a busy one); rewrites this file
python bench/bench_engine.py --quick  # smoke run, under ~30 s; prints only
```

Targets:

1. the single neuron (forward + backward, fresh graph each time) faster than micrograd, so several times
   faster than PyTorch eager;
2. the cost per op of a scalar chain below micrograd's, and linear in the graph's size up to 1,000,000 ops
   (no recursion limit);
3. the MLP 784-1024-1024-10 training step at batch 512 within 1.05x of hand-written NumPy backprop
   (whose floor is the time of its 8 matrix multiplications).

How it is measured: engines run round by round in one process, the order rotated each round; `gc.freeze()`
after imports; an untimed `gc.collect()` between blocks (so no engine's garbage is collected on another's
clock; collections *during* a block count); untimed warm-up; a 0.15 s pause before each MLP block (BLAS threads
keep spinning after a call); medians and mins over rounds. Every engine computes the same thing in float32
(hand-written Python uses float64 floats), and chainrule's gradients are checked against the hand-written and
PyTorch ones before anything is timed. Compare ratios rather than absolute times: absolute times move with
the machine and, for the MLP, with the BLAS kernel OpenBLAS picks (`OPENBLAS_CORETYPE`, reported below, never
changed by the benchmark).

## Results
"""


def _other_sections(path: Path) -> str:
    """Sections other benchmarks keep in the same file (each starts with '## ' and names its script)."""
    if not path.exists():
        return ""
    old = path.read_text()
    results = old.find("\n## Results")
    start = old.find("\n## ", results + 1) if results >= 0 else -1  # every section after this script's own
    return "\n" + old[start + 1:] if start >= 0 else ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer rounds, chains up to 10,000 ops")
    ap.add_argument("--out", type=Path, default=None, help="write the report here (default: docs/performance.md "
                    "for a full run, nothing for --quick)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--only", choices=["neuron", "chains", "mlp"], action="append",
                    help="run only these workloads (repeatable); a partial run writes nothing by default")
    args = ap.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    only = set(args.only or ["neuron", "chains", "mlp"])

    gc.collect()
    gc.freeze()  # with torch imported a full collection costs ~0.1 s: keep import-time objects out of it
    t_start = perf()
    contention = Contention()
    info = machine_info()
    neuron = chains = mlp = None
    if "neuron" in only:
        print("neuron ...", file=sys.stderr, flush=True)
        neuron = bench_neuron(cfg)
    if "chains" in only:
        print("scalar chains ...", file=sys.stderr, flush=True)
        chains = bench_chains(cfg)
    if "mlp" in only:
        print("MLP step ...", file=sys.stderr, flush=True)
        mlp = bench_mlp(cfg)
    elapsed = perf() - t_start
    info["machine load"] = contention.report()

    if neuron is None or chains is None or mlp is None:
        for name, res in (("neuron", neuron), ("chains", chains), ("mlp", mlp)):
            if res is not None:
                print(f"## {name}")
                items = res.items() if name != "chains" else ((f"{n:,}", r) for n, r in res.items())
                for k, v in items:
                    print(f"{k}: {summary(v) if name != 'chains' else {e: summary(x) for e, x in v.items()}}")
        return 0
    text = report(info, neuron, chains, mlp, cfg, args.quick)
    text += f"\nWall time of this run: {elapsed:.0f} s.\n"
    print(text)
    out = args.out if args.out is not None else (None if args.quick else DOC)
    if out is not None and not args.no_write:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(INTRO + "\n" + text + _other_sections(out))
        print(f"(written to {out})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
