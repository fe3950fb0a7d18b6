"""The op registry: one `Op` per operation, holding its forward, its VJP and its derivative formulas.

Elementwise ops declare, per input, a local derivative (a formula string for people and a function
for the engine); their VJP is `upstream * local`, summed back over broadcast dimensions. Other ops
declare a VJP directly plus a formula describing it. An elementwise op may declare both, when a VJP
computes `upstream * local` better (e.g. ReLU's `where`, which gives +0 rather than -0 at a closed gate). VJPs and derivatives are written against an
array namespace `xp`: NumPy when no graph is being built (fast), chainrule's own ops when
`create_graph=True` (so gradients of gradients come for free).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule.engine.anomaly import anomaly_state, creation_trace
from chainrule.engine.grad_mode import grad_state
from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor


class _One:
    """Marks a local derivative of exactly 1: the upstream gradient passes through unchanged."""

    def __repr__(self) -> str:
        return "ONE"


ONE = _One()

REGISTRY: dict[str, Op] = {}


class Op:
    __slots__ = ("name", "forward", "arg_names", "derivs", "vjp", "formulas", "saves_output",
                 "saves_inputs", "backward_name", "differentiable", "elementwise")

    def __init__(self, name: str, forward: Callable, arg_names: tuple[str, ...],
                 derivs: tuple | None = None, vjp: Callable | None = None,
                 formulas: tuple[str, ...] | None = None, saves_output: bool = False,
                 saves_inputs: bool = True, backward_name: str | None = None,
                 differentiable: bool = True) -> None:
        self.name = name
        self.forward = forward
        self.arg_names = arg_names
        self.derivs = derivs
        self.vjp = vjp
        self.elementwise = derivs is not None
        if derivs is not None:
            formulas = tuple(f for f, _ in derivs)
        self.formulas = formulas or ()
        self.saves_output = saves_output
        self.saves_inputs = saves_inputs
        self.backward_name = backward_name or "".join(p.capitalize() for p in name.split("_")) + "Backward0"
        self.differentiable = differentiable

    def __repr__(self) -> str:
        return f"Op({self.name})"

    def backward(self, node: Node, g: Any, xp: Any, inputs: tuple, out: Any) -> list:
        """Gradients for each input (None where no gradient flows)."""
        attrs = node.attrs or {}
        if self.vjp is not None:
            grads = list(self.vjp(xp, g, out, *inputs, **attrs))
            for i, (parent, gi) in enumerate(zip(node.parents, grads)):
                if parent is not None and gi is not None and gi.dtype != inputs[i].dtype:
                    grads[i] = xp.astype(gi, inputs[i])
            return grads
        grads: list = []
        for parent, (_formula, local), x in zip(node.parents, self.derivs, inputs):
            if parent is None:
                grads.append(None)
                continue
            gi = g if local is ONE else g * local(xp, out, *inputs, **attrs)
            if gi.shape != x.shape:
                gi = xp.sum_to(gi, x.shape)
            if gi.dtype != x.dtype:
                gi = xp.astype(gi, x)
            grads.append(gi)
        return grads

    def local_derivatives(self, node: Node, xp: Any, inputs: tuple, out: Any) -> tuple:
        """Per input, d(out)/d(input) as the engine applies it (elementwise ops), else None."""
        if self.derivs is None:
            return tuple(None for _ in node.parents)
        attrs = node.attrs or {}
        result = []
        for parent, (_formula, local) in zip(node.parents, self.derivs):
            if parent is None:
                result.append(None)
            elif local is ONE:
                result.append(1.0)
            else:
                result.append(local(xp, out, *inputs, **attrs))
        return tuple(result)


def defop(name: str, forward: Callable, args: tuple[str, ...] | str, **kwargs: Any) -> Op:
    """Register an op under `name` (see `Op`)."""
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is already registered")
    arg_names = tuple(args.split()) if isinstance(args, str) else tuple(args)
    op = Op(name, forward, arg_names, **kwargs)
    REGISTRY[name] = op
    return op


def apply(op: Op, args: tuple, attrs: dict | None = None) -> Tensor:
    """Run `op` forward on tensors and Python scalars, recording a node when a gradient may flow."""
    requires = False
    datas = []
    for a in args:
        if isinstance(a, Tensor):
            datas.append(a._data)
            if a.requires_grad:
                requires = True
        else:
            datas.append(a)
    out = op.forward(*datas, **attrs) if attrs else op.forward(*datas)
    if not (requires and grad_state.enabled and op.differentiable):
        return Tensor._make(out)
    parents = tuple([(a.grad_fn or (a if a.requires_grad else None)) if isinstance(a, Tensor) else None
                     for a in args])
    versions = (tuple([a._version if isinstance(a, Tensor) else None for a in args])
                if op.saves_inputs else None)
    node = Node(op, args, parents, out, attrs, versions)
    if anomaly_state.enabled:
        node.creation_trace = creation_trace()
    return Tensor._make(out, node, True)
