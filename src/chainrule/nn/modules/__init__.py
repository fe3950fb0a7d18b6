"""The layers of `cr.nn`, one file per family, named as PyTorch names its files (`torch.nn.modules.<file>`),
so `from torch.nn.modules.module import Module` and `nn.modules.Linear` work with only the import changed:

- `module`: `Module` and the global module hooks
- `activation`, `linear`, `conv`, `pooling`, `batchnorm`, `normalization`, `dropout`, `flatten`, `sparse`
  (Embedding), `rnn`, `loss`, `container`, `padding`, `upsampling`, `fold`, `pixelshuffle`, `instancenorm`,
  `distance`
- `transformer`: the Transformer encoder and decoder layers and stacks (`MultiheadAttention` is in
  `activation`, as in PyTorch)

Each layer holds its parameters and calls `cr.nn.functional`; no layer computes math of its own.
"""

from chainrule.nn.modules import (
    activation,
    batchnorm,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)
from chainrule.nn.modules.activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardshrink,
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
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from chainrule.nn.modules.batchnorm import BatchNorm1d, BatchNorm2d
from chainrule.nn.modules.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from chainrule.nn.modules.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from chainrule.nn.modules.distance import CosineSimilarity, PairwiseDistance
from chainrule.nn.modules.dropout import Dropout, Dropout2d
from chainrule.nn.modules.flatten import Flatten, Unflatten
from chainrule.nn.modules.fold import Fold, Unfold
from chainrule.nn.modules.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from chainrule.nn.modules.linear import Bilinear, Identity, Linear
from chainrule.nn.modules.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelSoftMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from chainrule.nn.modules.module import (
    Module,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)
from chainrule.nn.modules.normalization import GroupNorm, LayerNorm, LocalResponseNorm, RMSNorm
from chainrule.nn.modules.padding import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from chainrule.nn.modules.pixelshuffle import PixelShuffle, PixelUnshuffle
from chainrule.nn.modules.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from chainrule.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from chainrule.nn.modules.sparse import Embedding, EmbeddingBag
from chainrule.nn.modules.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from chainrule.nn.modules.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = (activation.__all__ + batchnorm.__all__ + container.__all__ + conv.__all__ + dropout.__all__
           + flatten.__all__ + linear.__all__ + loss.__all__ + module.__all__ + normalization.__all__
           + pooling.__all__ + rnn.__all__ + sparse.__all__ + transformer.__all__ + distance.__all__ + fold.__all__
           + instancenorm.__all__ + padding.__all__ + pixelshuffle.__all__ + upsampling.__all__)
