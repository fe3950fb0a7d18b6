"""Running a model on example inputs and reading the graph it records (no `onnx` import here).

Every input that is a floating-point tensor is replaced by a copy that requires grad, so each op that depends on
it is recorded (`y.grad_fn`, node by node through `node.parents`). Module forward hooks tag each node with the
innermost module whose forward made it. The model runs twice, the second time on inputs grown by one along the
dynamic axis (and with slightly different values): the two graphs must match op for op, their shapes tell which
axes follow the dynamic one, and a constant operand that differs between the runs was computed from the input
outside the graph (a comparison, `.item()`, NumPy) and cannot be exported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule import nn
from chainrule.engine.grad_mode import enable_grad
from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor
from chainrule.explain.record import iter_tensors
from chainrule.onnx.errors import OnnxExporterError

# operand kinds of a traced node
NODE, INPUT, PARAM, CONST, NONE = "node", "input", "param", "const", "none"


@dataclass
class Operand:
    kind: str  # NODE (index of a traced node), INPUT (index of a graph input), PARAM, CONST, NONE
    index: int = -1
    value: Any = None  # PARAM: the tensor; CONST: the array or Python scalar


@dataclass
class Traced:
    """One recorded op, in topological order."""

    node: Node
    op: str
    attrs: dict
    operands: list[Operand]
    shape: tuple[int, ...]
    dtype: np.dtype
    path: str | None  # the module whose forward made it ("" for the model itself), None outside any module
    module_type: str | None
    # filled from the second run: the output's axes whose size follows the dynamic input axis
    dynamic: tuple[int, ...] = ()
    shape2: tuple[int, ...] = ()
    attrs2: dict = field(default_factory=dict)
    depends: bool = True  # whether it depends on a graph input (else it is folded into a constant)

    def where(self) -> str:
        if self.path is None:
            return f"'{self.op}' ({self.node.name()})"
        return f"'{self.op}' ({self.node.name()}) in module '{self.path or '<model>'}' ({self.module_type})"


@dataclass
class Trace:
    nodes: list[Traced]
    outputs: list[Operand]
    inputs: list[Tensor]  # the tensors the model ran on


def _node_of(t: Any) -> Node | None:
    fn = getattr(t, "grad_fn", None)
    return fn if type(fn) is Node else None


# Modules translated whole (their forward's ops are not all exportable one by one): module type -> the op name
# the exporter translates, and the module's tensors that follow its input as operands.
WHOLE_MODULES: dict[str, tuple[str, tuple[str, ...]]] = {"PReLU": ("prelu", ("weight",))}


def run(model: Any, inputs: list[Tensor]) -> tuple[Any, dict[int, Any], list[Tensor]]:
    """Run the model on copies of `inputs` (floating ones requiring grad); returns (result, node id -> (module
    path, type), the copies). Nodes that end a call of a module in WHOLE_MODULES are tagged with a third item:
    (op name, operand tensors)."""
    tagged: dict[int, Any] = {}
    keep: list[Node] = []  # tagged nodes stay alive so their ids stay unique during the run
    handles = []
    if isinstance(model, nn.Module):
        for path, module in model.named_modules():
            type_name = type(module).__name__

            def tag(_module: Any, args: Any, kwargs: Any, result: Any, _path: str = path,
                    _type: str = type_name) -> None:
                stop = {id(n) for n in map(_node_of, iter_tensors((args, kwargs))) if n is not None}
                stack = [n for n in map(_node_of, iter_tensors(result)) if n is not None]
                whole = WHOLE_MODULES.get(_type)
                if whole is not None and isinstance(result, Tensor) and stack and len(args) == 1 and not kwargs:
                    node = stack[0]
                    operands = (args[0],) + tuple(getattr(_module, name) for name in whole[1])
                    if id(node) not in tagged:
                        tagged[id(node)] = (_path, _type, (whole[0], operands))
                        keep.append(node)
                    return
                seen: set[int] = set()
                while stack:
                    node = stack.pop()
                    if id(node) in stop or id(node) in seen:
                        continue  # made before this module ran
                    seen.add(id(node))
                    if id(node) not in tagged:  # else made inside a submodule, which was tagged first
                        tagged[id(node)] = (_path, _type)
                        keep.append(node)
                    stack.extend(p for p in node.parents if type(p) is Node)

            handles.append(module.register_forward_hook(tag, with_kwargs=True))
    copies = []
    for x in inputs:
        c = x.detach().clone()
        if c.is_floating_point():
            c.requires_grad_(True)
        copies.append(c)
    try:
        with enable_grad():
            result = model(*copies)
    finally:
        for handle in handles:
            handle.remove()
    return result, tagged, copies


def _flatten_outputs(result: Any) -> list[Any]:
    if isinstance(result, Tensor):
        return [result]
    if isinstance(result, list | tuple) and result and all(isinstance(r, Tensor) for r in result):
        return list(result)
    raise OnnxExporterError(f"onnx.export: the model must return a tensor or a tuple of tensors, got "
                            f"{type(result).__name__}")


def read_graph(result: Any, tagged: dict[int, Any], inputs: list[Tensor],
               params: dict[int, str]) -> Trace:
    """The recorded graph behind `result`, in topological order."""
    outs = _flatten_outputs(result)
    input_ids = {id(t): i for i, t in enumerate(inputs)}
    input_datas = {id(t.array): i for i, t in enumerate(inputs)}
    order: list[Node] = []
    index: dict[int, int] = {}
    visiting: set[int] = set()

    def parents(node: Node) -> list[Any]:
        """The node's parents, or for a module translated whole, its operands' nodes (or tensors)."""
        entry = tagged.get(id(node))
        if entry is not None and len(entry) == 3:
            return [_node_of(t) or t for t in entry[2][1]]
        return list(node.parents)

    for out in outs:
        root = _node_of(out)
        if root is None or id(root) in index:
            continue
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                visiting.discard(id(node))
                if id(node) not in index:
                    index[id(node)] = len(order)
                    order.append(node)
                continue
            if id(node) in index or id(node) in visiting:
                continue
            visiting.add(id(node))
            stack.append((node, True))
            for p in reversed(parents(node)):
                if type(p) is Node and id(p) not in index:
                    stack.append((p, False))

    def operand(value: Any, parent: Any) -> Operand:
        if type(parent) is Node:
            return Operand(NODE, index[id(parent)])
        if isinstance(parent, Tensor):
            if id(parent) in input_ids:
                return Operand(INPUT, input_ids[id(parent)])
            return Operand(PARAM, value=parent)
        if value is None:
            return Operand(NONE)
        if isinstance(value, Tensor):
            if id(value) in input_ids:
                return Operand(INPUT, input_ids[id(value)])
            if id(value) in params:
                return Operand(PARAM, value=value)
            return Operand(CONST, value=np.asarray(value.array))
        return Operand(CONST, value=value)

    traced = []
    for node in order:
        entry = tagged.get(id(node), (None, None))
        if len(entry) == 3:
            op_name, tensors = entry[2]
            operands = [operand(t, _node_of(t) or (t if t.requires_grad else None)) for t in tensors]
            traced.append(Traced(node, op_name, {}, operands, tuple(np.shape(node.out)), np.asarray(node.out).dtype,
                                 entry[0], entry[1]))
            continue
        operands = [operand(node.inputs[i] if node.inputs is not None else None, p)
                    for i, p in enumerate(node.parents)]
        attrs = dict(node.attrs or {})
        # an advanced index that is an input's own array (an embedding lookup on integer input): a graph input
        idx = attrs.get("index")
        if node.op.name == "index" and isinstance(idx, tuple):
            attrs["index"] = tuple(Operand(INPUT, input_datas[id(a)]) if isinstance(a, np.ndarray) and
                                   id(a) in input_datas else a for a in idx)
        out = node.out
        path, type_name = entry[0], entry[1]
        traced.append(Traced(node, node.op.name, attrs, operands, tuple(np.shape(out)), np.asarray(out).dtype,
                             path, type_name))
    for t in traced:
        t.depends = any(o.kind == INPUT or (o.kind == NODE and traced[o.index].depends) for o in t.operands) or \
            any(isinstance(a, Operand) for a in t.attrs.get("index", ()) if t.op == "index")
    outputs = []
    for out in outs:
        made_by = _node_of(out)
        if made_by is not None:
            outputs.append(Operand(NODE, index[id(made_by)]))
        elif id(out) in input_ids:
            outputs.append(Operand(INPUT, input_ids[id(out)]))
        else:
            raise OnnxExporterError("onnx.export: an output of the model does not depend on its input (no op "
                                    "recorded between them): nothing to export")
    return Trace(traced, outputs, inputs)
