"""Watching forward ops as they run: the seam a tracer (`cr.compile`) builds on.

    with observe_ops() as calls:
        loss = model(x).sum()
    for call in calls:
        print(call.op.name, call.args, call.attrs, call.output)

Every op that goes through the registry (`apply`, `apply1`, `record`) is published, whether or not it records
a node (inputs that need no gradient, `no_grad`). Per thread, like `cr.autograd.observe`; when no thread
listens the cost is one attribute read per op (`watch.on`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chainrule.engine.watch import Watch


@dataclass(frozen=True)
class OpCall:
    """One op applied in the forward direction.

    op: the registry `Op`; args: its inputs as passed (tensors, Python scalars, None); attrs: its keyword
    attributes (None if none); output: the tensor made (its `grad_fn` is the recorded node, or None).
    """

    op: Any
    args: tuple
    attrs: dict | None
    output: Any


watch = Watch()  # read on the hot path: is anybody observing, in any thread?


class _ThreadOpObservers(threading.local):
    def __init__(self) -> None:
        self.active: list[Callable[[OpCall], None]] = []


_local = _ThreadOpObservers()


def publish(op: Any, args: tuple, attrs: dict | None, output: Any) -> None:
    """Called by the registry after an op ran, only while `watch.on`; tells this thread's observers."""
    active = _local.active
    if active:
        call = OpCall(op, tuple(args), attrs, output)
        for callback in list(active):
            callback(call)


class observe_ops:  # noqa: N801 - a context manager, lowercase like cr.autograd.observe
    """Be told of every forward op run in this thread inside the block: `callback(call)` for each `OpCall`;
    with no callback they are collected in the returned list."""

    def __init__(self, callback: Callable[[OpCall], None] | None = None) -> None:
        self.calls: list[OpCall] = []
        self._callback = callback if callback is not None else self.calls.append

    def __enter__(self) -> list[OpCall]:
        _local.active.append(self._callback)
        watch.start()
        return self.calls

    def __exit__(self, *exc: object) -> None:
        _local.active.remove(self._callback)
        watch.stop()
