"""`torch.nn.modules.linear`'s path: re-exports from chainrule's own modules."""

from chainrule.nn.layers.linear import Identity, Linear

__all__ = ["Identity", "Linear"]
