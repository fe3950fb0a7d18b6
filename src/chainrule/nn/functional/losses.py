"""Loss functions of `cr.nn.functional`, with PyTorch's arguments and reductions.

The cross-entropy family is one fused op each (`chainrule.ops.losses`): the class indices or
probabilities, class weights, `ignore_index` and `label_smoothing` become a constant target matrix q,
and the loss is -sum(q * log_softmax(x)) / denom, computed from a max-shifted log-softmax so that
large logits never overflow. The regression losses are compositions of recorded ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, wrap
from chainrule.nn.functional._args import as_float
from chainrule.ops import losses as _ops
from chainrule.ops.elementwise import abs as _abs

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "huber_loss", "kl_div", "l1_loss",
    "mse_loss", "nll_loss", "smooth_l1_loss",
    "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "margin_ranking_loss",
    "multilabel_soft_margin_loss", "poisson_nll_loss", "soft_margin_loss", "triplet_margin_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str) -> str:
    """'mean', 'sum' or 'none', else PyTorch's ValueError (the loss modules check at construction)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction: use 'mean', 'sum' or 'none'")
    return reduction


def _float(x: Tensor, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor as input, got {type(x).__name__}")
    return as_float(x)


def _array(x: Any, dtype: np.dtype) -> np.ndarray:
    data = x.array if isinstance(x, Tensor) else x
    return np.asarray(data, dtype=dtype)


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _check_same_shape(input: Tensor, target: Any, name: str) -> None:
    shape = tuple(np.shape(target.array if isinstance(target, Tensor) else target))
    if shape != tuple(input.shape):
        raise ValueError(f"{name}: using a target size {shape} that is different to the input size "
                         f"{tuple(input.shape)}; they must match")


def _warn_if_broadcast(input: Tensor, target: Any, stacklevel: int = 3) -> None:
    """PyTorch's warning for the regression losses, which broadcast a target of another shape."""
    shape = tuple(np.shape(target.array if isinstance(target, Tensor) else target))
    if shape != tuple(input.shape):
        import warnings

        warnings.warn(f"Using a target size {shape} that is different to the input size {tuple(input.shape)}. "
                      f"This will likely lead to incorrect results due to broadcasting. Please ensure they have "
                      f"the same size.", UserWarning, stacklevel=stacklevel)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """mean((input - target)^2); a target of another shape is broadcast, with PyTorch's warning."""
    check_reduction(reduction)
    x = _float(input, "mse_loss")
    _warn_if_broadcast(x, target)
    d = x - target
    return _reduce(d * d, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """mean(|input - target|); the gradient at a zero difference is 0, as in PyTorch."""
    check_reduction(reduction)
    x = _float(input, "l1_loss")
    _warn_if_broadcast(x, target)
    return _reduce(_abs(x - target), reduction)


# ----------------------------------------------------------------------------- cross entropy
def _class_targets(x: Tensor, target: Any, weight: Any, ignore_index: int, name: str,
                   smoothing: float = 0.0) -> tuple[np.ndarray, float]:
    """q (the weighted one-hot targets, smoothed) and the mean's denominator for class-index targets."""
    t = np.asarray(target.array if isinstance(target, Tensor) else target)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected class indices of an integer dtype (int64), got {t.dtype}")
    c = x.shape[1]
    expected = (x.shape[0],) + tuple(x.shape[2:])
    if t.shape != expected:
        raise ValueError(f"{name}: expected target of shape {expected} for input of shape {tuple(x.shape)}, "
                         f"got {tuple(t.shape)}")
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= c))
    if bad.any():
        index = int(t[bad].flat[0])
        raise IndexError(f"{name}: target class index {index} is out of bounds for {c} classes "
                         f"(valid indices are 0 to {c - 1}; ignore_index={ignore_index})")
    dt = x.array.dtype
    if weight is None and not smoothing and x.ndim == 2 and valid.all():
        return _ops.onehot(t, x.shape, dt), float(t.shape[0])
    safe = np.where(valid, t, 0)
    shape_c = (1, c) + (1,) * (x.ndim - 2)
    w = np.ones(c, dt) if weight is None else _array(weight, dt).reshape(c)
    onehot = (np.arange(c).reshape(shape_c) == np.expand_dims(safe, 1)) & np.expand_dims(valid, 1)
    q = (onehot * w.reshape(shape_c)).astype(dt)
    denom = float(np.sum(w[safe] * valid, dtype=np.float64))
    if smoothing:
        q = (1.0 - smoothing) * q + (smoothing / c) * (w.reshape(shape_c) * np.expand_dims(valid, 1))
        q = q.astype(dt)
    return q, denom


