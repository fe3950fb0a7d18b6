"""The layers of `cr.nn`, one file per family, named as PyTorch names its files (`torch.nn.modules.<file>`),
so `from torch.nn.modules.module import Module` and `nn.modules.Linear` work with only the import changed:

- `module`: `Module` and the global module hooks
- `activation`, `linear`, `conv`, `pooling`, `batchnorm`, `normalization`, `dropout`, `flatten`, `sparse`
  (Embedding), `rnn`, `loss`, `container`
- `transformer`: the Transformer encoder and decoder layers and stacks (`MultiheadAttention` is in
  `activation`, as in PyTorch)

Each layer holds its parameters and calls `cr.nn.functional`; no layer computes math of its own.
"""

from chainrule.nn.modules import (
    activation,
    batchnorm,
    container,
    conv,
    dropout,
    flatten,
    linear,
    loss,
    module,
    normalization,
    pooling,
    rnn,
    sparse,
    transformer,
)
from chainrule.nn.modules.activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    MultiheadAttention,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
    Tanh,
)
from chainrule.nn.modules.batchnorm import BatchNorm1d, BatchNorm2d
from chainrule.nn.modules.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from chainrule.nn.modules.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from chainrule.nn.modules.dropout import Dropout, Dropout2d
from chainrule.nn.modules.flatten import Flatten, Unflatten
from chainrule.nn.modules.linear import Identity, Linear
from chainrule.nn.modules.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from chainrule.nn.modules.module import (
    Module,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)
from chainrule.nn.modules.normalization import GroupNorm, LayerNorm
from chainrule.nn.modules.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from chainrule.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from chainrule.nn.modules.sparse import Embedding
from chainrule.nn.modules.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = (activation.__all__ + batchnorm.__all__ + container.__all__ + conv.__all__ + dropout.__all__
           + flatten.__all__ + linear.__all__ + loss.__all__ + module.__all__ + normalization.__all__
           + pooling.__all__ + rnn.__all__ + sparse.__all__ + transformer.__all__)
