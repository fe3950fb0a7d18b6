"""Diagnostics for networks: gradient flow per layer (vanishing/exploding) and dead ReLU units."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.explain.tables import _Rendered
from chainrule.explain.values import fmt_number


@dataclass
class LayerFlow:
    name: str
    type: str
    grad_norm: float | None
    weight_norm: float
    ratio: float | None
    flag: str  # "", "vanishing", "exploding", "no gradient"
    parameters: list[str] = field(default_factory=list)


class GradientFlow(_Rendered):
    """Per layer (input side first): gradient norm, weight norm, their ratio, and a flag."""

    def __init__(self, layers: list[LayerFlow], vanish: float, explode: float, vanish_abs: float,
                 explode_abs: float) -> None:
        self.layers = layers
        self.vanish, self.explode, self.vanish_abs, self.explode_abs = vanish, explode, vanish_abs, explode_abs
        self.title = "Gradient flow by layer (input side first)"

    @property
    def flagged(self) -> list[LayerFlow]:
        return [layer for layer in self.layers if layer.flag]

    def __getitem__(self, name: str) -> LayerFlow:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def _header(self) -> list[str]:
        return ["Layer", "Type", "|grad|", "|weight|", "|grad|/|weight|", "Flag"]

    def _rows(self) -> list[list[str]]:
        f = lambda v: "—" if v is None else fmt_number(v)  # noqa: E731
        return [[la.name, la.type, f(la.grad_norm), f(la.weight_norm), f(la.ratio), la.flag] for la in self.layers]

    def _footer(self) -> list[str]:
        return [f"vanishing: |grad| below {fmt_number(self.vanish)} × the last layer's or below "
                f"{fmt_number(self.vanish_abs)}; exploding: above {fmt_number(self.explode)} × the last layer's, above "
                f"{fmt_number(self.explode_abs)}, or not finite."]

    def plot(self, path: str | Path | None = None) -> Any:
        """A bar chart of gradient norms per layer (log scale); saved as PNG to `path` if given.

        Needs matplotlib (`pip install matplotlib`, the plot extra)."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("GradientFlow.plot needs matplotlib: pip install matplotlib") from exc
        fig, ax = plt.subplots(figsize=(max(5.0, 0.6 * len(self.layers) + 2), 3.6))
        names = [la.name for la in self.layers]
        grads = [la.grad_norm if la.grad_norm else np.nan for la in self.layers]
        colors = ["#c92a2a" if la.flag == "exploding" else "#1c7ed6" if la.flag == "vanishing" else "#868e96"
                  for la in self.layers]
        ax.bar(range(len(names)), grads, color=colors)
        ax.set_yscale("log")
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_ylabel("gradient norm")
        ax.set_title("Gradient norm per layer (blue: vanishing, red: exploding)")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=100)
            plt.close(fig)
        return fig


def _norm(arrays: list[np.ndarray]) -> float:
    return math.sqrt(sum(float(np.sum(np.square(a.astype(np.float64)))) for a in arrays))


def gradient_flow(model: Any, vanish: float = 1e-3, explode: float = 1e3, vanish_abs: float = 1e-5,
                  explode_abs: float = 1e3, loss: Any = None) -> GradientFlow:
    """Gradient and weight norms of each layer that owns parameters, after a backward pass.

    Layers are listed input side first: in the order the graph of `loss` uses their parameters when `loss` is
    given (its graph is still alive after backward), else in the order the model registers them (which is
    the input-side-first order of a Sequential, not necessarily of a custom forward).

    A layer is flagged vanishing when its gradient norm is below `vanish` times the last layer's (the
    one nearest the loss) or below `vanish_abs`; exploding above `explode` times the last layer's or
    above `explode_abs` (or not finite).
    """
    if not hasattr(model, "named_modules"):
        raise TypeError(f"gradient_flow: expected a cr.nn.Module, got {type(model).__name__}")
    layers: list[LayerFlow] = []
    for name, module in model.named_modules():
        params = list(module.named_parameters(recurse=False))
        if not params:
            continue
        grads = [p.grad.numpy() for _, p in params if p.grad is not None]
        weights = [p.detach().numpy() for _, p in params]
        gnorm = _norm([np.asarray(g) for g in grads]) if grads else None
        wnorm = _norm(weights)
        layers.append(LayerFlow(name or type(module).__name__, type(module).__name__, gnorm, wnorm,
                                None if gnorm is None or wnorm == 0 else gnorm / wnorm, "",
                                [f"{name}.{n}" if name else n for n, _ in params]))
    if not layers:
        raise ValueError("gradient_flow: the model has no parameters")
    ordered = loss is not None
    if ordered:
        layers = _by_graph_order(layers, dict(model.named_parameters()), loss)
    if all(la.grad_norm is None for la in layers):
        raise ValueError("gradient_flow: no parameter has a gradient yet: call loss.backward() first")
    reference = next((la.grad_norm for la in reversed(layers) if la.grad_norm), None)
    for la in layers:
        if la.grad_norm is None:
            la.flag = "no gradient"
        elif not math.isfinite(la.grad_norm):
            la.flag = "exploding"
        else:
            rel = la.grad_norm / reference if reference else 1.0
            if rel < vanish or la.grad_norm < vanish_abs:
                la.flag = "vanishing"
            elif rel > explode or la.grad_norm > explode_abs:
                la.flag = "exploding"
    flow = GradientFlow(layers, vanish, explode, vanish_abs, explode_abs)
    if not ordered:
        flow.title = "Gradient flow by layer (in registration order; pass loss= to list them input side first)"
    return flow


