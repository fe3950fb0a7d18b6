"""Build a `Graph` (the JSON document of docs/graph-schema.md) from what the engine recorded.

Values and gradients come from the engine only: saved buffers and an observed backward pass
(`cr.autograd.observe`) over a retained graph, or the steps kept by `cr.explain.record()`, or,
after a plain `backward()` freed the buffers, whatever survives (leaves, retained tensors, `.grad`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from chainrule.engine import observe as _observe
from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor, wrap
from chainrule.explain import record as _record
from chainrule.explain import replay as _replay
from chainrule.explain.naming import (
    ATOM,
    disambiguate,
    expression_label,
    expression_precedence,
    expression_text,
    factor,
    substitute,
    symbol,
)
from chainrule.explain.values import as_array, fmt_array, value_json

SCHEMA = "chainrule.graph"
VERSION = 1
MAX_ELEMENT_NODES = 300  # above this many nodes, renderers start from the grouped view
MAX_NODES = 200_000  # refuse to build larger graphs (they cannot be shown anyway)

NODE_KEYS = ("id", "kind", "name", "explicit_name", "op", "grad_fn", "requires_grad", "shape", "dtype", "value", "grad",
             "module", "module_type", "call", "calls", "groups", "forward_index", "backward_index", "inputs",
             "arg_names", "elementwise", "expression", "forward_text", "grad_states")
INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^", "matmul": "@"}

FREED_NOTICE = ("backward() freed the intermediate values of this graph: only leaves, retained tensors and "
                ".grad are shown. Build the graph before backward(), call backward(retain_graph=True), or run "
                "inside `with cr.explain.record():` to see every value and gradient.")


def _check_output(output: Any, what: str) -> Node:
    if not isinstance(output, Tensor):
        raise TypeError(f"{what}: expected a chainrule Tensor (e.g. a loss), got {type(output).__name__}")
    if output.grad_fn is None:
        if output.requires_grad:
            raise ValueError(f"{what}: this tensor is a leaf (you created it; no operation produced it), so it has "
                             f"no history to draw. Pass a result computed from it, such as the loss.")
        raise ValueError(f"{what}: this tensor has no history: it does not require grad, so no operation was "
                         f"recorded. Create the inputs with requires_grad=True (and not under cr.no_grad()) "
                         f"before computing it.")
    return output.grad_fn


def _forward_order(root: Node) -> list[Node]:
    """Op nodes, inputs before consumers (iterative post-order over parents, in argument order)."""
    order: list[Node] = []
    done: set[int] = set()
    stack: list[tuple[Node, int]] = [(root, 0)]
    onstack = {id(root)}
    while stack:
        node, i = stack[-1]
        parents = node.parents
        while i < len(parents) and (type(parents[i]) is not Node or id(parents[i]) in done
                                    or id(parents[i]) in onstack):
            i += 1
        if i < len(parents):
            stack[-1] = (node, i + 1)
            stack.append((parents[i], 0))
            onstack.add(id(parents[i]))
            if len(onstack) + len(done) > MAX_NODES:
                raise ValueError(f"graph: more than {MAX_NODES} recorded operations; too large to explain")
        else:
            stack.pop()
            onstack.discard(id(node))
            done.add(id(node))
            order.append(node)
    return order


def _name_map(names: Any) -> dict[int, str]:
    if names is None:
        return {}
    if hasattr(names, "named_parameters") and not isinstance(names, Mapping):
        return {id(p): n for n, p in names.named_parameters()}
    if isinstance(names, Mapping):
        out: dict[int, str] = {}
        for k, v in names.items():
            if isinstance(v, Tensor) and isinstance(k, str) and not k.startswith("_"):
                out.setdefault(id(v) if v.grad_fn is None else id(v.grad_fn), k)
        return out
    raise TypeError(f"graph: names must be a dict such as locals() or a cr.nn.Module, got {type(names).__name__}")


class _Source:
    """Per op node: where its inputs, values and backward step come from."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.alive = node.inputs is not None and not node.freed
        self.rec = _record.recorded_step(node)
        if self.alive:
            self.input_objs: tuple | None = tuple(node.inputs)
            self.input_values: tuple | None = tuple(node.datas)
            self.out: Any = node.out
        elif self.rec is not None:
            self.input_objs = self.rec.input_tensors
            self.input_values = self.rec.inputs
            self.out = self.rec.output
        elif _replay.kept(node) is not None:  # backward freed the buffers; the node kept its values
            self.input_objs, self.input_values, self.out = node.kept
            if not isinstance(self.input_values, tuple | list):  # a custom Function's saved context: no plain values
                self.input_values = None
        else:
            self.input_objs = None
            self.input_values = None
            self.out = None
            ref = node.tensor_ref() if node.tensor_ref is not None else None
            if ref is not None:
                self.out = ref.array
        self.step: Any = None  # a StepRecord for this graph's backward pass


