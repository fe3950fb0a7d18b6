"""The compiled scalar chain's per-op cost at 1,000,000 ops against smaller chains, in three process layouts.

    python bench/chain_linearity.py A   # the 1,000,000-op chain first in its process
    python bench/chain_linearity.py B   # after 1,000, 10,000 and 100,000-op chains (as bench_compile.py runs them)
    python bench/chain_linearity.py C   # as B, with linecache.clearcache() and gc.collect() before the large chain

Each line: size, (median, min) of the replay's CPU time per op in us over 5 rounds; then a 1,000-op chain again.
Tracing the 1,000,000-op chain takes a few minutes. See docs/performance.md ("Fourth pass").
"""

from __future__ import annotations

import gc
import linecache
import statistics
import sys
import time
from typing import Any

from bench_compile import chain_step


def make(n: int) -> Any:
    _, compiled = chain_step(n)  # bench_compile.py's chain (its multiplier alternates: no subnormal gradients)
    compiled()
    compiled()
    return compiled


def measure(compiled: Any, n: int, rounds: int = 5) -> tuple[float, float]:
    reps = max(1, 200_000 // n)
    samples = []
    for _ in range(rounds):
        t0 = time.process_time()
        for _ in range(reps):
            compiled()
        samples.append((time.process_time() - t0) / reps / n * 1e6)
    return round(statistics.median(samples), 4), round(min(samples), 4)


def main(mode: str) -> None:
    if mode not in ("A", "B", "C"):
        raise SystemExit("usage: python bench/chain_linearity.py A|B|C")
    if mode in ("B", "C"):
        for n in (1000, 10000, 100000):
            print(n, measure(make(n), n), flush=True)
        if mode == "C":
            linecache.clearcache()
            gc.collect()
    big = make(1_000_000)
    print(mode, "1,000,000", measure(big, 1_000_000), flush=True)
    print(mode, "1,000 after it", measure(make(1000), 1000), flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
