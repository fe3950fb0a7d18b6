"""`cr.nn.modules`: PyTorch's import path for `Module` and the global module hooks."""

from chainrule.nn.modules import module
from chainrule.nn.modules.module import (
    Module,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)

__all__ = ["Module", "module", "register_module_forward_hook", "register_module_forward_pre_hook",
           "register_module_full_backward_hook", "register_module_full_backward_pre_hook"]
