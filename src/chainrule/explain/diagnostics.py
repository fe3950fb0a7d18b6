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
                  explode_abs: float = 1e3) -> GradientFlow:
    """Gradient and weight norms of each layer that owns parameters, after a backward pass.

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
        grads = [p.grad._data for _, p in params if p.grad is not None]
        weights = [np.asarray(p._data) for _, p in params]
        gnorm = _norm([np.asarray(g) for g in grads]) if grads else None
        wnorm = _norm(weights)
        layers.append(LayerFlow(name or type(module).__name__, type(module).__name__, gnorm, wnorm,
                                None if gnorm is None or wnorm == 0 else gnorm / wnorm, "",
                                [f"{name}.{n}" if name else n for n, _ in params]))
    if not layers:
        raise ValueError("gradient_flow: the model has no parameters")
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
    return GradientFlow(layers, vanish, explode, vanish_abs, explode_abs)


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


def dead_units(model: Any, data: Any) -> DeadUnits:
    """Per ReLU layer, the units whose input is <= 0 for every sample of `data`, and the gradient rows they zero.

    Runs the model forward on `data` (a tensor, or a tuple whose first item is the input); checks with
    the engine that those weight-gradient rows are exactly zero (`cr.autograd.grad`, `.grad` untouched).
    """
    import chainrule as cr
    from chainrule.nn import ReLU

    if isinstance(data, tuple | list):
        data = data[0]
    named = list(model.named_modules())
    relus = [(n, m) for n, m in named if isinstance(m, ReLU)]
    if not relus:
        raise ValueError("dead_units: the model has no cr.nn.ReLU module")
    seen: dict[str, np.ndarray] = {}
    handles = []
    for name, module in relus:

        def look(_module: Any, args: tuple, _name: str = name) -> None:
            seen[_name] = np.array(args[0].detach().numpy())  # a copy: an in-place ReLU overwrites its input

        handles.append(module.register_forward_pre_hook(look))
    try:
        out = model(data)
    finally:
        for handle in handles:
            handle.remove()
    order = [n for n, _ in named]
    weighted = {n: m for n, m in named if isinstance(getattr(m, "_parameters", {}).get("weight"), cr.Tensor)}
    layers = []
    checks: list[tuple[DeadLayer, Any]] = []
    for name, _ in relus:
        pre = seen.get(name)
        if pre is None:
            continue
        flat = pre.reshape(-1, pre.shape[-1]) if pre.ndim > 1 else pre.reshape(1, -1)
        if pre.ndim == 4:  # conv feature maps: a unit is a channel
            flat = np.moveaxis(pre, 1, -1).reshape(-1, pre.shape[1])
        dead = [int(i) for i in np.nonzero(np.all(flat <= 0, axis=0))[0]]
        k = order.index(name)
        prev = next((n for n in reversed(order[:k]) if n in weighted), None)
        nxt = next((n for n in order[k + 1:] if n in weighted), None)
        layer = DeadLayer(name, flat.shape[1], dead, prev, nxt, None)
        layers.append(layer)
        if prev is not None and dead:
            checks.append((layer, weighted[prev].weight))
    if checks and getattr(out, "requires_grad", False):
        grads = cr.autograd.grad(out.sum(), [w for _, w in checks], allow_unused=True)
        for (layer, _), g in zip(checks, grads):
            layer.zero_rows_checked = g is not None and bool(np.all(np.asarray(g._data)[layer.dead] == 0))
    return DeadUnits(layers, int(flat.shape[0]) if layers else 0)
