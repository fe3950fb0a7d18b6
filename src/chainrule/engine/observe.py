"""Watching a backward pass node by node: the public observer API the explanations build on.

    with cr.autograd.observe() as steps:
        loss.backward()
    for step in steps:
        print(step.op_name, step.upstream, step.local, step.contributions)

Costs nothing when no observer is active (the walk checks once per backward call).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class _ThreadObservers(threading.local):
    """Observers belong to the thread that opened them: a backward pass in another thread (a server
    handling two requests) is not recorded by this one's `observe()`."""

    def __init__(self) -> None:
        self.active: list[Callable[[BackwardStep], None]] = []
        self.calls: list[Callable[[BackwardCall], None]] = []


_local = _ThreadObservers()


@dataclass(frozen=True)
class BackwardStep:
    """One node processed by the backward walk, in processing order.

    input_tensors: the op's inputs as recorded (tensors, or Python scalars for constants); `inputs`: their
      values as the VJP saw them (NumPy arrays, or tensors under create_graph=True).
    upstream: the gradient of the final output with respect to this node's output (already summed
      over every path that reaches it).
    local: per input, the local derivative d(out)/d(input) of an elementwise op, computed by the very rule
      the engine applied (the op's rule at an upstream of ones, at the output's shape): upstream * local is
      the contribution before it is summed over broadcast dimensions (a rule that routes the gradient through
      a gate sends +0 where local is 0, even for an infinite or NaN upstream). None for an input that takes
      no gradient and for ops whose Jacobian is not elementwise (then see `formulas`).
    formulas: per input, the formula for people (for elementwise ops, in the evaluable language of
      `chainrule.ops.formula`, the same rule as `local`).
    contributions: per input, the gradient this node sends to that input (None where none flows).
    """

    index: int
    node: Any
    op_name: str
    input_tensors: tuple
    inputs: tuple
    output: Any
    upstream: Any
    local: tuple
    formulas: tuple[str, ...]
    arg_names: tuple[str, ...]
    contributions: tuple

    @property
    def output_name(self) -> str | None:
        return self.node.out_name

    def input_names(self) -> list[str | None]:
        """The names of the inputs: a tensor's `name`, or the name recorded on the node that produced it."""
        names = []
        for x in self.input_tensors:
            name = getattr(x, "name", None)
            if name is None and getattr(x, "grad_fn", None) is not None:
                name = x.grad_fn.out_name
            names.append(name)
        return names


class observe:  # noqa: N801 - a context manager, lowercase like PyTorch's
    """Record every backward step taken inside the block; optionally call `callback(step)` for each.

    `keep=False` (with a callback) keeps no steps: each step holds its node and values alive, so a
    long-running observer (a whole training script) should keep only what it needs."""

    def __init__(self, callback: Callable[[BackwardStep], None] | None = None, keep: bool = True) -> None:
        self.steps: list[BackwardStep] = []
        self._callback = callback
        self._keep = keep or callback is None

    def _receive(self, step: BackwardStep) -> None:
        if self._keep:
            self.steps.append(step)
        if self._callback is not None:
            self._callback(step)

    def __enter__(self) -> list[BackwardStep]:
        _local.active.append(self._receive)
        return self.steps

    def __exit__(self, *exc: object) -> None:
        _local.active.remove(self._receive)


@dataclass(frozen=True)
class BackwardCall:
    """One finished call of `backward()` (`tensor.backward()`, `cr.autograd.backward`) or `cr.autograd.grad`,
    including those made inside chainrule (`cr.grad`, `cr.vjp`, ...).

    kind: "backward" or "autograd.grad"; outputs: the tensors differentiated; inputs: the tensors asked for
    (autograd.grad's inputs, backward's `inputs=`), or None; create_graph and retain_graph as passed.
    """

    kind: str
    outputs: tuple
    inputs: tuple | None
    retain_graph: bool
    create_graph: bool


def call_observers() -> list[Callable[[BackwardCall], None]]:
    return _local.calls


def publish_call(kind: str, outputs: Any, inputs: Any, retain_graph: Any, create_graph: bool) -> None:
    """Called by the engine after a backward()/autograd.grad() call, only when some observer is active."""
    outs = tuple(outputs) if isinstance(outputs, list | tuple) else (outputs,)
    ins = None if inputs is None else tuple(inputs) if isinstance(inputs, list | tuple) else (inputs,)
    call = BackwardCall(kind, outs, ins, bool(retain_graph), bool(create_graph))
    for callback in list(_local.calls):
        callback(call)


class observe_calls:  # noqa: N801 - a context manager, like observe
    """Be told of every backward()/autograd.grad() call that finishes in this thread inside the block:
    `callback(call)` for each `BackwardCall`; with no callback they are collected in the returned list.
    Costs one check per call when inactive."""

    def __init__(self, callback: Callable[[BackwardCall], None] | None = None) -> None:
        self.calls: list[BackwardCall] = []
        self._callback = callback if callback is not None else self.calls.append

    def __enter__(self) -> list[BackwardCall]:
        _local.calls.append(self._callback)
        return self.calls

    def __exit__(self, *exc: object) -> None:
        _local.calls.remove(self._callback)
