"""A recorded operation in the graph (a tensor's `grad_fn`)."""

from __future__ import annotations

import itertools
from typing import Any

# Creation order, counting down: a node is always made after the nodes it sends gradients to, so the backward
# walk that takes the smallest number first (the newest node) takes every node after all its consumers.
next_sequence = itertools.count(0, -1).__next__


class Node:
    """One application of an op: what backward needs (inputs, output) and where gradients go (parents).

    `parents[i]` is the node that produced input i, the leaf tensor itself when input i is a leaf
    that requires grad, or None when no gradient flows to it. `inputs` (and their values, `datas`)
    and `out` are the saved
    buffers; the backward walk frees them unless asked to retain the graph. `epoch` is the global
    in-place counter at creation, used to detect saved inputs modified in place afterwards.
    """

    # Hot fields are slots set once per op; rarely-set ones default to class attributes.
    __slots__ = ("op", "inputs", "datas", "parents", "out", "attrs", "epoch", "acc", "seq", "mark", "freed",
                 "__dict__", "__weakref__")
    acc: Any  # the backward walk's gradient summed so far (set when a walk first reaches the node)
    mark: object | None  # which walk reached the node last
    tensor_ref: Any = None  # weakref to the output tensor, only set for retain_grad
    hooks: list | None = None
    retains_grad: bool = False
    watched = False  # hooks or retain_grad set: the backward walk checks this one flag per node
    out_modified: bool = False
    creation_trace: str | None = None
    out_name: str | None = None

    def __init__(self, op: Any, inputs: tuple, datas: Any, parents: tuple, out: Any, attrs: dict | None,
                 epoch: int) -> None:
        # ops' nodes are made by `chainrule.ops.registry.record`, which sets these same fields without this call
        self.op = op
        self.inputs = inputs
        self.datas = datas
        self.parents = parents
        self.out = out
        self.attrs = attrs
        self.epoch = epoch
        self.seq = next_sequence()  # creation order (counting down): the walk's priority, as PyTorch's sequence_nr
        self.mark = None  # scratch for the backward walk: which walk reached this node (its `acc`, the gradient
        # summed so far, is set when a walk first reaches it)
        self.freed = False  # a backward without retain_graph has used the saved buffers (see `kept`)

    @property
    def kept(self) -> tuple | None:
        """(inputs, datas, out) as recorded, until the graph itself is dropped, also after a backward without
        retain_graph marked the node `freed` (the walk then refuses to use it again): explanations after
        `loss.backward()` read them, never the backward walk. None for a custom Function's node, whose
        saved tensors (its ctx) backward releases, as PyTorch does."""
        datas = self.datas
        return (self.inputs, datas, self.out) if type(datas) is tuple or type(datas) is list else None

    def name(self) -> str:
        """PyTorch's grad_fn name, e.g. 'MulBackward0'."""
        return self.op.backward_name

    # No __getattr__ here: it would stop CPython specializing attribute reads on nodes in the backward walk.
    @property
    def ctx(self) -> Any:
        """The `ctx` of a custom `cr.autograd.Function`'s node (PyTorch's grad_fn is its ctx); None otherwise."""
        attrs = self.attrs
        return attrs.get("ctx") if attrs is not None else None

    @property
    def saved_tensors(self) -> tuple:
        """A custom Function's saved tensors, as PyTorch's `y.grad_fn.saved_tensors`."""
        ctx = self.ctx
        if ctx is None:
            raise AttributeError(f"'{self.name()}' has no saved_tensors: only a custom Function's node has them")
        return ctx.saved_tensors

    @property
    def next_functions(self) -> tuple:
        """(parent, 0) pairs as in PyTorch; leaves appear as themselves (PyTorch shows AccumulateGrad)."""
        return tuple((p, 0) for p in self.parents)

    def __repr__(self) -> str:
        # a custom Function's node prints with its module path, as PyTorch's (`chainrule.autograd.function.`)
        return f"<{getattr(self.op, 'repr_prefix', '')}{self.name()} object at {hex(id(self))}>"
