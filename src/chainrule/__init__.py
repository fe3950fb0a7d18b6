"""chainrule: the chain rule, made runnable and visible.

A reverse-mode autograd engine on NumPy with PyTorch's names and semantics:

    import chainrule as cr
    w = cr.tensor(0.5, requires_grad=True)
    loss = (2.0 * cr.relu(w * 3.0) - 1.0 - 4.0) ** 2
    loss.backward()
    w.grad  # tensor(-24.)
"""

from chainrule import autograd
from chainrule import ops as _ops  # noqa: F401 - registers ops and tensor methods
from chainrule.autograd import gradcheck, gradgradcheck, numerical_derivative
from chainrule.creation import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from chainrule.dtypes import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from chainrule.engine.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled
from chainrule.engine.device import device, get_default_device, set_default_device
from chainrule.engine.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from chainrule.engine.size import Size
from chainrule.engine.tensor import Tensor
from chainrule.func import grad, hessian, jacobian, jacrev, jvp, value_and_grad, vjp, vmap
from chainrule.ops.functions import *  # noqa: F403 - the functional namespace: cr.exp, cr.sum, ...
from chainrule.random import (
    Generator,
    manual_seed,
    multinomial,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)

from chainrule.ops import out as _out  # noqa: E402

# `cr.add(a, b, out=c)`, `cr.zeros(3, out=c)`, ...: the namespace's functions that take PyTorch's `out=`
# (`chainrule.ops.out`; methods and operators call the unwrapped functions)
globals().update(_out.namespace)

from chainrule import linalg  # noqa: E402 - torch.linalg: norms, inv, det, slogdet, solve, pinv, cholesky
from chainrule import cuda, accelerator, backends  # noqa: E402 - CPU-only answers: cr.cuda.is_available() is False
from chainrule import nn, optim, utils, datasets  # noqa: E402 - after the core namespace
from chainrule import amp  # noqa: E402
from chainrule.amp import autocast  # noqa: E402
from chainrule import interop  # noqa: E402
from chainrule import onnx  # noqa: E402 - light: the onnx package is imported when cr.onnx.export is called
from chainrule import widgets  # noqa: E402 - light: anywidget is imported when a widget class is first used
from chainrule import explain  # noqa: E402
from chainrule.explain import draw, graph, name_tensors  # noqa: E402
from chainrule.serialization import load, save  # noqa: E402
from chainrule import trace  # noqa: E402 - a callable module: `with cr.trace():` and `cr.trace.run(path)`
from chainrule.compile import compile  # noqa: E402, A004 - cr.compile(step): trace once, replay generated code

from chainrule.version import __version__  # noqa: E402


def is_tensor(obj: object) -> "bool":
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> "int":
    return input.numel()

# The public namespace: PyTorch's names (tensors, dtypes, creation, math, grad modes, ...), chainrule's additions
# (explanations, tracing) and the subpackages. tests/test_namespace.py checks that nothing else leaks into dir(cr).
__all__ = [
    "compile",
    "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "Generator", "HalfTensor", "IntTensor",
    "LongTensor", "ShortTensor", "Size", "Tensor", "abs", "absolute", "accelerator", "add", "all", "allclose", "amax",
    "amin", "amp", "any", "arange", "arctan", "argmax", "argmin", "argsort", "atan", "autocast", "autograd",
    "backends", "bmm", "bool", "broadcast_tensors", "broadcast_to", "cat", "ceil", "chunk", "clamp", "clip", "clone",
    "concat", "concatenate", "contiguous", "cos", "cosh", "cuda", "cumprod", "cumsum", "datasets", "device", "diag",
    "diff", "div", "divide", "dot", "double", "draw", "dtype", "einsum", "elu", "empty", "empty_like", "enable_grad",
    "eq", "equal", "erf", "exp", "exp2", "expand", "expand_as", "explain", "expm1", "eye", "flatten", "flip", "float",
    "float16", "float32", "float64", "floor", "floor_divide", "from_numpy", "full", "full_like", "func", "gather",
    "ge", "gelu", "ger", "get_default_device", "get_default_dtype", "grad", "gradcheck", "gradgradcheck", "graph",
    "greater", "greater_equal", "gt", "half", "hardtanh", "hessian", "hstack", "index_add", "index_copy",
    "index_fill", "index_put", "index_select", "inference_mode", "inner", "int", "int16", "int32", "int64", "int8",
    "interop", "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "is_grad_enabled", "is_inference_mode_enabled",
    "is_tensor", "isclose", "isfinite", "isinf", "isnan", "jacobian", "jacrev", "jvp", "le", "leaky_relu", "lerp",
    "less", "less_equal", "linspace", "load", "log", "log10", "log1p", "log2", "log_softmax", "logical_and",
    "logical_not", "logical_or", "logical_xor", "logsigmoid", "logspace", "logsumexp", "long", "lt", "manual_seed",
    "masked_fill", "matmul", "max", "maximum", "mean", "meshgrid", "min", "minimum", "mm", "movedim", "mul",
    "multinomial", "multiply", "mv", "name_tensors", "ne", "neg", "negative", "nn", "no_grad", "norm", "numel",
    "numerical_derivative", "ones", "ones_like", "optim", "outer", "pad", "permute", "pow", "prod", "rand",
    "rand_like", "randint", "randint_like", "randn", "randn_like", "random", "randperm", "reciprocal", "relu",
    "remainder", "repeat", "repeat_interleave", "reshape", "reshape_as", "roll", "round", "rsqrt", "rsub", "save",
    "scatter", "scatter_add", "scatter_reduce", "serialization", "set_default_device", "set_default_dtype",
    "set_grad_enabled", "short", "sigmoid", "sign", "silu", "sin", "sinh", "softmax", "softplus", "sort", "split",
    "sqrt", "square", "squeeze", "stack", "std", "sub", "subtract", "sum", "swapaxes", "t", "take_along_dim", "tan",
    "tanh", "tensor", "topk", "trace", "transpose", "tril", "triu", "true_divide", "trunc", "uint8", "unbind",
    "unflatten", "unsqueeze", "utils", "value_and_grad", "var", "view", "view_as", "vjp", "vmap", "vstack", "where",
    "widgets", "zeros", "zeros_like",
    "addcdiv", "addcmul", "addmm", "argwhere", "bernoulli", "clamp_max", "clamp_min", "count_nonzero", "diagonal",
    "fmod", "frac", "kthvalue", "masked_select", "median", "mode", "nan_to_num", "narrow", "nonzero", "ravel", "select",
    "split_with_sizes", "tensor_split", "tile", "unique",
    "copysign", "det", "digamma", "erfinv", "inverse", "lgamma", "logdet", "quantile",
    "acos", "acosh", "aminmax", "arccos", "arccosh", "arcsin", "arcsinh", "arctanh", "asin", "asinh", "atanh",
    "bucketize", "cdist", "cross", "cummax", "cummin", "erfc", "float_power", "fmax", "fmin", "heaviside", "hypot",
    "kron", "logaddexp", "logcumsumexp", "logit", "nanmean", "nansum", "positive", "rot90", "searchsorted", "sgn",
    "signbit", "std_mean", "tensordot", "var_mean", "xlogy",
    "addbmm", "addmv", "arctan2", "atan2", "baddbmm", "bincount", "block_diag", "cartesian_prod", "diag_embed",
    "dist", "fliplr", "flipud", "histc", "moveaxis", "normal", "take", "trapezoid", "trapz",
    "as_tensor", "linalg", "cholesky", "matrix_power", "pinverse", "slogdet", "svd",
    "cholesky_inverse", "cholesky_solve",
]
