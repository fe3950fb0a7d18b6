"""`cr.autograd.Function`: an operation whose forward and local derivative (backward) you write yourself.

    class Square(cr.autograd.Function):
        formula = "2x"                          # optional: the local derivative, for explanations

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    y = Square.apply(x)                         # y.grad_fn is <SquareBackward>

The Function becomes an op of the engine: `apply` records one graph node whose op is the Function's
`FunctionOp`, so the backward walk, `cr.autograd.observe()`, the explanations, the tracer and the viewer
treat it like any built-in op (named after the class). As in PyTorch 2.x: `forward` runs with grad mode
off, `backward` receives one gradient per output and returns one per forward argument (None for
non-tensors); a backward written with chainrule ops is itself differentiable under `create_graph=True`.
"""

from __future__ import annotations

import copy
import functools
import inspect
import warnings
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from chainrule.engine.anomaly import anomaly_state, creation_trace
from chainrule.engine.grad_mode import enable_grad, is_grad_enabled, no_grad
from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor, inplace_epoch, storage_written_since, wrap
from chainrule.ops.registry import Op
from chainrule.ops.registry import apply as apply_op

__all__ = ["Function", "FunctionCtx", "FunctionOp", "function_op", "once_differentiable", "replay_context"]

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)

_LEGACY_MESSAGE = (
    "Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd "
    "function with static forward method: call {name}.apply(...) instead of {name}()(...)."
)


class FunctionCtx:
    """The `ctx` a Function's forward, setup_context and backward share: saved tensors and flags,
    plus any attribute you set on it (`ctx.k = k`)."""

    needs_input_grad: tuple[bool, ...]

    def __init__(self) -> None:
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._to_save: tuple | None = None
        self._recorded = False  # apply recorded a node: saved tensors now live in its `datas` (see _Datas)
        self._dirty: tuple = ()
        self._non_differentiable: tuple = ()
        self._node_ref: Any = None
        self._name = "Function"

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Save tensors (or None) for backward; read them back there with `ctx.saved_tensors`. A saved tensor
        modified in place before backward makes backward fail, as for any op's saved values."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
        self._to_save = tensors

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare inputs that forward modified in place (and returns): they take this Function as history."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Declare outputs that get no gradient (they do not require grad; backward receives zeros for them)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs whose gradient was not computed."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        if not self._recorded:
            if self._to_save is None:
                return ()
            return tuple(self._to_save)  # inside forward / setup_context, or nothing was recorded
        node = self._node_ref()
        if node is None or node.datas is None:
            raise RuntimeError(_FREED_MESSAGE)
        result: list[Tensor | None] = []
        for i, (kind, payload, version, epoch) in enumerate(node.datas.saved):
            if kind is None:
                result.append(None)
                continue
            if kind == "output":  # saved outputs are kept as values (no reference cycle through the node)
                ref, data, node_ref = payload
                t = ref()
                current = t._version if t is not None else version
                out_node = node_ref() if is_grad_enabled() else None  # under create_graph: differentiable
                tensor = wrap(data, out_node, out_node is not None)
            else:
                tensor = payload
                current = tensor._version
                data = tensor.array
            if current != version or storage_written_since(data, epoch):
                shape = list(np.shape(data))
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: saved tensor {i} of {self._name}Backward (shape {shape}, saved with "
                    f"ctx.save_for_backward) is at version {current}; expected version {version} instead. "
                    f"Clone it before modifying it, or save a copy."
                )
            result.append(tensor)
        return tuple(result)

    @property
    def saved_variables(self) -> tuple[Tensor | None, ...]:
        return self.saved_tensors


class _Datas(tuple):
    """A Function node's input values, also carrying what `ctx.save_for_backward` saved: the backward walk frees
    a node's `datas` after its step (unless the graph is retained), and the saved tensors go with them."""

    saved: list = []


class _Slots:
    """The gradients arriving at a Function with several outputs, one slot per output. Each output's own
    node sends a `_Slots` with its slot filled; the backward walk sums them with `+`, like any gradient."""

    __slots__ = ("grads",)

    def __init__(self, grads: list) -> None:
        self.grads = grads

    def __add__(self, other: _Slots) -> _Slots:
        return _Slots([b if a is None else a if b is None else a + b for a, b in zip(self.grads, other.grads)])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """All filled slots, flattened (anomaly mode checks them for nan/inf)."""
        parts = [np.ravel(np.asarray(g.array if isinstance(g, Tensor) else g, dtype=np.float64))
                 for g in self.grads if g is not None]
        arr = np.concatenate(parts) if parts else np.zeros(0)
        return arr.astype(dtype) if dtype is not None else arr

    def __repr__(self) -> str:
        return f"_Slots({self.grads!r})"


