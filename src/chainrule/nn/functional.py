"""`cr.nn.functional` (conventionally `import chainrule.nn.functional as F`): the stateless side of the
layers, with `torch.nn.functional`'s names and arguments."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule import random as _random
from chainrule.engine.tensor import Tensor
from chainrule.nn.losses import (  # noqa: F401 - re-exported
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from chainrule.ops import activations as _act
from chainrule.ops import conv as _conv
from chainrule.ops import linalg as _linalg
from chainrule.ops.activations import (  # noqa: F401 - re-exported
    gelu,
    log_softmax,
    logsigmoid,
    sigmoid,
    softmax,
    softplus,
)
from chainrule.ops.elementwise import mul, sqrt, tanh  # noqa: F401 - tanh re-exported
from chainrule.ops.inplace import make_inplace as _make_inplace
from chainrule.ops.reductions import mean, var
from chainrule.ops.reductions import norm as _norm
from chainrule.ops.reductions import sum as _sum
from chainrule.ops.shape_ops import flatten  # noqa: F401 - re-exported

Size2 = int | tuple[int, int]


def _pair(v: Size2, name: str) -> tuple[int, int]:
    if isinstance(v, int | np.integer):
        return int(v), int(v)
    pair = tuple(int(a) for a in v)
    if len(pair) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
    return pair  # type: ignore[return-value]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight^T + bias, weight of shape (out_features, in_features) as in PyTorch."""
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(f"linear: input of shape {tuple(input.shape)} does not fit weight of shape "
                           f"{tuple(weight.shape)}: the input's last dimension must be {weight.shape[-1]}")
    return _linalg.linear(input, weight, bias)


