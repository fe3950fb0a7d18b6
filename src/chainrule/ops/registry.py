"""The op registry: one `Op` per operation, a small declarative record of its math.

An `Op` holds the op's name, its NumPy forward, its argument names, and exactly one derivative rule:

- an **elementwise** op declares, per input, a pair `(formula, rule)`. The formula is for people, in the
  evaluable language of `chainrule.ops.formula` (`"b"`, `"1 if x > 0 else negative_slope"`); the rule is
  the engine's: `rule(xp, g, out, *inputs, **attrs)` returns the upstream gradient `g` times the local
  derivative, elementwise, at the output's shape (`g * b`, or a `where` that routes `g` through a gate, which
  gives +0 rather than -0 or NaN where the gate is closed, as PyTorch). `ONE` marks a local derivative of
  exactly 1 (g passes unchanged), None an input that takes no gradient. The engine sums each result back
  over broadcast dimensions and casts it to the input's dtype. The local derivative the explanations show
  (`local_derivatives`, reported in `cr.autograd.observe()` steps) is the same rule applied to a unit
  upstream gradient, so what is shown and what the engine sends cannot disagree.
- any other op declares a `vjp(xp, g, out, *inputs, **attrs)` returning one gradient (or None) per
  input, and `formulas` describing it for people (`"G @ B^T"`); its reported local derivatives are None.

Rules and VJPs are written against an array namespace `xp`: NumPy when no graph is being built (fast),
chainrule's own ops when `create_graph=True` (so gradients of gradients come for free).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from chainrule.engine.anomaly import record_checks, record_flags
from chainrule.engine.grad_mode import grad_state, off_threads
from chainrule.engine.node import Node, next_sequence
from chainrule.engine.tensor import Tensor, inplace_epoch, wrap
from chainrule.engine.xp import NUMPY
from chainrule.ops import formula as _formula
from chainrule.ops.observe import publish as _publish
from chainrule.ops.observe import watch as _watch

_new = object.__new__
_ndarray = np.ndarray

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
_SAVES = frozenset(("inputs", "output", "both", "nothing"))

REGISTRY: dict[str, Op] = {}

Rule = Callable[..., Any]
Saves = Literal["inputs", "output", "both", "nothing"]


@dataclass(slots=True, eq=False, repr=False)
class Op:
    """One operation, declared once: what it computes, its one derivative rule and the formula for people.

    Declared (the record):

    - name: the op's name (`"mul"`); forward: its NumPy function; arg_names: the names its formulas use
      for its inputs (`("a", "b")`);
    - derivative: the one derivative rule. An elementwise op gives one rule per input (`ONE` for a local
      derivative of exactly 1, None for an input without a gradient): `rule(xp, g, out, *inputs, **attrs)`
      returns g times the local derivative. Any other op gives its VJP, `vjp(xp, g, out, *inputs, **attrs)`,
      returning one gradient (or None) per input. None only for subclasses that override `backward`;
    - formulas: one per input, for people (an elementwise op's in the evaluable language of
      `chainrule.ops.formula`; `"none"` for an input without a gradient);
    - backward_name: PyTorch's grad_fn name where it is not `<Name>Backward0` ("" for the default);
    - saves: which recorded values the backward pass reads, so that changing them in place afterwards is
      detected: "inputs" (the default), "output", "both" or "nothing".

    Derived once from those, never declared (the engine reads them on the hot path): `elementwise` (a rule
    per input), `rules` and `vjp` (the derivative as one or the other), `saves_inputs` / `saves_output`,
    `broadcasting` (elementwise with several inputs: a forward ValueError means the shapes did not
    broadcast), `vjp_takes_needs` (the VJP has a `needs` parameter: which inputs want a gradient, to skip
    work) and `plain_backward` (for a node without attributes, the backward walk calls this instead of `backward`
    on NumPy values: `backward_binary` or `backward_unary` for an elementwise op of two inputs or one, as for most
    nodes; None for other ops).
    Ops are compared by identity.
    """

    name: str
    forward: Callable[..., Any]
    arg_names: tuple[str, ...]
    derivative: tuple[Rule | _One | None, ...] | Rule | None
    formulas: tuple[str, ...]
    backward_name: str = ""
    saves: Saves = "inputs"
    elementwise: bool = field(init=False)
    rules: Any = field(init=False)
    vjp: Rule | None = field(init=False)
    saves_inputs: bool = field(init=False)
    saves_output: bool = field(init=False)
    broadcasting: bool = field(init=False)
    vjp_takes_needs: bool = field(init=False)
    plain_backward: Callable[[tuple, Any, tuple, Any], tuple] | None = field(init=False)

    def __post_init__(self) -> None:
        derivative = self.derivative
        elementwise = type(derivative) is tuple
        if elementwise:
            rules: tuple = derivative  # type: ignore[assignment]
            if len(rules) != len(self.arg_names):
                raise ValueError(f"op {self.name!r}: {len(rules)} rules for {len(self.arg_names)} inputs: one "
                                 f"derivative rule per input")
            if len(self.formulas) != len(rules):
                raise ValueError(f"op {self.name!r}: {len(self.formulas)} formulas for {len(rules)} inputs")
            for text, rule in zip(self.formulas, rules):
                if rule is not None or text != "none":
                    _formula.check(text)
        if self.saves not in _SAVES:
            raise ValueError(f"op {self.name!r}: saves must be one of {sorted(_SAVES)}, not {self.saves!r}")
        if not self.backward_name:
            self.backward_name = "".join(p.capitalize() for p in self.name.split("_")) + "Backward0"
        self.elementwise = elementwise
        self.rules = derivative if elementwise else None
        self.vjp = None if elementwise else derivative  # type: ignore[assignment]
        self.saves_inputs = self.saves in ("inputs", "both")
        self.saves_output = self.saves in ("output", "both")
        self.broadcasting = elementwise and len(self.arg_names) > 1
        self.vjp_takes_needs = callable(derivative) and "needs" in inspect.signature(derivative).parameters
        arity = len(self.arg_names) if elementwise else 0
        self.plain_backward = self.backward_binary if arity == 2 else self.backward_unary if arity == 1 else None

    user_code = False  # whether backward may run user code (a custom Function): the walk then sets grad mode

    def __repr__(self) -> str:
        return f"Op({self.name})"

    def backward(self, node: Node, g: Any, xp: Any, inputs: tuple, out: Any) -> Sequence[Any]:
        """Gradients for each input (None where no gradient flows), in each input's dtype and shape."""
        attrs = node.attrs
        if self.vjp is not None:
            if self.vjp_takes_needs:
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
        if not xp.is_tensor:
            if len(inputs) == 1:  # unary math and activations on NumPy values: the short path
                return self.backward_unary(node.parents, g, inputs, out, attrs)
            if len(inputs) == 2 and not attrs:
                return self.backward_binary(node.parents, g, inputs, out)
        grads = []
        append = grads.append
        tensors = xp.is_tensor
        for parent, rule, x in zip(node.parents, self.rules, inputs):
            if parent is None or rule is None:
                append(None)
                continue
            if rule is ONE:
                gi = g
            else:
                gi = rule(xp, g, out, *inputs, **attrs) if attrs else rule(xp, g, out, *inputs)
            if gi.shape != x.shape:
                gi = xp.sum_to(gi, x.shape)
            kind = type(gi)
            if tensors or kind is not type(x) or (kind is np.ndarray and gi.dtype != x.dtype):
                gi = _match_dtype(xp, gi, x)
            append(gi)
        return grads

    def backward_unary(self, parents: tuple, g: Any, inputs: tuple, out: Any, attrs: dict | None = None) -> tuple:
        """`backward` unrolled for unary elementwise ops on NumPy values (math functions, activations)."""
        rule = self.rules[0]
        if parents[0] is None or rule is None:
            return (None,)
        x = inputs[0]
        gi = g if rule is ONE else (rule(NUMPY, g, out, x, **attrs) if attrs else rule(NUMPY, g, out, x))
        kind = type(x)
        if type(gi) is not kind or kind is _ndarray:  # equal scalar types: same shape and dtype
            gi = _fit(gi, x)
        return (gi,)

    def backward_binary(self, parents: tuple, g: Any, inputs: tuple, out: Any) -> tuple:
        """`backward` unrolled for binary elementwise ops on NumPy values (most of every graph)."""
        a, b = inputs
        pa, pb = parents
        ra, rb = self.rules
        ga = gb = None
        if pa is not None:
            ga = g if ra is ONE else ra(NUMPY, g, out, a, b)
            kind = type(a)
            if type(ga) is not kind or kind is _ndarray:  # equal scalar types: same shape and dtype
                ga = _fit(ga, a)
        if pb is not None:
            gb = g if rb is ONE else rb(NUMPY, g, out, a, b)
            kind = type(b)
            if type(gb) is not kind or kind is _ndarray:
                gb = _fit(gb, b)
        return ga, gb

    def local_derivatives(self, node: Node, xp: Any, inputs: tuple, out: Any) -> tuple:
        """Per input, d(out)/d(input) at the output's shape, from the rule the engine applies (the rule applied
        to an upstream gradient of ones); None for inputs without a gradient and for ops declared by a VJP."""
        if self.rules is None:
            return tuple(None for _ in node.parents)
        attrs = node.attrs or {}
        unit = None
        result: list[Any] = []
        for parent, rule in zip(node.parents, self.rules):
            if parent is None or rule is None:
                result.append(None)
            elif rule is ONE:
                result.append(1.0)
            else:
                if unit is None:
                    unit = _unit_like(xp, out)
                result.append(rule(xp, unit, out, *inputs, **attrs))
        return tuple(result)


