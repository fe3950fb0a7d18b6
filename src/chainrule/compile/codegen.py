# ruff: noqa: UP031 - templates use {braces}, so they are filled with %-formatting
"""From a `Trace` to Python source: names, dead-code elimination, guards, and the compiled functions."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np

from chainrule.compile.tracer import Trace
from chainrule.engine.backward import accumulate_grad, accumulate_grads
from chainrule.engine.grad_mode import grad_state
from chainrule.engine.tensor import Tensor, wrap
from chainrule.engine.xp import NUMPY

_PY_KEYWORDS = {"lambda", "def", "class", "return", "in", "is", "if", "else", "for", "while", "and", "or", "not",
                "None", "True", "False", "from", "import", "as", "with", "try", "pass", "del", "global", "yield"}


def assign_names(t: Trace) -> None:
    used: set[str] = {"np", "NUMPY", "backward", "accumulate", "accumulate_grads", "make", "handed", "Tensor",
                      "guard", "NOT_THIS_TRACE", "lr",
                      # builtins the generated step or its inlined guard call: a value of the step named so (an
                      # op named `float`, say) must not shadow them
                      "set", "type", "len", "getattr", "float", "int", "bool", "tuple", "list", "isinstance"}
    used |= set(t.consts)
    used |= {k[2:] for k in t.consts if k.startswith("T_")}  # a value's tensor handle is T_<name>: keep them apart

    counters: dict[str, int] = {}

    def unique(base: str) -> str:
        base = base if base not in _PY_KEYWORDS else base + "_"
        name, k = base, counters.get(base, 1)
        while name in used:
            k += 1
            name = f"{base}_{k}"
        counters[base] = k
        used.add(name)
        return name

    for var in t.vars:  # user-visible values first, gradients after (their names derive)
        if var.kind != "grad":
            var.name = unique(var.base)
    for var in t.vars:
        if var.kind == "grad":
            root = getattr(var, "root", None)
            rname = t.vars[root].name if root is not None else "loss"

            def sub(m: re.Match) -> str:
                return t.vars[int(m.group(1))].name

            base = var.base.replace("{root}", rname)
            base = re.sub(r"\{(\d+)\}", sub, base)
            var.name = unique(base)


def eliminate_dead_code(t: Trace) -> list:
    """Keep statements with effects and those defining values something kept (or the result) uses."""
    live: set[int] = set(_result_vars(t.result))
    kept = []
    for stmt in reversed(t.stmts):
        if stmt.effect or any(d in live for d in stmt.defs):
            kept.append(stmt)
            live.difference_update(d for d in stmt.defs if d not in stmt.uses)
            live.update(stmt.uses)
    kept.reverse()
    return kept


_CE_LOSS = re.compile(r"\n\{V\d+\} = np\.log\(\{V\d+\}\.ravel\(\)\) - ")  # the loss lines of its statement


def _drop_unused_loss(t: Trace, stmts: list) -> list:
    """cross_entropy's forward statement also defines the softmax pieces its gradient reads (`e`, `total`,
    `flat`); when nothing reads the loss itself (a step that calls backward() and returns nothing), its last two
    lines (the log and the mean) are dead: drop them."""
    out = list(stmts)
    result = set(_result_vars(t.result))
    for k, stmt in enumerate(stmts):
        cut = _CE_LOSS.search(stmt.template)
        if cut is None or len(stmt.defs) != 1:
            continue
        loss = stmt.defs[0]
        mark = "{V%d}" % loss
        if loss in result or any(mark in other.template for j, other in enumerate(stmts) if j != k):
            continue
        head = stmt.template[:cut.start()]
        out[k] = dataclasses.replace(stmt, template=head, defs=(),
                                     comment="cross_entropy: only the softmax its gradient needs (nothing reads "
                                             "the loss value)")
    return out


_LINEAR = re.compile(r"\{V(\d+)\} = (\{V\d+\}) @ (\{V\d+\})\.T(\n\{V\d+\} \+= \{V\d+\})?")
_RELU = re.compile(r"\{V(\d+)\} = np\.maximum\(\{V(\d+)\}, 0\)")
_ALIAS = re.compile(r"^\{V\d+\} = \{V(\d+)\}$", re.M)
SCRATCH_MIN_SIZE = 1 << 16  # smaller updates keep `p -= lr * g` (allocating a small array costs little)
_SGD = re.compile(r"\{V(\d+)\} -= lr \* \{V(\d+)\}")
_CONST = re.compile(r"\{K([A-Za-z0-9_]+)\}")


def plan_buffers(t: Trace, stmts: list, ns: dict) -> list:
    """Preallocated output arrays (`out=`) for the forward's linear layers and ReLUs, reused on every replay.

    Only for a value no one outside the call can see: not returned, not stored in `.grad` or a module, not passed
    to an op's own function or VJP (which might keep or return a view of it), not renamed (`a = b`); every
    statement that reads it computes new arrays from it. A ReLU whose input is such a buffer and is read by
    nothing else writes into that buffer (`np.maximum(z, 0, out=z)`: bias, activation and their output share
    one array). `ns["__buffers__"]` counts them (a step with buffers must not run twice at once)."""
    result = set(_result_vars(t.result))
    users: dict[int, list[int]] = {}
    for k, stmt in enumerate(stmts):
        for i in set(stmt.uses):
            users.setdefault(i, []).append(k)

    def pure(stmt: Any) -> bool:
        text = stmt.template
        if stmt.kind not in ("fwd", "bwd") or "{T" in text or "make(" in text or "accumulate(" in text \
                or "backward(" in text:
            return False
        return all(not callable(t.consts.get(key)) for key in _CONST.findall(text))

    def private(i: int, k_def: int) -> bool:
        var = t.vars[i]
        if i in result or var.kind != "op" or type(var.value) is not np.ndarray or not var.value.flags.c_contiguous:
            return False
        for k in users.get(i, ()):
            if k == k_def:
                continue
            if not pure(stmts[k]) or any(int(m) == i for m in _ALIAS.findall(stmts[k].template)):
                return False
        return True

    out = list(stmts)
    buffer_of: dict[int, str] = {}
    count = 0
    for k, stmt in enumerate(stmts):
        m = _LINEAR.fullmatch(stmt.template)
        if m is not None and private(int(m.group(1)), k):
            i = int(m.group(1))
            key = "buf_%s" % t.vars[i].name
            ns[key] = np.empty_like(t.vars[i].value)
            buffer_of[i] = key
            count += 1
            text = "{V%d} = np.matmul(%s, %s.T, out=%s)%s" % (i, m.group(2), m.group(3), key, m.group(4) or "")
            out[k] = dataclasses.replace(stmt, template=text)
            continue
        m = _RELU.fullmatch(stmt.template)
        if m is not None and private(int(m.group(1)), k):
            i, x = int(m.group(1)), int(m.group(2))
            if x in buffer_of and users.get(x) == [k] and t.vars[x].value.dtype == t.vars[i].value.dtype:
                key = buffer_of[x]  # the input's buffer, read by nothing else: in place
            else:
                key = "buf_%s" % t.vars[i].name
                ns[key] = np.empty_like(t.vars[i].value)
                count += 1
            buffer_of[i] = key
            out[k] = dataclasses.replace(stmt, template="{V%d} = np.maximum({V%d}, 0, out=%s)" % (i, x, key))
    scratch: dict[tuple, str] = {}
    for k, stmt in enumerate(out):
        if stmt.kind != "opt" or " -= lr * " not in stmt.template:
            continue
        lines = stmt.template.split("\n")
        for j, line in enumerate(lines):
            m = _SGD.fullmatch(line)
            value = t.vars[int(m.group(1))].value if m is not None else None
            if type(value) is not np.ndarray or value.size < SCRATCH_MIN_SIZE:
                continue
            # `p -= lr * g` with lr * g in a scratch array (the same values: the product's dtype is g's)
            sig = (value.shape, value.dtype.str)
            key = scratch.get(sig)
            if key is None:
                key = scratch[sig] = "scratch%d" % len(scratch)
                ns[key] = np.empty_like(value)
                count += 1
            lines[j] = "{V%s} -= np.multiply(lr, {V%s}, out=%s)" % (m.group(1), m.group(2), key)
        out[k] = dataclasses.replace(stmt, template="\n".join(lines))
    ns["__buffers__"] = count
    return out


def _result_vars(r: Any) -> list[int]:
    if r[0] == "var":
        return [r[1]]
    if r[0] == "tuple":
        return [i for x in r[1] for i in _result_vars(x)]
    return []


def generate(t: Trace, fn_name: str) -> tuple[str, dict]:
    """(source of `def <fn_name>(...)`, its namespace)."""
    assign_names(t)
    stmts = eliminate_dead_code(t)
    ns: dict[str, Any] = {"np": np, "NUMPY": NUMPY, "accumulate": accumulate_grad,
                          "accumulate_grads": accumulate_grads, "make": wrap,
                          "backward": _backward}
    ns.update(t.consts)
    stmts = _drop_unused_loss(t, stmts)
    stmts = plan_buffers(t, stmts, ns)
    if len(t.vars) > REUSE_NAMES_ABOVE:
        reuse_names(t, stmts)
    args = [_ident_arg(a) for a in t.arg_names]
    lines = [f"def {fn_name}({', '.join(args)}):"]
    loaded: set[int] = set()

    def handle(i: int) -> str:
        var = t.vars[i]
        if var.kind == "input":
            return args[var.position] if isinstance(var.position, int) else _ident_arg(var.position)
        key = f"T_{var.name}"
        ns[key] = var.tensor
        return key

    body: list[str] = [GUARD_LINE % ", ".join(args)]  # line 2 (see CompiledStep: the guard, inlined)
    used_inputs = _used_inputs(t, stmts)
    placeholder = re.compile(r"\{([VTK])([A-Za-z0-9_]+)\}")

    def fill(m: re.Match) -> str:
        kind, key = m.group(1), m.group(2)
        if kind == "V":
            return t.vars[int(key)].name
        if kind == "T":
            return handle(int(key))
        return key

    for var_i, var in enumerate(t.vars):
        if var.kind == "input" and var_i in used_inputs:
            body.append(f"{var.name} = {handle(var_i)}.array")
            loaded.add(var_i)
    section = None
    for stmt in stmts:
        if stmt.kind == "reload":
            loaded = {i for i in loaded if t.vars[i].kind == "input"}
            continue
        kind = {"fwd": "forward", "bwd": "backward", "acc": "gradient accumulation into .grad",
                "opt": "optimizer"}.get(stmt.kind)
        if kind != section:
            body.append(f"# ---- {kind}")
            section = kind
        for i in stmt.uses:
            if t.vars[i].kind == "const" and i not in loaded:
                body.append(f"{t.vars[i].name} = {handle(i)}.array")
                loaded.add(i)
        text = placeholder.sub(fill, stmt.template) if "{" in stmt.template else stmt.template
        parts = text.split("\n")
        if not text:  # a comment only (zero_grad() with nothing to clear)
            body.append(f"# {stmt.comment}")
            continue
        if stmt.comment:
            body.append(f"# {stmt.comment}" if len(parts) > 1 or len(parts[0]) + len(stmt.comment) > 100
                        else None)
            if body[-1] is None:
                body.pop()
                parts[0] = f"{parts[0]}  # {stmt.comment}"
        body.extend(parts)
    body.append(f"return {_result_text(t.result, t, handle)}")
    lines.extend("    " + b for b in body)
    return "\n".join(lines) + "\n", ns


REUSE_NAMES_ABOVE = 2000  # values in a trace; smaller ones keep a name of their own for each value (readable)


def reuse_names(t: Trace, stmts: list) -> None:
    """For a long trace: once a value is dead (no later statement reads it), its name goes to the next new value,
    so that the generated function's frame holds the live values only. With a name per value, a 1,000,000-op
    scalar chain kept every intermediate alive until it returned (tens of megabytes of NumPy scalars and frame
    slots, out of the CPU caches) and cost 1.6x more per op than a 1,000-op one. Arguments, tensors from outside
    and the returned values keep their names; a value's live range runs from the first to the last statement that
    mentions it (as a placeholder, a use or a definition), so two values share a name only when one is dead before
    the other first appears."""
    mention = re.compile(r"\{V(\d+)\}")
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for k, stmt in enumerate(stmts):
        for i in {int(m) for m in mention.findall(stmt.template)} | set(stmt.uses) | set(stmt.defs):
            first.setdefault(i, k)
            last[i] = k
    end = len(stmts)
    for i in _result_vars(t.result):
        last[i] = end
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for i, k in first.items():
        if t.vars[i].kind not in ("input", "const"):
            starts.setdefault(k, []).append(i)
            ends.setdefault(last[i], []).append(i)
    free: list[str] = []
    for k in range(end):
        for i in starts.get(k, ()):
            if free:
                t.vars[i].name = free.pop()
        for i in ends.get(k, ()):
            free.append(t.vars[i].name)


def _used_inputs(t: Trace, stmts: list) -> set[int]:
    """The input variables something kept (or the result) reads, as a value or as a tensor handle."""
    inputs = {i for i, var in enumerate(t.vars) if var.kind == "input"}
    used = inputs.intersection(_result_vars(t.result))
    for s in stmts:
        used.update(inputs.intersection(s.uses))
        if "{T" in s.template:
            used.update(inputs.intersection(int(k) for k in re.findall(r"\{T(\d+)\}", s.template)))
    return used


def _result_text(r: Any, t: Trace, handle: Any) -> str:
    if r[0] == "none":
        return "None"
    if r[0] == "var":
        var = t.vars[r[1]]
        if var.kind == "input" or var.kind == "const":
            return handle(r[1])
        return f"make({var.name})"
    items = [_result_text(x, t, handle) for x in r[1]]
    if r[2]:
        return "[" + ", ".join(items) + "]"
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _ident_arg(name: Any) -> str:
    return str(name) + "_t"


def _backward(node: Any, g: Any, xp: Any, inputs: tuple, out: Any) -> list:
    """An op's own backward (VJP or local derivatives), through the stand-in node that holds its attributes."""
    return node.op.backward(node, g, xp, inputs, out)


