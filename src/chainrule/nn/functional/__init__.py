"""`cr.nn.functional` (conventionally `import chainrule.nn.functional as F`): the stateless side of the
layers, with `torch.nn.functional`'s names and arguments, one file per concept:

- `activations`: relu, leaky_relu, elu, gelu, silu, sigmoid, tanh, softmax, ... (and their in-place forms)
- `losses`: mse_loss, l1_loss, cross_entropy, nll_loss, binary_cross_entropy(_with_logits), smooth_l1_loss,
  huber_loss, kl_div
- `convolution`: conv1d, conv2d, conv_transpose1d, conv_transpose2d
- `pooling`: max/avg pooling (1-D, 2-D) and adaptive average pooling
- `normalization`: batch_norm, layer_norm, group_norm, normalize
- `dropouts`, `affine` (linear), `sparse` (embedding, one_hot), `distance` (cosine_similarity, pairwise_distance),
  `shape` (pad, flatten), `vision` (interpolate, pixel_shuffle, pixel_unshuffle, unfold, fold)
- `attention`: scaled_dot_product_attention, multi_head_attention_forward (composed of the ops above)

The math of each registered op (forward, derivative, formula) lives in `chainrule.ops`; the functions here
check arguments with PyTorch's messages and call those ops, or compose them.
"""

from chainrule.engine.tensor import Tensor  # torch.nn.functional.Tensor exists too
from chainrule.nn.functional.activations import (
    celu,
    elu,
    elu_,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    relu_,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanh,
    tanhshrink,
    threshold,
    threshold_,
)
from chainrule.nn.functional.affine import bilinear, linear
from chainrule.nn.functional.attention import multi_head_attention_forward, scaled_dot_product_attention
from chainrule.nn.functional.convolution import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from chainrule.nn.functional.distance import cosine_similarity, pairwise_distance
from chainrule.nn.functional.dropouts import dropout, dropout2d
from chainrule.nn.functional.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from chainrule.nn.functional.normalization import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    normalize,
    rms_norm,
)
from chainrule.nn.functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from chainrule.nn.functional.shape import flatten, pad
from chainrule.nn.functional.sparse import embedding, embedding_bag, one_hot
from chainrule.nn.functional.vision import (
    affine_grid,
    fold,
    grid_sample,
    interpolate,
    pixel_shuffle,
    pixel_unshuffle,
    unfold,
    upsample,
)

__all__ = [
    # activations
    "celu", "elu", "elu_", "gelu", "glu", "hardsigmoid", "hardswish", "hardtanh", "hardtanh_", "leaky_relu",
    "leaky_relu_", "log_softmax", "logsigmoid", "mish", "prelu", "relu", "relu6", "relu_", "selu", "sigmoid",
    "silu", "softmax", "softplus", "softsign", "tanh",
    # losses
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "huber_loss", "kl_div", "l1_loss",
    "mse_loss", "nll_loss", "smooth_l1_loss",
    # convolution, pooling
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "max_pool1d", "max_pool2d",
    # normalization, dropout
    "batch_norm", "group_norm", "layer_norm", "normalize", "dropout", "dropout2d",
    # linear, sparse, distance, shape
    "linear", "embedding", "one_hot", "cosine_similarity", "flatten", "pad",
    # attention
    "multi_head_attention_forward", "scaled_dot_product_attention",
    # more activations, losses, normalization, distance; vision
    "hardshrink", "softmin", "softshrink", "tanhshrink", "threshold", "threshold_",
    "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "margin_ranking_loss",
    "multilabel_soft_margin_loss", "poisson_nll_loss", "soft_margin_loss", "triplet_margin_loss",
    "instance_norm", "local_response_norm", "rms_norm", "pairwise_distance",
    "fold", "interpolate", "pixel_shuffle", "pixel_unshuffle", "unfold", "upsample", "embedding_bag", "affine_grid",
    "grid_sample", "bilinear",
]