# ----------------------------------------------------------------------------- activations, `inplace=`
# With inplace=True the result is `input` itself, written in place with PyTorch's rules (the engine's
# in-place machinery: a leaf that requires grad is refused, a value saved by another op and then modified
# fails at backward through the version counters).
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x); the derivative at 0 is 0, as PyTorch."""
    return input.relu_() if inplace else _act.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def _inplace_slope_check(out: Tensor, value: float, what: str, extra: str) -> None:
    """PyTorch's in-place leaky_relu_/elu_ save only their result, which cannot be inverted for a negative
    slope: the forward runs, and backward through it raises."""
    if value < 0 and out.requires_grad and out.grad_fn is not None:
        def refuse(grad: Tensor) -> None:
            raise RuntimeError(f"In-place {what} backward calculation is triggered with a negative slope which is not "
                               f"supported. This is caused by calling in-place forward function with a negative "
                               f"slope, please call out-of-place version instead.{extra}")

        out.register_hook(refuse)


def _saves_result(out: Tensor) -> None:
    """PyTorch's leaky_relu_ and elu_ save their result for backward, so modifying it in place afterwards
    makes backward fail; chainrule's ops save the input instead, so check the result's version here."""
    if not (out.requires_grad and out.grad_fn is not None):
        return
    ref, version, name = weakref.ref(out), out._version, out.grad_fn.name()

    def check(grad: Tensor) -> None:
        t = ref()
        if t is not None and t._version != version:
            raise RuntimeError(f"one of the variables needed for gradient computation has been modified by an "
                               f"inplace operation: the output of {name} (the in-place result, saved) is at version "
                               f"{t._version}; expected version {version} instead")

    out.register_hook(check)


_leaky_relu_inplace = _make_inplace(_act.leaky_relu, "leaky_relu_")
_elu_inplace = _make_inplace(_act.elu, "elu_")


_TORCH_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                       "bool": "Bool"}


def _integer_inplace(input: Tensor, name: str) -> None:
    """PyTorch has no integer kernel for these in-place activations (the out-of-place ones promote)."""
    if isinstance(input, Tensor) and input._data.dtype.kind not in "fc":
        kind = _TORCH_SCALAR_NAMES.get(input._data.dtype.name, input._data.dtype.name)
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{kind}\'')


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    if not inplace:
        return _act.leaky_relu(input, negative_slope)
    return leaky_relu_(input, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    _integer_inplace(input, "leaky_relu")
    out = _leaky_relu_inplace(input, negative_slope)
    _saves_result(out)
    _inplace_slope_check(out, negative_slope, "leakyReLu",
                         " File an issue at https://github.com/pytorch/pytorch if you do require supporting "
                         "in-place leakRelu backward calculation with negative slope")
    return out


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return elu_(input, alpha) if inplace else _act.elu(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    _integer_inplace(input, "elu")
    out = _elu_inplace(input, alpha)
    _saves_result(out)
    _inplace_slope_check(out, alpha, "elu", "")
    return out


_silu_inplace = _make_inplace(_act.silu, "silu_")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    if not inplace:
        return _act.silu(input)
    _integer_inplace(input, "silu")
    return _silu_inplace(input)


_hardtanh_inplace = _make_inplace(_act.hardtanh, "hardtanh_")


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; the gradient is 1 strictly inside, 0 at and beyond the bounds (as
    PyTorch's hardtanh, unlike clamp)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return hardtanh_(input, min_val, max_val) if inplace else _act.hardtanh(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _hardtanh_inplace(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6): hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: Any = None) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) (identity when not training);
    `inplace=True` multiplies `input` itself by the mask."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    dt = input._data.dtype
    if p == 1.0:
        mask = np.zeros(input.shape, dt)
    else:
        rng = (generator or _random.default_generator).numpy
        mask = ((rng.random(input.shape) >= p) / (1.0 - p)).astype(dt)
    return input.mul_(Tensor._make(mask)) if inplace else mul(input, Tensor._make(mask))


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size2 = 1,
           padding: Size2 = 0) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of (N, C, H, W) with weight (O, C, kh, kw)."""
    x, unbatched = _batched(input, "conv2d")
    if x.shape[1] != weight.shape[1]:
        raise RuntimeError(f"conv2d: input of shape {tuple(input.shape)} has {x.shape[1]} channels but weight of "
                           f"shape {tuple(weight.shape)} expects {weight.shape[1]}")
    stride_, padding_ = _pair(stride, "stride"), _pair(padding, "padding")
    _check_window(x, (weight.shape[2], weight.shape[3]), padding_, "conv2d")
    out = _conv.conv2d(x, weight, bias, stride_, padding_)
    return out[0] if unbatched else out


def max_pool2d(input: Tensor, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0) -> Tensor:
    """The maximum of each window; on ties the gradient goes to the first maximum (as PyTorch)."""
    return _pool(_conv.max_pool2d, "max_pool2d", input, kernel_size, stride, padding)


def avg_pool2d(input: Tensor, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0) -> Tensor:
    """Average over each window; zero padding counts in the average (count_include_pad=True)."""
    return _pool(_conv.avg_pool2d, "avg_pool2d", input, kernel_size, stride, padding)


def _pool(op: Any, name: str, input: Tensor, kernel_size: Size2, stride: Size2 | None, padding: Size2) -> Tensor:
    x, unbatched = _batched(input, name)
    kernel = _pair(kernel_size, "kernel_size")
    stride_ = kernel if stride is None else _pair(stride, "stride")
    padding_ = _pair(padding, "padding")
    if padding_[0] > kernel[0] // 2 or padding_[1] > kernel[1] // 2:
        raise RuntimeError(f"{name}: pad should be at most half of the kernel size, got padding={padding_} "
                           f"and kernel_size={kernel}")
    _check_window(x, kernel, padding_, name)
    out = op(x, kernel, stride_, padding_)
    return out[0] if unbatched else out


