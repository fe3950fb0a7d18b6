"""Convolution layers: `Conv1d`, `Conv2d`, `ConvTranspose1d`, `ConvTranspose2d` (PyTorch's
`torch.nn.modules.conv`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chainrule import dtypes
from chainrule.creation import empty
from chainrule.engine.tensor import Tensor
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.functional._args import Size1, Size2, SizeN, check_supported, pair, single
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]


class _ConvNd(Module):
    """What Conv1d and Conv2d share: sizes as tuples, the weight (out_channels, in_channels, *kernel_size) and
    bias with PyTorch's default initialization, and the repr."""

    def _setup(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any, bias: bool,
               dtype: Any, as_tuple: Any) -> None:
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = as_tuple(kernel_size, "kernel_size")
        self.stride = as_tuple(stride, "stride")
        self.padding = as_tuple(padding, "padding")
        self.weight = Parameter(empty(out_channels, in_channels, *self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if any(self.padding):
            s += f", padding={self.padding}"
        return s + ("" if self.bias is not None else ", bias=False")


class Conv2d(_ConvNd):
    """2-D convolution with weight (out_channels, in_channels, kh, kw), PyTorch's default initialization."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size2, stride: Size2 = 1,
                 padding: Size2 = 0, bias: bool = True, dtype: dtypes.dtype | None = None) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, bias, dtype, pair)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4) or input.shape[-3] != self.in_channels:
            raise RuntimeError(f"{self!r}: expected input of shape (N, {self.in_channels}, H, W), got input of shape "
                               f"{tuple(input.shape)} (weight has shape {tuple(self.weight.shape)})")
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding)


def _single(value: Any, name: str, layer: str) -> tuple[int]:
    return (single(value, name, layer),)


class Conv1d(_ConvNd):
    """1-D convolution with weight (out_channels, in_channels, kernel_size), PyTorch's default
    initialization; computed by conv2d on a (N, C, 1, L) view. dilation and groups other than 1 raise."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size1, stride: Size1 = 1,
                 padding: Size1 = 0, dilation: Size1 = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: dtypes.dtype | None = None) -> None:
        super().__init__()
        check_supported("Conv1d", dilation=(dilation, 1), groups=(groups, 1), padding_mode=(padding_mode, "zeros"))
        self._setup(in_channels, out_channels, kernel_size, stride, padding, bias, dtype,
                    lambda value, name: _single(value, name, "Conv1d"))

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (2, 3) or input.shape[-2] != self.in_channels:
            raise RuntimeError(f"{self!r}: expected input of shape (N, {self.in_channels}, L), got input of shape "
                               f"{tuple(input.shape)} (weight has shape {tuple(self.weight.shape)})")
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding)


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d and ConvTranspose2d share: PyTorch's constructor checks, the weight
    (in_channels, out_channels // groups, *kernel_size) with PyTorch's default initialization (its fan-in is
    out_channels // groups * prod(kernel_size), from the weight's shape, as PyTorch computes it), the repr and
    `forward(input, output_size=None)`."""

    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: SizeN, stride: SizeN = 1, padding: SizeN = 0,
                 output_padding: SizeN = 0, groups: int = 1, bias: bool = True, dilation: SizeN = 1,
                 padding_mode: str = "zeros", device: str | None = None, dtype: dtypes.dtype | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        if isinstance(padding, str):
            raise ValueError(f'{name}: padding={padding!r} is not supported; pass an int or a tuple of ints')
        n = self._nd

        def as_tuple(v: Any, what: str) -> tuple[int, ...]:
            t = (int(v),) * n if isinstance(v, int) else tuple(int(a) for a in v)
            if len(t) != n:
                raise ValueError(f"{name}: {what} must be an int or a tuple of {n} ints, got {v!r}")
            return t

        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = as_tuple(kernel_size, "kernel_size")
        self.stride = as_tuple(stride, "stride")
        self.padding = as_tuple(padding, "padding")
        self.dilation = as_tuple(dilation, "dilation")
        self.output_padding = as_tuple(output_padding, "output_padding")
        self.groups = groups
        self.transposed = True
        self.padding_mode = padding_mode
        self.weight = Parameter(empty(in_channels, out_channels // groups, *self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if any(self.padding):
            s += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if any(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple[int, ...]:
        """The output_padding that gives `output_size` (as PyTorch: the last nd entries count; each must lie
        between the smallest output size and that plus stride - 1)."""
        if output_size is None:
            return self.output_padding
        n = self._nd
        size = [int(s) for s in output_size]
        if len(size) == n + 2 or (len(size) == n + 1 and input.ndim == n + 1):
            size = size[-n:]
        if len(size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or {n + 2} "
                             f"elements (got {len(output_size)})")
        spatial = tuple(input.shape[-n:])
        lo = [(spatial[d] - 1) * self.stride[d] - 2 * self.padding[d] + self.dilation[d] * (self.kernel_size[d] - 1)
              + 1 for d in range(n)]
        hi = [lo[d] + self.stride[d] - 1 for d in range(n)]
        if any(not lo[d] <= size[d] <= hi[d] for d in range(n)):
            raise ValueError(f"requested an output size of {list(size)}, but valid sizes range from {lo} to {hi} "
                             f"(for an input of {list(spatial)})")
        return tuple(size[d] - lo[d] for d in range(n))

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        fn = F.conv_transpose2d if self._nd == 2 else F.conv_transpose1d
        return fn(input, self.weight, self.bias, self.stride, self.padding, self._output_padding(input, output_size),
                  self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution (the gradient of Conv2d with respect to its input, sometimes called a
    deconvolution): (N, C_in, H, W) -> (N, C_out, (H - 1) * stride - 2 * padding + dilation * (kh - 1) +
    output_padding + 1, ...), weight (in_channels, out_channels // groups, kh, kw)."""

    _nd = 2


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution: (N, C_in, L) -> (N, C_out, (L - 1) * stride - 2 * padding + dilation * (k - 1) +
    output_padding + 1), weight (in_channels, out_channels // groups, k)."""

    _nd = 1
