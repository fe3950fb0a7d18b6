"""Dropout of `cr.nn.functional`: the input times a constant random mask (zeros, and 1/(1-p) elsewhere),
so the gradient is the same mask (mul's VJP)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from chainrule import random as _random
from chainrule.engine.tensor import Tensor, wrap
from chainrule.ops.elementwise import mul

__all__ = ["dropout", "dropout2d"]


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(input: Tensor, shape: tuple[int, ...], p: float, inplace: bool,
                generator: _random.Generator | None = None) -> Tensor:
    """input * mask, the mask of `shape` (broadcast over the input) holding 0 with probability p, else
    1/(1-p); `inplace=True` multiplies `input` itself."""
    mask = dropout_mask(shape, p, input.array.dtype, generator)
    return input.mul_(wrap(mask)) if inplace else mul(input, wrap(mask))


def dropout_mask(shape: tuple[int, ...], p: float, dtype: Any, generator: _random.Generator | None = None) -> Any:
    """Dropout's mask: 0 with probability p, else 1/(1-p), drawn from `generator` (the default generator if None);
    all zeros for p = 1 (no draw). One place for eager dropout and `cr.compile`'s replay."""
    if p == 1.0:
        return np.zeros(shape, dtype)
    rng = (generator or _random.default_generator).numpy
    return ((rng.random(shape) >= p) / (1.0 - p)).astype(dtype)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: _random.Generator | None = None) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) (identity when not training);
    `inplace=True` multiplies `input` itself by the mask."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, tuple(input.shape), p, inplace, generator)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: for (N, C, H, W) (or (C, H, W)) each of the N*C (C) feature maps is zeroed with
    probability p, the rest scaled by 1/(1-p); identity when not training. A 3-D input is taken as
    (N, C, L), with PyTorch's warning."""
    _check_p(p)
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
    return _apply_mask(input, tuple(input.shape[:2]) + (1,) * (input.ndim - 2), p, inplace)