def _by_graph_order(layers: list[LayerFlow], params: dict[str, Any], loss: Any) -> list[LayerFlow]:
    """Layers sorted by where the graph of `loss` first uses one of their parameters (inputs before consumers)."""
    from chainrule.engine.tensor import Tensor
    from chainrule.explain.build import _forward_order

    if not isinstance(loss, Tensor) or loss.grad_fn is None:
        raise ValueError("gradient_flow: loss= must be the tensor whose backward() computed the gradients")
    first: dict[int, int] = {}
    order = _forward_order(loss.grad_fn)
    for k, node in enumerate(order):
        for parent in node.parents:
            if isinstance(parent, Tensor):
                first.setdefault(id(parent), k)
    unused = len(order)  # after every node: the layers the graph does not use come last

    def position(layer: LayerFlow) -> int:
        return min((first.get(id(params[p]), unused) for p in layer.parameters if p in params), default=unused)

    return sorted(layers, key=position)


# ---------------------------------------------------------------------- dead units
@dataclass
class DeadLayer:
    name: str
    units: int
    dead: list[int]
    previous: str | None  # the layer whose weight rows (and bias entries) get no gradient
    next: str | None  # the layer whose weight columns get no gradient (its inputs are zero)
    zero_rows_checked: bool | None  # the engine's gradient rows are exactly zero (checked on the batch)

    @property
    def fraction(self) -> float:
        return len(self.dead) / self.units if self.units else 0.0


class DeadUnits(_Rendered):
    def __init__(self, layers: list[DeadLayer], batch: int) -> None:
        self.layers = layers
        self.batch = batch
        self.title = f"ReLU units that never activate on this batch ({batch} samples)"

    def __getitem__(self, name: str) -> DeadLayer:
        for la in self.layers:
            if la.name == name:
                return la
        raise KeyError(name)

    def _header(self) -> list[str]:
        return ["ReLU", "Dead units", "Which", "Zero weight-gradient rows", "Zero weight-gradient columns"]

    def _rows(self) -> list[list[str]]:
        rows = []
        for la in self.layers:
            which = ", ".join(str(i) for i in la.dead[:20]) + (" …" if len(la.dead) > 20 else "") or "—"
            rows.append([la.name, f"{len(la.dead)} of {la.units}", which,
                         f"{la.previous}.weight rows {which}" if la.previous and la.dead else "—",
                         f"{la.next}.weight columns {which}" if la.next and la.dead else "—"])
        return rows

    def _footer(self) -> list[str]:
        checked = [la.name for la in self.layers if la.zero_rows_checked]
        failed = [la.name for la in self.layers if la.zero_rows_checked is False]
        notes = []
        if checked:
            notes.append(f"Checked with the engine (cr.autograd.grad on this batch): those rows are exactly zero for "
                         f"ReLU {', '.join(checked)}.")
        if failed:
            notes.append(f"The engine's gradient rows are NOT all zero for ReLU {', '.join(failed)}: the layer before "
                         f"it is not the one feeding it (the guess by module order was wrong).")
        return notes + ["A dead unit's ReLU gate is closed for every sample: no gradient flows back through it, so the "
                "rows of the previous layer's weight gradient (and its bias entries) for that unit are zero, and "
                "the next layer's weight-gradient columns fed by it are zero too."]