def _batched(input: Tensor, name: str) -> tuple[Tensor, bool]:
    if input.ndim == 3:
        from chainrule.ops.shape_ops import unsqueeze

        return unsqueeze(input, 0), True
    if input.ndim != 4:
        raise RuntimeError(f"{name}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                           f"{tuple(input.shape)}")
    return input, False


def _check_window(x: Tensor, kernel: tuple[int, int], padding: tuple[int, int], name: str) -> None:
    h, w = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    if h < kernel[0] or w < kernel[1]:
        raise RuntimeError(f"{name}: the kernel {kernel} is larger than the padded input ({h}, {w}) "
                           f"(input shape {tuple(x.shape)})")


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices -> int64 one-hot vectors along a new last dimension."""
    idx = np.asarray(tensor._data if isinstance(tensor, Tensor) else tensor)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensors (int64), got {idx.dtype}")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got "
                           f"{int(idx.min()) if idx.min() < 0 else int(idx.max())}")
    return Tensor._make((idx[..., None] == np.arange(num_classes)).astype(np.int64))


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


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(||input||_p along dim, eps), as PyTorch (a gradient flows through the norm except where
    it is clamped to eps)."""
    denom = _act.clamp(_norm(input, p, dim, keepdim=True), min=eps)
    return input / denom


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1/||x1|| * x2/||x2||) along dim, after broadcasting x1 and x2, as PyTorch: each input is divided
    by its own norm first (results stay in [-1, 1]); the norms are clamped to eps outside the graph, so the
    gradient is that of the unclamped formula evaluated with the clamped norms."""
    from chainrule.engine.grad_mode import no_grad
    from chainrule.ops.shape_ops import broadcast_tensors

    a, b = broadcast_tensors(x1, x2) if x1.shape != x2.shape else (x1, x2)
    na = _norm(a, 2, dim, keepdim=True).clone()
    nb = _norm(b, 2, dim, keepdim=True).clone()
    with no_grad():
        na.clamp_(min=eps)
        nb.clamp_(min=eps)
    return _sum((a / na) * (b / nb), dim)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` at the indices in `input`; the row at padding_idx gets no gradient."""
    idx = np.asarray(input._data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected indices of an integer dtype, got {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"embedding: index {int(idx.max()) if idx.max() >= n else int(idx.min())} is out of range "
                         f"for an embedding of {n} rows")
    if padding_idx is not None and weight.requires_grad:
        from chainrule.ops.elementwise import where

        rows = np.zeros((n, 1), bool)
        rows[padding_idx] = True
        weight = where(Tensor._make(rows), weight.detach(), weight)
    return weight[idx]


def layer_norm(input: Tensor, normalized_shape: tuple[int, ...], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    shape = tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(f"layer_norm: expected input with shape (*, {', '.join(map(str, shape))}), "
                           f"got {tuple(input.shape)}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    mu = mean(input, dims, keepdim=True)
    centered = input - mu
    out = centered / sqrt(var(input, dims, keepdim=True, correction=0) + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize over every dimension but the channels (dim 1): (N, C), (N, C, L), (N, C, H, W), ...; in
    training, update the running statistics in place with the unbiased batch variance, as PyTorch."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dimensions (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if training:
        count = int(np.prod([input.shape[d] for d in dims]))
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{tuple(input.shape)}")
        mu = mean(input, dims, keepdim=True)
        v = var(input, dims, keepdim=True, correction=0)
        if running_mean is not None and running_var is not None:
            batch_mean = np.asarray(mu._data).reshape(-1)
            unbiased = np.asarray(v._data).reshape(-1) * (count / (count - 1))
            _update(running_mean, (1 - momentum) * running_mean._data + momentum * batch_mean)
            _update(running_var, (1 - momentum) * running_var._data + momentum * unbiased)
    else:
        mu = Tensor._make(np.asarray(running_mean._data).reshape(shape))
        v = Tensor._make(np.asarray(running_var._data).reshape(shape))
    out = (input - mu) / sqrt(v + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _update(buffer: Tensor, values: np.ndarray) -> None:
    np.copyto(buffer._data, values, casting="unsafe")
    buffer._version += 1


from chainrule.nn._functional_more import *  # noqa: E402, F403 - conv1d, pooling, group_norm, activations
from chainrule.nn.losses import huber_loss, kl_div, smooth_l1_loss  # noqa: E402, F401 - re-exported
