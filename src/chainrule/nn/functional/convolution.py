"""Convolutions of `cr.nn.functional`: conv2d and conv_transpose2d are registered ops
(`chainrule.ops.conv`, where their math is); conv1d and conv_transpose1d run them on a height of 1, so
their gradients are the 2-D ops'."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.nn.functional._args import (
    Size1,
    Size2,
    SizeN,
    batched1d,
    batched2d,
    check_supported,
    check_window,
    ints,
    pair,
    single,
)
from chainrule.ops import conv as _conv
from chainrule.ops.shape_ops import squeeze as _squeeze
from chainrule.ops.shape_ops import unsqueeze as _unsqueeze

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size2 = 1,
           padding: Size2 = 0) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of (N, C, H, W) with weight (O, C, kh, kw)."""
    x, unbatched = batched2d(input, "conv2d")
    if x.shape[1] != weight.shape[1]:
        raise RuntimeError(f"conv2d: input of shape {tuple(input.shape)} has {x.shape[1]} channels but weight of "
                           f"shape {tuple(weight.shape)} expects {weight.shape[1]}")
    stride_, padding_ = pair(stride, "stride"), pair(padding, "padding")
    check_window(x, (weight.shape[2], weight.shape[3]), padding_, "conv2d")
    out = _conv.conv2d(x, weight, bias, stride_, padding_)
    return out[0] if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size1 = 1, padding: Size1 = 0,
           dilation: Size1 = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) or (C, L) with weight (O, C, k): conv2d on
    (N, C, 1, L) with weight (O, C, 1, k), so the math and the gradients are conv2d's."""
    check_supported("conv1d", dilation=(dilation, 1), groups=(groups, 1))
    x, unbatched = batched1d(input, "conv1d")
    if weight.ndim != 3:
        raise RuntimeError(f"conv1d: expected a 3-D weight (out_channels, in_channels, kernel_size), got shape "
                           f"{tuple(weight.shape)}")
    if x.shape[1] != weight.shape[1]:
        raise RuntimeError(f"conv1d: input of shape {tuple(input.shape)} has {x.shape[1]} channels but weight of "
                           f"shape {tuple(weight.shape)} expects {weight.shape[1]}")
    s, p = single(stride, "stride", "conv1d"), single(padding, "padding", "conv1d")
    k = weight.shape[2]
    if x.shape[2] + 2 * p < k:
        raise RuntimeError(f"conv1d: the kernel size {k} is larger than the padded input length {x.shape[2] + 2 * p} "
                           f"(input shape {tuple(input.shape)})")
    out = _squeeze(conv2d(_unsqueeze(x, 2), _unsqueeze(weight, 2), bias, (1, s), (0, p)), 2)
    return out[0] if unbatched else out


def _conv_transpose(fn: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                    padding: Any, output_padding: Any, groups: int, dilation: Any) -> Tensor:
    """Checks and batching shared by conv_transpose1d/2d; the 1-D case runs as 2-D on a height of 1."""
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fn}: Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, but got "
                           f"input of size: {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{fn}: expected a {nd + 2}-D weight (in_channels, out_channels/groups, *kernel_size), "
                           f"got weight of size {list(weight.shape)}")
    s, p = ints(stride, nd, "stride", fn), ints(padding, nd, "padding", fn)
    op, d = ints(output_padding, nd, "output_padding", fn), ints(dilation, nd, "dilation", fn)
    if not isinstance(groups, int | np.integer) or groups <= 0:
        raise RuntimeError(f"{fn}: non-positive groups is not supported (groups={groups})")
    if min(s) <= 0:
        raise RuntimeError(f"{fn}: non-positive stride is not supported (stride={list(s)})")
    if min(p) < 0:
        raise RuntimeError(f"{fn}: negative padding is not supported (padding={list(p)})")
    if min(op) < 0:
        raise RuntimeError(f"{fn}: negative output_padding is not supported (output_padding={list(op)})")
    if min(d) <= 0:
        raise RuntimeError(f"{fn}: dilation should be greater than zero (dilation={list(d)})")
    if any(o >= max(a, b) for o, a, b in zip(op, s, d)):
        raise RuntimeError(f"{fn}: output padding must be smaller than either stride or dilation, but got "
                           f"output_padding={list(op)}, stride={list(s)}, dilation={list(d)}")
    unbatched = input.ndim == nd + 1
    x = _unsqueeze(input, 0) if unbatched else input
    if weight.shape[0] % groups:
        raise RuntimeError(f"{fn}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(f"{fn}: Given transposed=1, weight of size {list(weight.shape)}, expected input "
                           f"{list(x.shape)} to have {weight.shape[0]} channels (weight.size(0)), but got "
                           f"{x.shape[1]} channels instead")
    out_channels = weight.shape[1] * groups
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"{fn}: Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {out_channels} elements, but got bias of size {list(bias.shape)} "
                           f"instead")
    if x.array.dtype != weight.array.dtype or (bias is not None and bias.array.dtype != weight.array.dtype):
        raise RuntimeError(f"{fn}: Input type ({x.dtype}) and weight type ({weight.dtype}) should be the same"
                           + ("" if bias is None else f" (bias type {bias.dtype})"))
    sizes = tuple(_conv.transposed_size(x.shape[2 + i], weight.shape[2 + i], s[i], p[i], d[i], op[i])
                  for i in range(nd))
    if min(sizes) < 1:
        raise RuntimeError(f"{fn}: Given input size per channel: ({' x '.join(str(n) for n in x.shape[2:])}). "
                           f"Calculated output size per channel: ({' x '.join(map(str, sizes))}). Output size is "
                           f"too small")
    if nd == 1:
        x, w = _unsqueeze(x, 2), _unsqueeze(weight, 2)
        s, p, op, d = (1,) + s, (0,) + p, (0,) + op, (1,) + d
    else:
        w = weight
    out = _conv.conv_transpose2d(x, w, bias, s, p, op, int(groups), d)
    if nd == 1:
        out = _squeeze(out, 2)
    return out[0] if unbatched else out


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: SizeN = 1, padding: SizeN = 0,
                     output_padding: SizeN = 0, groups: int = 1, dilation: SizeN = 1) -> Tensor:
    """Transposed 2-D convolution of (N, C_in, H, W) or (C_in, H, W) with weight (C_in, C_out/groups, kh, kw):
    the gradient of conv2d with respect to its input, as `torch.nn.functional.conv_transpose2d`. Output size
    (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1 (and likewise for W)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: SizeN = 1, padding: SizeN = 0,
                     output_padding: SizeN = 0, groups: int = 1, dilation: SizeN = 1) -> Tensor:
    """Transposed 1-D convolution of (N, C_in, L) or (C_in, L) with weight (C_in, C_out/groups, k), computed as
    conv_transpose2d on a height of 1."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)
