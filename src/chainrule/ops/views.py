"""Views, as PyTorch has them: a tensor made by basic indexing (down to a single element, a 0-d array view),
`reshape`/`view` or `permute`/`transpose` shares its base's memory, so an in-place write through the view
reaches the base, and an in-place write to the base reaches the view, values, versions and autograd history.

Writes that go straight into memory (nothing recorded) need nothing from here but the version bump
(`share_version`): NumPy's views see the values.
Recorded writes rebuild the written tensor out of place (`ops.inplace.assign`), so they go through this
registry: a write to a view becomes a write of the whole base (`index_put`, or the inverse reshape or
permutation), and every live view of a rewritten base is made again from it (PyTorch's CopySlices and
regenerated views). Each entry holds its base alive, as a view does in PyTorch.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, storage_owner

# id(view) -> (weakref to the view, its base, make(base) -> view, write(base, new view value) -> new base)
_VIEWS: dict[int, tuple[weakref.ref, Tensor, Callable, Callable]] = {}
_CHILDREN: dict[int, set[int]] = {}  # id(base) -> ids of its live views


def register(view: Tensor, base: Tensor, make: Callable[[Tensor], Tensor],
             write: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    """Record that `view` was made from `base` (a no-op unless `view` is a NumPy view: whether it still shares
    the base's memory is checked when a write needs it)."""
    data = view.array
    if view is base or type(data) is not np.ndarray or data.base is None:
        return view
    key, base_key = id(view), id(base)
    _VIEWS[key] = (weakref.ref(view, _forget(key, base_key)), base, make, write)
    children = _CHILDREN.get(base_key)
    if children is None:
        _CHILDREN[base_key] = {key}
    else:
        children.add(key)
    if base._version:  # one version counter per storage, as PyTorch's views share their base's
        view._version = base._version
    return view


def _forget(key: int, base_key: int) -> Callable[[Any], None]:
    def callback(_ref: Any) -> None:
        _VIEWS.pop(key, None)
        children = _CHILDREN.get(base_key)
        if children is not None:
            children.discard(key)
            if not children:
                del _CHILDREN[base_key]

    return callback


def base_of(view: Tensor) -> tuple[Tensor, Callable] | None:
    """(base, write) if `view` is still a view of its base (neither was rebuilt apart since), else None."""
    entry = _VIEWS.get(id(view))
    if entry is None or entry[0]() is not view:
        return None
    base = entry[1]
    if type(base.array) is not np.ndarray or not np.may_share_memory(view.array, base.array):
        return None
    return base, entry[3]


def refresh_views(base: Tensor, old_data: Any) -> None:
    """`base` was rebuilt out of place from `old_data`: make each live view of the old memory again from it
    (new values, history through the base), bumping its version as PyTorch's shared version counter would."""
    keys = _CHILDREN.get(id(base))
    if not keys or type(old_data) is not np.ndarray:
        return
    for key in list(keys):
        entry = _VIEWS.get(key)
        if entry is None:
            continue
        view = entry[0]()
        if view is None or entry[1] is not base or type(view.array) is not np.ndarray \
                or not np.may_share_memory(view.array, old_data):
            continue
        fresh = entry[2](base)
        previous = view.array
        view._data = fresh.array
        view.grad_fn = fresh.grad_fn
        view.requires_grad = fresh.requires_grad
        view._bump_version(storage_written=False)
        refresh_views(view, previous)


def share_version(written: Tensor) -> None:
    """`written` was changed straight in its memory (nothing recorded): bump the version of every registered
    view and base of the same memory too, as PyTorch's single version counter per storage does. (Recorded
    writes rebuild the base and its views, bumping each: `assign` and `refresh_views`.)"""
    data = written.array
    if type(data) is not np.ndarray:
        return
    root = written
    entry = _VIEWS.get(id(root))
    if entry is None and id(root) not in _CHILDREN:
        return  # neither a view nor a base: the common case
    owner = storage_owner(data)
    while entry is not None and entry[0]() is root and type(entry[1].array) is np.ndarray \
            and storage_owner(entry[1].array) is owner:
        root = entry[1]
        entry = _VIEWS.get(id(root))
    stack = [root]
    while stack:
        t = stack.pop()
        if t is not written:
            t._version += 1
        for key in tuple(_CHILDREN.get(id(t), ())):  # a weakref callback (GC, another thread) may change it
            child = _VIEWS.get(key)
            if child is None:
                continue
            view = child[0]()
            if view is not None and child[1] is t and type(view.array) is np.ndarray \
                    and storage_owner(view.array) is owner:
                stack.append(view)


def reshaped_in_place(tensor: Tensor, forward: Callable[[Tensor], Tensor], inverse: Callable[[Tensor], Tensor]
                      ) -> None:
    """`tensor` is about to take the shape `forward` gives it, in place (`squeeze_`, `t_`, ...; `inverse` undoes
    it): keep the view registry true. As a view of a base it is made again as `forward(old make(base))` and
    writes through it go back as `old write(base, inverse(value))`; as a base, its views are made from
    `inverse(tensor)`."""
    key = id(tensor)
    entry = _VIEWS.get(key)
    if entry is not None and entry[0]() is tensor:
        ref, base, make, write = entry
        _VIEWS[key] = (ref, base, lambda b: forward(make(b)), lambda b, v: write(b, inverse(v)))
    for child in tuple(_CHILDREN.get(key, ())):
        centry = _VIEWS.get(child)
        if centry is None or centry[1] is not tensor:
            continue
        cref, cbase, cmake, cwrite = centry
        _VIEWS[child] = (cref, cbase, lambda b, m=cmake: m(inverse(b)),
                         lambda b, v, w=cwrite: forward(w(inverse(b), v)))
