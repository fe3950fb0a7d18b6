"""`BatchNorm1d` and `BatchNorm2d` (running statistics, momentum, eval mode; PyTorch's
`torch.nn.modules.batchnorm`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.creation import ones, tensor, zeros
from chainrule.engine.device import check_device
from chainrule.engine.tensor import Tensor
from chainrule.nn import functional as F
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d"]


def count_batch(num_batches_tracked: Tensor, momentum: float | None) -> float:
    """Count one training batch (`num_batches_tracked` += 1) and return the momentum of this batch's update of
    the running statistics: `momentum`, or 1 / count (a cumulative average) when it is None. One place for the
    module and `cr.compile`'s replay."""
    num_batches_tracked._data = np.asarray(num_batches_tracked.array + 1)
    return 1.0 / float(num_batches_tracked.array) if momentum is None else momentum


class NormBase(Module):
    """What batch and instance normalization share (PyTorch's `_NormBase`): `num_features`, `eps`, `momentum`,
    the optional affine `weight` (ones) and `bias` (zeros), the optional running statistics as buffers, and the
    repr."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: dtypes.dtype | None = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class _BatchNorm(NormBase):
    """Batch normalization over every dimension but the channels. In training it normalizes with the
    batch statistics and updates running_mean/running_var (momentum; None means a cumulative average);
    in eval it normalizes with the running statistics."""

    def _check_input(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            momentum = count_batch(self.num_batches_tracked, self.momentum)
        use_batch = self.training or self.running_mean is None
        track = self.training and self.track_running_stats
        return F.batch_norm(input, self.running_mean if track or not use_batch else None,
                            self.running_var if track or not use_batch else None,
                            self.weight, self.bias, use_batch, momentum, self.eps)

class BatchNorm1d(_BatchNorm):
    """Batch normalization over (N, C) or (N, C, L) inputs (statistics per channel over N and L)."""

    def _check_input(self, input: Tensor) -> None:
        if input.ndim not in (2, 3) or input.shape[1] != self.num_features:
            raise ValueError(f"{self!r}: expected input of shape (N, {self.num_features}) or (N, {self.num_features}, "
                             f"L), got {tuple(input.shape)}")


class BatchNorm2d(_BatchNorm):
    """Batch normalization over (N, C, H, W) inputs (statistics per channel over N, H and W)."""

    def _check_input(self, input: Tensor) -> None:
        if input.ndim != 4 or input.shape[1] != self.num_features:
            raise ValueError(f"{self!r}: expected input of shape (N, {self.num_features}, H, W), got "
                             f"{tuple(input.shape)}")
