"""`torch.nn.modules.dropout`'s path: re-exports from chainrule's own modules."""

from chainrule.nn.layers.misc import Dropout, Dropout2d

__all__ = ["Dropout", "Dropout2d"]
