"""What generated steps call besides NumPy and the ops' own forward/VJP functions: gradient accumulation into
`.grad` (the engine's rules, so that replay and eager leave the same arrays) and the tensors a step returns."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor

make = Tensor._make  # a tensor without history around an array (the engine's hot-path constructor)


def accumulate(leaf: Tensor, g: Any, handed: set[int]) -> None:
    """Add the gradient `g` into `leaf.grad` as `loss.backward()` does: the first gradient becomes `.grad`
    (copied when it is a view or already handed to another leaf), later ones are added in place."""
    existing = leaf.grad
    data = leaf.array
    if existing is None:
        kind = type(g)
        if kind is not np.ndarray and kind is type(data):  # an immutable NumPy scalar
            leaf.grad = make(g)
            return
        if kind is np.ndarray:
            if g.dtype != data.dtype:
                g = g.astype(data.dtype)
            elif g.base is not None or id(g) in handed:
                g = g.copy()
        else:
            g = np.asarray(g).astype(data.dtype)[()] if type(data) is not np.ndarray else np.asarray(g, data.dtype)
        handed.add(id(g))
        leaf.grad = make(g)
        return
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
    if type(existing.array) is np.ndarray and existing.array.shape == g.shape and existing.grad_fn is None:
        np.add(existing.array, g, out=existing.array)
        existing._version += 1
    elif existing.grad_fn is None and np.shape(existing.array) == g.shape:
        existing.data = existing.array + g  # a 0-d gradient stays the same tensor, as in eager (a version bump)
    else:
        leaf.grad = make(existing.array + g)
