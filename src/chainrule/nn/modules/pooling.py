"""Pooling layers: `MaxPool1d`, `MaxPool2d`, `AvgPool1d`, `AvgPool2d`, `AdaptiveAvgPool1d`,
`AdaptiveAvgPool2d` (PyTorch's `torch.nn.modules.pooling`)."""

from __future__ import annotations

from typing import Any

from chainrule.engine.tensor import Tensor
from chainrule.nn import functional as F
from chainrule.nn.functional._args import Size1, Size2, check_supported, single
from chainrule.nn.modules.module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d"]


class _Pool2d(Module):
    def __init__(self, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    def extra_repr(self) -> str:
        return super().extra_repr() + ", dilation=1, ceil_mode=False"

    def forward(self, input: Tensor) -> Tensor:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding)


def _single(value: Any, name: str, layer: str) -> tuple[int]:
    return (single(value, name, layer),)


class MaxPool1d(_Pool2d):
    """Max pooling of (N, C, L) or (C, L); dilation, ceil_mode and return_indices other than the defaults raise."""

    def __init__(self, kernel_size: Size1, stride: Size1 | None = None, padding: Size1 = 0, dilation: Size1 = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        check_supported("MaxPool1d", dilation=(dilation, 1), return_indices=(return_indices, False),
                     ceil_mode=(ceil_mode, False))
        super().__init__(kernel_size, stride, padding)

    def extra_repr(self) -> str:
        return super().extra_repr() + ", dilation=1, ceil_mode=False"

    def forward(self, input: Tensor) -> Tensor:
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding)


class AvgPool1d(Module):
    """Average pooling of (N, C, L) or (C, L), zero padding counted; ceil_mode=True and
    count_include_pad=False raise."""

    def __init__(self, kernel_size: Size1, stride: Size1 | None = None, padding: Size1 = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        check_supported("AvgPool1d", ceil_mode=(ceil_mode, False), count_include_pad=(count_include_pad, True))
        self.kernel_size = _single(kernel_size, "kernel_size", "AvgPool1d")
        self.stride = self.kernel_size if stride is None else _single(stride, "stride", "AvgPool1d")
        self.padding = _single(padding, "padding", "AvgPool1d")

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (int, or a pair whose entries may be None to keep the input's
    size), with PyTorch's windows (they overlap when the sizes do not divide)."""

    def __init__(self, output_size: int | tuple[int | None, ...]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4):
            raise RuntimeError(f"{self!r}: expected input of shape (N, C, H, W) or (C, H, W), got "
                               f"{tuple(input.shape)}")
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (2, 3):
            raise RuntimeError(f"{self!r}: expected input of shape (N, C, L) or (C, L), got {tuple(input.shape)}")
        return F.adaptive_avg_pool1d(input, self.output_size)
