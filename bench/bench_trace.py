"""Tracing overhead: the same loop-heavy scripts run plainly and under `chainrule trace`.

Run:  python bench/bench_trace.py [--repeat N] [--scale K]

Prints a table: the best of N wall-clock times for an untraced run (plain ``exec`` of the same
compiled script) and a traced run (``chainrule.trace.run``), and their ratio. "capped" runs use the
default loop cap (after 10 iterations a loop's lines are counted, not recorded); "full" runs record
every iteration (max_iterations set very high), which is the worst case.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import textwrap
import time
from contextlib import redirect_stdout

try:
    from chainrule.trace import Tracer
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    from chainrule.trace import Tracer


SCRIPTS = {
    "arithmetic loop": """
        total = 0.0
        for i in range({n}):
            x = i * 0.5
            y = x * x + 1.0
            total += y / (i + 1)
        print(round(total, 3))
    """,
    "function calls in a loop": """
        def neuron(w, x, b):
            z = w * x + b
            return max(0.0, z)

        acc = 0.0
        for i in range({n}):
            acc += neuron(0.5, i % 7, -1.0)
        print(acc)
    """,
    "nested loops": """
        grid = 0
        for i in range({m}):
            for j in range({m}):
                grid += (i * j) % 3
        print(grid)
    """,
}


def _write(source: str, scale: int) -> str:
    n, m = 20_000 * scale, int((20_000 * scale) ** 0.5)
    fd, path = tempfile.mkstemp(suffix=".py", prefix="bench_trace_")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(textwrap.dedent(source).format(n=n, m=m))
    return path


def _plain(path: str) -> float:
    with open(path, encoding="utf-8") as fh:
        code = compile(fh.read(), path, "exec")
    start = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        exec(code, {"__name__": "__main__", "__file__": path})
    return time.perf_counter() - start


def _traced(path: str, max_iterations: int) -> tuple[float, int, int]:
    start = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        trace = Tracer(max_steps=10**9, max_iterations=max_iterations).run(path)
    elapsed = time.perf_counter() - start
    return elapsed, trace.stats["executed_lines"], len(trace.steps)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--scale", type=int, default=1, help="multiplies the loop sizes")
    args = parser.parse_args(argv)

    rows = []
    for name, source in SCRIPTS.items():
        path = _write(source, args.scale)
        try:
            plain = min(_plain(path) for _ in range(args.repeat))
            for mode, max_iterations in (("capped", 10), ("full", 10**9)):
                runs = [_traced(path, max_iterations) for _ in range(args.repeat)]
                best = min(r[0] for r in runs)
                rows.append((name, mode, runs[0][1], runs[0][2], plain, best, best / plain))
        finally:
            os.unlink(path)

    header = ("script", "mode", "lines run", "steps kept", "untraced s", "traced s", "ratio")
    table = [header] + [
        (n, m, f"{lines:,}", f"{kept:,}", f"{p:.4f}", f"{t:.4f}", f"{r:.1f}x") for n, m, lines, kept, p, t, r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        print("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\nPython {sys.version.split()[0]}, best of {args.repeat} runs each, scale {args.scale}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
