# ruff: noqa: UP031 - templates use {braces}, so they are filled with %-formatting
"""Tracing one eager call of a step: what ran (forward ops, the backward walk, gradient accumulation, optimizer
calls), seen through the core's seams, checked for anything a replay could get wrong.

Seams used: `chainrule.ops.observe.observe_ops` (forward ops), `cr.autograd.observe` and `observe_calls` (the
backward walk, step by step), `chainrule.optim.observe.observe_optimizers` (zero_grad and step), the global
module forward hooks (module paths for names, train/eval guards), and `sys.settrace` for the duration of the
trace only: calls of Tensor's constructors (`wrap`, `__init__`: tensors made in the step outside the op seam) and
a value leaving the tensor world (`.item()`, `bool(t)`, `float(t)`, `.numpy()`, `.tolist()`). A debugger or
coverage tracer is suspended during that one call and restored after it.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import sys
import threading
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.compile import lowering
from chainrule.compile.coverage import Coverage
from chainrule.engine.grad_mode import is_grad_enabled, is_inference_mode_enabled
from chainrule.engine.node import Node
from chainrule.engine.observe import observe, observe_calls
from chainrule.engine.tensor import Tensor, VersionCounters, has_grad_hooks, inplace_epoch, wrap
from chainrule.nn.modules.module import (
    Module,
    has_own_hooks,
    register_module_forward_hook,
    register_module_forward_pre_hook,
)
from chainrule.ops.indexing import IndexFromTensor
from chainrule.ops.observe import observe_ops
from chainrule.optim.observe import observe_optimizers
from chainrule.random import default_generator

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # src/chainrule/
_COMPILE = os.path.dirname(__file__) + os.sep


class Unsupported(Exception):
    """The step cannot be replayed safely; `reason` says why and `line` where (file:line: code)."""

    def __init__(self, reason: str, line: str | None = None) -> None:
        super().__init__(reason if line is None else f"{reason} (at {line})")
        self.reason = reason
        self.line = line


def user_frame() -> Any:
    """The innermost frame outside chainrule (the user's code that ran an op)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return frame


def _both(mine: Any, theirs: Any, tracer: Tracer) -> Any:
    """A frame's local trace function when both the compile tracer and a chained one (`on_call`) follow it: each
    gets every event until it returns None."""

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal mine, theirs
        if mine is not None:
            mine = mine(frame, event, arg)
        if theirs is not None:
            tracer.paused = True
            try:
                theirs = theirs(frame, event, arg)
            finally:
                tracer.paused = False
        return None if mine is None and theirs is None else local

    return local


def user_line() -> str | None:
    """file:line: code of the innermost frame outside chainrule (the user's line that ran an op)."""
    frame = user_frame()
    if frame is None:
        return None
    import linecache

    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}: {code}"


_ESCAPES = {
    "item": ".item()", "__bool__": "bool(tensor) (an `if`/`while` on a tensor)", "__float__": "float(tensor)",
    "__int__": "int(tensor)", "__index__": "a tensor used as an index", "tolist": ".tolist()",
    "numpy": ".numpy()", "__array__": "np.asarray(tensor)",
}


def _escape_codes() -> dict:
    codes = {}
    for name, what in _ESCAPES.items():
        fn = getattr(Tensor, name, None)
        code = getattr(fn, "__code__", None)
        if code is not None:
            codes[code] = what
    return codes


@dataclass
class Var:
    """A value of the step: an input (`position`), a tensor from outside read live (`tensor`), or an op output."""

    kind: str  # "input" | "const" | "op"
    base: str  # the name before deduplication
    tensor: Any = None  # const: the tensor; input: None
    position: Any = None  # input: index or keyword
    value: Any = None  # the trace-time value (for checks)
    node: Any = None  # op outputs: the node recorded with them (None when none was)
    named: bool = False  # the base is a name the user gave (tensor.name or a local variable)
    name: str = ""


@dataclass
class Stmt:
    """One line (or a few) of the generated step, with what it defines and uses (for dead-code elimination)."""

    kind: str  # "fwd" | "bwd" | "acc" | "opt" | "load"
    template: str  # placeholders {V<n>} name variables; {K<n>} name namespace constants
    defs: tuple = ()
    uses: tuple = ()
    effect: bool = False
    comment: str = ""


@dataclass
class Trace:
    """Everything codegen needs: variables, statements in program order, constants, guards, the return."""

    vars: list[Var] = field(default_factory=list)
    stmts: list[Stmt] = field(default_factory=list)
    consts: dict[str, Any] = field(default_factory=dict)
    result: Any = None  # structure with Var indices: ("var", i) | ("tuple", [...]) | ("none",)
    arg_names: list[str] = field(default_factory=list)
    input_guards: list = field(default_factory=list)  # (position, kind, payload)
    const_guards: list = field(default_factory=list)  # (const tensor, shape, dtype, requires_grad, scalar)
    grad_none_guards: list = field(default_factory=list)  # (tensor, grad is None at entry)
    module_guards: list = field(default_factory=list)  # (module, training)
    param_guards: list = field(default_factory=list)  # (module, attr, tensor)
    grad_enabled: bool = True
    inference: bool = False
    # (optimizer, number of groups, {group index: (params list, its length, plain-SGD hyperparameters?)})
    opt_guards: list = field(default_factory=list)
    roots: list[str] = field(default_factory=list)  # names of the tensors backward() started from


