"""`Flatten` and `Unflatten` (PyTorch's `torch.nn.modules.flatten`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.nn import functional as F
from chainrule.nn.modules.module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dimension `dim` into `unflattened_size` (one entry may be -1), the inverse of Flatten."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, tuple | list) or not all(
                isinstance(s, int) and not isinstance(s, bool) for s in unflattened_size):
            raise TypeError(f"unflattened_size must be a tuple or list of ints, got {unflattened_size!r}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        from chainrule.ops.shape_ops import unflatten

        sizes = tuple(self.unflattened_size)
        if not -input.ndim <= self.dim < max(input.ndim, 1):
            raise IndexError(f"{self!r}: dim {self.dim} is out of range for an input of shape {tuple(input.shape)}")
        size = input.shape[self.dim % input.ndim]
        known = int(np.prod([s for s in sizes if s != -1]))
        if sizes.count(-1) > 1 or (-1 not in sizes and known != size) or (-1 in sizes and (known == 0 or size % known)):
            raise RuntimeError(f"{self!r}: the sizes {sizes} don't multiply up to the size {size} of dim {self.dim} "
                               f"of the input of shape {tuple(input.shape)}")
        return unflatten(input, self.dim, sizes)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
