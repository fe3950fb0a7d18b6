"""Joining and splitting: `cat`, `stack`, `split`, `chunk`, `unbind`, `pad`."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.engine.size import wrap_dim
from chainrule.engine.tensor import Tensor
from chainrule.ops.elementwise import promote
from chainrule.ops.indexing import SPLIT, UNBIND, getitem
from chainrule.ops.registry import apply, defop


def _cat_vjp(xp: Any, g: Any, out: Any, *xs: Any, dim: int) -> tuple:
    grads, start = [], 0
    for x in xs:
        n = x.shape[dim]
        grads.append(xp.getitem(g, (slice(None),) * dim + (slice(start, start + n),)))
        start += n
    return tuple(grads)


CAT = defop("cat", lambda *xs, dim: np.concatenate(xs, axis=dim), "tensors", vjp=_cat_vjp,
            formulas=("1 on each input's slice of the output",), saves="nothing")


def _check_list(tensors: Any, op: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(f"{op}: expected a sequence of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{op}: expected a non-empty list of Tensors")
    return list(promote(*tensors)) if len({t.array.dtype for t in tensors}) > 1 else list(tensors)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    ts = _check_list(tensors, "cat")
    ndim = ts[0].ndim
    if ndim == 0:
        raise RuntimeError("cat: zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ndim, "cat")
    for i, t in enumerate(ts):
        if t.ndim != ndim or any(a != b for k, (a, b) in enumerate(zip(t.shape, ts[0].shape)) if k != d):
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension {d}: tensor 0 has shape "
                               f"{tuple(ts[0].shape)} but tensor {i} has shape {tuple(t.shape)}")
    return apply(CAT, tuple(ts), {"dim": d})


concat = concatenate = cat


def _stack_vjp(xp: Any, g: Any, out: Any, *xs: Any, dim: int) -> tuple:
    return tuple(xp.getitem(g, (slice(None),) * dim + (i,)) for i in range(len(xs)))


STACK = defop("stack", lambda *xs, dim: np.stack(xs, axis=dim), "tensors", vjp=_stack_vjp,
              formulas=("1 on each input's slice of the output",), saves="nothing")


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    ts = _check_list(tensors, "stack")
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got {tuple(ts[0].shape)} at "
                               f"entry 0 and {tuple(t.shape)} at entry {i}")
    d = wrap_dim(dim, ts[0].ndim + 1, "stack")
    return apply(STACK, tuple(ts), {"dim": d})


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """cat after atleast_1d, as PyTorch: along dim 0 for 1-d (and 0-d) tensors, else along dim 1."""
    from chainrule.ops.shape_ops import reshape

    ts = [reshape(t, (1,)) if t.ndim == 0 else t for t in _check_list(tensors, "hstack")]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """cat along dim 0 after atleast_2d, as PyTorch: a 0-d tensor is a 1x1 row, a 1-d one a row."""
    from chainrule.ops.shape_ops import reshape

    return cat([reshape(t, (1, -1)) if t.ndim < 2 else t for t in _check_list(tensors, "vstack")], 0)


def _at_least_1d(input: Tensor, op: str) -> None:
    if input.ndim == 0:
        raise RuntimeError(f"{op} expects at least a 1-dimensional tensor (got a 0-d one)")


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    _at_least_1d(tensor, "split")
    d = wrap_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, Tensor):  # a one-element integer tensor, as PyTorch
        split_size_or_sections = operator.index(split_size_or_sections)
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and n:  # as PyTorch: 0 splits an empty dim (into one empty part)
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(step, n - s) for s in range(0, n, step)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split: split_with_sizes expects split_sizes to sum exactly to {n} (input "
                               f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    parts, start = [], 0
    for size in sizes:
        parts.append(getitem(tensor, (slice(None),) * d + (slice(start, start + size),), SPLIT))
        start += size
    return tuple(parts)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    if chunks <= 0:
        raise RuntimeError(f"chunk: number of chunks must be greater than 0, got {chunks}")
    _at_least_1d(input, "chunk")
    d = wrap_dim(dim, input.ndim, "chunk")
    n = input.shape[d]
    if n == 0:  # PyTorch: `chunks` empty chunks
        return tuple(getitem(input, (slice(None),) * d + (slice(0, 0),), SPLIT) for _ in range(chunks))
    return split(input, -(-n // chunks), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    d = wrap_dim(dim, input.ndim, "unbind")
    if input.ndim == 0:
        raise IndexError(f"unbind: Dimension specified as {d} but tensor has no dimensions")
    return tuple(getitem(input, (slice(None),) * d + (i,), UNBIND) for i in range(input.shape[d]))


def _pad_widths(ndim: int, pad: Sequence[int]) -> list[tuple[int, int]]:
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return widths


def _pad_vjp(xp: Any, g: Any, out: Any, x: Any, widths: list, value: float) -> tuple:
    index = tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(widths))
    return (xp.getitem(g, index),)


PAD = defop("constant_pad_nd",
            lambda x, widths, value: np.pad(x, widths, mode="constant", constant_values=value), "x",
            vjp=_pad_vjp, formulas=("1 inside the original region, 0 on the padding",), saves="nothing")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last dims: `pad=(left, right, top, bottom, ...)` as `torch.nn.functional.pad`."""
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(f"pad: padding length must be even and at most 2*ndim ({2 * input.ndim}), got "
                           f"{len(pad)}")
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported yet; only 'constant'")
    if any(p < 0 for p in pad):
        raise NotImplementedError("pad: negative padding (cropping) is not supported; use slicing")
    return apply(PAD, (input,), {"widths": _pad_widths(input.ndim, pad), "value": value})


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 0-d/1-d tensors: output i repeats input i along every other axis. `indexing='ij'`
    (the default, as PyTorch's) gives shape (len0, len1, ...); `'xy'` swaps the first two axes. Each output
    is a reshape and an expand of its input, so gradients sum over the copies."""
    from chainrule.ops.shape_ops import expand, reshape

    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid: expects a non-empty list of tensors")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid: indexing must be one of 'xy' or 'ij', but received: {indexing!r}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid: expected tensors, got {type(t).__name__} at position {i}")
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0-D or 1-D tensors, got shape {tuple(t.shape)} at position {i}")
        if t.array.dtype != tensors[0].array.dtype:
            raise RuntimeError(f"meshgrid: expects all tensors to have the same dtype, got {tensors[0].dtype} "
                               f"and {t.dtype} (at position {i})")
    n = len(tensors)
    order = list(range(n))
    if indexing == "xy" and n >= 2:
        order[0], order[1] = 1, 0
    shape = [0] * n
    for i, t in enumerate(tensors):
        shape[order[i]] = t.numel()
    return tuple(expand(reshape(t, tuple(-1 if k == order[i] else 1 for k in range(n))), tuple(shape))
                 for i, t in enumerate(tensors))


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element of each 1-D tensor, one per row (shape (N, len(tensors))), in the order
    of nested loops (the last tensor varies fastest); a single tensor is returned as it is. Built from `meshgrid`
    and `stack`."""
    from chainrule.ops.shape_ops import reshape

    for i, t in enumerate(tensors):
        if t.ndim != 1:
            raise RuntimeError(f"cartesian_prod: Expect a 1D vector, but got shape {list(t.shape)} "
                               f"(tensor {i})")
    if len(tensors) == 1:
        return tensors[0]
    return stack([reshape(g, (-1,)) for g in meshgrid(*tensors, indexing="ij")], dim=1)


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-D, 1-D as one row, or 2-D) as the blocks of a block-diagonal matrix, zeros elsewhere, of
    the promoted dtype; each block padded with zeros to the full width, then joined by `cat`."""
    from chainrule.ops.shape_ops import reshape

    blocks = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        blocks.append(t if t.ndim == 2 else reshape(t, (1, -1)))
    if not blocks:
        return Tensor(np.zeros((1, 0), dtypes.get_default_dtype().np))
    blocks = list(promote(*blocks))
    width = int(np.sum([b.shape[1] for b in blocks]))
    rows, left = [], 0
    for b in blocks:
        rows.append(pad(b, (left, width - left - b.shape[1])))
        left += b.shape[1]
    return cat(rows, 0)


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """`split` with a list of sizes that must add up to the size of `dim` (PyTorch's `split_with_sizes`)."""
    if isinstance(split_sizes, int):
        raise TypeError("split_with_sizes: split_sizes must be a sequence of ints, got int")
    return split(input, list(split_sizes), dim)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of `input` along `dim`: `n` sections of nearly equal size (the first `size % n` one longer, as
    NumPy's `array_split`), or the pieces between the given indices (`(1, 3)`: `[:1]`, `[1:3]`, `[3:]`;
    indices past the end give empty pieces). A 0-d integer tensor counts as a number, a 1-d one as indices."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split: tensor_split expected at least a 1-dimensional tensor, but got a tensor "
                           "with 0 dims")
    d = wrap_dim(dim, input.ndim, "tensor_split")
    n = input.shape[d]
    spec: Any = indices_or_sections
    if isinstance(spec, Tensor):
        if spec.array.dtype.kind not in "iu":
            raise RuntimeError(f"tensor_split: tensor_split expected tensor_indices_or_sections to have dtype of "
                               f"long, but got {spec.dtype}")
        if spec.ndim > 1:
            raise RuntimeError(f"tensor_split: tensor_split expected tensor_indices_or_sections to be a zero-"
                               f"dimensional or one-dimensional tensor, but got a tensor with {spec.ndim} dims")
        spec = int(spec.item()) if spec.ndim == 0 else [int(i) for i in spec.array]
    if isinstance(spec, int | np.integer) and not isinstance(spec, bool):
        sections = int(spec)
        if sections <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got {sections}")
        size, extra = divmod(n, sections)
        bounds = [0]
        for i in range(sections):
            bounds.append(bounds[-1] + size + (1 if i < extra else 0))
    else:
        bounds = [0] + [int(i) for i in spec] + [n]
    parts = []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        lo = min(max(start + n if start < 0 else start, 0), n)
        hi = min(max(stop + n if stop < 0 else stop, 0), n)
        parts.append(getitem(input, (slice(None),) * d + (slice(lo, max(lo, hi)),)))
    return tuple(parts)
