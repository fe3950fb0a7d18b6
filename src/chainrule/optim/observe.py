"""Watching optimizers: the seam a tracer (`cr.compile`) builds on to see `zero_grad()` and `step()`.

    with observe_optimizers() as calls:
        opt.zero_grad(); loss.backward(); opt.step()
    [(c.kind, c.phase) for c in calls]  # [('zero_grad', 'post'), ('step', 'pre'), ('step', 'post')]

Per thread, like `cr.autograd.observe`; when nobody listens the cost is one list check per `step()` or
`zero_grad()` call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OptimizerCall:
    """kind: "step" or "zero_grad"; phase: "pre" (step only, before it runs) or "post" (after it ran);
    optimizer: the optimizer; set_to_none: zero_grad's argument (None for step); closure: whether step was
    given a closure."""

    kind: str
    phase: str
    optimizer: Any
    set_to_none: bool | None = None
    closure: bool = False


class _ThreadOptObservers(threading.local):
    def __init__(self) -> None:
        self.active: list[Callable[[OptimizerCall], None]] = []
        self.stepping: set[int] = set()  # optimizers whose observed step is running (nested calls publish once)


_local = _ThreadOptObservers()


def active() -> list[Callable[[OptimizerCall], None]]:
    return _local.active


def publish(call: OptimizerCall) -> None:
    for callback in list(_local.active):
        callback(call)


class observe_optimizers:  # noqa: N801 - a context manager, lowercase like cr.autograd.observe
    """Be told of every optimizer `step()` (before and after) and `zero_grad()` (after) in this thread inside
    the block; with no callback the calls are collected in the returned list."""

    def __init__(self, callback: Callable[[OptimizerCall], None] | None = None) -> None:
        self.calls: list[OptimizerCall] = []
        self._callback = callback if callback is not None else self.calls.append

    def __enter__(self) -> list[OptimizerCall]:
        _local.active.append(self._callback)
        return self.calls

    def __exit__(self, *exc: object) -> None:
        _local.active.remove(self._callback)


def observed_step(step: Callable) -> Callable:
    """Wrap an optimizer class's `step` so that observers hear of it (applied by `Optimizer.__init_subclass__`
    when the class is defined)."""
    import functools

    @functools.wraps(step)
    def wrapper(self: Any, closure: Any = None) -> Any:
        if not _local.active or id(self) in _local.stepping:  # a subclass's step calling super().step(): once
            return step(self, closure) if closure is not None else step(self)
        publish(OptimizerCall("step", "pre", self, None, closure is not None))
        _local.stepping.add(id(self))
        try:
            result = step(self, closure) if closure is not None else step(self)
        finally:
            _local.stepping.discard(id(self))
        publish(OptimizerCall("step", "post", self, None, closure is not None))
        return result

    wrapper.__observed__ = True  # type: ignore[attr-defined]
    # tracebacks, profilers and `chainrule trace` name a frame by its code: `Optimizer.step`, not `...<locals>.wrapper`
    wrapper.__code__ = wrapper.__code__.replace(co_name=step.__name__, co_qualname=step.__qualname__)
    return wrapper
