"""Named scopes: `record_function(name)`, as PyTorch's `torch.autograd.profiler.record_function`.

    with cr.autograd.profiler.record_function("attention"):
        scores = q @ k.T
    @cr.autograd.profiler.record_function("step")
    def step(x): ...

A scope only labels a block of code; it changes no value. Whoever observes scopes (`observe_scopes`, used by
`cr.explain.record_modules` and `chainrule explain` to group a graph's nodes by scope) is told of each entry and
exit as a frozen `ScopeEvent`, in the thread that ran it. `nn.RNN`, `nn.LSTM` and `nn.GRU` open one scope per
layer (and direction) and one per time step, so a long sequence can be shown step by step.

When nobody observes, entering and leaving a scope costs two attribute reads and a list append/pop.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass

from chainrule.engine.watch import Watch

__all__ = ["ScopeEvent", "current_scopes", "observe_scopes", "observed", "record_function"]


@dataclass(frozen=True)
class ScopeEvent:
    """One entry into or exit from a `record_function` scope.

    kind: "enter" or "exit"; name and args: as given to `record_function`; id: unique to this entry (ids grow in
    entry order; the exit event has the entry's id); parent: the id of the enclosing observed scope in this
    thread, or None; depth: how many observed scopes enclose it (0 at the top).
    """

    kind: str
    name: str
    args: str | None
    id: int
    parent: int | None
    depth: int


watch = Watch()  # read on the hot path: is anybody observing, in any thread?
_ids = itertools.count(1)


class _ThreadScopes(threading.local):
    """Observers and the open observed scopes belong to the thread that opened them."""

    def __init__(self) -> None:
        self.active: list[Callable[[ScopeEvent], None]] = []
        self.stack: list[int] = []


_local = _ThreadScopes()


def observed() -> bool:
    """Whether this thread has a scope observer: code that would build many scope names (a loop over time steps)
    can skip the scopes when nobody looks."""
    return watch.on and bool(_local.active)


def _publish(event: ScopeEvent) -> None:
    for callback in list(_local.active):
        callback(event)


class record_function(contextlib.ContextDecorator):  # noqa: N801 - PyTorch's name
    """Label a block of code (context manager) or every call of a function (decorator) with `name`.

    As PyTorch's `torch.autograd.profiler.record_function(name, args=None)`: entering returns the object itself;
    an exception inside is not swallowed. The same object may be entered again while open (a decorated recursive
    function): each entry is its own scope.
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        if not isinstance(name, str):
            raise TypeError(f"record_function: name must be a str, got {type(name).__name__}")
        if args is not None and not isinstance(args, str):
            raise TypeError(f"record_function: args must be a str or None, got {type(args).__name__}")
        self.name = name
        self.args = args
        self._open: list[ScopeEvent | None] = []

    def __enter__(self) -> record_function:
        if watch.on and _local.active:
            stack = _local.stack
            event = ScopeEvent("enter", self.name, self.args, next(_ids), stack[-1] if stack else None, len(stack))
            stack.append(event.id)
            self._open.append(event)
            _publish(event)
        else:
            self._open.append(None)
        return self

    def __exit__(self, *exc: object) -> None:
        event = self._open.pop() if self._open else None
        if event is None:
            return
        stack = _local.stack
        if stack and stack[-1] == event.id:
            stack.pop()
        elif event.id in stack:  # scopes left out of order (a generator closed late): drop the inner ones too
            del stack[stack.index(event.id):]
        if _local.active:
            _publish(ScopeEvent("exit", event.name, event.args, event.id, event.parent, event.depth))

    def __repr__(self) -> str:
        return f"record_function({self.name!r})" if self.args is None else \
            f"record_function({self.name!r}, args={self.args!r})"


class observe_scopes:  # noqa: N801 - a context manager, like cr.autograd.observe
    """Be told of every `record_function` scope entered or left in this thread inside the block: `callback(event)`
    for each `ScopeEvent`; with no callback the events are collected in the returned list."""

    def __init__(self, callback: Callable[[ScopeEvent], None] | None = None) -> None:
        self.events: list[ScopeEvent] = []
        self._callback = callback if callback is not None else self.events.append

    def __enter__(self) -> list[ScopeEvent]:
        _local.active.append(self._callback)
        watch.start()
        return self.events

    def __exit__(self, *exc: object) -> None:
        _local.active.remove(self._callback)
        if not _local.active:
            _local.stack.clear()
        watch.stop()


def current_scopes() -> tuple[int, ...]:
    """The ids of the observed scopes open in this thread, outermost first."""
    return tuple(_local.stack)
