"""The op registry: one `Op` per operation, holding its forward, its VJP and its derivative formulas.

Elementwise ops declare, per input, a local derivative (a formula string for people and a function
for the engine); their VJP is `upstream * local`, summed back over broadcast dimensions. Other ops
declare a VJP directly plus a formula describing it. An elementwise op may declare both, when a VJP
computes `upstream * local` better (e.g. ReLU's `where`, which gives +0 rather than -0 at a closed
gate). VJPs and derivatives are written against an array namespace `xp`: NumPy when no graph is
being built (fast), chainrule's own ops when `create_graph=True` (so gradients of gradients come
for free).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.engine.anomaly import record_checks, record_flags
from chainrule.engine.grad_mode import grad_state, off_threads
from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor, inplace_epoch
from chainrule.ops.observe import publish as _publish
from chainrule.ops.observe import watch as _watch
from chainrule.ops.xp import NUMPY

_new = object.__new__

# NumPy reports log(0), sqrt(-1), 1/0 ... as RuntimeWarnings attributed to the module that called the ufunc;
# PyTorch is silent (the result is inf/nan). Ignore those warnings when they come from chainrule's own modules:
# no per-op cost (np.errstate per op would cost about a microsecond), and a user's own NumPy code still warns.
warnings.filterwarnings("ignore", r"(divide by zero|invalid value|overflow|underflow) encountered",
                        RuntimeWarning, r"chainrule(\.|$)")


class _One:
    """Marks a local derivative of exactly 1: the upstream gradient passes through unchanged."""

    def __repr__(self) -> str:
        return "ONE"


ONE = _One()

REGISTRY: dict[str, Op] = {}


class Op:
    __slots__ = ("name", "forward", "arg_names", "derivs", "locals", "vjp", "formulas", "saves_output",
                 "saves_inputs", "backward_name", "differentiable", "elementwise", "broadcasting", "uses_needs",
                 "binary")

    def __init__(self, name: str, forward: Callable, arg_names: tuple[str, ...],
                 derivs: tuple | None = None, vjp: Callable | None = None,
                 formulas: tuple[str, ...] | None = None, saves_output: bool = False,
                 saves_inputs: bool = True, backward_name: str | None = None,
                 differentiable: bool = True, broadcasting: bool = False, uses_needs: bool = False) -> None:
        self.name = name
        self.forward = forward
        self.arg_names = arg_names
        self.derivs = derivs
        self.locals = tuple(fn for _, fn in derivs) if derivs is not None else None
        self.vjp = vjp
        self.elementwise = derivs is not None
        if derivs is not None:
            formulas = tuple(f for f, _ in derivs)
        self.formulas = formulas or ()
        self.saves_output = saves_output
        self.saves_inputs = saves_inputs
        self.backward_name = backward_name or "".join(p.capitalize() for p in name.split("_")) + "Backward0"
        self.differentiable = differentiable
        self.broadcasting = broadcasting
        self.uses_needs = uses_needs  # the VJP takes `needs` (which inputs want a gradient) to skip work
        # a binary elementwise op without its own VJP: the walk calls `_backward2` directly on arrays
        self.binary = vjp is None and derivs is not None and len(derivs) == 2

    user_code = False  # whether backward may run user code (a custom Function): the walk then sets grad mode

    def __repr__(self) -> str:
        return f"Op({self.name})"

    def backward(self, node: Node, g: Any, xp: Any, inputs: tuple, out: Any) -> list:
        """Gradients for each input (None where no gradient flows), in each input's dtype and shape."""
        attrs = node.attrs
        if self.vjp is not None:
            if self.uses_needs:
                attrs = dict(attrs or {}, needs=tuple(p is not None for p in node.parents))
            grads = self.vjp(xp, g, out, *inputs, **attrs) if attrs else self.vjp(xp, g, out, *inputs)
            if not xp.is_tensor:  # on arrays, usually every gradient already has its input's type: check only
                for parent, gi, x in zip(node.parents, grads, inputs):
                    if parent is not None and gi is not None and (
                            type(gi) is not type(x) or (type(x) is np.ndarray and gi.dtype != x.dtype)):
                        break
                else:
                    return grads
            grads = list(grads)
            for i, parent in enumerate(node.parents):
                gi = grads[i]
                if parent is not None and gi is not None:
                    grads[i] = _match_dtype(xp, gi, inputs[i])
            return grads
        if len(inputs) == 2 and not xp.is_tensor and not attrs:
            return self._backward2(node.parents, g, inputs, out)
        grads = []
        append = grads.append
        tensors = xp.is_tensor
        for parent, local, x in zip(node.parents, self.locals, inputs):
            if parent is None:
                append(None)
                continue
            if local is ONE:
                gi = g
            else:
                gi = g * (local(xp, out, *inputs, **attrs) if attrs else local(xp, out, *inputs))
            if gi.shape != x.shape:
                gi = xp.sum_to(gi, x.shape)
            kind = type(gi)
            if tensors or kind is not type(x) or (kind is np.ndarray and gi.dtype != x.dtype):
                gi = _match_dtype(xp, gi, x)
            append(gi)
        return grads

    def _backward2(self, parents: tuple, g: Any, inputs: tuple, out: Any) -> tuple:
        """The loop above unrolled for binary elementwise ops on NumPy values (most of every graph)."""
        a, b = inputs
        pa, pb = parents
        la, lb = self.locals
        ga = gb = None
        if pa is not None:
            ga = g if la is ONE else g * la(NUMPY, out, a, b)
            if type(ga) is not type(a) or type(a) is np.ndarray:  # equal scalar types: same shape and dtype
                ga = _fit(ga, a)
        if pb is not None:
            gb = g if lb is ONE else g * lb(NUMPY, out, a, b)
            if type(gb) is not type(b) or type(b) is np.ndarray:
                gb = _fit(gb, b)
        return ga, gb

    def local_derivatives(self, node: Node, xp: Any, inputs: tuple, out: Any) -> tuple:
        """Per input, d(out)/d(input) as the engine applies it (elementwise ops), else None."""
        if self.derivs is None:
            return tuple(None for _ in node.parents)
        attrs = node.attrs or {}
        result = []
        for parent, local in zip(node.parents, self.locals):
            if parent is None:
                result.append(None)
            elif local is ONE:
                result.append(1.0)
            else:
                result.append(local(xp, out, *inputs, **attrs))
        return tuple(result)


