"""Normalization of `cr.nn.functional`: batch_norm, instance_norm, layer_norm, rms_norm, group_norm and normalize,
composed from
recorded ops (mean, var, sqrt, norm, clamp), so their gradients come from those ops' VJPs."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, wrap
from chainrule.ops import activations as _act
from chainrule.ops.elementwise import sqrt
from chainrule.ops.reductions import mean, var
from chainrule.ops.reductions import norm as _norm

__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm", "local_response_norm", "normalize", "rms_norm"]


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
            update_running_stats(running_mean, running_var, mu.array, v.array, count, momentum)
    else:
        mu = wrap(np.asarray(running_mean.array).reshape(shape))
        v = wrap(np.asarray(running_var.array).reshape(shape))
    return _standardize(input, mu, v, eps, weight, bias, shape)


def _standardize(input: Tensor, mu: Tensor, v: Tensor, eps: float, weight: Tensor | None, bias: Tensor | None,
                 shape: tuple) -> Tensor:
    """(x - mean) / sqrt(var + eps), then the per-channel affine (weight and bias shaped to broadcast as `shape`):
    the step batch and instance normalization share."""
    out = (input - mu) / sqrt(v + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def update_running_stats(running_mean: Tensor, running_var: Tensor, batch_mean: Any, batch_var: Any, count: int,
                         momentum: float) -> None:
    """batch_norm's update of the running statistics in training, in place: running = (1 - momentum) * running
    + momentum * batch, with the batch variance made unbiased (times count / (count - 1)) as PyTorch does. One
    place for eager and `cr.compile`'s replay."""
    batch_mean = np.asarray(batch_mean).reshape(-1)
    unbiased = np.asarray(batch_var).reshape(-1) * (count / (count - 1))
    _update(running_mean, (1 - momentum) * running_mean.array + momentum * batch_mean)
    _update(running_var, (1 - momentum) * running_var.array + momentum * unbiased)


def _update(buffer: Tensor, values: np.ndarray) -> None:
    np.copyto(buffer.array, values, casting="unsafe")
    buffer._version += 1


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
    out = (x - mean(x, -1, keepdim=True)) / sqrt(var(x, -1, keepdim=True, correction=0) + eps)
    out = out.reshape(tuple(input.shape))
    shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(||input||_p along dim, eps), as PyTorch (a gradient flows through the norm except where
    it is clamped to eps)."""
    denom = _act.clamp(_norm(input, p, dim, keepdim=True), min=eps)
    return input / denom


def rms_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the last `len(normalized_shape)` dimensions, times `weight`; `eps` defaults
    to the machine epsilon of the input's dtype, as PyTorch."""
    from chainrule.ops.elementwise import rsqrt

    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or len(shape) > input.ndim:
        raise RuntimeError(f"rms_norm: Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"rms_norm: Expected weight to be of same shape as normalized_shape, but got weight of "
                           f"shape {list(weight.shape)} and normalized_shape = {list(shape)}")
    if eps is None:
        eps = float(np.finfo(input.array.dtype).eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * rsqrt(mean(input * input, dims, keepdim=True) + eps)
    return out * weight if weight is not None else out


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each sample's channels over their positions (N, C, *): mean and biased variance per sample and
    channel, then scale and shift per channel. With running statistics and `use_input_stats`, they are updated
    with the batch average of the per-instance statistics (the unbiased variance), as PyTorch; without
    `use_input_stats`, the running statistics normalize."""
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected an input of at least 3 dimensions (N, C, *), got shape "
                         f"{tuple(input.shape)}")
    c = input.shape[1]
    dims = tuple(range(2, input.ndim))
    shape = (1, c) + (1,) * (input.ndim - 2)
    count = int(np.prod([input.shape[d] for d in dims]))
    if use_input_stats:
        if count <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                             f"{tuple(input.shape)}")
        mu = mean(input, dims, keepdim=True)
        v = var(input, dims, keepdim=True, correction=0)
        if running_mean is not None and running_var is not None:
            update_running_stats(running_mean, running_var, np.mean(mu.array, axis=0),
                                 np.mean(v.array, axis=0), count, momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("instance_norm: Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        mu = wrap(np.asarray(running_mean.array).reshape(shape))
        v = wrap(np.asarray(running_var.array).reshape(shape))
    return _standardize(input, mu, v, eps, weight, bias, shape)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over a window of `size` channels)^beta, the window zero-padded by size // 2
    before and (size - 1) // 2 after (PyTorch's average pooling of the padded squares, written as a sum of shifted
    slices)."""
    from chainrule.ops.joins import pad as _pad
    from chainrule.ops.shape_ops import narrow

    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    widths = [0, 0] * (input.ndim - 2) + [size // 2, (size - 1) // 2]
    padded = _pad(input * input, widths)
    window = narrow(padded, 1, 0, c)
    for j in range(1, size):
        window = window + narrow(padded, 1, j, c)
    return input / ((window / size) * alpha + k) ** beta
