"""`torch.nn.modules.conv`'s path: re-exports from chainrule's own modules."""

from chainrule.nn.layers.conv import Conv1d, Conv2d

__all__ = ["Conv1d", "Conv2d"]
