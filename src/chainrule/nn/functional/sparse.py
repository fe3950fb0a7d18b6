"""`embedding`, `embedding_bag` and `one_hot` of `cr.nn.functional` (PyTorch's "sparse functions"): embedding is
indexing into the weight (the gradient is index's VJP, a scatter-add into the rows); embedding_bag reduces bags of
those rows with a constant matrix product (sum, mean) or by picking each maximum (max); one_hot has no gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, wrap

__all__ = ["embedding", "embedding_bag", "one_hot"]


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


def _bags(idx: np.ndarray, offsets: Any, include_last_offset: bool) -> list[np.ndarray]:
    """The positions (into the flattened indices) of each bag."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences.")
        n = idx.shape[1]
        return [np.arange(b * n, (b + 1) * n) for b in range(idx.shape[0])]
    if idx.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    off = np.asarray(offsets.array if isinstance(offsets, Tensor) else offsets)
    if off.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    if off.size and off[0] != 0:
        raise RuntimeError(f"embedding_bag: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                           f"start from position 0. However, got {int(off[0])}")
    if off.size and (np.any(np.diff(off) < 0) or off[-1] > idx.size):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing and at most the number of indices "
                           f"({idx.size}), got {off.tolist()}")
    ends = list(off[1:]) + ([] if include_last_offset else [idx.size])
    starts = off[:-1] if include_last_offset else off
    return [np.arange(int(a), int(b)) for a, b in zip(starts, ends)]


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of bags of `weight`'s rows: `input` (B, N) is B bags of N indices; a 1-D `input` is cut
    into bags at `offsets`. `per_sample_weights` scale each row (mode 'sum'); indices equal to `padding_idx` are
    left out (also of a mean's count); an empty bag gives zeros. Sum and mean are a product with a constant
    (B, N) matrix of the bag memberships, max picks each maximum (the first among ties), so gradients are those of
    `matmul` and indexing."""
    from chainrule.ops.elementwise import mul
    from chainrule.ops.linalg import matmul

    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: max_norm, scale_grad_by_freq and sparse=True are not supported by "
                                  "chainrule")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  f"GitHub.")
    idx = np.asarray(input.array if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding_bag: expected indices of an integer dtype, got {idx.dtype}")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != idx.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, then "
                         f"it must have the same shape as the input ({idx.shape})")
    bags = _bags(idx, offsets, include_last_offset)
    n = weight.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= n
    flat = idx.reshape(-1)
    keep = flat != padding_idx if padding_idx is not None else np.ones(flat.shape, bool)
    rows = embedding(wrap(flat), weight)  # (total, D)
    if mode in ("sum", "mean"):
        member = np.zeros((len(bags), flat.size), weight.array.dtype)
        for b, pos in enumerate(bags):
            pos = pos[keep[pos]]
            member[b, pos] = 1.0 / max(len(pos), 1) if mode == "mean" else 1.0
        if per_sample_weights is not None:
            rows = mul(rows, per_sample_weights.reshape(-1, 1))
        return matmul(wrap(member), rows)
    data = weight.array[flat] if flat.size else np.zeros((0, weight.shape[1]), weight.array.dtype)
    picks = np.zeros((len(bags), weight.shape[1]), np.int64)
    empty = np.zeros((len(bags), 1), bool)
    for b, pos in enumerate(bags):
        pos = pos[keep[pos]]
        if len(pos):
            picks[b] = pos[np.argmax(data[pos], axis=0)]
        else:
            empty[b] = True
    if not flat.size:
        return wrap(np.zeros((len(bags), weight.shape[1]), weight.array.dtype))
    out = rows[picks, np.arange(weight.shape[1])[None, :]]
    if empty.any():
        from chainrule.ops.elementwise import where

        out = where(wrap(empty), 0.0, out)
    return out
