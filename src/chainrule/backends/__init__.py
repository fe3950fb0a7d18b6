"""`cr.backends`: the flags PyTorch programs read or set (`cr.backends.cudnn.benchmark = True`,
`cr.backends.mps.is_available()`). chainrule computes on the CPU with NumPy: the flags are accepted and
change nothing."""

from chainrule.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
