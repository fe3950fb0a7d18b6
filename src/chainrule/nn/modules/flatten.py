"""`torch.nn.modules.flatten`'s path: re-exports from chainrule's own modules."""

from chainrule.nn.layers.misc import Flatten, Unflatten

__all__ = ["Flatten", "Unflatten"]
