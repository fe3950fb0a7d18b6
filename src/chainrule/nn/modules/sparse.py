"""`torch.nn.modules.sparse`'s path: re-exports from chainrule's own modules."""

from chainrule.nn.layers.misc import Embedding

__all__ = ["Embedding"]
