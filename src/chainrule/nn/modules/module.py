"""`torch.nn.modules.module`'s path: re-exports from chainrule's own modules."""

from chainrule.nn.module import Module

__all__ = ["Module"]
