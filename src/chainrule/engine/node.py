"""A recorded operation in the graph (a tensor's `grad_fn`)."""

from __future__ import annotations

from typing import Any


class Node:
    """One application of an op: what backward needs (inputs, output) and where gradients go (parents).

    `parents[i]` is the node that produced input i, the leaf tensor itself when input i is a leaf
    that requires grad, or None when no gradient flows to it. `inputs` and `out` are the saved
    buffers; the backward walk frees them unless asked to retain the graph.
    """

    __slots__ = (
        "op", "inputs", "parents", "out", "attrs", "versions", "tensor_ref",
        "hooks", "retains_grad", "out_modified", "creation_trace", "out_name", "__weakref__",
    )

    def __init__(self, op: Any, inputs: tuple, parents: tuple, out: Any, attrs: dict | None,
                 versions: tuple) -> None:
        self.op = op
        self.inputs = inputs
        self.parents = parents
        self.out = out
        self.attrs = attrs
        self.versions = versions
        self.tensor_ref = None  # weakref to the output tensor, only set for retain_grad/hooks
        self.hooks = None
        self.retains_grad = False
        self.out_modified = False
        self.creation_trace = None
        self.out_name = None

    def name(self) -> str:
        """PyTorch's grad_fn name, e.g. 'MulBackward0'."""
        return self.op.backward_name

    @property
    def next_functions(self) -> tuple:
        """(parent, 0) pairs as in PyTorch; leaves appear as themselves (PyTorch shows AccumulateGrad)."""
        return tuple((p, 0) for p in self.parents)

    @property
    def saved_freed(self) -> bool:
        return self.inputs is None

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"
