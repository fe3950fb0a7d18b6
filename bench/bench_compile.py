#!/usr/bin/env python
"""cr.compile against eager chainrule, hand-written NumPy/Python and PyTorch, side by side in one process.

    python bench/bench_compile.py            # full run (a few minutes); rewrites its section of docs/performance.md
    python bench/bench_compile.py --quick    # smoke run; prints only
    python bench/bench_compile.py --no-write # full run, prints only
    python bench/bench_compile.py --steps --rounds 41   # the digits step and the neuron only, more rounds
    python bench/bench_compile.py --large --rounds 7    # the large MLP only (prints only)

Workloads (engines interleaved round by round, order rotated; CPU time of this thread, medians over rounds):

1. digits MLP 64-32-10, batch 32, float32, one SGD step (zero_grad, forward, cross-entropy, backward, update):
   hand-written NumPy (bench_nn.NumpyMLP), eager chainrule, cr.compile of the same step, PyTorch;
2. the chapter's neuron o = tanh(x1 w1 + x2 w2 + b), forward + backward (eager builds a fresh graph each time);
3. a scalar chain x = x * C + D of n ops (C alternating 0.999 and 1.001) with backward, n = 1,000 ... 1,000,000:
   replay time per op and the trace (first call) time;
4. MLP 784-1024-1024-10 at batch 512 (bench_engine's data): compiled step against the step's 8 GEMMs alone.

jax is not installed here, so there is no jax.jit column (the issue's jax numbers came from another run).
Before timing, the compiled steps are checked against eager (parameters equal bit for bit).
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import re
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_engine as BE  # noqa: E402
import bench_nn as BN  # noqa: E402

import chainrule as cr  # noqa: E402

ROOT = HERE.parent
DOC = ROOT / "docs" / "performance.md"
HEADING = "## cr.compile: replayed steps (bench/bench_compile.py)"

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None
try:
    from micrograd.engine import Value
except ImportError:  # pragma: no cover - a dev dependency
    Value = None
try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None
try:
    import jax  # noqa: F401
    HAVE_JAX = True
except ImportError:
    HAVE_JAX = False


def cpu() -> float:
    return time.thread_time()


def interleave(blocks: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Median over rounds of each block's per-item CPU seconds, the engine order rotated each round."""
    names = list(blocks)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            gc.collect()
            samples[n].append(blocks[n]())
    return {n: statistics.median(v) for n, v in samples.items()}


# ----------------------------------------------------------------------------- 1. digits MLP
def digits_mlp(steps: int, rounds: int) -> dict[str, float]:
    data = BN.batches(False, steps)
    cr.manual_seed(0)
    weights = {k: v.detach().numpy().copy() for k, v in BN.mlp(cr.nn).state_dict().items()}
    eager, compiled_engine, hand = BN.Chainrule(BN.mlp, weights), BN.Chainrule(BN.mlp, weights), BN.NumpyMLP(weights)
    compiled = cr.compile(compiled_engine.step)
    crdata = eager.prepare(data)
    for x, y in crdata[:5]:  # check: equal parameters after a few steps, and the compiled one replays
        eager.step(x, y)
        compiled(x, y)
    for p, q in zip(eager.model.parameters(), compiled_engine.model.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())
    assert compiled.fallback_reason is None and compiled.replays >= 3, compiled
    engines: dict[str, tuple[Callable, list]] = {"NumPy by hand": (hand.step, data), "chainrule eager": (
        eager.step, crdata), "cr.compile": (compiled, crdata)}
    if torch is not None:
        torch.set_num_threads(1)
        t = BN.Torch(BN.mlp, weights)
        engines["PyTorch"] = (t.step, t.prepare(data))

    def block(step: Callable, d: list) -> Callable[[], float]:
        def run() -> float:
            t0 = cpu()
            for x, y in d:
                step(x, y)
            return (cpu() - t0) / len(d)
        return run

    return interleave({n: block(*e) for n, e in engines.items()}, rounds)


