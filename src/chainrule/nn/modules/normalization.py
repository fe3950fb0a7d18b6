"""`torch.nn.modules.normalization`'s path: re-exports from chainrule's own modules."""

from chainrule.nn.layers.normalization import GroupNorm, LayerNorm

__all__ = ["GroupNorm", "LayerNorm"]