def _arg_names(cls: type, setup_style: bool) -> tuple[str, ...]:
    try:
        params = list(inspect.signature(cls.forward).parameters.values())
    except (TypeError, ValueError):
        return ()
    if not setup_style and params:
        params = params[1:]  # ctx
    return tuple(p.name for p in params if p.kind is not p.VAR_KEYWORD)


class FunctionOp(Op):
    """The op of a Function class: named after it (`op.name` "MyFn", grad_fn "MyFnBackward"), with its
    formula for explanations. Its backward calls the class's `backward` and checks what it returns."""

    __slots__ = ("function", "output_ops", "repr_prefix", "setup_style")
    user_code = True  # backward is the user's

    def __init__(self, cls: type) -> None:
        setup_style = cls.setup_context is not Function.setup_context
        arg_names = _arg_names(cls, setup_style)
        formula = cls.formula
        if formula is None:
            formulas = (f"{cls.__name__}.backward",)
        elif isinstance(formula, str):
            formulas = (formula,)
        else:
            formulas = tuple(formula)
        super().__init__(cls.__name__, cls.forward, arg_names, None, formulas, saves="nothing",
                         backward_name=f"{cls.__name__}Backward")
        self.function = cls
        self.output_ops: dict[tuple[int, int], _OutputOp] = {}
        self.setup_style = setup_style
        self.repr_prefix = "chainrule.autograd.function."

    def backward(self, node: Node, g: Any, xp: Any, inputs: tuple, out: Any) -> list:
        ctx: FunctionCtx = node.attrs["ctx"]
        tensors = xp.is_tensor
        grads: list = []
        slots = g.grads if isinstance(g, _Slots) else [g]
        for k, meta in enumerate(ctx._outputs):
            gk = slots[k] if k < len(slots) else None
            if meta is None:  # not a tensor output
                grads.append(None)
                continue
            if gk is None and ctx.materialize_grads:
                gk = np.zeros(meta[0], meta[1])
            if gk is not None and not isinstance(gk, Tensor):
                gk = wrap(gk)
            grads.append(gk)
        result = self._run_backward(ctx, grads)
        return self._check_grads(ctx, node, result, tensors, xp)

    def output_op(self, index: int, count: int) -> _OutputOp:
        """The op of output `index` of `count` (made once)."""
        op = self.output_ops.get((index, count))
        if op is None:
            op = self.output_ops[index, count] = _OutputOp(self, index, count)
        return op

    def _run_backward(self, ctx: FunctionCtx, grads: list) -> Any:
        cls = self.function
        if cls.backward is not Function.backward:
            return cls.backward(ctx, *grads)
        if cls.vjp is not Function.vjp:
            return cls.vjp(ctx, *grads)
        raise NotImplementedError(
            f"{cls.__name__}: you must implement either the backward or vjp method for your custom "
            f"autograd.Function to use it with backward mode AD."
        )

    def _check_grads(self, ctx: FunctionCtx, node: Node, result: Any, tensors: bool, xp: Any) -> list:
        name = self.backward_name
        if not isinstance(result, tuple):
            result = (result,)
        expected = len(node.parents)
        if len(result) != expected and not (len(result) > expected and all(r is None for r in result[expected:])):
            raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected {expected}, "
                               f"got {len(result)}): backward must return one gradient (or None) per argument "
                               f"of forward")
        grads: list = []
        for i, (parent, gi, meta) in enumerate(zip(node.parents, result, ctx._inputs)):
            if gi is None:
                grads.append(None)
                continue
            if not isinstance(gi, Tensor):
                raise RuntimeError(f"function {name} returned a {type(gi).__name__} as gradient {i}: expected "
                                   f"a Tensor or None (got {type(gi).__name__})")
            if meta is None:
                raise RuntimeError(f"function {name} returned a gradient different than None at position {i + 1}, "
                                   f"but the corresponding forward input was not a Variable (a Tensor)")
            if parent is None:  # that input needs no gradient: ignore what came back
                grads.append(None)
                continue
            shape, dtype = meta
            got = tuple(gi.shape)
            if got != shape:
                try:
                    compatible = np.broadcast_shapes(shape, got) == got
                except ValueError:
                    compatible = False
                if not compatible:
                    raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got "
                                       f"{list(got)} but expected shape compatible with {list(shape)}")
            if gi.array.dtype.kind not in "fiub":
                raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - expected dtype "
                                   f"{np.dtype(dtype).name} but got {gi.dtype}")
            if tensors:
                if got != shape:
                    gi = xp.sum_to(gi, shape)
                if gi.array.dtype != dtype:
                    gi = xp.astype(gi, wrap(np.zeros((), dtype)))
                grads.append(gi)
            else:
                data = gi.array
                if got != shape:
                    data = xp.sum_to(np.asarray(data), shape)
                if np.asarray(data).dtype != dtype:
                    data = np.asarray(data).astype(dtype)
                    if not shape:
                        data = data[()]
                grads.append(data)
        return grads

    def local_derivatives(self, node: Node, xp: Any, inputs: tuple, out: Any) -> tuple:
        """A Function declares a backward, not an elementwise local derivative: see its formula."""
        return tuple(None for _ in node.parents)


