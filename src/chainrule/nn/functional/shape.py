"""`pad` and `flatten` of `cr.nn.functional`: reshaping and padding (the math is in `chainrule.ops`:
`joins.pad`, `shape_ops.flatten`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chainrule.engine.tensor import Tensor
from chainrule.ops.shape_ops import flatten

__all__ = ["flatten", "pad"]


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last dimensions: `pad=(left, right, top, bottom, ...)` starting from the last one. Negative
    amounts crop, as PyTorch. mode: 'constant' (with `value`), 'reflect' (mirrored without repeating the edge),
    'replicate' (the edge repeated) or 'circular' (wrapped around); the last three pad the last 1, 2 or 3 dimensions
    of a batched or unbatched input, as PyTorch."""
    from chainrule.ops.joins import pad as _pad

    pad = [int(a) for a in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    if mode != "constant":
        if mode not in _NUMPY_MODES:
            raise NotImplementedError(f"Unrecognised padding mode {mode}")
        if value is not None and value != 0:
            raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        return _pad_by_index(input, pad, mode)
    if any(a < 0 for a in pad):  # crop first with a slice, then pad the rest
        index: list[Any] = [slice(None)] * input.ndim
        for i in range(len(pad) // 2):
            d = input.ndim - 1 - i
            lo, hi = pad[2 * i], pad[2 * i + 1]
            size, cut_lo, cut_hi = input.shape[d], max(-lo, 0), max(-hi, 0)
            if size - cut_lo - cut_hi < 0:
                raise RuntimeError(f"narrow(): length must be non-negative. (pad: dimension {d} of size {size} "
                                   f"cannot be cropped by {cut_lo} and {cut_hi})")
            index[d] = slice(cut_lo, size - cut_hi)
        input = input[tuple(index)]
        pad = [max(a, 0) for a in pad]
    return _pad(input, pad, "constant", 0.0 if value is None else value)


_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_by_index(input: Tensor, pad: list[int], mode: str) -> Tensor:
    """Non-constant padding from views of the input (slices, flips, an expanded edge) joined by `cat`, one padded
    dimension at a time: each copy's gradient flows back to the element it copies, and every piece is an op with
    plain attributes (cr.compile replays it)."""
    from chainrule.ops.joins import cat
    from chainrule.ops.shape_ops import expand, flip, narrow

    n = len(pad) // 2
    if n > 3 or input.ndim not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    out = input
    for i in range(n):
        d = input.ndim - 1 - i
        lo, hi, size = pad[2 * i], pad[2 * i + 1], input.shape[d]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {d} of input {list(input.shape)}")
        cut_lo, cut_hi = max(-lo, 0), max(-hi, 0)
        if size + lo + hi <= 0 or size - cut_lo - cut_hi < 0:
            raise RuntimeError(f"pad: padding ({lo}, {hi}) leaves no element of dimension {d} of input "
                               f"{list(input.shape)}")
        middle = narrow(out, d, cut_lo, size - cut_lo - cut_hi)
        lo, hi = max(lo, 0), max(hi, 0)
        if mode == "circular":  # wraps the cropped dimension
            length = size - cut_lo - cut_hi
            if lo > length or hi > length:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            left, right = narrow(middle, d, length - lo, lo), narrow(middle, d, 0, hi)
        elif mode == "reflect":  # mirrored about the first and last elements of the whole dimension
            left, right = flip(narrow(out, d, 1, lo), d), flip(narrow(out, d, size - 1 - hi, hi), d)
        else:  # replicate: the first and last elements of the whole dimension, repeated
            shape = list(out.shape)
            left = expand(narrow(out, d, 0, 1), *(shape[:d] + [lo] + shape[d + 1:]))
            right = expand(narrow(out, d, size - 1, 1), *(shape[:d] + [hi] + shape[d + 1:]))
        out = cat([p for p, k in ((left, lo), (middle, 1), (right, hi)) if k], d)
    return out