GUARD_LINE = "if not guard(%s): return NOT_THIS_TRACE  # arguments, modes and parameters as traced? (step.guard_source)"


class NotThisTrace:
    """What a generated step returns when its guard does not hold: the caller tries another trace or traces."""

    def __repr__(self) -> str:
        return "NOT_THIS_TRACE"


NOT_THIS_TRACE = NotThisTrace()


def _array_like(shape: tuple, dtype: np.dtype) -> Any:
    """A test that an array is an ndarray of this shape and dtype (the guard's path for a rebound parameter)."""
    def like(array: Any) -> bool:
        return type(array) is np.ndarray and array.shape == shape and array.dtype == dtype
    return like


def generate_guard(t: Trace, fn_name: str) -> tuple[str, dict, str]:
    """A function of the step's arguments that is True when this trace may replay them, and the same test as one
    expression (the generated step starts with it, inlined): each tensor argument's exact class first (so that
    what follows cannot raise), then one tuple of what the trace depends on (types, shapes, dtypes,
    requires_grad, modes, identities as booleans) compared with the tuple seen while tracing (`key`), then the
    few checks that need Python equality."""
    ns: dict[str, Any] = {"grad_state": grad_state, "Tensor": Tensor, "np": np}
    args = [_ident_arg(a) for a in t.arg_names]
    items: list[tuple[str, Any]] = [("grad_state.mode", t.grad_enabled), ("grad_state.inference", t.inference)]
    extra: list[str] = []
    first: list[str] = []
    for j, (position, kind, payload) in enumerate(t.input_guards):
        a = args[position] if isinstance(position, int) else _ident_arg(position)
        if kind == "tensor":
            cls, dkind, shape, dtype, rg = payload
            ns[f"cls{j}"] = cls
            first.append(f"type({a}) is cls{j}")
            items.append((f"type({a}.array)", dkind))
            if dkind is np.ndarray:
                items += [(f"{a}.array.shape", shape), (f"{a}.array.dtype", dtype)]
            # a NumPy scalar: its type fixes its dtype and shape
            items.append((f"{a}.requires_grad", rg))
        elif kind == "equal":
            ns[f"v{j}"] = payload
            extra.append(f"type({a}) is type(v{j}) and {a} == v{j}")
        else:
            ns[f"v{j}"] = payload
            items.append((f"{a} is v{j}", True))
    for j, (x, shape, dtype, rg, scalar) in enumerate(t.const_guards):
        ns[f"c{j}"] = x
        if scalar:
            items.append((f"type(c{j}.array)", type(x.array)))
        else:
            # the array it held when traced (an optimizer writes into it, so it stays), or else one of the same
            # type, shape and dtype (`p.data = ...` rebound it): one identity test on every call
            ns[f"a{j}"], ns[f"like{j}"] = x.array, _array_like(shape, dtype)
            items.append((f"c{j}.array is a{j} or like{j}(c{j}.array)", True))
        items.append((f"c{j}.requires_grad", rg))
    for j, (where, is_none) in enumerate(t.grad_none_guards):
        if where[0] == "input":
            a = args[where[1]] if isinstance(where[1], int) else _ident_arg(where[1])
        else:
            ns[f"g{j}"] = where[1]
            a = f"g{j}"
        items.append((f"{a}.grad is None", is_none))
    for j, (m, training) in enumerate(t.module_guards):
        ns[f"m{j}"] = m
        items.append((f"m{j}.training", training))
    for j, (m, attr, p) in enumerate(t.param_guards):
        ns[f"pm{j}"], ns[f"pp{j}"] = m, p
        # the module still holds this parameter (`model.fc.weight = Parameter(...)` retraces)
        items.append((f"pm{j}.{attr} is pp{j}" if attr.isidentifier() else f"getattr(pm{j}, {attr!r}) is pp{j}",
                      True))
    for j, (opt, ngroups, groups) in enumerate(t.opt_guards):
        ns[f"o{j}"] = opt
        # the same groups (an added group would be missed), each with the same parameter list
        items.append((f"len(o{j}.param_groups) == {ngroups}", True))
        for gi, (params, n, sgd) in groups.items():
            ns[f"ol{j}_{gi}"] = params
            group = f"o{j}.param_groups[{gi}]"
            text = f"(g := {group})['params'] is ol{j}_{gi} and len(ol{j}_{gi}) == {n}"
            if sgd:
                text += (" and g['momentum'] == 0 and g['weight_decay'] == 0 and not g['nesterov'] and not "
                         "g.get('maximize') and type(g['lr']) is float")
            items.append((text, True))
    for value in (v for _, v in items):
        if not isinstance(value, bool | int | tuple | type | np.dtype):
            raise TypeError(f"a guard value of type {type(value).__name__}")  # equality must be plain
    ns["key"] = tuple(v for _, v in items)
    ns["guard_items"] = tuple(e for e, _ in items)  # for the message when no trace matches a call (the step reads it)
    tests = [*first, "(" + ", ".join(("(%s)" % e) if " " in e else e for e, _ in items) + ",) == key", *extra]
    expression = " and ".join(tests)
    src = f"def {fn_name}({', '.join(args)}):\n    return (" + " and\n            ".join(
        tests[:len(first)] + ["(" + ",\n             ".join(("(%s)" % e) if " " in e else e for e, _ in items)
                              + ",) == key"] + extra) + ")\n"
    return src, ns, expression