def _fit(gi: Any, x: Any) -> Any:
    """A NumPy gradient summed over broadcast dimensions and cast to the shape and dtype of its input x."""
    if gi.shape != x.shape:
        gi = NUMPY.sum_to(gi, x.shape)
    kind = type(gi)
    if kind is not type(x) or (kind is np.ndarray and gi.dtype != x.dtype):
        gi = _match_dtype(NUMPY, gi, x)
    return gi


def _match_dtype(xp: Any, gi: Any, x: Any) -> Any:
    """Local derivatives built from masks may come out in another dtype: cast back to the input's."""
    if xp.is_tensor:
        return gi if gi._data.dtype == x._data.dtype else xp.astype(gi, x)
    kind = type(gi)
    if kind is type(x) and (kind is not np.ndarray or gi.dtype == x.dtype):
        return gi
    return np.asarray(gi).astype(x.dtype)[()] if type(x) is not np.ndarray else np.asarray(gi, dtype=x.dtype)


def variant(op: Op, backward_name: str) -> Op:
    """The same op under another grad_fn name, as PyTorch names overloads and views apart (SumBackward0 for
    `sum()`, SumBackward1 for `sum(dim)`, SelectBackward0 for `x[0]`). Not registered: its `name`, math and
    formulas are the op's own, so whatever looks an op up by name finds the same one."""
    twin = object.__new__(Op)
    for slot in Op.__slots__:
        setattr(twin, slot, getattr(op, slot))
    twin.backward_name = backward_name
    return twin


def defop(name: str, forward: Callable, args: tuple[str, ...] | str, **kwargs: Any) -> Op:
    """Register an op under `name` (see `Op`)."""
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is already registered")
    arg_names = tuple(args.split()) if isinstance(args, str) else tuple(args)
    op = Op(name, forward, arg_names, **kwargs)
    REGISTRY[name] = op
    return op


def _forward_error(op: Op, datas: list, exc: ValueError) -> RuntimeError:
    """A broadcasting op's ValueError: shapes that do not broadcast, or NumPy's own complaint (e.g. integers to
    negative integer powers), named after the op either way."""
    shapes = [tuple(np.shape(d)) for d in datas]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return RuntimeError(f"{op.name}: shapes {' and '.join(map(str, shapes))} are not broadcastable: the size "
                            f"of a dimension must match or be 1 (aligned from the right)")
    return RuntimeError(f"{op.name}: {exc}")


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
    try:
        out = op.forward(*datas, **attrs) if attrs else op.forward(*datas)
    except ValueError as exc:
        if op.broadcasting:
            raise _forward_error(op, datas, exc) from None
        raise
    if requires and (not off_threads or grad_state.enabled) and op.differentiable:
        return record(op, args, datas, out, attrs)
    t = _new(Tensor)
    t._data = out
    t.grad_fn = None
    t.requires_grad = False
    if off_threads and grad_state.inference:
        t._inference = True
    if _watch.on:
        _publish(op, args, attrs, t)
    return t


def apply1(op: Op, x: Tensor) -> Tensor:
    """`apply` for one tensor input and no attributes (activations, unary math): the short path."""
    data = x._data
    out = op.forward(data)
    t = _new(Tensor)
    t._data = out
    if x.requires_grad and (not off_threads or grad_state.enabled):
        node = Node(op, (x,), (data,), (x.grad_fn or x,), out, None, inplace_epoch.value)
        if record_flags.checks:
            record_checks(node)
        t.grad_fn = node
        t.requires_grad = True
    else:
        t.grad_fn = None
        t.requires_grad = False
        if off_threads and grad_state.inference:
            t._inference = True
    if _watch.on:
        _publish(op, (x,), None, t)
    return t


def record(op: Op, args: tuple, datas: Any, out: Any, attrs: dict | None) -> Tensor:
    """Make the output tensor and the node that lets gradients flow back to `args` (`datas`: their values)."""
    parents = tuple([(a.grad_fn or a) if isinstance(a, Tensor) and a.requires_grad else None for a in args])
    node = Node(op, args, datas, parents, out, attrs, inplace_epoch.value)
    if record_flags.checks:
        record_checks(node)
    t = _new(Tensor)
    t._data = out
    t.grad_fn = node
    t.requires_grad = True
    if _watch.on:
        _publish(op, args, attrs, t)
    return t
