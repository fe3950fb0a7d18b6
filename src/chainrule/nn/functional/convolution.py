"""Convolutions of `cr.nn.functional`: conv2d and conv_transpose2d are registered ops
(`chainrule.ops.conv`, where their math is); conv1d and conv_transpose1d run them on a height of 1, so
their gradients are the 2-D ops'."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.nn.functional._args import Size1, Size2, SizeN, batched1d, batched2d, ints
from chainrule.ops import conv as _conv
from chainrule.ops.joins import pad as _pad
from chainrule.ops.shape_ops import squeeze as _squeeze
from chainrule.ops.shape_ops import unsqueeze as _unsqueeze

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


def _convolution(fn: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
                 dilation: Any, groups: int) -> Tensor:
    """Checks, batching and padding shared by conv1d and conv2d, with PyTorch's messages; the 1-D case runs as 2-D
    on a height of 1. padding='same' pads dilation * (k - 1) in all, half on each side and the odd one at the end
    (as PyTorch), padding='valid' none."""
    x, unbatched = (batched1d if nd == 1 else batched2d)(input, fn)
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{fn}: expected a {nd + 2}-D weight (out_channels, in_channels/groups, *kernel_size), "
                           f"got shape {tuple(weight.shape)}")
    if not isinstance(groups, int | np.integer) or isinstance(groups, bool) or groups <= 0:
        raise RuntimeError(f"{fn}: non-positive groups is not supported (groups={groups!r})")
    groups = int(groups)
    s, d = ints(stride, nd, "stride", fn), ints(dilation, nd, "dilation", fn)
    if min(s) <= 0:
        raise RuntimeError(f"{fn}: non-positive stride is not supported (stride={list(s)})")
    if min(d) <= 0:
        raise RuntimeError(f"{fn}: dilation should be greater than zero, but got {list(d)}")
    kernel = tuple(int(k) for k in weight.shape[2:])
    extra: tuple[int, ...] = (0,) * nd  # 'same' with an odd total: one more at the end of that dimension
    if isinstance(padding, str):
        if padding == "valid":
            p: tuple[int, ...] = (0,) * nd
        elif padding == "same":
            if max(s) != 1:
                raise RuntimeError(f"{fn}: padding='same' is not supported for strided convolutions "
                                   f"(stride={list(s)})")
            total = tuple(d[i] * (kernel[i] - 1) for i in range(nd))
            p = tuple(t // 2 for t in total)
            extra = tuple(t % 2 for t in total)
        else:
            raise RuntimeError(f"{fn}: Invalid padding string: {padding!r} (use 'same', 'valid' or ints)")
    else:
        p = ints(padding, nd, "padding", fn)
        if min(p) < 0:
            raise RuntimeError(f"{fn}: negative padding is not supported (padding={list(p)})")
    if weight.shape[0] % groups:
        raise RuntimeError(f"{fn}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"{fn}: Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {x.shape[1]} "
                           f"channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(f"{fn}: Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead")
    if x.array.dtype != weight.array.dtype or (bias is not None and bias.array.dtype != weight.array.dtype):
        raise RuntimeError(f"{fn}: Input type ({x.dtype}) and weight type ({weight.dtype}) should be the same"
                           + ("" if bias is None else f" (bias type {bias.dtype})"))
    padded = tuple(x.shape[2 + i] + 2 * p[i] + extra[i] for i in range(nd))
    reach = tuple(d[i] * (kernel[i] - 1) + 1 for i in range(nd))
    if any(r > n for r, n in zip(reach, padded)):
        if nd == 1:
            raise RuntimeError(f"{fn}: the kernel size {reach[0]} is larger than the padded input length {padded[0]} "
                               f"(input shape {tuple(input.shape)})")
        raise RuntimeError(f"{fn}: the kernel {reach} is larger than the padded input {padded} "
                           f"(input shape {tuple(input.shape)})")
    if any(extra):
        x = _pad(x, [a for e in reversed(extra) for a in (0, e)], "constant", 0.0)
    if nd == 1:
        out = _squeeze(_conv.conv2d(_unsqueeze(x, 2), _unsqueeze(weight, 2), bias, (1, s[0]), (0, p[0]), (1, d[0]),
                                    groups), 2)
    else:
        out = _conv.conv2d(x, weight, bias, (s[0], s[1]), (p[0], p[1]), (d[0], d[1]), groups)
    return out[0] if unbatched else out


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size2 = 1,
           padding: Size2 | str = 0, dilation: Size2 = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of (N, C, H, W) or (C, H, W) with weight
    (O, C/groups, kh, kw): each output channel sees its group's C/groups input channels, through a kernel whose
    taps are `dilation` apart. padding: ints, 'valid' (none) or 'same' (stride 1; the output keeps H and W)."""
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size1 = 1, padding: Size1 | str = 0,
           dilation: Size1 = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) or (C, L) with weight (O, C/groups, k): conv2d on
    (N, C, 1, L) with weight (O, C/groups, 1, k), so the math and the gradients are conv2d's."""
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


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
