#!/usr/bin/env python
"""What named scopes cost: `cr.autograd.profiler.record_function` and the per-step scopes of nn.LSTM.

    python bench/bench_scopes.py          # prints a small table (about 20 s)

1. One `with record_function(name):` when nobody observes scopes, next to an empty `contextlib.nullcontext()`
   (what nn.LSTM enters per time step when nobody observes) and to one chainrule op (`x + x` on a 2x4 tensor).
2. nn.LSTM(3, 4) over 200 steps, batch 1, forward + backward: unobserved, and with the scopes observed
   (`cr.autograd.profiler.observe_scopes()`, so every step opens its scope and publishes two events).
3. `chainrule explain tests/explain/programs/lstm_layer.py` (a 200-step nn.LSTM): CPU time of the process.

CPU time of this thread (time.thread_time), median of rounds; a shared machine inflates wall-clock time.
"""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import chainrule as cr
from chainrule.autograd.profiler import observe_scopes, record_function

ROOT = Path(__file__).resolve().parents[1]


def per_call(fn, n: int = 20_000, rounds: int = 7) -> float:
    """Median CPU microseconds per call of fn()."""
    samples = []
    for _ in range(rounds):
        t = time.thread_time()
        for _ in range(n):
            fn()
        samples.append((time.thread_time() - t) / n * 1e6)
    return statistics.median(samples)


def scope_costs() -> list[tuple[str, float]]:
    null = contextlib.nullcontext()
    x = cr.ones(2, 4)

    def unobserved() -> None:
        with record_function("LSTM layer 0, t=3"):
            pass

    def empty() -> None:
        with null:
            pass

    def op() -> None:
        x + x  # noqa: B018

    return [("record_function enter+exit, unobserved", per_call(unobserved)),
            ("nullcontext enter+exit (nn.LSTM's step when unobserved)", per_call(empty)),
            ("one op, x + x (2x4)", per_call(op))]


def lstm_step_time(observed: bool, rounds: int = 9) -> float:
    cr.manual_seed(0)
    lstm = cr.nn.LSTM(3, 4)
    xs = cr.randn(200, 1, 3)
    samples = []
    for _ in range(rounds):
        with observe_scopes(lambda e: None) if observed else contextlib.nullcontext():
            t = time.thread_time()
            out, _ = lstm(xs)
            out.sum().backward()
            samples.append((time.thread_time() - t) * 1e3)
    return statistics.median(samples)


def explain_cpu(rounds: int = 3) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    samples = []
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        script = ROOT / "tests" / "explain" / "programs" / "lstm_layer.py"
        subprocess.run([sys.executable, "-m", "chainrule", "explain", str(script), "--out", "/tmp/cr-bench-scopes"],
                       env=env, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(samples)


def main() -> None:
    print("| what | CPU time |\n|---|---|")
    for name, us in scope_costs():
        print(f"| {name} | {us:.2f} us |")
    plain, seen = lstm_step_time(False), lstm_step_time(True)
    print(f"| nn.LSTM(3, 4), 200 steps, forward + backward, scopes unobserved | {plain:.1f} ms |")
    print(f"| the same with the scopes observed (201 scopes opened) | {seen:.1f} ms |")
    print(f"| `chainrule explain` on a 200-step nn.LSTM script (whole process) | {explain_cpu():.2f} s |")


if __name__ == "__main__":
    main()
