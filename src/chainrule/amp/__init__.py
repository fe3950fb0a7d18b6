"""`cr.amp` (PyTorch's `torch.amp`): `GradScaler` and `autocast`, so mixed-precision training loops run.

`GradScaler` is PyTorch's algorithm (scale the loss, unscale the gradients, skip the step on inf/NaN, grow or
back off the scale). `autocast` does not lower precision: chainrule computes every op in its inputs' dtypes
(see docs/semantics.md)."""

from chainrule.amp.autocast_mode import autocast, is_autocast_enabled
from chainrule.amp.grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "is_autocast_enabled"]
