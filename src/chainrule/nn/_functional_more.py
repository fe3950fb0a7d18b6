"""More of `cr.nn.functional` (re-exported there): 1-D convolution and pooling on top of the 2-D ops,
adaptive average pooling as two matrix products, group norm, channel dropout, and activations composed
from existing ops (plus the registered `hardswish`). Every function is built from recorded ops, so
gradients (and gradients of gradients) come from their VJPs: there is no new backward math here except
`hardswish`'s, in `chainrule.ops.activations`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from chainrule import random as _random
from chainrule.engine.tensor import Tensor
from chainrule.ops import activations as _act
from chainrule.ops import elementwise as _ew
from chainrule.ops.inplace import assign as _assign
from chainrule.ops.linalg import matmul as _matmul
from chainrule.ops.reductions import mean as _mean
from chainrule.ops.reductions import var as _var
from chainrule.ops.shape_ops import clone as _clone
from chainrule.ops.shape_ops import squeeze as _squeeze
from chainrule.ops.shape_ops import unsqueeze as _unsqueeze

Size1 = int | tuple[int]


def _single(v: Any, name: str, fn: str) -> int:
    if isinstance(v, str):
        raise NotImplementedError(f"{fn}: {name}={v!r} is not supported; pass an int")
    if isinstance(v, int | np.integer):
        return int(v)
    t = tuple(int(a) for a in v)
    if len(t) != 1:
        raise ValueError(f"{fn}: {name} must be an int or a 1-tuple of ints, got {v!r}")
    return t[0]


def _batched1d(input: Tensor, name: str) -> tuple[Tensor, bool]:
    if input.ndim == 2:
        return _unsqueeze(input, 0), True
    if input.ndim != 3:
        raise RuntimeError(f"{name}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {tuple(input.shape)}")
    return input, False


def _unsupported(fn: str, **args: Any) -> None:
    for name, (value, default) in args.items():
        if value != default and value != (default,):
            raise NotImplementedError(f"{fn}: {name}={value!r} is not supported (only {name}={default!r})")


# ----------------------------------------------------------------------------- 1-D convolution and pooling
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size1 = 1, padding: Size1 = 0,
           dilation: Size1 = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) or (C, L) with weight (O, C, k): conv2d on
    (N, C, 1, L) with weight (O, C, 1, k), so the math and the gradients are conv2d's."""
    from chainrule.nn.functional import conv2d

    _unsupported("conv1d", dilation=(dilation, 1), groups=(groups, 1))
    x, unbatched = _batched1d(input, "conv1d")
    if weight.ndim != 3:
        raise RuntimeError(f"conv1d: expected a 3-D weight (out_channels, in_channels, kernel_size), got shape "
                           f"{tuple(weight.shape)}")
    if x.shape[1] != weight.shape[1]:
        raise RuntimeError(f"conv1d: input of shape {tuple(input.shape)} has {x.shape[1]} channels but weight of "
                           f"shape {tuple(weight.shape)} expects {weight.shape[1]}")
    s, p = _single(stride, "stride", "conv1d"), _single(padding, "padding", "conv1d")
    k = weight.shape[2]
    if x.shape[2] + 2 * p < k:
        raise RuntimeError(f"conv1d: the kernel size {k} is larger than the padded input length {x.shape[2] + 2 * p} "
                           f"(input shape {tuple(input.shape)})")
    out = _squeeze(conv2d(_unsqueeze(x, 2), _unsqueeze(weight, 2), bias, (1, s), (0, p)), 2)
    return out[0] if unbatched else out


def _pool1d(name: str, pool2d: Any, input: Tensor, kernel_size: Size1, stride: Size1 | None,
            padding: Size1) -> Tensor:
    x, unbatched = _batched1d(input, name)
    k = _single(kernel_size, "kernel_size", name)
    s = k if stride is None or stride == () else _single(stride, "stride", name)
    p = _single(padding, "padding", name)
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
    from chainrule.nn.functional import max_pool2d

    _unsupported("max_pool1d", dilation=(dilation, 1), ceil_mode=(ceil_mode, False),
                 return_indices=(return_indices, False))
    return _pool1d("max_pool1d", max_pool2d, input, kernel_size, stride, padding)