class Tracer(Coverage):
    def __init__(self, fn: Any, args: tuple, kwargs: dict) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.t = Trace()
        self.by_id: dict[int, int] = {}  # id(tensor) -> var index
        self.keep: list[Any] = []  # keeps traced tensors alive so that ids stay unique
        self.node_var: dict[int, int] = {}  # id(node) -> var index of its output
        self.failure: Unsupported | None = None
        self.steps: list[Any] = []
        self.module_stack: list[Module] = []
        self.modules: dict[int, Module] = {}
        self.module_paths: dict[int, str] = {}
        self.in_opt = 0
        self.grad_expect: dict[int, Any] = {}  # id(leaf) -> the .grad object the trace expects it to hold
        self.zeroed: set[int] = set()  # leaves whose .grad an optimizer's zero_grad set to None
        # zero_grad() replayed as `p.grad = None` lines: (statement index, its parameters); the parameters whose
        # next `.grad` is a fresh assignment (nothing reads .grad in between) need no line
        self.zero_stmts: list[tuple[int, list]] = []
        self.seeds: dict[int, Any] = {}  # gradient var index -> the constant seed it holds (dloss/dloss = 1)
        self.param_paths: dict[int, str] = {}  # id(parameter) -> its module path (`layer0_weight`), for names
        self.zeroed_by: dict[int, int] = {}  # id(leaf) -> the index of the statement that set its .grad to None
        self.overwritten: set[tuple[int, int]] = set()  # (zero statement index, id(leaf)) made dead
        self.nconst = 0
        self.thread = threading.get_ident()
        self.paused = False  # True while a chained trace function (a debugger, `chainrule trace`) runs
        self.ops_seen = 0
        self.had_backward = False
        self.eager_lines: list[str] = []  # what the engine ran, one line per event, for explain=True
        self.guarded_set: set[int] = set()  # leaves whose .grad being None or not is a guard of this trace
        self.grad_var: dict[int, int] = {}  # id(leaf) -> the var its .grad array is, after this step's backward
        self.buffers: list[tuple] = []  # (module, name, buffer, its array, version, a copy) at first sight
        self.live_attrs: dict[int, list] = {}  # op output var -> attribute texts computed again on each call

    # ------------------------------------------------------------------ running
    def run(self) -> Any:
        self.created: set[int] = set()  # ids of tensors made during the step outside the op seam
        make_code = wrap.__func__.__code__
        init_code = Tensor.__init__.__code__
        created, keep = self.created, self.keep
        self.epoch = inplace_epoch.value
        self.rng_state = _rng_snapshot()
        self._cov_init()
        self.t.grad_enabled = is_grad_enabled()
        self.t.inference = is_inference_mode_enabled()
        with contextlib.suppress(Unsupported):  # the failure is kept; the eager call still runs
            self._bind_inputs()
        codes = _escape_codes()
        watched = self._cov_watched()
        prev_trace = sys.gettrace()
        chained = prev_trace if isinstance(prev_trace, types.FunctionType | types.MethodType) else None

        def on_make_return(frame: Any, event: str, arg: Any) -> Any:
            if event == "return" and arg is not None:
                created.add(id(arg))
                keep.append(arg)
            return on_make_return

        def on_call(frame: Any, event: str, arg: Any) -> Any:
            # a global trace function: called once per Python call (not per C call, unlike a profile function);
            # returning None leaves the frame untraced. A Python trace function that was set before the step (a
            # debugger, `chainrule trace`) goes on seeing every call: it is chained. One written in C (coverage's
            # CTracer) is suspended for the call instead: called from here it installs itself as the thread's
            # trace function again, which would end this one's watch (and a replay would miss an `.item()`).
            if chained is None:
                return watch_call(frame)
            lines = frame.f_trace_lines
            mine = watch_call(frame)
            mine_lines, frame.f_trace_lines = frame.f_trace_lines, lines
            self.paused = True  # its own work (reprs, recomputed expressions) is not the step's
            try:
                theirs = chained(frame, event, arg)
            finally:
                self.paused = False
                if sys.gettrace() is not on_call:  # (it set another one: this trace must go on seeing calls)
                    sys.settrace(on_call)
            if theirs is None:
                frame.f_trace_lines = mine_lines
                return mine
            return theirs if mine is None else _both(mine, theirs, self)

        def watch_call(frame: Any) -> Any:
            code = frame.f_code
            if code is make_code:
                return on_make_return
            if code in watched:  # random draws, BatchNorm (compile/coverage.py)
                return self._cov_watch(frame)
            if code is init_code:
                made = frame.f_locals.get("self")
                if made is not None:
                    created.add(id(made))
                    keep.append(made)
                return None
            if (code in codes and not self.in_opt and self.failure is None and not self.in_user_backward
                    and not frame.f_back.f_code.co_filename.startswith(_COMPILE)):
                self.failure = Unsupported(f"the step reads a tensor's value in Python with {codes[code]}: a "
                                           f"replay cannot follow Python control flow or values", user_line())
            return None

        pre = register_module_forward_pre_hook(self._module_pre)
        post = register_module_forward_hook(self._module_post)
        try:
            with observe_ops(self._on_op), observe(self._on_step, keep=False), observe_calls(self._on_call), \
                    observe_optimizers(self._on_opt):
                sys.settrace(on_call)
                try:
                    result = self.fn(*self.args, **self.kwargs)
                finally:
                    sys.settrace(prev_trace)
        finally:
            pre.remove()
            post.remove()
        if self.failure is None:
            try:
                self._check_epoch()
                self._check_grads()
                self._finish(result)
            except Unsupported as exc:
                self.failure = exc
        return result

    def fail(self, reason: str, line: str | None = None) -> None:
        if self.failure is None:
            self.failure = Unsupported(reason, line)
        raise self.failure

    def _guarded(self, fn: Any, *a: Any) -> None:
        """Run one seam callback; after a failure, ignore the rest of the trace (the eager call goes on)."""
        if self.failure is not None or self.paused or threading.get_ident() != self.thread:
            return
        hook = sys.gettrace()
        sys.settrace(None)  # the tracer's own work is not the step's: leave it untraced (faster)
        try:
            fn(*a)
        except Unsupported:
            pass
        except Exception as exc:  # noqa: BLE001 - a tracer bug must not break the user's eager call
            self.failure = Unsupported(f"internal error in the tracer ({type(exc).__name__}: {exc}); please report it")
        finally:
            sys.settrace(hook)

    # ------------------------------------------------------------------ inputs and values
    def _bind_inputs(self) -> None:
        sig = None
        with contextlib.suppress(TypeError, ValueError):
            sig = inspect.signature(self.fn)
        names = []
        params = list(sig.parameters) if sig is not None else []
        for i, a in enumerate(self.args):
            name = params[i] if i < len(params) and sig.parameters[params[i]].kind in (
                inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD) else f"arg{i}"
            names.append(name)
            self._bind_one(i, name, a)
        for k in sorted(self.kwargs):
            names.append(k)
            self._bind_one(k, k, self.kwargs[k])
        self.t.arg_names = names

    def _bind_one(self, position: Any, name: str, a: Any) -> None:
        if isinstance(a, Tensor):
            if id(a) in self.by_id:
                self.fail(f"argument {name!r} is the same tensor as an earlier argument: a replay could not tell "
                          f"whether later calls alias them too")
            if a.grad_fn is not None:
                self.fail(f"argument {name!r} is the output of a graph built before the step: pass leaves")
            data = a.array
            self.t.input_guards.append((position, "tensor", (type(a), type(data), np.shape(data),
                                                             np.asarray(data).dtype, a.requires_grad)))
            index = self._new_var(Var("input", a.name or _ident(name), position=position, value=data, named=True), a)
            if a.requires_grad:
                self.grad_expect[id(a)] = a.grad
                self.t.grad_none_guards.append((("input", position), a.grad is None))
                self.guarded_set.add(id(a))
            del index
        elif isinstance(a, tuple | list | dict | set | frozenset) and _contains_data(a):
            # its tensors would be constants of the trace (read from the objects it held when traced), and a
            # tuple's guard (==) would compare tensors
            self.fail(f"argument {name!r} is a {type(a).__name__} holding tensors or arrays: a replay would read "
                      f"the ones it held when traced; pass the tensors as separate arguments (step(*batch))")
        elif a is None or isinstance(a, bool | int | float | str | tuple | bytes):
            self.t.input_guards.append((position, "equal", a))
        else:
            self.t.input_guards.append((position, "is", a))
            if not isinstance(a, Module | type):  # `self` of a method, a batch object: its tensors as it held them
                for attr, v in list(getattr(a, "__dict__", {}).items()):
                    if isinstance(v, Tensor | np.ndarray):
                        self.t.param_guards.append((a, attr, v))

    def _new_var(self, var: Var, tensor: Any = None) -> int:
        self.t.vars.append(var)
        index = len(self.t.vars) - 1
        if tensor is not None:
            self.by_id[id(tensor)] = index
            self.keep.append(tensor)
        return index

    def var_of(self, x: Tensor, op_name: str, line: str | None) -> int:
        index = self.by_id.get(id(x))
        if index is not None:
            var = self.t.vars[index]
            if var.kind == "op" and x.array is not var.value:
                self.fail(f"{op_name}: an input was changed in place after it was made", line)
            if var.kind == "op" and x.grad_fn is not var.node:
                node = x.grad_fn
                if node is not None and getattr(node.op, "user_code", False):
                    self.fail(f"{op_name}: an input comes from a custom autograd.Function ({node.name()}) whose "
                              f"backward is Python code the tracer cannot replay", line)
                self.fail(f"{op_name}: an input's history was replaced after it was made", line)
            return index
        if id(x) not in self.created:
            if x.grad_fn is not None:
                self.fail(f"{op_name}: an input comes from a graph built before the step (a tensor that carries "
                          f"history across calls): the replay would not see it change", line)
            scalar = type(x.array) is not np.ndarray
            self.t.const_guards.append((x, np.shape(x.array), np.asarray(x.array).dtype, x.requires_grad, scalar))
            if x.requires_grad:
                self.grad_expect[id(x)] = x.grad
                if id(x) not in self.zeroed:  # an earlier zero_grad() in the step sets it, whatever it was
                    self.t.grad_none_guards.append((("const", x), x.grad is None))
                    self.guarded_set.add(id(x))
            owned = self._param_name(x)  # (also guards that its module still holds it)
            name = x.name or owned or _global_name(x, user_frame()) or "t"
            return self._new_var(Var("const", name, tensor=x, value=x.array, named=name != "t"), x)
        explained = self._cov_created(x)  # a dropout mask, a view of a buffer (compile/coverage.py)
        if explained is not None:
            return explained
        node = x.grad_fn
        if node is not None and getattr(node.op, "user_code", False):
            self.fail(f"{op_name}: an input comes from a custom autograd.Function ({node.name()}) whose forward "
                      f"and backward are Python code the tracer cannot replay", line)
        owner = next((v for v in self.t.vars if v.tensor is not None and v.tensor.grad is x), None)
        if owner is not None:
            self.fail(f"{op_name}: reads {owner.base}.grad inside the step (an update written by hand, such as "
                      f"`w -= lr * w.grad`): cr.compile replays the updates of cr.optim's optimizers, not hand-written "
                      f"ones (use cr.optim.SGD, or leave this step eager)", line)
        hint = ""
        if _rng_snapshot() != self.rng_state:
            hint = ("; the step drew random numbers: a replay draws them again only for dropout, rand, randn, "
                    "randint and randperm from the default generator")
        self.fail(f"{op_name}: an input is a tensor made inside the step by something that is not a recorded op "
                  f"(a random mask, a creation op such as tensor(), an argmax, or values computed in NumPy)"
                  f"{hint}", line)
        return -1

    def _param_name(self, x: Tensor) -> str | None:
        for m in self.modules.values():
            for attr, p in m.named_parameters(recurse=False):
                if p is x:
                    path = self.module_paths.get(id(m), "")
                    self.t.param_guards.append((m, attr, x))
                    return _ident(f"{path}_{attr}" if path else attr)
            for attr, b in m.named_buffers(recurse=False):
                if b is x:
                    path = self.module_paths.get(id(m), "")
                    self.t.param_guards.append((m, attr, x))  # `model.scale = cr.tensor(...)` retraces
                    return _ident(f"{path}_{attr}" if path else attr)
            for attr, v in vars(m).items():
                if v is x and not attr.startswith("_"):  # a plain tensor attribute of the module: the same
                    path = self.module_paths.get(id(m), "")
                    self.t.param_guards.append((m, attr, x))
                    return _ident(f"{path}_{attr}" if path else attr)
        return None

    def _arg(self, a: Any, op_name: str, line: str | None) -> tuple[str, Any]:
        """(template text, value) for one op argument."""
        if isinstance(a, Tensor):
            i = self.var_of(a, op_name, line)
            return "{V%d}" % i, self.t.vars[i].value
        if a is None or type(a) in (bool, int, float):
            return _literal(a), a
        if isinstance(a, np.generic) and not isinstance(a, np.ndarray):
            return self._const(a, "c"), a
        self.fail(f"{op_name}: an argument of type {type(a).__name__} is not something a replay can reproduce",
                  line)
        return "", None

    def _const(self, value: Any, base: str) -> str:
        self.nconst += 1
        key = f"{base}{self.nconst}"
        self.t.consts[key] = value
        return "{K%s}" % key

    # ------------------------------------------------------------------ seams
    def _module_pre(self, module: Module, args: Any) -> None:
        if threading.get_ident() != self.thread:
            return
        if not self.module_stack and id(module) not in self.modules:
            for path, m in module.named_modules():
                self.module_paths.setdefault(id(m), _module_path(path))
                for attr, p in m.named_parameters(recurse=False):
                    self.param_paths.setdefault(id(p), _ident(f"{_module_path(path)}_{attr}" if path else attr))
        self.module_stack.append(module)
        if id(module) not in self.modules and self.failure is None and has_own_hooks(module):
            self.failure = Unsupported(f"{type(module).__name__} has hooks of its own (Python code a replay would "
                                       f"not run)", user_line())
        if id(module) not in self.modules:
            for name, b in module.named_buffers(recurse=False):
                if b is not None:
                    self.buffers.append((module, name, b, b.array, b._version, np.array(b.array, copy=True)))
            self.modules[id(module)] = module
            self.module_paths.setdefault(id(module), "")
            self.t.module_guards.append((module, module.training))

    def _module_post(self, module: Module, args: Any, output: Any) -> None:
        if threading.get_ident() != self.thread:
            return
        if self.module_stack and self.module_stack[-1] is module:
            self.module_stack.pop()

    def _check_epoch(self) -> None:
        if inplace_epoch.value != self.epoch:
            self.fail("the step changed a tensor in place (an in-place op such as relu_(), add_(), x[i] = ..., or "
                      "running statistics) outside the optimizer's step: not replayed yet", user_line())

    def _on_op(self, call: Any) -> None:
        # a custom Function's backward runs as Python in the replay too; so does gradient clipping
        if not self.in_user_backward and not self.clipping:
            self._guarded(self._op, call)

    def _name_from_frame(self, frame: Any = None) -> None:
        """Give values of the step the names the user's code holds them under (`h = model.fc1(x)` -> h)."""
        frame = user_frame() if frame is None else frame
        if frame is None or frame.f_code is _EVAL_CODE:
            return
        for name, value in list(frame.f_locals.items()):
            if type(value) is not Tensor or name.startswith("_"):
                continue
            index = self.by_id.get(id(value))
            if index is not None:
                var = self.t.vars[index]
                if not var.named and var.kind in ("op", "const"):
                    var.base = _ident(name)
                    var.named = True

    def _op(self, call: Any) -> None:
        self._check_epoch()
        frame, inside = _op_frame()
        self._name_from_frame(frame)
        line = _frame_line(frame)
        self.eager_lines.append(f"{call.op.name:<14} {(line or '').split(': ', 1)[-1]}")
        if inside:
            self.fail("backward runs Python code that computes with tensors (a custom autograd.Function's "
                      "backward or a hook): not replayed", line)
        op = call.op
        self.ops_seen += 1
        name = op.name
        args_t, datas = [], []
        arg_uses: list[int] = []
        for a in call.args:
            text, value = self._arg(a, name, line)
            args_t.append(text)
            datas.append(value)
            if text[:2] == "{V":
                arg_uses.append(int(text[2:-1]))
        arg_uses_t = tuple(arg_uses)
        out = call.output
        attrs = call.attrs
        if name == "cross_entropy" and attrs and attrs.get("target") is not None:
            self._cross_entropy(call, args_t, datas, line)
            return
        kw = []
        derived = lowering.DERIVED.get(name, {})
        aux_uses: list[int] = []
        for k, v in (attrs or {}).items():
            if k in derived:
                fn, static = derived[k]
                again = fn(*datas, *(attrs[s] for s in static))
                if not lowering.same(again, v):
                    self.fail(f"{name}: its {k} could not be computed again from its inputs", line)
                fn_key = f"{name}_{k}"
                self.t.consts.setdefault(fn_key, fn)
                aux = self._new_var(Var("op", k, value=v))
                call_args = ", ".join(args_t + [_literal(attrs[s]) for s in static])
                self.t.stmts.append(Stmt("fwd", "{V%d} = {K%s}(%s)" % (aux, fn_key, call_args), defs=(aux,),
                                         uses=arg_uses_t, comment=f"{name}'s {k}, from its input"))
                kw.append(f"{k}={{V{aux}}}")
                aux_uses.append(aux)
                continue
            if name == "index" and k == "index" and type(v) is tuple:
                text, uses = self._index_text(v, gather=op.backward_name == "GatherBackward0")
                if text is not None:  # integer index arrays that are values of the step (a randint draw, an input)
                    kw.append(f"{k}={text}")
                    aux_uses.extend(uses)
                    continue
                if any(type(e) is IndexFromTensor for e in v):
                    self.fail("index: an integer index read from a 0-d tensor that is not a value of the step (or "
                              "with an index the replay cannot read again): replaying it would reuse the trace's "
                              "index", line)
            if type(v) is np.ndarray:  # the very array of a value of the step (a loss's target): read live
                i = self._var_of_array(v)
                if i is not None and self.t.vars[i].kind in ("input", "const", "op"):
                    kw.append("%s={V%d}" % (k, i))
                    aux_uses.append(i)
                    continue
            if _contains_data(v):
                self.fail(f"{name}: takes array data computed outside the op ({k}): replaying it would reuse "
                          f"the trace's values", line)
            if v is None or type(v) in (bool, int, float, str) or _simple_tuple(v):
                kw.append(f"{k}={_literal(v)}")
            else:
                kw.append(f"{k}={self._const(v, k)}")
        try:
            again = op.forward(*datas, **(attrs or {}))
        except Exception as exc:  # noqa: BLE001
            self.fail(f"{name}: its forward cannot be rerun on the recorded inputs ({exc})", line)
        if not lowering.same(again, out.array):
            self.fail(f"{name}: rerunning its forward on the recorded inputs does not give the same values (part "
                      f"of it is computed outside the op)", line)
        template = lowering.inline_forward(op, datas, attrs, out.array)
        statement = None
        if template is not None:
            expr = template.format(*args_t)
        else:
            statement = lowering.forward_statement(op, datas, attrs)
            if statement is not None:
                try:
                    ok = lowering.same(lowering.run_statement(statement, datas), out.array)
                except Exception:  # noqa: BLE001 - anything odd: the op's own function
                    ok = False
                statement = statement if ok else None
            fn_key = f"op_{name}"
            self.t.consts.setdefault(fn_key, op.forward)
            expr = "{K%s}(%s)" % (fn_key, ", ".join(args_t + kw))
        base = out.name or self._op_base(name)
        index = self._new_var(Var("op", base, value=out.array, node=out.grad_fn, named=out.name is not None), out)
        comment = _forward_comment(op)
        text = "{V%d} = %s" % (index, expr) if statement is None else statement.format(*args_t, out="{V%d}" % index)
        self.t.stmts.append(Stmt("fwd", text, defs=(index,), uses=arg_uses_t + tuple(aux_uses), comment=comment))
        if out.grad_fn is not None:
            self.node_var[id(out.grad_fn)] = index
        if aux_uses:
            self.live_attrs[index] = kw

    def _index_text(self, index: tuple, gather: bool = False) -> tuple[str | None, list[int]]:
        """An advanced index as text over the step's values: each array in it must be an integer array that is
        itself a value of the step (read again on each call), so that the replay indexes with this call's
        indices; its shape is fixed by the trace, and so is the result's. Boolean masks (a result whose size
        depends on the data) and arrays made outside the recorded ops give (None, []). `gather`: the index of
        `gather` / `take_along_dim`, whose other entries are the grids it makes from the index's shape
        (arange along their own axis), constants of the trace."""
        parts: list[str] = []
        uses: list[int] = []
        if gather and sum(type(e) is np.ndarray and self._var_of_array(e) is not None for e in index) != 1:
            return None, []  # the caller's own index must be a value of the step (not a grid-like array from outside)
        for axis, e in enumerate(index):
            if type(e) is np.ndarray:
                if e.dtype.kind not in "iu":
                    return None, []
                i = self._var_of_array(e)
                if i is None and gather and e.ndim == len(index) and _arange_along(e, axis):
                    parts.append(self._const(e.copy(), "grid"))
                    continue
                if i is None or self.t.vars[i].kind not in ("input", "const", "op"):
                    return None, []
                parts.append("{V%d}" % i)
                uses.append(i)
            elif type(e) is IndexFromTensor:  # `x[i]` with a 0-d integer tensor: this call's i, read again
                i = self._var_of_array(e.value)
                if i is None or self.t.vars[i].kind not in ("input", "const", "op"):
                    return None, []
                parts.append("int({V%d})" % i)
                uses.append(i)
            elif e is None or e is Ellipsis or type(e) in (int, bool, slice):
                parts.append(repr(e))
            else:
                return None, []
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")", uses

    def _op_base(self, name: str) -> str:
        if self.module_stack:
            path = self.module_paths.get(id(self.module_stack[-1]), "")
            if path:
                return _ident(f"{path}_{name}")
        return name

    def _cross_entropy(self, call: Any, args_t: list, datas: list, line: str | None) -> None:
        """cross_entropy with class indices computes its softmax sums before the op: replayed inline here."""
        attrs = call.attrs
        target = attrs["target"]
        y = self._var_of_array(target)  # an input, a tensor from outside, or a value of the step (`y[:4]`)
        if y is not None and self.t.vars[y].kind not in ("input", "const", "op"):
            y = None
        if y is None or attrs.get("q") is not None or attrs.get("reduction") != "mean":
            self.fail("cross_entropy: its target is not a value of the step or a tensor from outside (or its "
                      "reduction is not 'mean')", line)
        logits = datas[0]
        n, c = logits.shape
        starts = self._const(np.arange(0, n * c, c), "row_starts")
        out = call.output
        index = self._new_var(Var("op", out.name or "loss", value=out.array, node=out.grad_fn), out)
        # the softmax pieces its backward reads are values of their own (a second cross_entropy in the step gets
        # `e_2`, `total_2`, ...: the first one's backward must not read the second one's)
        temps = {k: "{V%d}" % self._new_var(Var("temp", k)) for k in ("shifted", "e", "total", "flat", "per")}
        lines = [
            "{shifted} = {x} - np.fmax.reduce({x}, axis=1, keepdims=True)",
            "{e} = np.exp({shifted})",
            "{total} = np.add.reduce({e}, axis=1, keepdims=True)",
            "{flat} = %s + {y}" % starts,
            "{per} = np.log({total}.ravel()) - {shifted}.ravel()[{flat}]",
            "{out} = {per}.dtype.type({per}.sum() / %r)" % float(n),
        ]
        text = "\n".join(lines).replace("{x}", args_t[0]).replace("{y}", "{V%d}" % y).replace(
            "{out}", "{V%d}" % index)
        for k, v in temps.items():
            text = text.replace("{%s}" % k, v)
        # check it against the engine now
        shifted = logits - np.fmax.reduce(logits, axis=1, keepdims=True)
        e = np.exp(shifted)
        total = np.add.reduce(e, axis=1, keepdims=True)
        if not (lowering.same(e, attrs["e"]) and lowering.same(total, attrs["total"])
                and lowering.same(np.arange(0, n * c, c) + target, attrs["flat"])):
            self.fail("cross_entropy: the inline softmax does not reproduce the engine's", line)
        per = np.log(total.ravel()) - shifted.ravel()[attrs["flat"]]
        if not lowering.same(per.dtype.type(per.sum() / float(n)), out.array):
            self.fail("cross_entropy: the inline loss does not reproduce the engine's", line)
        self.t.stmts.append(Stmt("fwd", text, defs=(index,), uses=_uses(args_t) + (y,),
                                 comment="cross_entropy = mean(log(sum(exp(x))) - x[target]); "
                                         "local derivative: softmax(x) - onehot(target), over N"))
        self.ce = getattr(self, "ce", {})
        self.ce[index] = (attrs, n, temps)
        if out.grad_fn is not None:
            self.node_var[id(out.grad_fn)] = index

    def _on_step(self, step: Any) -> None:
        self._guarded(self._step, step)

    def _step(self, step: Any) -> None:
        self._check_epoch()
        self.eager_lines.append(f"backward: {step.node.name()}")
        node = step.node
        if not self.steps:
            self._name_from_frame()
            self._check_grads()
        if id(node) not in self.node_var:
            self.fail(f"backward reaches {node.name()}, which was not recorded in this step (a graph kept from "
                      f"an earlier call, a custom autograd.Function, or a module backward hook)", user_line())
        if node.watched:
            self.fail("backward runs a tensor hook or retain_grad() on a value of the step: not replayed",
                      user_line())
        if getattr(node.op, "user_code", False) and id(node) not in self.functions:
            self.fail(f"backward runs Python code ({node.name()})", user_line())
        self.steps.append(step)

    def _check_grads(self) -> None:
        """Each leaf's .grad is the tensor the trace expects (set by a backward, cleared by a zero_grad): not set
        by hand (`p.grad = None` between backward() and step() would not happen in a replay)."""
        for key, expect in self.grad_expect.items():
            leaf = self.keep[self._keep_index(key)]
            if leaf.grad is not expect and not (key in self.zeroed and leaf.grad is None):
                self.fail("a leaf's .grad was changed outside the optimizer's zero_grad() (e.g. `p.grad = None` "
                          "by hand): not replayed", user_line())

    def _keep_index_of_var(self, li: int) -> int:
        for key, index in self.by_id.items():
            if index == li:
                return self._keep_index(key)
        raise KeyError(li)

    def _keep_index(self, key: int) -> int:
        for i, t in enumerate(self.keep):
            if id(t) == key:
                return i
        raise KeyError(key)

    def _on_call(self, call: Any) -> None:
        self._guarded(self._call, call)

    def _call(self, call: Any) -> None:
        steps, self.steps = self.steps, []
        line = user_line()
        if call.kind != "backward" or call.inputs is not None or call.create_graph or len(call.outputs) != 1:
            self.fail(f"{call.kind}() with inputs=/create_graph=/several outputs is not compiled yet", line)
        root = call.outputs[0]
        if np.ndim(root.array) != 0 or id(root) not in self.by_id or self.t.vars[self.by_id[id(root)]].kind != "op":
            self.fail("backward() on a non-scalar or on a value not made in the step is not compiled yet", line)
        self.had_backward = True
        self._emit_backward(self.by_id[id(root)], steps, line)
        for key in list(self.grad_expect):
            self.grad_expect[key] = self.keep[self._keep_index(key)].grad
        self.zeroed.clear()
        self.epoch = inplace_epoch.value  # gradient accumulation bumps versions, not the epoch; be safe

    def _emit_backward(self, root: int, steps: list, line: str | None) -> None:
        t = self.t
        rootvar = t.vars[root]
        t.roots.append(str(root))
        seed_key = self._const(_unit(rootvar.value), "one")
        grad_of: dict[int, int] = {}  # var index -> grad var index
        gvars: dict[int, int] = {}

        def gvar(i: int) -> int:
            g = gvars.get(i)
            if g is None:
                g = gvars[i] = self._new_var(Var("grad", "d{root}_d{%d}" % i))
                t.vars[g].root = root
            return g

        g0 = gvar(root)
        t.stmts.append(Stmt("bwd", "{V%d} = %s" % (g0, seed_key), defs=(g0,), comment="the seed: dloss/dloss = 1"))
        grad_of[root] = g0
        self.seeds[g0] = t.consts[seed_key[2:-1]]
        leaf_order: list[int] = []
        leaf_grad: dict[int, int] = {}
        leaf_value: dict[int, Any] = {}
        for step in steps:
            node = step.node
            oi = self.node_var[id(node)]
            if oi not in grad_of:
                self.fail("backward: a node received a gradient the trace did not see", line)
            g_index = grad_of[oi]
            input_vars = []
            for x in step.input_tensors:
                if isinstance(x, Tensor):
                    input_vars.append("{V%d}" % self.by_id[id(x)] if id(x) in self.by_id else None)
                else:
                    input_vars.append(_literal(x) if x is None or type(x) in (bool, int, float) else None)
            targets = []  # per input: (parent var index or None)
            for parent in node.parents:
                if parent is None:
                    targets.append(None)
                elif type(parent) is Node:
                    if id(parent) not in self.node_var:
                        self.fail(f"backward reaches {parent.name()}, not recorded in this step", line)
                    targets.append(self.node_var[id(parent)])
                else:
                    if id(parent) not in self.by_id:
                        self.fail("backward reaches a leaf the trace did not see", line)
                    leaf = parent
                    if has_grad_hooks(leaf):
                        self.fail("a leaf has gradient hooks: not replayed", line)
                    targets.append(("leaf", self.by_id[id(parent)]))
            exprs = self._vjp_exprs(step, oi, g_index, input_vars, line)
            for target, expr, contribution in zip(targets, exprs, step.contributions):
                if target is None or contribution is None:
                    continue
                if isinstance(target, tuple):
                    li = target[1]
                    if li not in leaf_grad:
                        gi = self._new_var(Var("grad", "d{root}_d{%d}" % li))
                        t.vars[gi].root = root
                        leaf_grad[li] = gi
                        leaf_order.append(li)
                        leaf_value[li] = contribution
                        t.stmts.append(Stmt("bwd", "{V%d} = %s" % (gi, expr[0]), defs=(gi,), uses=expr[1],
                                            comment=expr[2]))
                    else:
                        gi = leaf_grad[li]
                        leaf_value[li] = None  # a sum: let the helper decide
                        t.stmts.append(Stmt("bwd", "{V%d} = {V%d} + %s" % (gi, gi, _paren(expr[0])), defs=(gi,),
                                            uses=expr[1] + (gi,), comment=expr[2] + " (another path: sum)"))
                else:
                    if target not in grad_of:
                        gi = gvar(target)
                        grad_of[target] = gi
                        t.stmts.append(Stmt("bwd", "{V%d} = %s" % (gi, expr[0]), defs=(gi,), uses=expr[1],
                                            comment=expr[2]))
                    else:
                        gi = grad_of[target]
                        t.stmts.append(Stmt("bwd", "{V%d} = {V%d} + %s" % (gi, gi, _paren(expr[0])), defs=(gi,),
                                            uses=expr[1] + (gi,), comment=expr[2] + " (another path: sum)"))
        self._emit_accumulation(leaf_order, leaf_grad, leaf_value)

    def _emit_accumulation(self, leaf_order: list[int], leaf_grad: dict[int, int], leaf_value: dict[int, Any]) -> None:
        """`.grad` of each leaf the backward reached, in the engine's order: `p.grad = make(g)` where zero_grad()
        left it None and the gradient is a fresh array of its dtype and shape (what the engine would hand over
        without a copy), else the engine's own `accumulate_grad` (into the existing `.grad`, or a copy)."""
        t = self.t
        taken: set[int] = set()  # ids of trace-time gradients that became a .grad without a copy
        plan = []
        for li in leaf_order:
            var = t.vars[li]
            leaf = var.tensor if var.kind == "const" else self.keep[self._keep_index_of_var(li)]
            g = leaf_value[li]
            data = leaf.array
            fresh_none = id(leaf) in self.zeroed and g is not None and id(g) not in taken and (
                (type(g) is np.ndarray and g.base is None and type(data) is np.ndarray and g.dtype == data.dtype
                 and g.shape == data.shape) or (type(g) is not np.ndarray and type(g) is type(data)))
            if fresh_none:
                taken.add(id(g))
                self.grad_var[id(leaf)] = leaf_grad[li]
                plan.append(("{T%d}.grad = make({V%d})" % (li, leaf_grad[li]), li, f"{var.base}.grad = its gradient "
                             f"(zero_grad() cleared it)"))
                zero = self.zeroed_by.get(id(leaf))
                if zero is not None and all(s.kind in ("fwd", "bwd", "acc", "reload")
                                            for s in self.t.stmts[zero + 1:]):
                    self.overwritten.add((zero, id(leaf)))  # its `.grad = None` is overwritten unread
            else:
                self.grad_var.pop(id(leaf), None)  # its .grad may be another array than an earlier gradient
                plan.append(("accumulate({T%d}, {V%d}, handed)" % (li, leaf_grad[li]), li,
                             f"{var.base}.grad += its gradient"))
        if len(plan) > 1 and all(text.startswith("accumulate(") for text, _, _ in plan):
            # one call for all of them (a scalar network's step: a call per leaf is much of its time)
            pairs = ["{T%d}, {V%d},  # %s" % (li, leaf_grad[li], comment) for _, li, comment in plan]
            t.stmts.append(Stmt("acc", "accumulate_grads(\n    %s\n)" % "\n    ".join(pairs),
                                uses=tuple(leaf_grad[li] for _, li, _ in plan), effect=True,
                                comment="each .grad += its gradient: the engine's accumulate_grad, leaf by leaf"))
            self.accumulated = {id(self.keep[self._keep_index_of_var(li)]) if t.vars[li].kind != "const"
                                else id(t.vars[li].tensor) for li in leaf_order}
            return
        # the engine's `handed` set: the arrays this backward gave to a .grad without a copy, so that a later
        # leaf given the same array (the two inputs of an add, say) gets a copy, as eager. A `.grad = make(g)`
        # before an accumulate() registers its array there too.
        last = max((k for k, (text, _, _) in enumerate(plan) if text.startswith("accumulate(")), default=-1)
        first = True
        for k, (text, li, comment) in enumerate(plan):
            if k < last and not text.startswith("accumulate("):
                text += "\nhanded.add(id({V%d}))" % leaf_grad[li]
            if first and k <= last:
                text = "handed = set()\n" + text
                first = False
            t.stmts.append(Stmt("acc", text, uses=(leaf_grad[li],), effect=True, comment=comment))
        self.accumulated = {id(self.keep[self._keep_index_of_var(li)]) if t.vars[li].kind != "const"
                            else id(t.vars[li].tensor) for li in leaf_order}

    def _vjp_exprs(self, step: Any, oi: int, gi: int, input_vars: list, line: str | None) -> list:
        """Per input: (expression template, uses, comment) for the gradient it receives."""
        node = step.node
        op = node.op
        out = step.output
        datas = step.inputs
        g = step.upstream
        contributions = step.contributions
        if op.name == "cross_entropy" and oi in getattr(self, "ce", {}):
            return self._ce_vjp(step, oi, gi, line)
        if id(node) in self.functions:  # a custom autograd.Function (compile/coverage.py)
            return self._function_vjp(step, oi, gi)
        if id(node) in self.fn_outputs:  # one output of a Function with several (compile/coverage.py)
            return self._fn_output_vjp(step, gi)
        results: list = []
        inline_ok = op.derivative is not None and all(v is not None for v in input_vars) and (
            not node.attrs or op.name == "linear")
        if inline_ok:
            for i, (parent, c) in enumerate(zip(node.parents, contributions)):
                if parent is None or c is None:
                    results.append(None)
                    continue
                template = lowering.inline_local(op, i, g, out, datas, c)
                if template is None:
                    inline_ok = False
                    break
                values = {str(k): v for k, v in enumerate(input_vars)}
                expr = template.format(*[values[str(k)] for k in range(len(input_vars))], g="{V%d}" % gi,
                                       out="{V%d}" % oi)
                formula = op.formulas[i] if i < len(op.formulas) else ""
                results.append((expr, _uses_text(expr), f"{op.name}: local derivative d/d{op.arg_names[i]} = "
                                                      f"{formula}"))
            if inline_ok:
                return results
            results = []  # some input needs more than an expression (a broadcast sum): the op's own backward
        # the op's own backward (its VJP or local derivatives), through a stand-in node holding its attributes
        if any(v is None for v in input_vars):
            self.fail(f"backward of {op.name}: an input is not a value of the step", line)
        if oi in self.live_attrs:
            return self._live_vjp(step, oi, gi, input_vars, line)
        stub = Node(op, None, None, tuple(None if p is None else True for p in node.parents), None, node.attrs, 0)
        again = op.backward(stub, g, lowering_numpy(), datas, out)
        for a, b in zip(again, contributions):
            if not lowering.same(a, b) and b is not None:
                self.fail(f"backward of {op.name}: rerunning its VJP does not give the engine's gradients", line)
        key = self._const(stub, f"node_{op.name}_")
        tmp = self._new_var(Var("grad", f"grads_{op.name}"))
        args = "(" + ", ".join(input_vars) + ("," if len(input_vars) == 1 else "") + ")"
        uses = _uses_text(args) + (gi, oi)
        self.t.stmts.append(Stmt("bwd", "{V%d} = backward(%s, {V%d}, NUMPY, %s, {V%d})" % (tmp, key, gi, args, oi),
                                 defs=(tmp,), uses=uses,
                                 comment=f"{op.name}: its VJP, " + "; ".join(
                                     f"d/d{a}: {f}" for a, f in zip(op.arg_names, op.formulas) if f != "none")))
        for i, c in enumerate(contributions):
            results.append(None if c is None else ("{V%d}[%d]" % (tmp, i), (tmp,), f"{op.name} -> "
                                                   f"{op.arg_names[i] if i < len(op.arg_names) else i}"))
        return results

    def _live_vjp(self, step: Any, oi: int, gi: int, input_vars: list, line: str | None) -> list:
        """The op's VJP called with attributes computed on each call (max-pool's mask)."""
        node = step.node
        op = node.op
        if op.vjp is None or op.vjp_takes_needs:
            self.fail(f"backward of {op.name}: not compiled yet", line)
        again = op.vjp(lowering_numpy(), step.upstream, step.output, *step.inputs, **node.attrs)
        for a, b in zip(again, step.contributions):
            if b is not None and not lowering.same(a, b):
                self.fail(f"backward of {op.name}: rerunning its VJP does not give the engine's gradients", line)
        key = f"vjp_{op.name}"
        self.t.consts.setdefault(key, op.vjp)
        tmp = self._new_var(Var("grad", f"grads_{op.name}"))
        kw = self.live_attrs[oi]
        text = "{V%d} = {K%s}(NUMPY, {V%d}, {V%d}, %s)" % (tmp, key, gi, oi, ", ".join(input_vars + kw))
        self.t.stmts.append(Stmt("bwd", text, defs=(tmp,), uses=_uses_text(text),
                                 comment=f"{op.name}: its VJP, " + "; ".join(op.formulas)))
        return [None if c is None else ("{V%d}[%d]" % (tmp, i), (tmp,), f"{op.name} -> {op.arg_names[i]}")
                for i, c in enumerate(step.contributions)]

    def _ce_vjp(self, step: Any, oi: int, gi: int, line: str | None) -> list:
        attrs, n, temps = self.ce[oi]
        g = step.upstream
        grad = attrs["e"] / attrs["total"]
        grad.ravel()[attrs["flat"]] -= grad.dtype.type(1)
        grad *= g / float(n)
        if not lowering.same(grad, step.contributions[0]):
            self.fail("backward of cross_entropy: the inline gradient does not reproduce the engine's", line)
        tmp = self._new_var(Var("grad", "softmax"))
        one = self._const(grad.dtype.type(1), "one")
        if gi in self.seeds and lowering.same(self.seeds[gi], g):  # the loss's own seed: a constant scale
            scale = "{V%d} *= %s  # dloss/dloss / N" % (tmp, self._const(self.seeds[gi] / float(n), "scale"))
        else:
            scale = "{V%d} *= {V%d} / %r" % (tmp, gi, float(n))
        text = "{V%d} = %s / %s\n{V%d}.ravel()[%s] -= %s\n%s" % (tmp, temps["e"], temps["total"], tmp,
                                                                temps["flat"], one, scale)
        # `e`, `total` and `flat` are defined by the forward statement (which defines the loss `oi`)
        self.t.stmts.append(Stmt("bwd", text, defs=(tmp,), uses=(gi, oi), comment="softmax(x) - onehot(target), "
                                 "scaled by the upstream gradient over N"))
        return [("{V%d}" % tmp, (tmp,), "cross_entropy -> logits")]

    def _on_opt(self, call: Any) -> None:
        if threading.get_ident() != self.thread:
            return
        if call.kind == "step" and call.phase == "pre":
            self.in_opt += 1
        if self.failure is not None:
            if call.kind == "step" and call.phase == "post":
                self.in_opt -= 1
            return
        try:
            self._opt(call)
        except Unsupported:
            pass
        finally:
            if call.kind == "step" and call.phase == "post":
                self.in_opt -= 1

    def _opt(self, call: Any) -> None:
        opt = call.optimizer
        if call.phase == "post":
            self.eager_lines.append(f"{type(opt).__name__}.{call.kind}()")
        if call.kind == "zero_grad":
            self._check_epoch()
            from chainrule.optim.optimizer import Optimizer

            index = len(self.t.stmts)
            if call.set_to_none and type(opt).zero_grad is Optimizer.zero_grad:
                # what the stock zero_grad does, one line per parameter (filled in at the end)
                for gi in range(len(opt.param_groups)):
                    self._guard_optimizer(opt, gi, sgd=False)
                self.zero_stmts.append((index, [p for group in opt.param_groups for p in group["params"]]))
                self.t.stmts.append(Stmt("opt", "", effect=True))
            else:
                key = self._const(opt, "opt")
                self.t.stmts.append(Stmt("opt", "%s.zero_grad(set_to_none=%r)" % (key, call.set_to_none),
                                         effect=True, comment="the optimizer's own zero_grad"))
            for group in opt.param_groups:
                for p in group["params"]:
                    # its .grad is another array from here on (None, or zeros: set_to_none=False rebinds it)
                    self.grad_var.pop(id(p), None)
                    if call.set_to_none:
                        self.zeroed.add(id(p))
                        self.zeroed_by[id(p)] = index
                        if id(p) in self.grad_expect:
                            self.grad_expect[id(p)] = None
            return
        if call.phase == "pre":
            self._check_epoch()
            self._check_grads()
            if call.closure:
                self.fail("optimizer.step(closure) runs the closure: not compiled", user_line())
            return
        key = self._const(opt, "opt")
        if self._inline_sgd(opt, key):
            self.epoch = inplace_epoch.value
            self.t.stmts.append(Stmt("reload", "", effect=True))
            return
        self.t.stmts.append(Stmt("opt", "%s.step()" % key, effect=True,
                                 comment=f"{type(opt).__name__}'s own update, in place (reads lr and the other "
                                         f"hyperparameters live)"))
        self.epoch = inplace_epoch.value
        # parameters may be rebound (0-d values): later reads of them load again
        self.t.stmts.append(Stmt("reload", "", effect=True))

    def _guard_optimizer(self, opt: Any, gi: int, sgd: bool) -> None:
        """Replay only while `opt` has the same groups, group `gi` the same parameter list (and, `sgd`, plain
        SGD's hyperparameters)."""
        groups = next((g for o, _, g in self.t.opt_guards if o is opt), None)
        if groups is None:
            groups = {}
            self.t.opt_guards.append((opt, len(opt.param_groups), groups))
        params = opt.param_groups[gi]["params"]
        old = groups.get(gi)
        groups[gi] = (params, len(params), sgd or (old is not None and old[2]))

    def _inline_sgd(self, opt: Any, key: str) -> bool:
        """Plain SGD (no momentum, weight decay, Nesterov or maximize) as one line per parameter, when the
        step itself decided which parameters have a gradient: `p -= lr * p.grad` with lr read live."""
        from chainrule.optim.sgd import SGD

        if type(opt) is not SGD:
            return False
        accumulated = getattr(self, "accumulated", set())
        lines = []
        for gi, group in enumerate(opt.param_groups):
            if (group["momentum"] != 0 or group["weight_decay"] != 0 or group["nesterov"]
                    or group.get("maximize", False) or type(group["lr"]) is not float):
                return False
            self._guard_optimizer(opt, gi, sgd=True)
            for p in group["params"]:
                if p.grad is None:
                    if id(p) not in self.zeroed:
                        return False
                    continue
                if id(p) not in accumulated or id(p) not in self.by_id:
                    return False
                data = p.array
                if type(data) is not np.ndarray or data.dtype != p.grad.array.dtype:
                    return False
                lines.append(id(p))
        text: list[str] = []
        uses: list[int] = []
        updated: list[str] = []
        written: list[Tensor] = []
        for gi, group in enumerate(opt.param_groups):
            text.append("lr = %s.param_groups[%d]['lr']" % (key, gi))
            for p in group["params"]:
                if id(p) in lines:
                    i = self.by_id[id(p)]
                    g = self.grad_var.get(id(p))
                    if g is not None and self.t.vars[i].kind == "const":
                        text.append("{V%d} -= lr * {V%d}" % (i, g))
                        uses.extend((i, g))
                    else:
                        text.append("np.subtract({T%d}.array, lr * {T%d}.grad.array, out={T%d}.array)" % (i, i, i))
                    updated.append("{T%d}" % i)
                    written.append(p)
        if updated:
            # one object for the update's version counters: it keeps what it looked up for the next call
            text.append("%s.bump()  # autograd's record of the in-place writes into %s"
                        % (self._const(VersionCounters(written), "versions"), ", ".join(updated)))
        self.t.stmts.append(Stmt("opt", "\n".join(text), effect=True, uses=tuple(uses),
                                 comment="SGD: p -= lr * dloss/dp, in place (lr read on each call: schedulers work)"))
        return True

    # ------------------------------------------------------------------ the end
    def _name_parameters_of_globals(self) -> None:
        """Names for parameters of modules the step did not call (`extra_weight` for `extra.weight`): the
        modules among the step function's globals and closure variables."""
        fn = getattr(self.fn, "__func__", self.fn)
        scopes = [getattr(fn, "__globals__", {})]
        if getattr(fn, "__closure__", None):
            scopes.append(dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__
                                                            if c.cell_contents is not None))))
        for scope in scopes:
            for var, value in list(scope.items()):
                if isinstance(value, Module) and not var.startswith("_"):
                    for attr, p in value.named_parameters():
                        self.param_paths.setdefault(id(p), _ident(f"{var}_{_module_path(attr)}"))

    def _finish(self, result: Any) -> None:
        if any(id(p) not in self.param_paths and id(p) not in self.by_id
               for _, params in self.zero_stmts for p in params):
            self._name_parameters_of_globals()
        for index, params in self.zero_stmts:
            lines = []
            for p in params:
                if (index, id(p)) not in self.overwritten:
                    name = self.param_paths.get(id(p))
                    if id(p) in self.by_id:
                        handle = "{T%d}" % self.by_id[id(p)]
                    elif name is not None and f"T_{name}" not in self.t.consts:
                        self.t.consts[f"T_{name}"] = p  # named as codegen names the tensors it reads
                        handle = "{KT_%s}" % name
                    else:
                        handle = self._const(p, "param")
                    lines.append("%s.grad = None" % handle)
            if lines:
                self.t.stmts[index] = Stmt("opt", "\n".join(lines), effect=True,
                                           comment="zero_grad(): .grad = None (a .grad the backward below sets "
                                                   "is not cleared first)")
            else:  # every .grad is set by the backward below before anything reads it: a comment only
                self.t.stmts[index] = Stmt("opt", "", effect=True,
                                           comment="zero_grad(): nothing to clear, the backward below sets every "
                                                   ".grad")
        for module, name, b, data, version, copy in self.buffers:
            expect = self.buffer_expect.get(id(b))
            if expect is not None:  # replayed (BatchNorm's running statistics): must hold what the replay writes
                if not lowering.same(np.asarray(b.array), expect):
                    self.fail(f"{type(module).__name__}: its buffer {name!r} changed after its recorded update")
                continue
            if b.array is not data or b._version != version or not lowering.same(np.asarray(b.array), copy):
                path = self.module_paths.get(id(module), "") or type(module).__name__
                self.fail(f"{type(module).__name__} ({path}) updated its buffer {name!r} during the step (running "
                          f"statistics): not replayed yet")
        # `x.requires_grad_()` on an argument inside the step (a fresh tensor on each call): done again in a replay
        for i, var in enumerate(self.t.vars):
            if var.kind == "input" and isinstance(var.position, int | str):
                tensor = self.keep[self._keep_index_of_var(i)]
                traced = next(p[4] for pos, kind, p in self.t.input_guards if pos == var.position and kind == "tensor")
                if tensor.requires_grad != traced:
                    self.t.stmts.append(Stmt("opt", "{T%d}.requires_grad_(%r)" % (i, tensor.requires_grad),
                                             effect=True, comment="as the step did to its argument"))
        for module in self.modules.values():
            for attr, v in list(vars(module).items()):
                i = self.by_id.get(id(v)) if isinstance(v, Tensor) else None
                if i is not None and self.t.vars[i].kind in ("op", "input"):
                    path = self.module_paths.get(id(module), "") or type(module).__name__
                    self.fail(f"{type(module).__name__} ({path}) keeps a tensor of the step in its attribute "
                              f"{attr!r} (Python code a replay would not run, so it would keep the traced one)")
        self._rng_finish()
        self.t.result = self._result(result)

    def _result(self, r: Any) -> Any:
        if r is None:
            return ("none",)
        if isinstance(r, Tensor):
            i = self.by_id.get(id(r))
            if i is None:
                self.fail("the step returns a tensor the trace did not see made")
            var = self.t.vars[i]
            if var.kind == "op" and r.grad_fn is not None and not self.had_backward:
                self.fail("the step returns a tensor whose graph is still needed (backward() is called outside "
                          "the step): compile the whole training step, backward included")
            return ("var", i)
        if isinstance(r, tuple | list):
            return ("tuple", [self._result(x) for x in r], type(r) is list)
        self.fail(f"the step returns a {type(r).__name__}, not tensors: a replay cannot recompute Python values")
        return None