def _plain(x: Tensor, target: Any, ignore_index: int, reduction: str, op: Any) -> Tensor | None:
    """Cross entropy or nll_loss (`op`: its `*_indices` form) of float (N, C) input at int64 class indices, none
    of them ignored; None when the general path must decide (another dtype or shape, an ignored or out-of-range
    index)."""
    t = target.array if isinstance(target, Tensor) else target
    c = x.array.shape[1]
    if (type(t) is not np.ndarray or t.dtype != np.int64 or t.shape != x.array.shape[:1] or not t.size
            or x.array.dtype.kind != "f" or (0 <= ignore_index < c and (t == ignore_index).any())):
        return None
    return op(x, t, reduction)


def _unbatched(x: Tensor, target: Any) -> tuple[Tensor, Any, bool]:
    if x.ndim == 1:
        from chainrule.ops.shape_ops import unsqueeze

        t = target.array if isinstance(target, Tensor) else np.asarray(target)
        return unsqueeze(x, 0), np.asarray(t)[None], True
    return x, target, False


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of logits (N, C[, d...]) with class indices (N[, d...]) or class probabilities
    (the input's shape), as `torch.nn.functional.cross_entropy`."""
    check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if weight is None and not label_smoothing and isinstance(input, Tensor) and input.array.ndim == 2:
        out = _plain(input, target, ignore_index, reduction, _ops.cross_entropy_indices)  # the common case, fast
        if out is not None:
            return out
    x, target, squeeze = _unbatched(_float(input, "cross_entropy"), target)
    t = target.array if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind == "f":
        if t.shape != tuple(x.shape):
            raise ValueError(f"cross_entropy: class-probability targets must have the input's shape "
                             f"{tuple(x.shape)}, got {tuple(t.shape)}")
        c = x.shape[1]
        q = t.astype(x.array.dtype) * (1.0 - label_smoothing) + label_smoothing / c
        if weight is not None:
            q = q * _array(weight, x.array.dtype).reshape((1, c) + (1,) * (x.ndim - 2))
        q, denom = q.astype(x.array.dtype), float(x.array.size // c)
    else:
        q, denom = _class_targets(x, t, weight, ignore_index, "cross_entropy", label_smoothing)
    out = _ops.cross_entropy(x, q, reduction, denom)
    return out[0] if squeeze and reduction == "none" else out


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log likelihood of log-probabilities (N, C[, d...]) at class indices."""
    check_reduction(reduction)
    if weight is None and isinstance(input, Tensor) and input.array.ndim == 2:
        out = _plain(input, target, ignore_index, reduction, _ops.nll_loss_indices)  # the common case
        if out is not None:
            return out
    x, target, squeeze = _unbatched(_float(input, "nll_loss"), target)
    q, denom = _class_targets(x, target, weight, ignore_index, "nll_loss")
    out = _ops.nll_loss(x, q, reduction, denom)
    return out[0] if squeeze and reduction == "none" else out


# ----------------------------------------------------------------------------- binary
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """BCE of probabilities in [0, 1]; logs are clamped at -100 as in PyTorch."""
    check_reduction(reduction)
    x = _float(input, "binary_cross_entropy")
    _check_same_shape(x, target, "binary_cross_entropy")
    data = np.asarray(x.array)
    if data.size and (np.nanmin(data) < 0 or np.nanmax(data) > 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1 "
                           "(apply sigmoid first, or use binary_cross_entropy_with_logits)")
    dt = x.array.dtype
    w = None if weight is None else np.broadcast_to(_array(weight, dt), x.shape)
    return _ops.bce(x, _array(target, dt), w, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """sigmoid + BCE in one numerically stable op: finite for any logits."""
    check_reduction(reduction)
    x = _float(input, "binary_cross_entropy_with_logits")
    _check_same_shape(x, target, "binary_cross_entropy_with_logits")
    dt = x.array.dtype
    w = None if weight is None else np.broadcast_to(_array(weight, dt), x.shape)
    pw = None if pos_weight is None else _array(pos_weight, dt)
    return _ops.bce_with_logits(x, _array(target, dt), w, pw, reduction)


# ----------------------------------------------------------------------------- robust regression, KL
def _constant_target(x: Tensor, target: Any) -> Any:
    """A regression target as a constant array: a tensor's own values (no gradient flows into it; its dtype
    promotes with the input's, as a difference would), anything else in the input's dtype."""
    return target.array if isinstance(target, Tensor) else _array(target, x.array.dtype)


def _difference(input: Tensor, target: Any, name: str) -> Tensor:
    x = _float(input, name)
    _warn_if_broadcast(x, target, stacklevel=4)
    t = target.detach() if isinstance(target, Tensor) else wrap(_array(target, x.array.dtype))
    return x - t


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta = 0 is l1_loss.
    The gradient is d / beta inside, sign(d) outside (1 at |d| = beta), as PyTorch."""
    check_reduction(reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    if beta == 0:
        return _reduce(_abs(_difference(input, target, "smooth_l1_loss")), reduction)
    x = _float(input, "smooth_l1_loss")
    _warn_if_broadcast(x, target)
    return _ops.smooth_l1(x, _constant_target(x, target), float(beta), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta * (|d| - 0.5 delta): smooth_l1_loss(beta=delta) * delta."""
    check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta}")
    x = _float(input, "huber_loss")
    _warn_if_broadcast(x, target)
    return _ops.smooth_l1(x, _constant_target(x, target), float(delta), reduction, huber=True)


def kl_div(input: Tensor, target: Tensor, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target || q) for log-probabilities `input` = log q: target * (log(target) - input) pointwise
    (0 where target is 0), or exp(target) * (target - input) with log_target=True. reduction='batchmean'
    divides the sum by the batch size (the mathematical KL divergence); 'mean' divides by the number of
    elements, with PyTorch's warning. The target is a constant (no gradient flows into it)."""
    import warnings

    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction!r} is not a valid value for reduction: use 'mean', 'batchmean', 'sum' or "
                         f"'none'")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    x = _float(input, "kl_div")
    t = _array(target.detach() if isinstance(target, Tensor) else target, x.array.dtype)
    if t.shape != tuple(x.shape):
        np.broadcast_shapes(t.shape, tuple(x.shape))  # broadcasting is allowed, as PyTorch; raise if not
    with np.errstate(divide="ignore", invalid="ignore"):
        if log_target:
            p, const = np.exp(t), np.exp(t) * t
        else:
            p, const = t, np.where(t == 0, 0.0, t * np.log(np.where(t > 0, t, 1.0)) + np.where(t < 0, np.nan, 0.0))
    loss = wrap(np.asarray(const, x.array.dtype)) - wrap(np.asarray(p, x.array.dtype)) * x
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


# ----------------------------------------------------------------------------- margin and likelihood losses
# Compositions of recorded ops, each written as PyTorch computes it (so values agree to rounding).
def _where(cond: Any, a: Any, b: Any) -> Tensor:
    from chainrule.ops.elementwise import where

    return where(cond, a, b)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1 (cos along the last
    dimension of 1-D or 2-D inputs; the squared norms get 1e-12 added, as PyTorch)."""
    check_reduction(reduction)
    if input1.ndim != input2.ndim or input1.ndim not in (1, 2):
        raise RuntimeError(f"cosine_embedding_loss: 1D target tensor expects 2D input tensors, but found inputs "
                           f"with sizes {list(input1.shape)} and {list(input2.shape)}.")
    if target.ndim != input1.ndim - 1:
        raise RuntimeError(f"cosine_embedding_loss: {input1.ndim - 1}D target tensor expects {input1.ndim}D input "
                           f"tensors, but found target of size {list(target.shape)}.")
    dim = input1.ndim - 1
    eps = 1e-12
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + eps
    mag2 = (input2 * input2).sum(dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    pos = _where(target == 1, 1 - cos, 0.0)
    neg = _where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """max(0, -target * (x1 - x2) + margin)."""
    check_reduction(reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {tuple(input1.shape)}, input2: {tuple(input2.shape)}, target: "
                           f"{tuple(target.shape)} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """x where target is 1, max(0, margin - x) where it is -1."""
    check_reduction(reduction)
    margin_part = _where(target != 1, (margin - input).clamp_min(0), 0.0)
    self_part = _where(target != -1, input, 0.0)
    return _reduce(margin_part + self_part, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * x))."""
    check_reduction(reduction)
    _check_same_shape(input, target, "soft_margin_loss")
    return _reduce((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                reduction: str = "mean") -> Tensor:
    """-(y log sigmoid(x) + (1 - y) log sigmoid(-x)), times `weight`, averaged over the classes (the last
    dimension)."""
    from chainrule.ops.activations import logsigmoid

    check_reduction(reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    dim = input.ndim - 1
    return _reduce(loss.sum(dim) / input.shape[dim], reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """0.5 * (log(var) + (x - target)^2 / var) (+ 0.5 log(2 pi) with `full`), `var` clamped to `eps` outside the
    graph; `var` of the input's shape, or one dimension short of it or of size 1 there (one variance shared)."""
    import math

    from chainrule.creation import ones_like
    from chainrule.engine.grad_mode import no_grad

    if isinstance(var, int | float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = ones_like(input) * float(var)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """exp(x) - target * x (`log_input`), else x - target * log(x + eps); `full` adds Stirling's approximation
    of log(target!) where target > 1."""
    import math

    if size_average is not None or reduce is not None:
        raise NotImplementedError("poisson_nll_loss: size_average and reduce are deprecated; use reduction=")
    check_reduction(reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the pairwise p-distance (`swap`: the
    smaller of d(anchor, negative) and d(positive, negative))."""
    from chainrule.nn.functional.distance import pairwise_distance
    from chainrule.ops.elementwise import minimum

    if size_average is not None or reduce is not None:
        raise NotImplementedError("triplet_margin_loss: size_average and reduce are deprecated; use reduction=")
    check_reduction(reduction)
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(f"triplet_margin_loss: The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {anchor.ndim}D, positive "
                           f"{positive.ndim}D, and negative {negative.ndim}D inputs")
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: expected margin to be greater than 0, got {margin} instead")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)
