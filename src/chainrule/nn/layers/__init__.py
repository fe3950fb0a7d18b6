"""The layers of `cr.nn`, one file per family."""

from chainrule.nn.layers.activation import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)
from chainrule.nn.layers.container import ModuleList, Sequential
from chainrule.nn.layers.conv import AvgPool2d, Conv2d, MaxPool2d
from chainrule.nn.layers.linear import Identity, Linear
from chainrule.nn.layers.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from chainrule.nn.layers.misc import Dropout, Embedding, Flatten
from chainrule.nn.layers.normalization import BatchNorm1d, LayerNorm
from chainrule.nn.layers.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