def _is_gate(node: Any) -> bool:
    """A ReLU however it is written: nn.ReLU, F.relu, relu_, or clamp(min=0) with no upper bound."""
    if node.op.name in ("relu", "relu_"):
        return True
    attrs = node.attrs or {}
    return node.op.name in ("clamp", "clamp_", "clip") and attrs.get("min") == 0 and attrs.get("max") is None


def _nearest(start: Any, step: Any, weighted: dict[str, Any]) -> str | None:
    """The nearest node from `start` (walking `step`: parents or consumers) made by a module with a weight."""
    from collections import deque

    from chainrule.explain.record import module_of

    queue = deque(step(start))
    seen = {id(start)}
    while queue:
        node = queue.popleft()
        if id(node) in seen:
            continue
        seen.add(id(node))
        mod = module_of(node)
        if mod is not None and mod[0] in weighted:
            return mod[0]
        queue.extend(step(node))
    return None


def dead_units(model: Any, data: Any) -> DeadUnits:
    """Per ReLU (`nn.ReLU`, `F.relu` or `clamp(min=0)`), the units whose output is 0 for every sample of `data`
    (their input is <= 0), and the gradient rows they zero.

    Runs the model forward on `data` (a tensor, or a tuple whose first item is the input) and reads the ReLUs
    from the graph it records; the layers before and after each are found in that graph. Checks with the
    engine that those weight-gradient rows are exactly zero (`cr.autograd.grad`, `.grad` untouched).
    """
    from chainrule.autograd import grad
    from chainrule.engine.node import Node
    from chainrule.engine.tensor import Tensor
    from chainrule.explain.build import _forward_order
    from chainrule.explain.record import module_of, record_modules

    if isinstance(data, tuple | list):
        data = data[0]
    if not hasattr(model, "named_modules"):
        raise TypeError(f"dead_units: expected a cr.nn.Module, got {type(model).__name__}")
    modules = {(path or type(m).__name__): m for path, m in model.named_modules()}
    weighted = {p: m for p, m in modules.items()
                if isinstance(dict(m.named_parameters(recurse=False)).get("weight"), Tensor)}
    with record_modules(model):
        out = model(data)
    if getattr(out, "grad_fn", None) is None:
        raise ValueError("dead_units: the model's output has no recorded graph (no parameter requires grad, or it "
                         "ran under cr.no_grad()), so its ReLUs cannot be found")
    ops = _forward_order(out.grad_fn)
    consumers: dict[int, list[Any]] = {}
    for node in ops:
        for parent in node.parents:
            if type(parent) is Node:
                consumers.setdefault(id(parent), []).append(node)
    gates = [n for n in ops if _is_gate(n)]
    if not gates:
        raise ValueError("dead_units: the model applies no ReLU (cr.nn.ReLU, F.relu or clamp(min=0))")
    layers = []
    checks: list[tuple[DeadLayer, Any]] = []
    counts: dict[str, int] = {}
    flat = np.zeros((0, 0))
    for node in gates:
        value = node.out if node.out is not None else node.kept[2]
        post = np.asarray(value)
        flat = np.moveaxis(post, 1, -1).reshape(-1, post.shape[1]) if post.ndim == 4 else \
            post.reshape(-1, post.shape[-1]) if post.ndim > 1 else post.reshape(1, -1)  # conv maps: a unit per channel
        dead = [int(i) for i in np.nonzero(np.all(flat == 0, axis=0))[0]]
        mod = module_of(node)
        if mod is not None and mod[1] == "ReLU":
            name = mod[0]
        else:
            where = f" in {mod[0]}" if mod is not None else ""
            base = f"{node.op.name}{where}"
            counts[base] = counts.get(base, 0) + 1
            name = base if counts[base] == 1 else f"{base} #{counts[base]}"
        prev = _nearest(node, lambda n: [p for p in n.parents if type(p) is Node], weighted)
        nxt = _nearest(node, lambda n: consumers.get(id(n), []), weighted)
        layer = DeadLayer(name, flat.shape[1], dead, prev, nxt, None)
        layers.append(layer)
        if prev is not None and dead:
            checks.append((layer, weighted[prev].weight))
    if checks:
        grads = grad(out.sum(), [w for _, w in checks], allow_unused=True)
        for (layer, _), g in zip(checks, grads):
            layer.zero_rows_checked = g is not None and bool(np.all(g.numpy()[layer.dead] == 0))
    return DeadUnits(layers, int(flat.shape[0]) if layers else 0)