def _observed_backward(output: Tensor, ops: list[Node], leaves: list[Tensor], seed: Any) -> tuple[dict, dict]:
    """Run a backward pass on the retained graph under the observer; .grad is left untouched."""
    from chainrule.autograd import grad as autograd_grad

    # autograd.grad adds to the .grad of retained intermediates (as PyTorch does): put back what they had
    retained = [t for t in (n.tensor_ref() for n in ops if n.retains_grad and n.tensor_ref is not None)
                if t is not None]
    before = [(t, t.grad) for t in retained]
    try:
        with _observe.observe() as steps:
            grads = autograd_grad([output], leaves, grad_outputs=[wrap(np.asarray(seed))], retain_graph=True,
                                  allow_unused=True)
    finally:
        for t, previous in before:
            t.grad = previous
    records = {id(s.node): _record.step_record(s) for s in steps}
    leaf_grads = {id(t): (None if g is None else g.array) for t, g in zip(leaves, grads)}
    return records, leaf_grads


def _formula(op: Any, i: int) -> str:
    formulas = op.formulas or ()
    if not formulas:
        return "?"
    return formulas[min(i, len(formulas) - 1)]


def _arg_name(op: Any, i: int) -> str:
    names = op.arg_names or ()
    if not names:
        return f"arg{i}"
    return names[i] if i < len(names) else names[-1]


def build_graph(output: Tensor, names: Any = None, grad_output: Any = None, observe_backward: bool = True,
                what: str = "cr.graph") -> dict[str, Any]:
    """The graph document (a dict following docs/graph-schema.md) for `output`'s recorded history."""
    return build_indexed(output, names, grad_output, observe_backward, what)[0]


class _Nodes:
    """The document's nodes while they are collected: op nodes, leaves and constants, each with a stable id,
    in forward order (every node after its inputs)."""

    def __init__(self, explicit: dict[int, str]) -> None:
        self.explicit = explicit
        self.entries: list[dict[str, Any]] = []
        self.by_key: dict[Any, dict[str, Any]] = {}
        self.op_entry: dict[int, dict[str, Any]] = {}
        self.leaf_tensors: list[Tensor] = []
        self.inputs_of: dict[int, list[dict[str, Any] | None]] = {}  # id(node) -> its input entries, in argument order
        self.precedence: dict[str, int] = {}  # node id -> how tightly its name binds as an operand

    def add(self, key: Any, entry: dict[str, Any], base: str | None) -> dict[str, Any]:
        entry["id"] = f"n{len(self.entries)}"
        entry["base"] = base
        self.entries.append(entry)
        self.by_key[key] = entry
        return entry

    def tensor_name(self, t: Tensor) -> str | None:
        return t.name or self.explicit.get(id(t)) or _record.parameter_name(t)

    def input(self, node: Node, src: _Source, i: int) -> dict[str, Any] | None:
        """The entry of input i of `node`, added the first time it is met (None for an input given as None)."""
        parent = node.parents[i]
        if type(parent) is Node:
            return self.op_entry[id(parent)]
        obj = src.input_objs[i] if src.input_objs is not None else None
        value = src.input_values[i] if src.input_values is not None else None
        if isinstance(parent, Tensor):
            if id(parent) not in self.by_key:
                self.leaf_tensors.append(parent)
                self.add(id(parent), {"kind": "leaf", "requires_grad": True,
                                      "value": value_json(value if value is not None else parent.array)},
                         self.tensor_name(parent))
            return self.by_key[id(parent)]
        if isinstance(obj, Tensor):
            if id(obj) not in self.by_key:
                self.add(id(obj), {"kind": "constant", "requires_grad": False,
                                   "value": value_json(value if value is not None else obj.array)},
                         self.tensor_name(obj))
            return self.by_key[id(obj)]
        if obj is None and value is None and src.input_objs is not None:
            return None  # an optional input left out (Linear(bias=False)'s bias): no node, no edge
        v = value_json(value if value is not None else obj)
        text = v["text"] if v is not None else ("?" if src.input_objs is None else repr(obj))
        return self.add((id(node), i), {"kind": "constant", "requires_grad": False, "value": v, "python": text},
                        None)

    def collect(self, ops: list[Node], sources: dict[int, _Source]) -> None:
        for node in ops:
            src = sources[id(node)]
            self.inputs_of[id(node)] = [self.input(node, src, i) for i in range(len(node.parents))]
            self.op_entry[id(node)] = self.add(
                id(node), {"kind": "op", "requires_grad": True, "op": node.op.name, "grad_fn": node.name(),
                           "value": value_json(src.out) if src.out is not None else None},
                node.out_name or self.explicit.get(id(node)))


