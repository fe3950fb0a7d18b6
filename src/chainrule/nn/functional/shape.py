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
    amounts crop, as PyTorch. Only mode='constant' is supported."""
    from chainrule.ops.joins import pad as _pad

    pad = [int(a) for a in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    if mode != "constant":
        if value is not None and value != 0:
            raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        raise NotImplementedError(f"pad: mode {mode!r} is not supported yet; only 'constant'")
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
