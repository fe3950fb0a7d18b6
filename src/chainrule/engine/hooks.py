"""Hook handles, and the gradients in transit that module backward hooks send through the backward walk.

`RemovableHandle` is what every `register_*_hook` returns (`handle.remove()`, or use it as a context
manager). `Partial` is what a module backward hook's selector nodes send to their hub
(`chainrule.autograd.backward_hook`): the walk sums them like gradients.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Partial", "RemovableHandle", "add_hook"]


class RemovableHandle:
    """A handle that removes a registered hook: `handle.remove()`, or `with handle:` (removed on exit)."""

    next_id: int = 0

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict = hooks_dict
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        if extra_dict is None:
            extra_dict = ()
        elif isinstance(extra_dict, dict):
            extra_dict = (extra_dict,)
        self.extra_dicts = tuple(extra_dict)

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)
        for d in self.extra_dicts:
            d.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"<RemovableHandle id={self.id}>"


def add_hook(hooks: OrderedDict, hook: Callable, prepend: bool = False, extras: Sequence[dict] = ()) -> RemovableHandle:
    """Store `hook` in `hooks` under a fresh handle id (first when `prepend`), flagged in each of `extras`."""
    handle = RemovableHandle(hooks, extra_dict=tuple(extras))
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    for d in extras:
        d[handle.id] = True
    return handle


class Partial:
    """Gradients for some of a hub's tensors, by position; selectors send these and the walk sums them."""

    __slots__ = ("grads",)

    def __init__(self, grads: dict[int, Any]) -> None:
        self.grads = grads

    def __add__(self, other: Partial) -> Partial:
        merged = dict(self.grads)
        for i, g in other.grads.items():
            merged[i] = g if merged.get(i) is None else merged[i] + g
        return Partial(merged)

    __radd__ = __add__

    def __repr__(self) -> str:
        return f"<gradients for positions {sorted(self.grads)}>"