_IN_PACKAGE: dict[Any, bool] = {}  # code object -> whether it is chainrule's own


def _op_frame() -> tuple[Any, bool]:
    """One walk up the stack from an op's observer: (the user's frame that ran the op, whether the op runs inside
    a backward walk (a custom Function's backward or a hook computing with tensors))."""
    from chainrule.engine.backward import run_backward

    backward_code = run_backward.__code__
    in_package = _IN_PACKAGE
    frame = sys._getframe(2)
    user = None
    inside_backward = False
    while frame is not None:
        code = frame.f_code
        if code is backward_code:
            inside_backward = True
            if user is not None:
                break
        elif user is None:
            inside = in_package.get(code)
            if inside is None:
                inside = in_package[code] = code.co_filename.startswith(_PACKAGE)
            if not inside:
                user = frame
                if inside_backward:
                    break
        frame = frame.f_back
    return user, inside_backward


def _frame_line(frame: Any) -> str | None:
    """file:line: code of a frame."""
    if frame is None:
        return None
    import linecache

    code = frame.f_code
    text = linecache.getline(code.co_filename, frame.f_lineno).strip()
    return f"{os.path.basename(code.co_filename)}:{frame.f_lineno}: {text}"


_COMMENTS: dict[Any, str] = {}


def _forward_comment(op: Any) -> str:
    comment = _COMMENTS.get(op)
    if comment is None:
        shown = [(a, f) for a, f in zip(op.arg_names, op.formulas or ()) if f != "none"]  # comparisons: no gradient
        comment = _COMMENTS[op] = op.name if not shown else f"{op.name}; local derivatives: " + ", ".join(
            f"d/d{a} = {f}" for a, f in shown)
    return comment