def _name_nodes(nodes: _Nodes, ops: list[Node], root: Node) -> None:
    """Every node's `name`: its own (explicit) name, else what a learner would write: a letter for an unnamed
    input (`a`, `b`, ...), the value for a small constant (`3.0`), the expression for an unnamed result
    (`w*x + b`, shortened when long) and `L` for an unnamed loss. Names used twice get `#2`, `#3`..."""
    entries = nodes.entries
    root_entry = nodes.op_entry[id(root)]
    taken = {e["base"] for e in entries if e["base"] is not None}
    if root_entry["base"] is None and "L" not in taken:
        root_entry["base"] = "L"
        taken.add("L")
    letters = (c for c in _letters() if c not in taken)
    derived: dict[str, tuple[str, int]] = {}  # id -> (label, precedence)
    for entry in entries:
        if entry.get("python") is not None:
            derived[entry["id"]] = (entry["python"], expression_precedence(entry["python"]))
        elif entry["base"] is not None:
            derived[entry["id"]] = (entry["base"], ATOM)
        elif entry["kind"] == "constant" and entry["value"] is not None and \
                math.prod(entry["value"]["shape"]) <= 3:
            derived[entry["id"]] = (entry["value"]["text"], expression_precedence(entry["value"]["text"]))
        elif entry["kind"] == "constant" and entry["value"] is not None:  # data: called by its shape
            derived[entry["id"]] = (f"tensor({'×'.join(map(str, entry['value']['shape']))})", ATOM)
        elif entry["kind"] != "op":
            derived[entry["id"]] = (next(letters), ATOM)
    for node in ops:
        entry = nodes.op_entry[id(node)]
        if entry["base"] is None:
            ins = [e for e in nodes.inputs_of[id(node)] if e is not None]
            label = _module_label(node, ins, derived) or expression_label(node.op.name, [derived[e["id"]] for e in ins])
            mod = _record.module_of(node)
            if "…" in label[0] and mod is not None:  # deep inside a module: where it is says more than "…"
                where = _short_path(mod[0])
                if where.rsplit(".", 1)[-1].isdigit():
                    where = f"{mod[1]}[{where}]"
                label = (where if mod[1].lower() == node.op.name else f"{where}: {node.op.name}", ATOM)
            derived[entry["id"]] = label
    nodes.precedence = {k: v[1] for k, v in derived.items()}
    bases = [e["base"] for e in entries]
    unique = disambiguate(bases, [derived.get(e["id"], (e["base"] or "?", ATOM))[0] for e in entries])
    for entry, name in zip(entries, unique):
        entry["name"] = entry["python"] if entry.get("python") is not None else name
        entry["explicit_name"] = entry.pop("base") is not None
        entry.pop("python", None)