# ----------------------------------------------------------------------------- 2. the neuron
def neuron(reps: int, rounds: int) -> dict[str, float]:
    def leaves():
        return (cr.tensor(2.0, requires_grad=True), cr.tensor(0.0, requires_grad=True),
                cr.tensor(-3.0, requires_grad=True), cr.tensor(1.0, requires_grad=True),
                cr.tensor(6.8813735870195432, requires_grad=True))

    def step(x1, x2, w1, w2, b):
        o = (x1 * w1 + x2 * w2 + b).tanh()
        o.backward()
        return o

    le, lc = leaves(), leaves()
    compiled = cr.compile(step)
    for _ in range(3):
        assert step(*le).item() == compiled(*lc).item()
    assert all(a.grad.item() == b.grad.item() for a, b in zip(le, lc)) and compiled.replays >= 1

    def hand() -> None:
        x1, x2, w1, w2, b = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
        n = x1 * w1 + x2 * w2 + b
        o = np.tanh(n)
        dn = 1.0 - o * o
        return dn * w1, dn * w2, dn * x1, dn * x2, dn

    def block(fn: Callable, args: tuple) -> Callable[[], float]:
        def run() -> float:
            t0 = cpu()
            for _ in range(reps):
                fn(*args)
            return (cpu() - t0) / reps
        return run

    blocks = {"hand-written Python": block(hand, ()), "chainrule eager": block(step, le),
              "cr.compile": block(compiled, lc)}
    if Value is not None:
        def micrograd() -> None:  # fresh graph each time, as eager chainrule
            x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.8813735870195432)
            o = _mg_tanh(x1 * w1 + x2 * w2 + b)
            o.backward()
            return o

        blocks["micrograd"] = block(micrograd, ())
    return interleave(blocks, rounds)


def _mg_tanh(v: Any) -> Any:
    """tanh for micrograd's Value as its author's lecture adds it (the released engine has only relu)."""
    t = math.tanh(v.data)
    out = Value(t, (v,), "tanh")

    def _backward() -> None:
        v.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


# ----------------------------------------------------------------------------- 3. the scalar chain
C, D = 0.999, 0.001
# The multiplier alternates between C and C_UP: with C alone the gradient 0.999^k leaves float32's normal range
# after about 87,000 ops and stays stuck on a subnormal value (x * 0.999 rounds back to x there), where every
# NumPy scalar multiply takes about twice as long: a property of the numbers that made a 1,000,000-op chain look
# 1.9x slower per op than a 1,000-op one. Alternating, the gradient stays near 0.6 and x near 1 to 800.
C_UP = 1.001


