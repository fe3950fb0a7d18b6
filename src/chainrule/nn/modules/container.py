"""`torch.nn.modules.container`'s path: re-exports from chainrule's own modules."""

from chainrule.nn.layers.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]
