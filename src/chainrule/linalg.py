"""`cr.linalg`, PyTorch's `torch.linalg`: norms, the inverse, determinants, linear solves, the pseudo-inverse, the
Cholesky and QR factorizations, the symmetric eigendecomposition and the SVD, batched over leading dimensions. The
ops (forward, gradient, formula) live in `chainrule.ops.linalg`; this module is their public namespace under
PyTorch's names."""

from __future__ import annotations

from chainrule.ops.linalg import (
    LinAlgError,
    cholesky,
    cond,
    det,
    eigh,
    eigvalsh,
    inv,
    matmul,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    solve_triangular,
    svd,
    svdvals,
    vecdot,
    vector_norm,
)
from chainrule.ops.linalg import linalg_cross as cross
from chainrule.ops.linalg import linalg_diagonal as diagonal

__all__ = [
    "LinAlgError", "cholesky", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm",
    "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd",
    "svdvals", "vecdot", "vector_norm",
]