def avg_pool1d(input: Tensor, kernel_size: Size1, stride: Size1 | None = None, padding: Size1 = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """The mean of each window of (N, C, L) (zero padding counted): avg_pool2d with a (1, k) window."""
    from chainrule.nn.functional import avg_pool2d

    _unsupported("avg_pool1d", ceil_mode=(ceil_mode, False), count_include_pad=(count_include_pad, True))
    return _pool1d("avg_pool1d", avg_pool2d, input, kernel_size, stride, padding)


# ----------------------------------------------------------------------------- adaptive average pooling
def _adaptive_matrix(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """(out, size): row i averages PyTorch's window i, [floor(i*size/out), ceil((i+1)*size/out))."""
    m = np.zeros((out, size), dtype)
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def _output_sizes(output_size: Any, input_sizes: tuple[int, ...], name: str) -> tuple[int, ...]:
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
    overlap or differ in size when H is not a multiple of oh. Each window is a rectangle, so the result is
    A_h @ x @ A_w^T with constant averaging matrices: two matmuls, whose VJPs give the gradient."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                           f"{tuple(input.shape)}")
    h, w = input.shape[-2:]
    if h == 0 or w == 0:
        raise RuntimeError(f"adaptive_avg_pool2d: expected non-empty spatial dimensions, got input of shape "
                           f"{tuple(input.shape)}")
    oh, ow = _output_sizes(output_size, (h, w), "adaptive_avg_pool2d")
    x = _float(input)
    dt = x._data.dtype
    ah = Tensor._make(_adaptive_matrix(h, oh, dt))
    awt = Tensor._make(np.ascontiguousarray(_adaptive_matrix(w, ow, dt).T))
    return _matmul(_matmul(ah, x), awt)


def adaptive_avg_pool1d(input: Tensor, output_size: int | tuple[int]) -> Tensor:
    """Average pooling of (N, C, L) or (C, L) to length `output_size`, PyTorch's windows: x @ A^T."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                           f"{tuple(input.shape)}")
    length = input.shape[-1]
    if length == 0:
        raise RuntimeError(f"adaptive_avg_pool1d: expected a non-empty input, got shape {tuple(input.shape)}")
    (o,) = _output_sizes(output_size, (length,), "adaptive_avg_pool1d")
    x = _float(input)
    return _matmul(x, Tensor._make(np.ascontiguousarray(_adaptive_matrix(length, o, x._data.dtype).T)))


def _float(x: Tensor) -> Tensor:
    from chainrule import dtypes

    return x if x._data.dtype.kind == "f" else _ew.cast(x, dtypes.get_default_dtype().np)


# ----------------------------------------------------------------------------- normalization, dropout
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize each sample's channels in `num_groups` groups (mean and biased variance over the group's
    channels and positions), then scale and shift per channel."""
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input of at least 2 dimensions (N, C, ...), got shape "
                           f"{tuple(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"group_norm: expected the number of channels ({c}) of the input of shape "
                           f"{tuple(input.shape)} to be divisible by num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"group_norm: expected {name} of shape ({c},) for an input of shape "
                               f"{tuple(input.shape)}, got {tuple(t.shape)}")
    x = input.reshape(n, num_groups, -1)
    out = (x - _mean(x, -1, keepdim=True)) / _ew.sqrt(_var(x, -1, keepdim=True, correction=0) + eps)
    out = out.reshape(tuple(input.shape))
    shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: for (N, C, H, W) (or (C, H, W)) each of the N*C (C) feature maps is zeroed with
    probability p, the rest scaled by 1/(1-p); identity when not training. A 3-D input is taken as
    (N, C, L), with PyTorch's warning."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
                      f"result in an error in a future release. To retain the behavior and silence this warning, "
                      f"please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on "
                      f"inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension "
                      f"(i.e. 3D or 4D inputs).", stacklevel=2)
    elif input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
    if not training or p == 0.0:
        return input
    dt = input._data.dtype
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    if p == 1.0:
        mask = np.zeros(shape, dt)
    else:
        mask = ((_random.default_generator.numpy.random(shape) >= p) / (1.0 - p)).astype(dt)
    return input.mul_(Tensor._make(mask)) if inplace else _ew.mul(input, Tensor._make(mask))


