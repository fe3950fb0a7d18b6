"""`embedding` and `one_hot` of `cr.nn.functional` (PyTorch's "sparse functions"): embedding is indexing
into the weight (the gradient is index's VJP, a scatter-add into the rows); one_hot has no gradient."""

from __future__ import annotations

import numpy as np

from chainrule.engine.tensor import Tensor, wrap

__all__ = ["embedding", "one_hot"]


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` at the indices in `input`; the row at padding_idx gets no gradient."""
    idx = np.asarray(input.array if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected indices of an integer dtype, got {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"embedding: index {int(idx.max()) if idx.max() >= n else int(idx.min())} is out of range "
                         f"for an embedding of {n} rows")
    if padding_idx is not None and weight.requires_grad:
        from chainrule.ops.elementwise import where

        rows = np.zeros((n, 1), bool)
        rows[padding_idx] = True
        weight = where(wrap(rows), weight.detach(), weight)
    return weight[idx]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices -> int64 one-hot vectors along a new last dimension."""
    idx = np.asarray(tensor.array if isinstance(tensor, Tensor) else tensor)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensors (int64), got {idx.dtype}")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got "
                           f"{int(idx.min()) if idx.min() < 0 else int(idx.max())}")
    return wrap((idx[..., None] == np.arange(num_classes)).astype(np.int64))