def _unit_like(xp: Any, out: Any) -> Any:
    """An upstream gradient of ones shaped like `out` (floating point, as every gradient is)."""
    if xp.is_tensor:
        return wrap(np.ones_like(out.array))
    arr = np.asarray(out)
    dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    return np.ones(arr.shape, dtype)[()] if arr.ndim == 0 else np.ones(arr.shape, dtype)


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
        return gi if gi.array.dtype == x.array.dtype else xp.astype(gi, x)
    kind = type(gi)
    if kind is type(x) and (kind is not np.ndarray or gi.dtype == x.dtype):
        return gi
    return np.asarray(gi).astype(x.dtype)[()] if type(x) is not np.ndarray else np.asarray(gi, dtype=x.dtype)


def variant(op: Op, backward_name: str, formulas: tuple[str, ...] | None = None) -> Op:
    """The same op under another grad_fn name, as PyTorch names overloads and views apart (SumBackward0 for
    `sum()`, SumBackward1 for `sum(dim)`, SelectBackward0 for `x[0]`). Not registered: its `name` and math are
    the op's own, so whatever looks an op up by name finds the same one. `formulas` replaces the formula
    texts where an overload reads more simply (a one-sided clamp names only its bound); each must state the
    same rule for the overload's attributes (the op table's property test evaluates them)."""
    if formulas is not None and len(formulas) != len(op.formulas):
        raise ValueError(f"variant of {op.name!r}: {len(formulas)} formulas for {len(op.formulas)} inputs")
    return replace(op, backward_name=backward_name, formulas=op.formulas if formulas is None else tuple(formulas))


