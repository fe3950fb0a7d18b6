"""`chainrule tour`: the chapter's examples in the terminal, every number computed by the engine and
each gradient checked against a finite difference."""

from __future__ import annotations

import argparse
import inspect

from chainrule import explain
from chainrule.chapter import examples
from chainrule.engine.tensor import Tensor
from chainrule.explain.naming import symbol
from chainrule.utils.numbers import format_number

_EXAMPLES = [
    ("The chain rule on a composition: h(x) = (3x + 1)^2", examples.composed_function, ["u", "h"], ["x"]),
    ("A single ReLU neuron: z = w*x + b, a = ReLU(z), L = (a - t)^2", examples.single_neuron,
     ["z", "a", "L"], ["w", "b"]),
    ("A closed ReLU gate: the same neuron with b = -4 (z < 0)",
     lambda **kw: examples.single_neuron(**{"b": -4.0, **kw}), ["z", "a", "L"], ["w", "b"]),
    ("Backpropagation through two layers: z1 = w1*x + b1, h = ReLU(z1), y = w2*h + b2, L = (y - t)^2",
     examples.two_layer_network, ["z1", "h", "y", "L"], ["w1", "b1", "w2", "b2"]),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", action="store_true", help="also print every backward step the engine took")


def _fmt(t: Tensor) -> str:
    return format_number(t.item())


def _defaults(build: object) -> dict[str, float]:
    target = build
    sig = inspect.signature(target)
    values = {k: p.default for k, p in sig.parameters.items() if p.default is not inspect.Parameter.empty}
    if not values:  # the closed-gate lambda wraps single_neuron with b = -4
        values = {k: p.default for k, p in inspect.signature(examples.single_neuron).parameters.items()}
        values["b"] = -4.0
    return values


def _print_steps(graph: explain.Graph) -> None:
    """Each backward step the engine took (recorded while the example ran), with the nodes' own names: an
    unnamed one is called by its expression (`w*x + b`)."""
    edges = {e["id"]: e for e in graph.edges}
    for step in graph.data["backward_steps"]:
        node = graph.by_id(step["node"])
        parts = []
        for eid in step["edges"]:
            e = edges[eid]
            if e["contribution"] is None:
                continue
            local = e["local"]["text"] if e["local"] else "-"
            parts.append(f"d/d{symbol(graph.by_id(e['source'])['name'])}: local {local} -> {e['contribution']['text']}")
        print(f"     backward {node['op']:<5} at {node['name']:<8} upstream {step['upstream']['text']}  "
              + ", ".join(parts))


def run(args: argparse.Namespace) -> int:
    failures = 0
    for title, build, intermediates, params in _EXAMPLES:
        print(f"\n== {title}")
        with explain.record():
            values = build()
        inputs = ", ".join(f"{k} = {format_number(float(v))}" for k, v in _defaults(build).items())
        print(f"   inputs: {inputs}")
        print("   forward: " + ", ".join(f"{n} = {_fmt(values[n])}" for n in intermediates))
        loss_name = intermediates[-1]
        if args.steps:
            _print_steps(explain.graph(values[loss_name]))
        for p in params:
            grad = values[p].grad.item()
            numeric = examples.finite_difference(build, p, _defaults(build))
            ok = abs(grad - numeric) <= 1e-6 * max(1.0, abs(numeric))
            failures += not ok
            mark = "ok" if ok else "MISMATCH"
            digits = 4 if ok else 10  # a mismatch shows the digits where the two differ
            print(f"   d{loss_name}/d{p} = {format_number(grad, digits)}   "
                  f"(finite difference {format_number(numeric, digits)}: {mark})")
    print("\nAll gradients match finite differences." if not failures else f"\n{failures} gradient(s) differ!")
    return 1 if failures else 0
