"""Pooling of `cr.nn.functional`: max_pool2d and avg_pool2d are registered ops (`chainrule.ops.conv`);
the 1-D poolings run them with a (1, k) window; adaptive average pooling is two matrix products with
constant averaging matrices, so its gradient comes from matmul's VJP."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.nn.functional._args import (
    Size1,
    Size2,
    as_float,
    batched1d,
    batched2d,
    check_supported,
    check_window,
    pair,
    single,
)
from chainrule.ops import conv as _conv
from chainrule.ops.shape_ops import squeeze as _squeeze
from chainrule.ops.shape_ops import unsqueeze as _unsqueeze

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "max_pool1d", "max_pool2d"]

_Pool2d = Callable[[Tensor, tuple[int, int], tuple[int, int], tuple[int, int]], Tensor]


def max_pool2d(input: Tensor, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0) -> Tensor:
    """The maximum of each window; on ties the gradient goes to the first maximum (as PyTorch)."""
    return _pool(_conv.max_pool2d, "max_pool2d", input, kernel_size, stride, padding)


def avg_pool2d(input: Tensor, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0) -> Tensor:
    """Average over each window; zero padding counts in the average (count_include_pad=True)."""
    return _pool(_conv.avg_pool2d, "avg_pool2d", input, kernel_size, stride, padding)


def _pool(op: _Pool2d, name: str, input: Tensor, kernel_size: Size2, stride: Size2 | None, padding: Size2) -> Tensor:
    x, unbatched = batched2d(input, name)
    kernel = pair(kernel_size, "kernel_size")
    stride_ = kernel if stride is None else pair(stride, "stride")
    padding_ = pair(padding, "padding")
    if padding_[0] > kernel[0] // 2 or padding_[1] > kernel[1] // 2:
        raise RuntimeError(f"{name}: pad should be at most half of the kernel size, got padding={padding_} "
                           f"and kernel_size={kernel}")
    check_window(x, kernel, padding_, name)
    out = op(x, kernel, stride_, padding_)
    return out[0] if unbatched else out


def _pool1d(name: str, pool2d: Callable[..., Tensor], input: Tensor, kernel_size: Size1, stride: Size1 | None,
            padding: Size1) -> Tensor:
    x, unbatched = batched1d(input, name)
    k = single(kernel_size, "kernel_size", name)
    s = k if stride is None or stride == () else single(stride, "stride", name)
    p = single(padding, "padding", name)
    if p > k // 2:
        raise RuntimeError(f"{name}: pad should be at most half of the kernel size, got padding={p} and "
                           f"kernel_size={k}")
    if x.shape[2] + 2 * p < k:
        raise RuntimeError(f"{name}: the kernel size {k} is larger than the padded input length {x.shape[2] + 2 * p} "
                           f"(input shape {tuple(input.shape)})")
    out = _squeeze(pool2d(_unsqueeze(x, 2), (1, k), (1, s), (0, p)), 2)
    return out[0] if unbatched else out


def max_pool1d(input: Tensor, kernel_size: Size1, stride: Size1 | None = None, padding: Size1 = 0,
               dilation: Size1 = 1, ceil_mode: bool = False, return_indices: bool = False) -> Tensor:
    """The maximum of each window of (N, C, L): max_pool2d with a (1, k) window; ties send the gradient
    to the first maximum."""
    check_supported("max_pool1d", dilation=(dilation, 1), ceil_mode=(ceil_mode, False),
                 return_indices=(return_indices, False))
    return _pool1d("max_pool1d", max_pool2d, input, kernel_size, stride, padding)


def avg_pool1d(input: Tensor, kernel_size: Size1, stride: Size1 | None = None, padding: Size1 = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """The mean of each window of (N, C, L) (zero padding counted): avg_pool2d with a (1, k) window."""
    check_supported("avg_pool1d", ceil_mode=(ceil_mode, False), count_include_pad=(count_include_pad, True))
    return _pool1d("avg_pool1d", avg_pool2d, input, kernel_size, stride, padding)


# ----------------------------------------------------------------------------- adaptive average pooling
def _output_sizes(output_size: int | None | tuple[int | None, ...], input_sizes: tuple[int, ...],
                  name: str) -> tuple[int, ...]:
    n = len(input_sizes)
    sizes = (output_size,) * n if output_size is None or isinstance(output_size, int | np.integer) else \
        tuple(output_size)
    if len(sizes) != n:
        raise ValueError(f"{name}: output_size must be an int or a {n}-tuple, got {output_size!r}")
    sizes = tuple(i if o is None else int(o) for o, i in zip(sizes, input_sizes))
    if any(o <= 0 for o in sizes):
        raise ValueError(f"{name}: output_size must be positive, got {output_size!r}")
    return sizes


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple[int | None, int | None]) -> Tensor:
    """Average pooling of (N, C, H, W) or (C, H, W) to the output size (oh, ow) (None keeps a size), with
    PyTorch's windows: output row i averages rows floor(i*H/oh) to ceil((i+1)*H/oh) - 1, so windows
    overlap or differ in size when H is not a multiple of oh. One op (`ops.conv.adaptive_avg_pool`): A_h @ x @ A_w^T
    with constant averaging matrices."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                           f"{tuple(input.shape)}")
    h, w = input.shape[-2:]
    if h == 0 or w == 0:
        raise RuntimeError(f"adaptive_avg_pool2d: expected non-empty spatial dimensions, got input of shape "
                           f"{tuple(input.shape)}")
    oh, ow = _output_sizes(output_size, (h, w), "adaptive_avg_pool2d")
    if (oh, ow) == (1, 1):  # global average pooling: a mean, as PyTorch computes it (MeanBackward1)
        return as_float(input).mean((-2, -1), keepdim=True)
    return _conv.adaptive_avg_pool(as_float(input), (oh, ow))


def adaptive_avg_pool1d(input: Tensor, output_size: int | tuple[int]) -> Tensor:
    """Average pooling of (N, C, L) or (C, L) to length `output_size`, PyTorch's windows: x @ A^T."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                           f"{tuple(input.shape)}")
    length = input.shape[-1]
    if length == 0:
        raise RuntimeError(f"adaptive_avg_pool1d: expected a non-empty input, got shape {tuple(input.shape)}")
    (o,) = _output_sizes(output_size, (length,), "adaptive_avg_pool1d")
    return _conv.adaptive_avg_pool(as_float(input), (o,))
