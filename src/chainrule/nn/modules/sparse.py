"""`Embedding` (PyTorch's `torch.nn.modules.sparse`)."""

from __future__ import annotations

from typing import Any

from chainrule import dtypes
from chainrule.creation import empty
from chainrule.engine.device import check_device
from chainrule.engine.grad_mode import no_grad
from chainrule.engine.tensor import Tensor
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """A lookup table of `num_embeddings` rows of size `embedding_dim`, initialized N(0, 1)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 device: Any = None, dtype: dtypes.dtype | None = None) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError("padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype))
        init.normal_(self.weight)
        if padding_idx is not None:
            with no_grad():
                self.weight.array[padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
