"""`cr.nn`: modules, layers, losses, initializers, `cr.nn.functional` and `cr.nn.utils`, with PyTorch's names."""

from chainrule.nn import functional, init, modules, utils  # modules: PyTorch's paths nn.modules.<file>
from chainrule.nn import functional as F
from chainrule.nn.layers import *
from chainrule.nn.module import (
    Module,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)
from chainrule.nn.parameter import Parameter