def chain_step(n: int) -> tuple[Any, Any]:
    """The scalar chain of n ops (n / 2 multiply-adds) with its backward, eager, and its compiled form."""
    x0 = cr.tensor(1.0, requires_grad=True)

    def step(x0: Any = x0, n: int = n) -> Any:
        x = x0
        for k in range(n // 2):
            x = x * (C_UP if k % 2 else C) + D
        x.backward()
        return x

    compiled = cr.compile(step)
    # .grad set before the first call, as after any earlier step: one trace (with .grad None, the first call
    # would trace the `.grad = g` path and the second call trace again for `.grad += g`)
    x0.grad = cr.tensor(0.0)
    return step, compiled


def chain(sizes: list[int], rounds: int) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    for n in sizes:
        step, compiled = chain_step(n)
        t0, c0 = time.perf_counter(), time.process_time()
        compiled()  # first call: eager run + trace + code generation
        trace_s, trace_cpu = time.perf_counter() - t0, time.process_time() - c0
        assert compiled.fallback_reason is None, compiled.fallback_reason
        t0 = cpu()
        compiled()  # the first replay
        retrace_s = cpu() - t0
        assert compiled.traces == 1 and compiled.replays == 1, compiled
        reps = max(1, 200_000 // n)
        samples = []
        for _ in range(rounds):
            t0 = cpu()
            for _ in range(reps):
                compiled()
            samples.append((cpu() - t0) / reps / n)
        assert compiled.replays >= rounds * reps
        eager_x = cr.tensor(1.0, requires_grad=True)
        t0 = cpu()
        step(eager_x, n)
        eager_s = (cpu() - t0) / n
        out[n] = {"replay_us_per_op": statistics.median(samples) * 1e6, "replay_min": min(samples) * 1e6,
                  "trace_s": trace_s, "trace_cpu": trace_cpu,
                  "first_replay_s": retrace_s, "eager_us_per_op": eager_s * 1e6,
                  "lines": compiled.source.count("\n")}
        print(f"chain {n:,}: {out[n]}", flush=True)
        del compiled
        gc.collect()
    return out


# ----------------------------------------------------------------------------- 4. large MLP
def large_mlp(rounds: int) -> dict[str, float]:
    params, X, y = BE.mlp_data()
    ws = [cr.from_numpy(p.copy()).requires_grad_() for p in params]
    opt = cr.optim.SGD(ws, lr=BE.LR)
    xt, yt = cr.from_numpy(X), cr.from_numpy(y)

    @cr.compile
    def step(x, t):
        opt.zero_grad()
        w1, b1, w2, b2, w3, b3 = ws
        h = cr.relu(x @ w1 + b1)
        h = cr.relu(h @ w2 + b2)
        loss = cr.nn.functional.cross_entropy(h @ w3 + b3, t)
        loss.backward()
        opt.step()
        return loss

    for _ in range(3):
        step(xt, yt)
    assert step.fallback_reason is None and step.replays >= 1, step
    floor = BE.GemmFloor(params, X, y)
    hand = BE.NumpyMLP(params, X, y)

    def block(fn: Callable) -> Callable[[], float]:
        def run() -> float:
            t0 = cpu()
            for _ in range(3):
                fn()
            return (cpu() - t0) / 3
        return run

    passes = ElementwiseFloor(params)
    least = LeastNumpyStep(params, X, y)
    # one BLAS thread: the CPU time of this thread is then all the work (with more BLAS threads it would miss
    # theirs, and on a shared machine they wait for each other); the ratios are what matter
    if threadpool_limits is None:  # pragma: no cover
        raise SystemExit("the large MLP needs threadpoolctl (requirements/test-constraints.txt) for one BLAS thread")
    with threadpool_limits(limits=1, user_api="blas"):
        return interleave({"GEMM floor": block(floor.step), "elementwise passes alone": block(passes.step),
                           "NumPy by hand": block(hand.step), "NumPy, fewest passes (preallocated, in place)":
                           block(least.step), "cr.compile": block(lambda: step(xt, yt))}, rounds)


class LeastNumpyStep:
    """The same SGD step written for speed in NumPy calls, as a person tuning it would: every buffer preallocated
    (`out=`), bias add, ReLU and softmax in place, the exact ReLU gradient by bits (+0 at closed gates, NaN kept),
    bias sums by `add.reduce`, the update through one scratch per parameter. Its gradients are checked against
    `NumpyMLP`'s before anything is timed. It measures how close to the GEMM floor a step made of NumPy calls can
    come on this machine."""

    def __init__(self, params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> None:
        b = len(y)
        self.X, self.y = X, y
        self.p = [q.copy() for q in params]
        self.g = [np.empty_like(q) for q in params]
        self.s = [np.empty_like(q) for q in params]
        self.z = [np.empty((b, params[k].shape[1]), np.float32) for k in (0, 2, 4)]
        self.d = [np.empty((b, params[k].shape[1]), np.float32) for k in (0, 2)]
        self.k = [np.empty((b, params[k].shape[1]), np.int32) for k in (0, 2)]
        self.flat = np.arange(b) * params[4].shape[1]
        self.backprop()
        _, want = BE.NumpyMLP(params, X, y).loss_and_grads()
        for got, ref in zip(self.g, want):
            if not np.allclose(got, ref, rtol=1e-4, atol=1e-6 * float(np.max(np.abs(ref)))):
                raise AssertionError("LeastNumpyStep's gradients differ from NumpyMLP's")

    @staticmethod
    def _relu_grad(d: np.ndarray, z: np.ndarray, keep: np.ndarray) -> None:
        np.copyto(keep, (z <= 0).view(np.int8), casting="unsafe")
        keep -= 1  # 0 where the gate is closed, all ones where open
        np.bitwise_and(d.view(np.int32), keep, out=d.view(np.int32))

    def backprop(self) -> None:
        X, (W1, b1, W2, b2, W3, b3) = self.X, self.p
        gW1, gb1, gW2, gb2, gW3, gb3 = self.g
        (z1, z2, z3), (d1, d2) = self.z, self.d
        np.matmul(X, W1, out=z1)
        z1 += b1
        np.maximum(z1, 0, out=z1)
        np.matmul(z1, W2, out=z2)
        z2 += b2
        np.maximum(z2, 0, out=z2)
        np.matmul(z2, W3, out=z3)
        z3 += b3
        z3 -= np.fmax.reduce(z3, axis=1, keepdims=True)
        np.exp(z3, out=z3)
        z3 /= np.add.reduce(z3, axis=1, keepdims=True)
        z3.ravel()[self.flat + self.y] -= 1.0
        z3 *= 1.0 / len(self.y)
        np.matmul(z2.T, z3, out=gW3)
        np.add.reduce(z3, axis=0, out=gb3)
        np.matmul(z3, W3.T, out=d2)
        self._relu_grad(d2, z2, self.k[1])
        np.matmul(z1.T, d2, out=gW2)
        np.add.reduce(d2, axis=0, out=gb2)
        np.matmul(d2, W2.T, out=d1)
        self._relu_grad(d1, z1, self.k[0])
        np.matmul(X.T, d1, out=gW1)
        np.add.reduce(d1, axis=0, out=gb1)

    def step(self) -> None:
        self.backprop()
        for p, g, s in zip(self.p, self.g, self.s):
            p -= np.multiply(BE.LR, g, out=s)


class ElementwiseFloor:
    """The step's work besides its GEMMs, each in the fewest NumPy passes it takes, on arrays of the step's
    shapes: two bias adds and two ReLUs forward, two ReLU gradients (exact: +0 at closed gates, NaN kept), three
    bias gradients, and the SGD update of every parameter (`p -= lr * g` through a scratch array). The softmax of
    512 x 10 is left out (small). GEMM floor + this is about what any step made of NumPy calls costs at least."""

    def __init__(self, params: list[np.ndarray]) -> None:
        rng = np.random.default_rng(2)
        b, h = BE.BATCH, BE.SIZES[1]
        self.z = [rng.standard_normal((b, h)).astype(np.float32) for _ in range(2)]
        self.g = [rng.standard_normal((b, h)).astype(np.float32) for _ in range(2)]
        self.bias = [p for p in params if p.ndim == 1]
        self.params = [p.copy() for p in params]
        self.grads = [np.full_like(p, 1e-3) for p in params]
        self.scratch = [np.empty_like(p) for p in params]

    def step(self) -> None:
        for z, g, bias in zip(self.z, self.g, self.bias):
            a = z + bias
            np.maximum(a, 0, out=a)
            keep = (a <= 0).view(np.int8).astype(np.int32)  # the exact ReLU gradient's cheapest form (the engine's)
            keep -= 1
            np.bitwise_and(g.view(np.int32), keep, out=keep)
            np.add.reduce(g, axis=0)
        np.add.reduce(self.g[0][:, :10], axis=0)
        for p, g, s in zip(self.params, self.grads, self.scratch):
            p -= np.multiply(BE.LR, g, out=s)


# ----------------------------------------------------------------------------- report
def report(mlp: dict, neu: dict, ch: dict, big: dict, quick: bool) -> str:
    info = BE.machine_info()
    hand = mlp["NumPy by hand"]
    blas = info.get("NumPy", "?").split("BLAS: ")[-1]
    lines = [HEADING, "",
             f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}{' (quick run)' if quick else ''} on "
             f"{info.get('CPU', platform.processor())} (BLAS: {blas}), Python {platform.python_version()}, "
             f"NumPy {np.__version__}"
             f"{', torch ' + torch.__version__ if torch is not None else ''}; CPU time of the benchmark thread, "
             f"medians over interleaved rounds. jax is {'installed' if HAVE_JAX else 'not installed here'}: "
             f"{'see below' if HAVE_JAX else 'no jax.jit column'}. The machine is shared (2 vCPUs, several "
             f"processes): absolute times drift, ratios between interleaved engines hold up better.", "",
             "| digits MLP 64-32-10, batch 32, SGD step | time | vs NumPy by hand |", "|---|---|---|"]
    for name, v in mlp.items():
        lines.append(f"| {name} | {v * 1e6:.1f} us | {v / hand:.2f}x |")
    mg = neu.get("micrograd")
    lines += ["", "| the chapter's neuron, forward + backward | time | vs micrograd |", "|---|---|---|"]
    for name, v in neu.items():
        lines.append(f"| {name} | {v * 1e6:.2f} us | {f'{v / mg:.2f}x' if mg else '-'} |")
    lines += ["", "| scalar chain (x = x * C + D, C alternating 0.999 and 1.001, with backward), n ops | "
                  "compiled replay per op, median (min) | eager per op | "
                  "first call (trace + codegen), CPU | the same, wall clock | generated lines |",
              "|---|---|---|---|---|---|"]
    for n, r in ch.items():
        lines.append(f"| {n:,} | {r['replay_us_per_op']:.3f} us ({r['replay_min']:.3f}) | "
                     f"{r['eager_us_per_op']:.2f} us | {r['trace_cpu']:.2f} s ({r['trace_cpu'] / n * 1e6:.0f} us/op) | "
                     f"{r['trace_s']:.2f} s | {r['lines']:,} |")
    if big:
        floor = big["GEMM floor"]
        lines += ["", "| MLP 784-1024-1024-10, batch 512, SGD step, one BLAS thread | time | vs GEMM floor |",
                  "|---|---|---|"]
        for name, v in big.items():
            lines.append(f"| {name} | {v * 1e3:.2f} ms | {v / floor:.3f}x |")
        least = floor + big.get("elementwise passes alone", 0.0)
        lines.append(f"| GEMM floor + elementwise passes (the least a step of NumPy calls costs) | "
                     f"{least * 1e3:.2f} ms | {least / floor:.3f}x |")
    lines += ["", NOTES]
    return "\n".join(lines) + "\n"


NOTES = """Targets of the compile issue, against these numbers: the digits step within 1.1x of hand-written NumPy; the
neuron under 3 us (set on a machine where micrograd took 10.7 us and the hand-written neuron 0.26 us, so
under 0.28x of micrograd's time in the same run; micrograd's neuron uses tanh as its author's lecture adds it);
the scalar chain under 0.3 us per op, linear from 1,000 to 1,000,000 ops (within 1.2x per
op); the large MLP within 1.03x of the GEMM floor. What a compiled step still pays beyond the NumPy a person would
write: the guard (one tuple of types, shapes, dtypes, requires_grad, modes and identities compared with the one
seen while tracing: about 0.5 us for the neuron, 2 us for the digits step), the `.grad` tensors and version
counters eager code expects, and one Python line per op, which is the whole cost for scalars (NumPy scalar
arithmetic, about 60 ns an op here). Linear layers and ReLUs write into preallocated buffers (`out=`) when nothing
outside the call can see them, the ReLU in place into its linear layer's buffer.

Tracing (the first call) runs the step eagerly under the tracer: the eager ops themselves, `sys.settrace` (every
Python call in the engine passes through the tracer's call hook, about 25 us an op here), the op and backward
observers, one bit-for-bit check of every op and every backward step, naming, then code generation (about 30 us
an op) and CPython's compile of the generated function (about 25 us an op). The CPU time is reported; on this
shared machine the wall clock is several times longer. The chain sets `.grad` before the first call, so that
call is the only trace."""


def write_section(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(HEADING) + r".*?(?=\n## |\Z)", re.S)
    doc = pattern.sub(lambda m: text.rstrip("\n") + "\n", doc) if pattern.search(doc) else \
        doc.rstrip("\n") + "\n\n" + text
    tmp = DOC.with_suffix(".md.tmp")
    tmp.write_text(doc, encoding="utf-8")
    tmp.replace(DOC)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--max-chain", type=int, default=1_000_000)
    ap.add_argument("--chain", type=int, nargs="+", help="only the scalar chain, at these sizes (prints only)")
    ap.add_argument("--steps", action="store_true",
                    help="only the digits step and the neuron, with --rounds rounds (prints only)")
    ap.add_argument("--rounds", type=int, default=9, help="interleaved rounds per workload (default 9)")
    ap.add_argument("--large", action="store_true", help="only the large MLP, with --rounds rounds (prints only)")
    args = ap.parse_args()
    from chainrule.compile import CompileWarning

    warnings.simplefilter("error", CompileWarning)
    gc.freeze()
    if args.chain:
        for n, r in chain(args.chain, args.rounds).items():
            print(f"| {n:,} | {r['replay_us_per_op']:.3f} us ({r['replay_min']:.3f}) | {r['eager_us_per_op']:.2f} us | "
                  f"{r['trace_cpu']:.2f} s "
                  f"({r['trace_cpu'] / n * 1e6:.0f} us/op) | {r['trace_s']:.2f} s | {r['lines']:,} |", flush=True)
        return
    if args.large:
        big = large_mlp(args.rounds)
        floor = big["GEMM floor"]
        for name, v in big.items():
            print(f"| {name} | {v * 1e3:.2f} ms | {v / floor:.3f}x |", flush=True)
        return
    if args.steps:
        print("digits MLP:", digits_mlp(100, args.rounds), flush=True)
        print("neuron:", neuron(20_000, args.rounds), flush=True)
        return
    rounds = 3 if args.quick else args.rounds
    mlp = digits_mlp(20 if args.quick else 100, rounds)
    print("digits MLP:", mlp, flush=True)
    neu = neuron(500 if args.quick else 20_000, rounds)
    print("neuron:", neu, flush=True)
    big = {} if args.quick else large_mlp(5)
    print("large MLP:", big, flush=True)
    sizes = [1_000, 10_000] if args.quick else [n for n in (1_000, 10_000, 100_000, 1_000_000) if n <= args.max_chain]
    ch = chain(sizes, 3 if args.quick else 5)
    text = report(mlp, neu, ch, big, args.quick)
    print(text)
    if not args.quick and not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
