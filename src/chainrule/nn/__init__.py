"""`cr.nn`: modules, layers, losses, initializers and `cr.nn.functional`, with PyTorch's names."""

from chainrule.nn import functional, init
from chainrule.nn import functional as F
from chainrule.nn.layers import *
from chainrule.nn.module import Module
from chainrule.nn.parameter import Parameter
