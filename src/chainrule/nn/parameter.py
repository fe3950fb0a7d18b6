"""`Parameter`: a tensor that a `Module` registers as learnable when it is assigned as an attribute."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from chainrule.engine.tensor import Tensor, wrap

__all__ = ["Parameter", "zero_grads"]


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is listed by `Module.parameters()`.

    As in PyTorch, wrapping a tensor shares its storage (no copy)."""

    def __init__(self, data: Tensor | ArrayLike | None = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.empty((0,), np.float32)
        elif isinstance(data, Tensor):
            arr = data._shared_array()
        else:
            from chainrule.creation import as_array

            arr = as_array(data, None, "Parameter")
        self._data = arr
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        p = Parameter(np.array(self.array, copy=True), self.requires_grad)
        if self.grad is not None:
            p.grad = wrap(np.array(self.grad.array, copy=True))
        memo[id(self)] = p
        return p

    def __reduce__(self):
        return (Parameter, (np.asarray(self.array).copy(), self.requires_grad))


def zero_grads(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Clear `.grad` of each tensor: drop it (set_to_none) or fill it with zeros."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            p.grad._data = np.zeros_like(p.grad.array)