def _module_label(node: Node, ins: list[dict[str, Any]], derived: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    """`fc1(x)` for the op a module applies with its own parameters (Linear, Conv2d, ...)."""
    mod = _record.module_of(node)
    if mod is None:
        return None
    path = mod[0]
    owned = None
    others = []
    for e in ins:
        prefix = e["base"].rsplit(".", 1)[0] if e["kind"] == "leaf" and e["base"] and "." in e["base"] else None
        if prefix is not None and (path == prefix or path.endswith("." + prefix)):
            owned = prefix
        else:
            others.append(derived[e["id"]][0])
    if owned is None:
        return None
    if owned.rsplit(".", 1)[-1].isdigit():  # a Sequential's child: `Linear[2](x)`, not `2(x)`
        owned = f"{mod[1]}[{owned}]"
    return expression_label(owned, [(o, ATOM) for o in others])


def _short_path(path: str) -> str:
    """`Net.cell` -> `cell`: the root module's class name (added by `chainrule explain`) is left out."""
    head, _, rest = path.partition(".")
    return rest if rest and head[:1].isupper() else path


def _letters() -> Any:
    for k in itertools.count():  # endless: a graph may have more than 26,000 unnamed inputs
        for c in "abcdefghijklmnopqrstuvwxyz":
            yield c if k == 0 else f"{c}{k}"


def _finish_entries(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        entry.setdefault("op", None)
        entry.setdefault("grad_fn", None)
        entry["grad"] = None
        entry["module"] = None
        entry["module_type"] = None
        entry["call"] = None
        entry["calls"] = []
        entry["forward_index"] = None
        entry["backward_index"] = None
        entry["grad_states"] = []
        v = entry["value"]
        entry["shape"] = v["shape"] if v else None
        entry["dtype"] = v["dtype"] if v else None
        entry.setdefault("inputs", [])
        entry.setdefault("arg_names", [])
        entry.setdefault("elementwise", None)
        entry.setdefault("expression", None)
        entry.setdefault("forward_text", None)


def _edges_and_texts(nodes: _Nodes, ops: list[Node]) -> list[dict[str, Any]]:
    """One edge per input of each op (input -> consumer), and each op's expression and forward text."""
    edges: list[dict[str, Any]] = []
    for k, node in enumerate(ops):
        entry = nodes.op_entry[id(node)]
        entry["forward_index"] = k
        positions = [i for i, e in enumerate(nodes.inputs_of[id(node)]) if e is not None]
        ins = [e for e in nodes.inputs_of[id(node)] if e is not None]
        in_names = [e["name"] for e in ins]
        entry["arg_names"] = [_arg_name(node.op, i) for i in positions]
        entry["inputs"] = [e["id"] for e in ins]
        entry["elementwise"] = bool(node.op.elementwise)
        mod = _record.module_of(node)
        if mod is not None:
            entry["module"], entry["module_type"] = mod[0], mod[1]
            entry["call"], entry["calls"] = mod[2], [list(pc) for pc in mod[3]]
        entry["_scopes"] = _record.scopes_of(node)
        op = node.op.name
        prec = nodes.precedence
        expr = expression_text(op, [(e["name"], ATOM if e["explicit_name"] else prec.get(e["id"], ATOM))
                                    for e in ins])
        if op in INFIX and len(ins) == 2:
            vals = f"{symbol(fmt_v(ins[0]))} {INFIX[op]} {symbol(fmt_v(ins[1]))}"
        else:
            vals = f"{op}({', '.join(fmt_v(e) for e in ins)})"
        entry["expression"] = expr
        out_text = entry["value"]["text"] if entry["value"] else "?"
        if entry["name"] == expr:
            entry["forward_text"] = f"{expr} = {vals} = {out_text}" if vals != expr else f"{expr} = {out_text}"
        else:
            entry["forward_text"] = f"{entry['name']} = {expr} = {vals} = {out_text}" if vals != expr else \
                f"{entry['name']} = {expr} = {out_text}"
        for k, (i, src_entry) in enumerate(zip(positions, ins)):
            formula = _formula(node.op, i)
            named = substitute(formula, tuple(entry["arg_names"]), in_names)
            edges.append({
                "id": f"e{len(edges)}", "source": src_entry["id"], "target": entry["id"], "index": i,
                "arg": entry["arg_names"][k], "formula": formula,
                "formula_named": named, "formula_factor": factor(named),
                "flows": node.parents[i] is not None, "local": None, "contribution": None, "step": None,
                "text": None, "accumulated": None,
            })
    return edges


def build_indexed(output: Tensor, names: Any = None, grad_output: Any = None, observe_backward: bool = True,
                  what: str = "cr.graph") -> tuple[dict[str, Any], dict[int, str]]:
    """The graph document and {id(tensor) or id(node): node id} to find the user's tensors in it."""
    root = _check_output(output, what)
    ops = _forward_order(root)
    sources = {id(n): _Source(n) for n in ops}
    notices: list[str] = []
    nodes = _Nodes(_name_map(names))
    nodes.collect(ops, sources)
    gnodes, by_key, op_entry, leaf_tensors = nodes.entries, nodes.by_key, nodes.op_entry, nodes.leaf_tensors
    if op_entry[id(root)]["value"] is None:
        op_entry[id(root)]["value"] = value_json(output.array)
    _name_nodes(nodes, ops, root)
    _finish_entries(gnodes)
    edges = _edges_and_texts(nodes, ops)

    # ---- gradients: observed backward on a retained graph, or recorded steps, or what survives
    root_entry = op_entry[id(root)]
    seed, records, leaf_grads, gradient_source = _gradients(output, ops, sources, leaf_tensors, grad_output,
                                                            observe_backward, root_entry["name"], notices)
    for i, s in sources.items():
        s.step = records.get(i)

    if gradient_source != "partial":
        _backward_details(ops, sources, op_entry, edges, gnodes, root_entry, seed, leaf_grads, by_key)
    else:
        _surviving_gradients(ops, op_entry, leaf_tensors, by_key, output, root_entry)
    # leaves whose .grad accumulated over several backward calls
    for t in leaf_tensors:
        entry = by_key[id(t)]
        if t.grad is not None and entry["grad"] is not None and gradient_source != "partial":
            mine = as_array(entry["grad"]["data"]) if entry["grad"]["data"] is not None else None
            if mine is not None and mine.shape == np.shape(t.grad.array) and not np.allclose(mine, t.grad.array):
                notices.append(f"{entry['name']}.grad holds {fmt_array(np.asarray(t.grad.array))}, not "
                               f"{entry['grad']['text']}: it accumulated over several backward() calls; this graph "
                               f"shows one backward pass.")

    groups = _groups(gnodes, edges)
    n_drawn = len(gnodes)
    default_view = "elements"
    if n_drawn > MAX_ELEMENT_NODES:
        default_view = "groups"
        tops, singles = _top_groups(gnodes, groups)
        kinds = [k for k, on in (("module", any(g["kind"] == "module" for g in groups)),
                                 ("named scope", any(g.get("scope") for g in groups)),
                                 ("op", any(g["kind"] == "op" for g in groups))) if on]
        notices.append(f"{n_drawn} nodes are too many to draw one by one: the graph starts grouped"
                       f"{' by ' + ', '.join(kinds) if kinds else ''} as {tops} {'group' if tops == 1 else 'groups'}"
                       f"{f' and {singles} single nodes' if singles else ''}; open a group to see its nodes.")
    values_status = "complete" if all(e["value"] is not None for e in gnodes) else "partial"
    gnodes[:] = [{k: n[k] for k in NODE_KEYS} for n in gnodes]
    index = {k: v["id"] for k, v in by_key.items() if isinstance(k, int)}
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "root": root_entry["id"],
        "loss_name": root_entry["name"],
        "seed": value_json(seed),
        "status": {"values": values_status, "gradients": gradient_source},
        "default_view": default_view,
        "notices": notices,
        "nodes": gnodes,
        "edges": edges,
        "backward_steps": _backward_steps(ops, sources, op_entry, edges) if gradient_source != "partial" else [],
        "groups": groups,
    }, index


def _top_groups(gnodes: list[dict], groups: list[dict]) -> tuple[int, int]:
    """How many outermost groups and ungrouped nodes the grouped view starts with (as chainrule.viz.view)."""
    by_id = {g["id"]: g for g in groups}
    tops: set[str] = set()
    singles = 0
    for n in gnodes:
        gids = n.get("groups") or []
        mods = [g for g in gids if by_id[g]["kind"] == "module"]
        pick = mods[0] if mods else gids[0] if gids else None
        if pick is None:
            singles += 1
            continue
        while by_id[pick]["parent"] is not None:
            pick = by_id[pick]["parent"]
        tops.add(pick)
    return len(tops), singles


def _seed_of(output: Tensor, grad_output: Any, root_name: str, notices: list[str]) -> np.ndarray:
    out_arr = np.asarray(output.array)
    if grad_output is not None:
        given = grad_output.array if isinstance(grad_output, Tensor) else grad_output
        return np.asarray(given, dtype=out_arr.dtype).reshape(out_arr.shape)
    if out_arr.size != 1:
        notices.append(f"{root_name} is not a scalar (shape {list(out_arr.shape)}): gradients are those of its sum "
                       f"(a gradient of ones), as backward(gradient=ones_like(...)).")
    return np.ones(out_arr.shape, out_arr.dtype)


def _gradients(output: Tensor, ops: list[Node], sources: dict[int, _Source], leaf_tensors: list[Tensor],
               grad_output: Any, observe_backward: bool, root_name: str,
               notices: list[str]) -> tuple[np.ndarray, dict[int, Any], dict[int, Any], str]:
    """Where the backward steps come from, best first: the steps recorded by `cr.explain.record()` (with the
    seed that pass really used), an observed backward on the retained graph, the steps taken again from the
    values the nodes kept after backward freed them, else only what survives ("partial").

    Returns (seed, {id(node): step}, {id(leaf): gradient}, source)."""
    recs = [s.rec for s in sources.values()]
    recorded = all(r is not None for r in recs) and len({r.pass_id for r in recs}) == 1
    all_alive = all(s.alive for s in sources.values())
    if recorded and grad_output is None:  # the recorded pass's own seed (backward(gradient=v)), not ones
        seed = np.asarray(sources[id(ops[-1])].rec.upstream)
        if seed.size != 1 or float(seed.reshape(())) != 1.0:
            notices.append(f"the gradient seeded at {root_name} was {fmt_array(seed)} (backward(gradient=...)): "
                           f"every gradient below is for that seed.")
        return seed, {i: s.rec for i, s in sources.items()}, {}, "recorded"
    seed = _seed_of(output, grad_output, root_name, notices)
    if recorded:
        own = np.asarray(sources[id(ops[-1])].rec.upstream)
        if own.shape == np.shape(seed) and np.array_equal(own, seed):
            return seed, {i: s.rec for i, s in sources.items()}, {}, "recorded"
        # grad_output asks for another seed than the recorded pass used: its steps are not this seed's gradients
    if all_alive:
        if observe_backward:
            try:
                records, leaf_grads = _observed_backward(output, ops, leaf_tensors, seed)
                return seed, records, leaf_grads, "observed"
            except RuntimeError as exc:  # e.g. a saved tensor was modified in place since: say so, show values
                notices.append(f"the engine could not run backward on this graph, so no gradients are shown: {exc}")
        return seed, {}, {}, "partial"
    if observe_backward and _replay.replayable(ops):
        changed = _replay.modified_since(ops)
        if changed is None:
            try:
                records, leaf_grads = _replay.replay(ops, seed)
                return seed, records, leaf_grads, "replayed"
            except Exception as exc:  # noqa: BLE001 - an op's rule refused the kept values: show what survives
                notices.append(f"the backward steps could not be taken again from the values the graph kept: {exc}")
        else:
            notices.append(f"{changed} was modified in place after this graph used it (an optimizer step?), so "
                           f"the steps cannot be shown with the values it had.")
    notices.append(FREED_NOTICE)
    return seed, {}, {}, "partial"


def fmt_v(entry: dict[str, Any]) -> str:
    v = entry.get("value")
    return v["text"] if v else "?"


def _backward_details(ops: list[Node], sources: dict[int, _Source], op_entry: dict[int, dict], edges: list[dict],
                      gnodes: list[dict], root_entry: dict, seed: Any, leaf_grads: dict[int, Any],
                      by_key: dict[Any, dict]) -> None:
    by_id = {e["id"]: e for e in gnodes}
    edges_of: dict[str, list[dict]] = {}
    for e in edges:
        edges_of.setdefault(e["target"], []).append(e)
    root_entry["grad_states"].append({"step": -1, "text": fmt_array(np.asarray(seed)), "terms": [], "complete": True})
    running: dict[str, tuple[Any, list[str]]] = {}
    consumers: dict[str, int] = {}
    for e in edges:
        if e["flows"]:
            consumers[e["source"]] = consumers.get(e["source"], 0) + 1
    seen_edges: dict[str, int] = {}
    steps = sorted((s.step.index, n) for n in ops if (s := sources[id(n)]).step is not None)
    for index, node in steps:
        rec = sources[id(node)].step
        entry = op_entry[id(node)]
        entry["backward_index"] = index
        entry["grad"] = value_json(rec.upstream)
        up_text = entry["grad"]["text"] if entry["grad"] is not None else "?"  # each value is formatted once
        for e in edges_of[entry["id"]]:
            i = e["index"]
            e["step"] = index
            local = rec.local[i] if i < len(rec.local) else None
            contrib = rec.contributions[i] if i < len(rec.contributions) else None
            if not e["flows"]:  # some VJPs compute every input's gradient; only those that flow count
                continue
            e["local"] = value_json(local)
            e["contribution"] = value_json(contrib)
            if contrib is None or as_array(contrib) is None:  # None, or not an array (the packed gradients
                continue  # an output of a custom Function with several outputs sends to it): nothing to add up
            c_text = e["contribution"]["text"]
            if local is not None:
                e["text"] = f"{up_text} × {e['local']['text'] if e['local'] is not None else '?'} = {c_text}"
            else:
                e["text"] = f"{e['formula']} with G = {up_text} → {c_text}"
            target = by_id[e["source"]]
            arr = as_array(contrib)
            prev = running.get(target["id"])
            total = arr if prev is None else prev[0] + arr
            terms = ([] if prev is None else prev[1]) + [c_text]
            running[target["id"]] = (total, terms)
            seen_edges[target["id"]] = seen_edges.get(target["id"], 0) + 1
            complete = seen_edges[target["id"]] == consumers.get(target["id"], 0)
            acc_text = c_text if len(terms) == 1 else f"{_sum_text(terms)} = {fmt_array(total)}"
            state = {"step": index, "text": acc_text, "terms": terms, "complete": complete}
            e["accumulated"] = {"terms": terms, "text": acc_text, "complete": complete,
                                "count": len(terms), "of": consumers.get(target["id"], 0)}
            target["grad_states"].append(state)
    for e in gnodes:
        if e["kind"] == "leaf" and e["id"] in running:
            e["grad"] = value_json(running[e["id"]][0])
    # the engine's own leaf totals, when the observed run returned them
    for key, g in leaf_grads.items():
        if g is not None and key in by_key:
            by_key[key]["grad"] = value_json(g)


MAX_SUM_TERMS = 6  # a longer sum (a weight used in 200 time steps) is written with its first and last terms


def _sum_text(terms: list[str]) -> str:
    """`a + b + c`, or for a long sum `a + b + … + z (200 terms)`: every term stays in the state's `terms`."""
    if len(terms) <= MAX_SUM_TERMS:
        return " + ".join(terms)
    return f"{terms[0]} + {terms[1]} + … + {terms[-1]} ({len(terms)} terms)"


def _surviving_gradients(ops: list[Node], op_entry: dict[int, dict], leaf_tensors: list[Tensor],
                         by_key: dict[Any, dict], output: Tensor, root_entry: dict) -> None:
    for t in leaf_tensors:
        if t.grad is not None:
            by_key[id(t)]["grad"] = value_json(t.grad.array)
    for node in ops:
        ref = node.tensor_ref() if node.tensor_ref is not None else None
        if ref is not None and ref.grad is not None:
            op_entry[id(node)]["grad"] = value_json(ref.grad.array)
    if (output.is_leaf or output.retains_grad) and output.grad is not None:  # a non-leaf's .grad warns
        root_entry["grad"] = value_json(output.grad.array)


def _backward_steps(ops: list[Node], sources: dict[int, _Source], op_entry: dict[int, dict],
                    edges: list[dict]) -> list[dict[str, Any]]:
    out = []
    by_target: dict[str, list[str]] = {}
    for e in edges:
        by_target.setdefault(e["target"], []).append(e["id"])
    for node in ops:
        s = sources[id(node)].step
        if s is None:
            continue
        entry = op_entry[id(node)]
        out.append({"index": s.index, "node": entry["id"], "upstream": entry["grad"],
                    "edges": by_target.get(entry["id"], [])})
    out.sort(key=lambda d: d["index"])
    return out


def _depths(gnodes: list[dict], edges: list[dict]) -> dict[str, int]:
    depth: dict[str, int] = {}
    inputs: dict[str, list[str]] = {}
    for e in edges:
        inputs.setdefault(e["target"], []).append(e["source"])
    for n in gnodes:  # gnodes are in forward order: inputs come first
        ins = inputs.get(n["id"], [])
        depth[n["id"]] = 1 + max((depth.get(i, 0) for i in ins), default=-1)
    return depth


_CELLS = ("RNNCell", "LSTMCell", "GRUCell")
_GATE_COUNT = {"LSTM": 4, "LSTMCell": 4, "GRU": 3, "GRUCell": 3, "RNN": 1, "RNNCell": 1}


def module_description(type_name: str, params: dict[str, list[int]]) -> str:
    """What a module is, as a learner would write it, from its type and its parameters' shapes:
    `Linear(64->32)`, `Conv2d(3->16, 3x3)`, `LSTMCell(10->20)`, `LSTM(10->20)`, `Embedding(100, 16)`,
    `LayerNorm(32)`; the type name alone when the shapes are not known."""
    w = params.get("weight")
    if type_name in _GATE_COUNT:
        wi = params.get("weight_ih", params.get("weight_ih_l0"))
        wh = params.get("weight_hh", params.get("weight_hh_l0"))
        if wi is not None and wh is not None and len(wi) == 2 and len(wh) == 2:
            return f"{type_name}({wi[1]}->{wh[0] // _GATE_COUNT[type_name]})"
        return type_name
    if w is None:
        return type_name
    if type_name in ("Linear", "LazyLinear") and len(w) == 2:
        return f"Linear({w[1]}->{w[0]})"
    if type_name.startswith("ConvTranspose") and len(w) >= 3:
        return f"{type_name}({w[0]}->{w[1]}, {'x'.join(map(str, w[2:]))})"
    if type_name.startswith("Conv") and len(w) >= 3:
        return f"{type_name}({w[1]}->{w[0]}, {'x'.join(map(str, w[2:]))})"
    if type_name == "Embedding" and len(w) == 2:
        return f"Embedding({w[0]}, {w[1]})"
    if len(w) == 1:  # LayerNorm, BatchNorm1d, GroupNorm ...: the number of features
        return f"{type_name}({w[0]})"
    return type_name


def _call_groups(gnodes: list[dict], groups: dict[str, dict[str, Any]]) -> None:
    """Calls numbered 0, 1, ... within this graph; a module called more than once (a cell once per time step, a
    shared block) gets one group per call, nested in the module's group, holding every node made during that
    call (its submodules' too)."""
    seen: dict[str, list[int]] = {}
    for n in gnodes:
        for path, call in n["calls"]:
            seen.setdefault(path, []).append(call)
    renumber = {path: {c: k for k, c in enumerate(sorted(set(cs)))} for path, cs in seen.items()}
    for n in gnodes:
        n["calls"] = [[path, renumber[path][call]] for path, call in n["calls"]]
        if n["module"] is not None and n["call"] is not None and n["module"] in renumber:
            n["call"] = renumber[n["module"]].get(n["call"], n["call"])
    for path, numbers in renumber.items():
        gid = f"m:{path}"
        if gid in groups:
            groups[gid]["calls"] = len(numbers)
        if len(numbers) < 2 or gid not in groups:
            continue
        cell = groups[gid]["module_type"] in _CELLS  # a cell is called once per time step
        for k in range(len(numbers)):
            label = f"{groups[gid]['label']}, " + (f"t={k}" if cell else f"call {k + 1} of {len(numbers)}")
            groups[f"{gid}@{k}"] = {"id": f"{gid}@{k}", "kind": "call", "label": label, "path": path,
                                    "module_type": groups[gid]["module_type"], "parent": gid, "call": k, "nodes": []}
    for n in gnodes:
        for path, call in n["calls"]:
            gid = f"m:{path}@{call}"
            if gid in groups:
                groups[gid]["nodes"].append(n["id"])
    for g in groups.values():
        g.setdefault("calls", None)
        g.setdefault("call", None)


def _scope_groups(gnodes: list[dict], edges: list[dict], groups: dict[str, dict[str, Any]]) -> set[str]:
    """One "call" group per named scope (`record_function`: a time step of nn.LSTM, a user's block), holding
    every node made inside it, nested in its enclosing scope, else in the innermost module call all its nodes
    share. A leaf or constant joins the scopes all its consumers are in (a layer's weights: that layer). Ids
    `s:0`, `s:1`, ... in the order the scopes were entered."""
    by_id = {n["id"]: n for n in gnodes}
    inputs_chain: dict[str, tuple] = {}  # a leaf or constant: the scopes every one of its consumers is in
    for e in edges:
        chain = by_id[e["target"]].get("_scopes") or ()
        prev = inputs_chain.get(e["source"])
        if prev is None:
            inputs_chain[e["source"]] = chain
        elif prev:
            k = 0
            while k < min(len(prev), len(chain)) and prev[k] == chain[k]:
                k += 1
            inputs_chain[e["source"]] = prev[:k]
    members: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    parents: dict[int, int | None] = {}
    shared: dict[int, list | None] = {}  # scope -> the module calls all its op nodes share (a common prefix)
    for n in gnodes:
        chain = n.get("_scopes") or () if n["kind"] == "op" else inputs_chain.get(n["id"], ())
        for depth, (sid, name) in enumerate(chain):
            if sid not in members:
                members[sid], names[sid], parents[sid] = [], name, chain[depth - 1][0] if depth else None
            members[sid].append(n["id"])
            if n["kind"] != "op":
                continue
            calls = n["calls"]
            prefix = shared.get(sid)
            if sid not in shared:
                shared[sid] = list(calls)
            elif prefix:
                k = 0
                while k < min(len(prefix), len(calls)) and prefix[k] == calls[k]:
                    k += 1
                shared[sid] = prefix[:k]
    number = {sid: k for k, sid in enumerate(sorted(members))}
    for sid in sorted(members):
        within = shared.get(sid) or []
        path = within[-1][0] if within else None
        parent = None
        if parents[sid] is not None:
            parent = f"s:{number[parents[sid]]}"
        elif within:
            parent = next((g for g in (f"m:{path}@{within[-1][1]}", f"m:{path}") if g in groups), None)
        gid = f"s:{number[sid]}"
        groups[gid] = {"id": gid, "kind": "call", "label": names[sid], "scope": names[sid], "path": path,
                       "module_type": groups[f"m:{path}"]["module_type"] if f"m:{path}" in groups else None,
                       "parent": parent, "call": None, "calls": None, "nodes": members[sid]}
    return {nid for m in members.values() for nid in m}


def _groups(gnodes: list[dict], edges: list[dict]) -> list[dict[str, Any]]:
    """Module groups (nested by path) and op groups (same op at the same depth, outside modules)."""
    groups: dict[str, dict[str, Any]] = {}
    paths = {n["module"]: n["module_type"] for n in gnodes if n["module"]}
    for path, type_name in paths.items():
        parent = path.rsplit(".", 1)[0] if "." in path else None
        groups[f"m:{path}"] = {"id": f"m:{path}", "kind": "module", "label": f"{path} ({type_name})",
                               "path": path, "module_type": type_name,
                               "parent": f"m:{parent}" if parent in paths else None, "nodes": []}
    for n in gnodes:
        if n["module"]:
            groups[f"m:{n['module']}"]["nodes"].append(n["id"])
    # parameters join the module that owns them (`fc1.weight` -> `fc1`, or `Net.fc1` when the path has the root)
    owned: dict[str, dict[str, list[int]]] = {}  # module path -> {parameter name: shape}
    for n in gnodes:
        if n["kind"] == "leaf" and "." in n["name"]:
            prefix = n["name"].rsplit(".", 1)[0]
            owner = prefix if prefix in paths else next((p for p in paths if p.endswith("." + prefix)), None)
            if owner is not None:
                groups[f"m:{owner}"]["nodes"].append(n["id"])
                n["module"] = owner
                n["module_type"] = paths[owner]
                if n["shape"] is not None:
                    owned.setdefault(owner, {})[n["name"].rsplit(".", 1)[1]] = n["shape"]
    for path, type_name in paths.items():
        what = module_description(type_name, owned.get(path, {}))
        where = _short_path(path)
        groups[f"m:{path}"]["label"] = what if where == type_name else f"{where}: {what}"
    _call_groups(gnodes, groups)
    scoped = _scope_groups(gnodes, edges, groups)
    for g in groups.values():
        g.setdefault("scope", None)
    depth = _depths(gnodes, edges)
    consumers: dict[str, str] = {}
    for e in edges:
        consumers.setdefault(e["source"], e["target"])
    by_op: dict[tuple, list[str]] = {}
    by_id = {n["id"]: n for n in gnodes}
    for n in gnodes:
        if n["module"] or n["id"] in scoped:
            continue
        if n["kind"] == "op":
            key = ("op", n["op"], depth[n["id"]])
        else:
            c = by_id.get(consumers.get(n["id"], ""))
            key = (n["kind"], c["op"] if c else None, depth[c["id"]] if c else 0)
        by_op.setdefault(key, []).append(n["id"])
    for (kind, op, d), members in by_op.items():
        if len(members) < 2:
            continue
        gid = f"o:{kind}:{op}:{d}"
        if kind == "op":  # `mul ×32 (forward 5)`: the ops, and where the first one runs in the forward pass
            label = f"{op} ×{len(members)} (forward {min(by_id[m]['forward_index'] for m in members) + 1})"
        else:  # the inputs by name: `w1, w2 and 30 more → mul`
            names = [by_id[m]["name"] for m in members]
            what = ", ".join(names) if len(names) <= 3 else f"{names[0]}, {names[1]} and {len(names) - 2} more"
            label = f"{what} → {op}"
        groups[gid] = {"id": gid, "kind": "op", "label": label, "path": None, "module_type": None, "calls": None,
                       "call": None, "parent": None, "nodes": members}
    for g in groups.values():
        for nid in g["nodes"]:
            by_id[nid].setdefault("groups", []).append(g["id"])
    for n in gnodes:
        n.setdefault("groups", [])
    return list(groups.values())
