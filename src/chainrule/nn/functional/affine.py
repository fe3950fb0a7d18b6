"""`linear` of `cr.nn.functional`, the affine map x W^T + b (the registered op is `chainrule.ops.linalg.linear`)."""

from __future__ import annotations

from chainrule.engine.tensor import Tensor
from chainrule.ops import linalg as _linalg

__all__ = ["linear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight^T + bias, weight of shape (out_features, in_features) as in PyTorch."""
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(f"linear: input of shape {tuple(input.shape)} does not fit weight of shape "
                           f"{tuple(weight.shape)}: the input's last dimension must be {weight.shape[-1]}")
    return _linalg.linear(input, weight, bias)
