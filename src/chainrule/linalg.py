"""`cr.linalg`, PyTorch's `torch.linalg`: norms, the inverse, determinants, linear solves, the pseudo-inverse, the
Cholesky and QR factorizations and the symmetric eigendecomposition, batched over leading dimensions. The ops (forward,
gradient, formula) live in `chainrule.ops.linalg`; this module is their public namespace under PyTorch's names."""

from __future__ import annotations

from chainrule.ops.linalg import (
    LinAlgError,
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    matmul,
    matrix_norm,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    vector_norm,
)

__all__ = ["LinAlgError", "cholesky", "det", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "norm", "pinv",
           "qr", "slogdet", "solve", "vector_norm"]
