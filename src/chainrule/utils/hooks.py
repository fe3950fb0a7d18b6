"""`cr.utils.hooks`: the handle every `register_*_hook` returns (PyTorch's `torch.utils.hooks`)."""

from chainrule.autograd.backward_hook import BackwardHook
from chainrule.engine.hooks import RemovableHandle

__all__ = ["BackwardHook", "RemovableHandle"]
