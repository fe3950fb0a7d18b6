"""The static SVG's cost: the viewer's layout (graph.js on dagre) run in V8 by mini-racer.

Run:  python bench/bench_svg.py [--repeat N]

Prints the first V8 context's cost (made once per process) and the best of N times of `to_svg()` (the
viewer's first view: large graphs grouped) and `to_svg(grouped=False)` (every node) for scalar chains of
increasing length, next to `cr.graph()` itself and `render_fragment` (the notebook display, which embeds the
SVG for browsers without JavaScript). Needs `pip install 'chainrule[viz]'`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

try:
    import chainrule as cr
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import chainrule as cr

from chainrule.viz import jslayout
from chainrule.viz.html import render_fragment


def chain(n: int) -> cr.Tensor:
    ws = [cr.tensor(float(i % 7) / 7, dtype=cr.float64, requires_grad=True) for i in range(n)]
    total = ws[0] * 0.0
    for w in ws:
        total = total + w * w
    total.backward()
    return total


def best(f: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    x = cr.tensor(2.0, requires_grad=True, name="x")
    z = x * x + x
    z.backward()
    t = time.perf_counter()
    jslayout.layout(cr.graph(z))
    print(f"first call (V8 context: dagre + graph.js): {1000 * (time.perf_counter() - t):.0f} ms")
    print("| ops | nodes | cr.graph ms | to_svg() ms | to_svg(grouped=False) ms | render_fragment ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in (10, 100, 300, 1000):
        out = chain(n)
        g = cr.graph(out)
        row = [best(lambda o=out: cr.graph(o), args.repeat), best(g.to_svg, args.repeat),
               best(lambda g=g: g.to_svg(grouped=False), 1 if n >= 300 else args.repeat),
               best(lambda g=g: render_fragment(g), args.repeat)]
        print(f"| {n} | {len(g.nodes)} | " + " | ".join(f"{1000 * v:.0f}" for v in row) + " |")


if __name__ == "__main__":
    main()
