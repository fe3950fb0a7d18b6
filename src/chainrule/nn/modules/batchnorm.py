"""`torch.nn.modules.batchnorm`'s path: re-exports from chainrule's own modules."""

from chainrule.nn.layers.normalization import BatchNorm1d, BatchNorm2d

__all__ = ["BatchNorm1d", "BatchNorm2d"]