def lowering_numpy() -> Any:
    from chainrule.engine.xp import NUMPY

    return NUMPY


def _unit(value: Any) -> Any:
    return np.ones((), np.asarray(value).dtype)[()]


def _rng_snapshot() -> Any:
    state = default_generator.get_state()
    return repr(state)


def _arange_along(e: np.ndarray, axis: int) -> bool:
    """Whether `e` is arange(n) along `axis`, the same over its other axes (a grid `gather` makes)."""
    shape = [1] * e.ndim
    shape[axis] = e.shape[axis]
    return bool(np.array_equal(e, np.broadcast_to(np.arange(e.shape[axis]).reshape(shape), e.shape)))


def _literal(v: Any) -> str:
    if isinstance(v, float):
        return repr(v) if v == v and v not in (float("inf"), float("-inf")) else f"float({str(v)!r})"
    return repr(v)


_EVAL_CODE = None


def _global_name(x: Any, frame: Any) -> str | None:
    """The name a tensor from outside the step goes by in the user's code (a local, closure or global)."""
    if frame is None:
        return None
    for scope in (frame.f_locals, frame.f_globals):
        for name, value in scope.items():
            if value is x and not name.startswith("_"):
                return _ident(name)
    return None


def _contains_data(v: Any) -> bool:
    """Whether an attribute holds values (arrays, tensors, or containers of them) rather than settings."""
    if isinstance(v, np.ndarray | Tensor):
        return True
    if isinstance(v, tuple | list | set | frozenset):
        return any(_contains_data(x) for x in v)
    if isinstance(v, dict):
        return any(_contains_data(x) for x in v.values())
    return False


def _simple_tuple(v: Any) -> bool:
    return type(v) is tuple and all(x is None or type(x) in (bool, int, float, str) or _simple_tuple(x) for x in v)


def _uses(texts: list) -> tuple:
    return tuple(i for t in texts for i in _uses_text(t))


_USES = re.compile(r"\{V(\d+)\}")


def _uses_text(text: str) -> tuple:
    return tuple(int(m) for m in _USES.findall(text))


def _paren(expr: str) -> str:
    return expr if expr.replace("_", "").replace("{", "").replace("}", "").isalnum() or expr.endswith("]") \
        else f"({expr})"


def _module_path(path: str) -> str:
    if not path:
        return ""
    parts = path.split(".")
    return "_".join(f"layer{p}" if p.isdigit() else p for p in parts)


def _ident(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if not out or out[0].isdigit():
        out = "t" + out
    return out
