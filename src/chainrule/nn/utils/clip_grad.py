"""Gradient clipping with `torch.nn.utils`'s semantics: the `.grad` tensors are scaled or clamped in place
(the same tensor objects, their version counters bumped), parameters without a gradient are skipped."""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import numpy as np

from chainrule.engine.grad_mode import no_grad
from chainrule.engine.tensor import Tensor, wrap

Tensors = Tensor | Iterable[Tensor]


def _vector_norm(a: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of all of `a`'s elements, in `a`'s dtype (as `torch.linalg.vector_norm`)."""
    a = np.abs(np.asarray(a).reshape(-1))
    dt = a.dtype if a.dtype.kind == "f" else np.float32
    if p == math.inf:
        out = a.max(initial=0.0)
    elif p == -math.inf:
        out = a.min(initial=math.inf)
    elif p == 0:
        out = np.count_nonzero(a)
    elif p == 1:
        out = a.sum()
    elif p == 2:
        out = np.sqrt(np.dot(a, a) if a.dtype.kind == "f" else np.sum(a * a))
    else:
        out = np.sum(a ** p) ** (1.0 / p)
    return np.asarray(out, dtype=dt)


def get_total_norm(tensors: Tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The norm of all the tensors taken together, as if concatenated into one vector."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return wrap(np.array(0.0, np.float32))
    norms = [_vector_norm(t.array, norm_type) for t in tensors]
    total = _vector_norm(np.array(norms, dtype=np.result_type(*norms)), norm_type)  # the norm of the norms
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           f"it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           f"norm anyway, set `error_if_nonfinite=False`")
    return wrap(total)


def clip_grads_with_norm_(parameters: Tensors, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale every gradient by min(max_norm / (total_norm + 1e-6), 1), in place."""
    parameters = [parameters] if isinstance(parameters, Tensor) else parameters
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return
    norm = total_norm.array if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coef = np.asarray(max_norm / (norm + norm.dtype.type(1e-6)), dtype=norm.dtype)  # in the norm's dtype
    coef = np.minimum(coef, norm.dtype.type(1.0))[()]
    with no_grad():
        for g in grads:
            g.mul_(coef)


def clip_grad_norm_(parameters: Tensors, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale the gradients in place so that their total norm is at most `max_norm`; returns the total norm
    (before clipping) as a tensor. `norm_type=inf` uses the largest absolute value."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)  # a generator is read once
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters: Tensors, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """Deprecated in PyTorch in favour of `clip_grad_norm_` (same behaviour)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensors, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient to [-clip_value, clip_value], in place."""
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    clip_value = float(clip_value)
    with no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)
