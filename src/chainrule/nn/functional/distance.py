"""`cosine_similarity` and `pairwise_distance` of `cr.nn.functional` (PyTorch's "distance functions"), composed
from recorded ops."""

from __future__ import annotations

from chainrule.engine.tensor import Tensor
from chainrule.ops.reductions import norm as _norm
from chainrule.ops.reductions import sum as _sum

__all__ = ["cosine_similarity", "pairwise_distance"]


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


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm of `x1 - x2 + eps` over the last dimension (the inputs broadcast), as PyTorch."""
    out_ndim = max(x1.ndim, x2.ndim)
    d = (x1 - x2) + eps
    if out_ndim == 0:
        return _norm(d.reshape(1), p, 0, keepdim=False)
    return _norm(d, p, -1, keepdim=keepdim)