# ----------------------------------------------------------------------------- activations
def _inplace(input: Tensor, fn: Any, name: str, *args: Any) -> Tensor:
    """`input` overwritten with fn(input), PyTorch's in-place rules (the engine's `assign`). The
    composition runs on a clone, so its own saved values are not the tensor being written."""
    return _assign(input, fn(_clone(input), *args), name)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (_ew.abs(input) + 1.0)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    if inplace:
        return _inplace(input, mish, "mish_")
    return input * _ew.tanh(_act.softplus(input))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6: one registered op with PyTorch's derivative (0 up to -3, x/3 + 1/2 inside,
    1 from 3 on)."""
    return _inplace(input, _act.hardswish, "hardswish_") if inplace else _act.hardswish(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6; the gradient is 1/6 strictly inside (-3, 3), else 0 (as PyTorch)."""
    if inplace:
        return _inplace(input, hardsigmoid, "hardsigmoid_")
    return _act.hardtanh(_float(input) + 3.0, 0.0, 6.0) / 6.0


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's constants (alpha = 1.6733, scale = 1.0507)."""
    if inplace:
        return _inplace(input, selu, "selu_")
    return _act.elu(input, _SELU_ALPHA) * _SELU_SCALE


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) = alpha * elu(x / alpha)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    if inplace:
        return _inplace(input, celu, "celu_", alpha)
    return _act.elu(input / alpha, 1.0) * alpha


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else weight * x, with one weight per channel (dim 1) or one for all."""
    n = int(np.prod(weight.shape))
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
        w = weight.reshape((1, n) + (1,) * (input.ndim - 2))
    else:
        w = weight.reshape(())
    return _ew.where(input > 0, input, w * input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the two halves of the input along `dim`."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.ndim if -input.ndim <= dim < input.ndim else None
    if d is None:
        raise IndexError(f"glu: dimension out of range (expected to be in range of [{-input.ndim}, "
                         f"{input.ndim - 1}], but got {dim})")
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    index: list[Any] = [slice(None)] * input.ndim
    index[d] = slice(0, size // 2)
    a = input[tuple(index)]
    index[d] = slice(size // 2, size)
    return a * _act.sigmoid(input[tuple(index)])


__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "avg_pool1d", "celu", "conv1d", "dropout2d", "glu",
           "group_norm", "hardsigmoid", "hardswish", "max_pool1d", "mish", "prelu", "selu", "softsign",
           "conv_transpose1d", "conv_transpose2d"]


# ----------------------------------------------------------------------------- transposed convolution
def _ints(v: Any, n: int, name: str, fn: str) -> tuple[int, ...]:
    if isinstance(v, str | float):
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not {type(v).__name__}")
    if isinstance(v, int | np.integer):
        return (int(v),) * n
    t = tuple(int(a) for a in v)
    if len(t) == 1:
        return t * n
    if len(t) != n:
        raise RuntimeError(f"{fn}: expected {name} to be a single integer value or a list of {n} values to match "
                           f"the convolution dimensions, but got {name}={list(t)}")
    return t


def _conv_transpose(fn: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                    padding: Any, output_padding: Any, groups: int, dilation: Any) -> Tensor:
    """Checks and batching shared by conv_transpose1d/2d; the 1-D case runs as 2-D on a height of 1."""
    from chainrule.ops import conv as _conv

    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fn}: Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, but got "
                           f"input of size: {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{fn}: expected a {nd + 2}-D weight (in_channels, out_channels/groups, *kernel_size), "
                           f"got weight of size {list(weight.shape)}")
    s, p = _ints(stride, nd, "stride", fn), _ints(padding, nd, "padding", fn)
    op, d = _ints(output_padding, nd, "output_padding", fn), _ints(dilation, nd, "dilation", fn)
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
    if x._data.dtype != weight._data.dtype or (bias is not None and bias._data.dtype != weight._data.dtype):
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


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-D convolution of (N, C_in, H, W) or (C_in, H, W) with weight (C_in, C_out/groups, kh, kw):
    the gradient of conv2d with respect to its input, as `torch.nn.functional.conv_transpose2d`. Output size
    (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1 (and likewise for W)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 1-D convolution of (N, C_in, L) or (C_in, L) with weight (C_in, C_out/groups, k), computed as
    conv_transpose2d on a height of 1."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)
