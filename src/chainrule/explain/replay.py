"""Explaining a graph after `backward()` freed it: the steps again, from the values the nodes keep.

A plain `loss.backward()` frees each node's saved buffers, but every node keeps what it recorded
(`Node.kept`: inputs, their values and its output) for as long as the graph lives. From those, this
module takes the same steps the engine took: each op's own derivative rule (`op.backward`, the VJP the
engine applies) and its local derivatives (`op.local_derivatives`), in an order where every node comes
after all its consumers, summing gradients where paths meet. Nothing is assigned to a node and `.grad`
is not touched; the result has the shape of `cr.explain.record()`'s records.
"""

from __future__ import annotations

from typing import Any

from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor, changed_since
from chainrule.engine.xp import NUMPY
from chainrule.explain.record import StepRecord, step_record


class _Step:
    """What `step_record` reads from an observed step, built here instead."""

    __slots__ = ("index", "node", "input_tensors", "inputs", "output", "upstream", "local", "contributions")

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


def kept(node: Node) -> tuple | None:
    """(inputs, datas, out) as the node recorded them, or None for a node that keeps nothing."""
    return getattr(node, "kept", None)


def replayable(ops: list[Node]) -> bool:
    """Every node kept its values and no hook changes gradients on the way (a replay would not see it)."""
    for node in ops:
        k = kept(node)
        if k is None or not isinstance(k[1], tuple | list) or node.hooks or getattr(node.op, "user_code", False):
            return False
    return True


def modified_since(ops: list[Node]) -> str | None:
    """The first input changed in place after a node used it (an optimizer step, `x.add_(1)`), else None:
    the same check as the engine's before it uses saved values."""
    for node in ops:
        inputs, datas, _ = node.kept  # type: ignore[misc]
        for i, (x, data) in enumerate(zip(inputs, datas)):
            if isinstance(x, Tensor) and changed_since(x, data, node.epoch):
                return f"input {i} of {node.name()} (shape {tuple(x.shape)})"
    return None


def replay(ops: list[Node], seed: Any) -> tuple[dict[int, StepRecord], dict[int, Any]]:
    """The backward steps of the graph whose op nodes are `ops` (inputs before consumers), from `seed`.

    Returns ({id(node): StepRecord}, {id(leaf tensor): total gradient}). Raises whatever an op's rule
    raises (the caller then shows what survives).
    """
    acc: dict[int, Any] = {id(ops[-1]): seed}
    leaf_grads: dict[int, Any] = {}
    records: dict[int, StepRecord] = {}
    index = 0
    for node in reversed(ops):
        g = acc.pop(id(node), None)
        if g is None:
            continue
        inputs, datas, out = node.kept  # type: ignore[misc]
        in_grads = tuple(node.op.backward(node, g, NUMPY, datas, out))
        local = node.op.local_derivatives(node, NUMPY, datas, out)
        step = _Step(index=index, node=node, input_tensors=inputs, inputs=datas, output=out, upstream=g,
                     local=local, contributions=in_grads)
        records[id(node)] = step_record(step)
        index += 1
        for parent, gi in zip(node.parents, in_grads):
            if parent is None or gi is None:
                continue
            table = acc if type(parent) is Node else leaf_grads
            prev = table.get(id(parent))
            table[id(parent)] = gi if prev is None else prev + gi
    return records, leaf_grads
