"""`cr.utils.hooks`: the handle every `register_*_hook` returns (PyTorch's `torch.utils.hooks`)."""

from chainrule.engine.hooks import BackwardHook, RemovableHandle

__all__ = ["BackwardHook", "RemovableHandle"]