def defop(name: str, forward: Callable, args: tuple[str, ...] | str, *, derivs: tuple | None = None,
          vjp: Rule | None = None, formulas: tuple[str, ...] | None = None, backward_name: str = "",
          saves: Saves = "inputs") -> Op:
    """Declare and register the op `name` (see `Op`). `args`: its input names (`"a b"`). The derivative is
    either `derivs`, a `(formula, rule)` pair per input of an elementwise op (formula None and rule None for
    an input without a gradient), or a `vjp` with its `formulas`: one derivative rule per input."""
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is already registered")
    if (derivs is None) == (vjp is None) or (derivs is not None and formulas is not None):
        raise ValueError(f"op {name!r}: declare either derivs (formula and rule per input) or a vjp with "
                         f"formulas, not both: one derivative rule per input")
    arg_names = tuple(args.split()) if isinstance(args, str) else tuple(args)
    if derivs is not None:
        op = Op(name, forward, arg_names, tuple(rule for _, rule in derivs),
                tuple("none" if text is None else text for text, _ in derivs), backward_name, saves)
    else:
        op = Op(name, forward, arg_names, vjp, tuple(formulas or ()), backward_name, saves)
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


def parents_of(args: tuple) -> tuple:
    """Where each input's gradient goes: the node that made it, the leaf itself, or None (no gradient)."""
    return tuple([(a.grad_fn or a) if isinstance(a, Tensor) and a.requires_grad else None for a in args])


def apply(op: Op, args: tuple, attrs: dict | None = None) -> Tensor:
    """Run `op` forward on tensors and Python scalars, recording a node when a gradient may flow."""
    requires = False
    datas = []
    for a in args:
        if isinstance(a, Tensor):
            datas.append(a.array)
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
    if requires and (not off_threads or grad_state.enabled):
        return record(op, args, datas, parents_of(args), out, attrs)
    t = constant(out)
    if _watch.on:
        _publish(op, args, attrs, t)
    return t


def apply1(op: Op, x: Tensor) -> Tensor:
    """`apply` for one tensor input and no attributes (activations, unary math): the short path."""
    data = x.array
    out = op.forward(data)
    if x.requires_grad and (not off_threads or grad_state.enabled):
        return record(op, (x,), (data,), (x.grad_fn or x,), out, None)
    t = constant(out)
    if _watch.on:
        _publish(op, (x,), None, t)
    return t


def record(op: Op, args: tuple, datas: Any, parents: tuple, out: Any, attrs: dict | None) -> Tensor:
    """The one place a node is created: the output tensor of `op` applied to `args` (values `datas`, computed
    `out`), with the node that sends gradients to `parents` (see `parents_of`)."""
    # `Node(op, args, datas, parents, out, attrs, epoch)` without the call (the per-op path): the same fields
    # as `Node.__init__` (tests/engine/test_autograd.py checks that they agree)
    node = _new(Node)
    node.op = op
    node.inputs = args
    node.datas = datas
    node.parents = parents
    node.out = out
    node.attrs = attrs
    node.epoch = inplace_epoch.value
    node.seq = next_sequence()
    node.mark = None
    node.freed = False
    if record_flags.checks:
        record_checks(node)
    t = _new(Tensor)
    t._data = out
    t.grad_fn = node
    t.requires_grad = True
    if _watch.on:
        _publish(op, args, attrs, t)
    return t


def unrecorded(op: Op, args: tuple, attrs: dict | None, out: Any) -> Tensor:
    """The output of `op`, computed by its caller, when no input needs a gradient: no node, but published to the
    op observers like every op of the registry (what `apply` does on that path)."""
    t = constant(out)
    if _watch.on:
        _publish(op, args, attrs, t)
    return t


def constant(out: Any) -> Tensor:
    """The output tensor of an op that records no node (no input requires grad, or grad mode is off)."""
    t = _new(Tensor)
    t._data = out
    t.grad_fn = None
    t.requires_grad = False
    if off_threads and grad_state.inference:
        t._inference = True
    return t