class _OutputOp(Op):
    """Output k of a Function with several outputs: passes the gradient it receives into slot k."""

    __slots__ = ("index", "count", "repr_prefix")

    def __init__(self, fop: FunctionOp, index: int, count: int) -> None:
        super().__init__(f"{fop.name}[{index}]", _identity, ("out",), None, (f"G (output {index} of {fop.name})",),
                         saves="nothing", backward_name=fop.backward_name)
        self.index = index
        self.count = count
        self.repr_prefix = fop.repr_prefix

    def backward(self, node: Node, g: Any, xp: Any, inputs: tuple, out: Any) -> list:
        grads = [None] * self.count
        grads[self.index] = g
        return [_Slots(grads)]

    def local_derivatives(self, node: Node, xp: Any, inputs: tuple, out: Any) -> tuple:
        return (1.0,)


def _identity(x: Any) -> Any:
    return x


class Function:
    """Base class for operations with a hand-written backward, as `torch.autograd.Function`.

    Define `forward(ctx, *args)` and `backward(ctx, *grad_outputs)` as static methods (or `forward(*args)`
    plus `setup_context(ctx, inputs, output)`), then call `MyFunction.apply(*args)`. Set the class
    attribute `formula` (a string, or one per input) to describe the local derivative in explanations, in
    terms of the forward's argument names and `out` (default: "MyFunction.backward").
    """

    formula: ClassVar[str | tuple[str, ...] | None] = None
    generate_vmap_rule: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions are all static, "
                      f"so you should invoke them on the class itself.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(_LEGACY_MESSAGE.format(name=type(self).__name__))

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> None:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def vjp(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward (grad mode off) and record a node whose backward is this class's `backward`."""
        if cls.forward is Function.forward:
            raise NotImplementedError(f"{cls.__name__}: you must implement the forward function for custom "
                                      f"autograd.Function.")
        op = function_op(cls)
        ctx = FunctionCtx()
        ctx._name = cls.__name__
        recording = is_grad_enabled()
        needs = tuple(recording and isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx.needs_input_grad = needs
        # the history each input had before forward (a dirty input is rebased onto this Function's node)
        parents = tuple((a.grad_fn or a) if need else None for a, need in zip(args, needs))
        history = [(a.grad_fn, a.requires_grad, a._version) if isinstance(a, Tensor) else None for a in args]
        with no_grad():
            if op.setup_style:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(output, tuple)  # as in PyTorch, a list is one (non-tensor) output
        outs = [output] if single else list(output)
        dirty = {id(t) for t in ctx._dirty}
        for t in ctx._dirty:
            if isinstance(t, Tensor) and t.requires_grad and t.grad_fn is None and recording:
                raise RuntimeError(f"{cls.__name__}: a leaf Variable that requires grad has been used in an "
                                   f"in-place operation (marked dirty by {cls.__name__}.forward)")
        input_ids = {id(a) for a in args if isinstance(a, Tensor)}
        for k, o in enumerate(outs):  # an input returned unchanged becomes a new tensor sharing its memory
            if isinstance(o, Tensor) and id(o) in input_ids and id(o) not in dirty:
                outs[k] = o.detach()
        if not any(needs):
            return outs[0] if single else tuple(outs)
        non_diff = {id(t) for t in ctx._non_differentiable}
        diff = [isinstance(o, Tensor) and o.array.dtype.kind == "f" and id(o) not in non_diff for o in outs]
        ctx._outputs = [(tuple(o.shape), o.array.dtype) if isinstance(o, Tensor) else None for o in outs]
        ctx._inputs = [(tuple(a.shape), a.array.dtype) if isinstance(a, Tensor) else None for a in args]
        datas = _Datas(a.array if isinstance(a, Tensor) else a for a in args)
        # a dirty input is recorded as it was before forward (its old history), as in-place ops save `self`
        input_objs = tuple(_snapshot(a, history[i]) if id(a) in dirty else a for i, a in enumerate(args))
        out_value = (outs[0].array if isinstance(outs[0], Tensor) else None) if single else \
            tuple(o.array if isinstance(o, Tensor) else o for o in outs)
        node = Node(op, input_objs, datas, parents, out_value, {"ctx": ctx}, inplace_epoch.value)
        if anomaly_state.enabled:
            node.creation_trace = creation_trace()
        ctx._node_ref = weakref.ref(node)
        count = len(outs)
        out_nodes: dict[int, Node] = {}
        for k, o in enumerate(outs):
            if not isinstance(o, Tensor):
                continue
            if not diff[k]:
                o.requires_grad = False
                continue
            if single:
                grad_fn = node
            else:
                grad_fn = Node(op.output_op(k, count), (None,), (None,), (node,), o.array, {"ctx": ctx},
                               inplace_epoch.value)
            o.grad_fn = grad_fn
            o.requires_grad = True
            out_nodes[id(o)] = grad_fn
        datas.saved = _saved_entries(ctx, out_nodes)
        ctx._recorded = True
        return outs[0] if single else tuple(outs)


def function_op(cls: type[Function]) -> FunctionOp:
    """The op of a Function class in the engine (made once per class, kept in the class's own namespace)."""
    op = cls.__dict__.get("_chainrule_op")
    if op is None:
        op = FunctionOp(cls)
        cls._chainrule_op = op  # type: ignore[attr-defined]
    return op


def _snapshot(t: Tensor, history: tuple) -> Tensor:
    grad_fn, requires_grad, version = history
    snap = wrap(t.array, grad_fn, requires_grad)
    snap._version = version
    return snap


def _saved_entries(ctx: FunctionCtx, out_nodes: dict[int, Node]) -> list:
    """Saved tensors with the version and epoch to check them against when backward reads them; outputs are
    kept as values plus a weak reference (an output keeps its node alive, so a strong one would be a cycle)."""
    epoch = inplace_epoch.value
    saved: list = []
    for t in ctx._to_save or ():
        if t is None:
            saved.append((None, None, 0, epoch))
        elif id(t) in out_nodes:
            saved.append(("output", (weakref.ref(t), t.array, weakref.ref(out_nodes[id(t)])), t._version, epoch))
        else:
            saved.append(("input", t, t._version, epoch))
    ctx._to_save = None
    return saved


def _raise_twice(xp: Any, g: Any, out: Any, *inputs: Any) -> Any:
    raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


_DELAYED = Op("delayed_error", lambda x, *rest: x, ("grad",), _raise_twice,
              ("error: marked @once_differentiable",), saves="nothing", backward_name="DelayedError")


def replay_context(template: FunctionCtx, saved: tuple, attrs: dict[str, Any]) -> FunctionCtx:
    """A copy of a traced call's ctx holding `saved` (arrays or tensors, for `saved_tensors`) and the tensor
    attributes `attrs` (arrays are wrapped as tensors), so that the Function's `backward` can be called again
    outside the graph with what this call would have given it: `cr.compile`'s replay of a custom Function."""
    ctx = copy.copy(template)
    for name, value in attrs.items():
        setattr(ctx, name, value if isinstance(value, Tensor) else wrap(value))
    ctx._recorded = False  # saved tensors come from save_for_backward below, not from a recorded node
    ctx.save_for_backward(*(s if s is None or isinstance(s, Tensor) else wrap(s) for s in saved))
    return ctx


def once_differentiable(fn: Callable) -> Callable:
    """Decorate a Function's backward that is not itself differentiable: it runs with grad mode off, and a
    second-order gradient through its result raises a clear error instead of being silently wrong."""

    @functools.wraps(fn)
    def wrapper(ctx: FunctionCtx, *args: Any) -> Any:
        with no_grad():
            outputs = fn(ctx, *args)
        if not is_grad_enabled():
            return outputs
        requiring = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        if not requiring:
            return outputs
        single = not isinstance(outputs, tuple)
        items = (outputs,) if single else outputs
        with enable_grad():
            wrapped = tuple(apply_op(_DELAYED, (o, *requiring)) if isinstance(o, Tensor) else o for o in items)
        return wrapped[0] if single else wrapped

    return wrapper
