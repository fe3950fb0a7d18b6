"""`linear` and `bilinear` of `cr.nn.functional`: the affine map x W^T + b (the registered op is
`chainrule.ops.linalg.linear`) and x1^T W_k x2 + b_k (an `einsum`)."""

from __future__ import annotations

from chainrule.engine.tensor import Tensor
from chainrule.ops import linalg as _linalg

__all__ = ["bilinear", "linear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight^T + bias, weight of shape (out_features, in_features) as in PyTorch."""
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(f"linear: input of shape {tuple(input.shape)} does not fit weight of shape "
                           f"{tuple(weight.shape)}: the input's last dimension must be {weight.shape[-1]}")
    return _linalg.linear(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = input1^T weight[k] input2 + bias[k] over the last dimensions (weight (out, in1, in2)), the leading
    dimensions of the inputs equal, as PyTorch; one `einsum` (plus the bias)."""
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {weight.ndim}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
                           f"{list(input2.shape[:-1])}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but expected "
                           f"{weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but expected "
                           f"{weight.shape[2]}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0] if bias.ndim else 0} "
                           f"but expected {weight.shape[0]}")
    out = _linalg.einsum("...i,kij,...j->...k", input1, weight, input2)
    return out + bias if bias is not None else out
