"""`cr.optim`: optimizers with PyTorch's update rules, and `cr.optim.lr_scheduler`."""

from chainrule.optim import lr_scheduler
from chainrule.optim.adam import Adam, AdamW
from chainrule.optim.adam_variants import Adadelta, Adamax, NAdam, RAdam
from chainrule.optim.lbfgs import LBFGS
from chainrule.optim.optimizer import Optimizer
from chainrule.optim.rmsprop import Adagrad, RMSprop
from chainrule.optim.sgd import SGD
