"""`cr.nn`: modules, layers, losses, initializers, `cr.nn.functional` and `cr.nn.utils`, with PyTorch's names."""

from chainrule.nn import functional, init, modules, utils  # modules: PyTorch's paths nn.modules.<file>
from chainrule.nn import functional as F
from chainrule.nn.layers import *
from chainrule.nn.module import Module
from chainrule.nn.parameter import Parameter
