"""Convolution layers: `Conv1d`, `Conv2d`, `ConvTranspose1d`, `ConvTranspose2d` (PyTorch's
`torch.nn.modules.conv`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chainrule import dtypes
from chainrule.creation import empty
from chainrule.engine.device import check_device
from chainrule.engine.tensor import Tensor
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.functional._args import SizeN
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]


_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _checked(layer: Module, in_channels: int, out_channels: int, groups: int,
             device: Any) -> Callable[[Any, str], tuple[int, ...]]:
    """PyTorch's constructor checks every convolution layer shares (device, groups), and the function that turns a
    size argument into a tuple of the layer's dimensions (kernel_size=3 -> (3, 3)) or names the layer."""
    name, n = type(layer).__name__, layer._nd  # type: ignore[attr-defined]
    check_device(device, name)
    if not isinstance(groups, int) or groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")

    def as_tuple(v: Any, what: str) -> tuple[int, ...]:
        t = (int(v),) * n if isinstance(v, int) else tuple(int(a) for a in v)
        if len(t) != n:
            raise ValueError(f"{name}: {what} must be an int or a tuple of {n} ints, got {v!r}")
        return t

    return as_tuple


class _ConvNd(Module):
    """What Conv1d and Conv2d share: PyTorch's constructor checks, sizes as tuples, the weight
    (out_channels, in_channels // groups, *kernel_size) and bias with PyTorch's default initialization (fan-in
    from the weight's shape, as PyTorch), the repr, and the forward: zero padding inside the convolution, any
    other `padding_mode` by `F.pad` first."""

    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: SizeN, stride: SizeN = 1,
                 padding: SizeN | str = 0, dilation: SizeN = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: str | None = None, dtype: dtypes.dtype | None = None) -> None:
        super().__init__()
        as_tuple = _checked(self, in_channels, out_channels, groups, device)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode={padding_mode!r}")

        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = as_tuple(kernel_size, "kernel_size")
        self.stride = as_tuple(stride, "stride")
        self.dilation = as_tuple(dilation, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of ('valid', 'same')")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: tuple[int, ...] | str = padding
            totals = [d * (k - 1) if padding == "same" else 0 for d, k in zip(self.dilation, self.kernel_size)]
            # F.pad's order: the last dimension first, (before, after) each; an odd total puts one more after
            self._reversed_padding_repeated_twice = [a for t in reversed(totals) for a in (t // 2, t - t // 2)]
        else:
            self.padding = as_tuple(padding, "padding")
            self._reversed_padding_repeated_twice = tuple(a for p in reversed(self.padding) for a in (p, p))
        self.groups = groups
        self.padding_mode = padding_mode
        self.transposed = False
        self.output_padding = (0,) * self._nd
        self.weight = Parameter(empty(out_channels, in_channels // groups, *self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str) or any(self.padding):
            s += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _check_input(self, input: Tensor) -> None:
        n = self._nd
        if input.ndim not in (n + 1, n + 2) or input.shape[-n - 1] != self.in_channels:
            spatial = "H, W" if n == 2 else "L"
            raise RuntimeError(f"{self!r}: expected input of shape (N, {self.in_channels}, {spatial}), got input of "
                               f"shape {tuple(input.shape)} (weight has shape {tuple(self.weight.shape)})")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        fn = F.conv2d if self._nd == 2 else F.conv1d
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2-D convolution: (N, C_in, H, W) -> (N, C_out, H', W') with weight (out_channels, in_channels // groups,
    kh, kw); `groups` splits the channels into independent blocks (groups=in_channels: a depthwise convolution),
    `dilation` spaces the kernel's taps, padding='same' keeps H and W."""

    _nd = 2


class Conv1d(_ConvNd):
    """1-D convolution: (N, C_in, L) -> (N, C_out, L') with weight (out_channels, in_channels // groups, k);
    computed by conv2d on a (N, C, 1, L) view."""

    _nd = 1


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d and ConvTranspose2d share: PyTorch's constructor checks, the weight
    (in_channels, out_channels // groups, *kernel_size) with PyTorch's default initialization (its fan-in is
    out_channels // groups * prod(kernel_size), from the weight's shape, as PyTorch computes it), the repr and
    `forward(input, output_size=None)`."""

    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: SizeN, stride: SizeN = 1, padding: SizeN = 0,
                 output_padding: SizeN = 0, groups: int = 1, bias: bool = True, dilation: SizeN = 1,
                 padding_mode: str = "zeros", device: str | None = None, dtype: dtypes.dtype | None = None) -> None:
        Module.__init__(self)  # its own checks and weight shape, not _ConvNd's
        as_tuple = _checked(self, in_channels, out_channels, groups, device)
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        if isinstance(padding, str):
            raise ValueError(f'{name}: padding={padding!r} is not supported; pass an int or a tuple of ints')

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
