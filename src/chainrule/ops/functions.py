"""The public functional namespace (`cr.exp`, `cr.sum`, ...) plus the adapters that let VJPs written
against NumPy's signatures run on tensors (`xp_*`, used by `chainrule.engine.xp.TensorXP`)."""

from __future__ import annotations

from typing import Any

from chainrule.engine.tensor import Tensor, wrap
from chainrule.ops.activations import (  # noqa: F401
    clamp,
    clamp_max,
    clamp_min,
    clip,
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
)
from chainrule.ops.elementwise import (  # noqa: F401
    abs,
    absolute,
    acos,
    acosh,
    add,
    addcdiv,
    addcmul,
    allclose,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cast,
    ceil,
    copysign,
    cos,
    cosh,
    digamma,
    div,
    divide,
    eq,
    equal,
    erf,
    erfc,
    erfinv,
    exp,
    exp2,
    expm1,
    float_power,
    floor,
    floor_divide,
    fmax,
    fmin,
    fmod,
    frac,
    ge,
    greater,
    greater_equal,
    gt,
    heaviside,
    hypot,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    lerp,
    less,
    less_equal,
    lgamma,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logit,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    nan_to_num,
    ne,
    neg,
    negative,
    positive,
    pow,
    reciprocal,
    remainder,
    round,
    rsqrt,
    rsub,
    sgn,
    sign,
    signbit,
    sin,
    sinh,
    sqrt,
    square,
    sub,
    subtract,
    tan,
    tanh,
    true_divide,
    trunc,
    where,
    xlogy,
)
from chainrule.ops.indexing import (  # noqa: F401
    argwhere,
    gather,
    getitem,
    index_add_zeros,
    index_put,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    take,
    take_along_dim,
)
from chainrule.ops.joins import (  # noqa: F401
    block_diag,
    cartesian_prod,
    cat,
    chunk,
    concat,
    concatenate,
    hstack,
    meshgrid,
    pad,
    split,
    split_with_sizes,
    stack,
    tensor_split,
    unbind,
    vstack,
)
from chainrule.ops.linalg import (  # noqa: F401
    addbmm,
    addmm,
    addmv,
    baddbmm,
    bmm,
    cdist,
    cholesky_inverse,
    cholesky_solve,
    cross,
    det,
    dot,
    einsum,
    ger,
    inner,
    inverse,
    kron,
    logdet,
    matmul,
    matrix_power,
    mm,
    mv,
    outer,
    pinverse,
    slogdet,
    tensordot,
)
from chainrule.ops.linalg import (
    cholesky_deprecated as cholesky,
)
from chainrule.ops.linalg import (
    svd_v as svd,
)
from chainrule.ops.random_fills import bernoulli, normal  # noqa: F401
from chainrule.ops.reductions import (  # noqa: F401
    all,
    amax,
    amin,
    aminmax,
    any,
    argmax,
    argmin,
    count_nonzero,
    cummax,
    cummin,
    cumprod,
    cumsum,
    dist,
    kthvalue,
    logcumsumexp,
    logsumexp,
    max,
    mean,
    median,
    min,
    mode,
    nanmean,
    nansum,
    norm,
    prod,
    std,
    std_mean,
    sum,
    trapezoid,
    trapz,
    var,
    var_mean,
)
from chainrule.ops.scatter import (  # noqa: F401
    index_add,
    index_copy,
    index_fill,
    scatter,
    scatter_add,
    scatter_reduce,
)
from chainrule.ops.shape_ops import (  # noqa: F401
    broadcast_tensors,
    broadcast_to,
    clone,
    contiguous,
    diag,
    diag_embed,
    diagonal,
    diff,
    expand,
    expand_as,
    flatten,
    flip,
    fliplr,
    flipud,
    moveaxis,
    movedim,
    narrow,
    permute,
    ravel,
    repeat,
    repeat_interleave,
    reshape,
    reshape_as,
    roll,
    rot90,
    select,
    squeeze,
    swapaxes,
    t,
    tile,
    transpose,
    tril,
    triu,
    unflatten,
    unsqueeze,
    view,
    view_as,
)
from chainrule.ops.sorting import (  # noqa: F401
    argsort,
    bincount,
    bucketize,
    histc,
    quantile,
    searchsorted,
    sort,
    topk,
    unique,
)

# The public functional namespace (`cr.exp`, `cr.sum`, ...); the xp_* adapters and `cast`, `getitem`,
# `index_add_zeros` are internal (methods and VJPs use them).
__all__ = [
    "abs", "absolute", "add", "all", "allclose", "amax", "amin", "any", "arctan", "argmax", "argmin", "argsort",
    "atan", "bmm", "broadcast_tensors", "broadcast_to", "cat", "ceil", "chunk", "clamp", "clip", "clone", "concat",
    "concatenate", "contiguous", "cos", "cosh", "cumprod", "cumsum", "diag", "diff", "div", "divide", "dot", "einsum",
    "elu", "eq", "equal", "erf", "exp", "exp2", "expand", "expand_as", "expm1", "flatten", "flip", "floor",
    "floor_divide", "gather", "ge", "gelu", "ger", "greater", "greater_equal", "gt", "hardtanh", "hstack",
    "index_add", "index_copy", "index_fill", "index_put", "index_select", "inner", "isclose", "isfinite", "isinf",
    "isnan", "le", "leaky_relu", "lerp", "less", "less_equal", "log", "log10", "log1p", "log2", "log_softmax",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logsigmoid", "logsumexp", "lt", "masked_fill",
    "matmul", "max", "maximum", "mean", "meshgrid", "min", "minimum", "mm", "movedim", "mul", "multiply", "mv", "ne",
    "neg", "negative", "norm", "outer", "pad", "permute", "pow", "prod", "reciprocal", "relu", "remainder", "repeat",
    "repeat_interleave", "reshape", "reshape_as", "roll", "round", "rsqrt", "rsub", "scatter", "scatter_add",
    "scatter_reduce", "sigmoid", "sign", "silu", "sin", "sinh", "softmax", "softplus", "sort", "split", "sqrt",
    "square", "squeeze", "stack", "std", "sub", "subtract", "sum", "swapaxes", "t", "take_along_dim", "tan", "tanh",
    "topk", "transpose", "tril", "triu", "true_divide", "trunc", "unbind", "unflatten", "unsqueeze", "var", "view",
    "view_as", "vstack", "where",
    "addcdiv", "addcmul", "addmm", "argwhere", "bernoulli", "clamp_max", "clamp_min", "count_nonzero", "diagonal",
    "fmod", "frac", "kthvalue", "masked_select", "median", "mode", "nan_to_num", "narrow", "nonzero", "ravel",
    "select", "split_with_sizes", "tensor_split", "tile", "unique",
    "copysign", "det", "digamma", "erfinv", "inverse", "lgamma", "logdet", "quantile",
    "acos", "acosh", "aminmax", "arccos", "arccosh", "arcsin", "arcsinh", "arctanh", "asin", "asinh", "atanh",
    "bucketize", "cdist", "cross", "cummax", "cummin", "erfc", "float_power", "fmax", "fmin", "heaviside", "hypot",
    "kron", "logaddexp", "logcumsumexp", "logit", "nanmean", "nansum", "positive", "rot90", "searchsorted", "sgn",
    "signbit", "std_mean", "tensordot", "var_mean", "xlogy",
    "addbmm", "addmv", "arctan2", "atan2", "baddbmm", "bincount", "block_diag", "cartesian_prod", "diag_embed",
    "dist", "fliplr", "flipud", "histc", "moveaxis", "normal", "take", "trapezoid", "trapz",
    "cholesky", "matrix_power", "pinverse", "slogdet", "svd", "cholesky_inverse", "cholesky_solve",
]


# ----------------------------------------------------------------------------- xp adapters (NumPy signatures)
def xp_sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return sum(x, axis, keepdims)


def xp_sum_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    from chainrule.engine.xp import reduced_axes

    leading, kept = reduced_axes(tuple(x.shape), tuple(shape))
    if kept:  # first: `kept` counts axes of the unreduced tensor
        x = sum(x, kept, keepdim=True)
    if leading:
        x = sum(x, leading)
    if tuple(x.shape) == tuple(shape):
        return x
    if [n for n in x.shape if n != 1] != [n for n in shape if n != 1]:  # never a silent reordering
        raise RuntimeError(f"backward: a gradient of shape {tuple(x.shape)} does not fit its input of shape "
                           f"{tuple(shape)}: the input's shape was changed in place (squeeze_, unsqueeze_, t_, "
                           f"transpose_) after another op used it; with create_graph=True that is not supported")
    return reshape(x, shape)


def xp_broadcast_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    return expand(_tensor(x), tuple(shape))


def xp_reshape(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    return reshape(x, tuple(shape))


def xp_expand_dims(x: Tensor, axes: Any) -> Tensor:
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    ndim = x.ndim + len(axes)
    wrapped = sorted(a % ndim for a in axes)
    shape = list(x.shape)
    for a in wrapped:
        shape.insert(a, 1)
    return reshape(x, tuple(shape))


def xp_swapaxes(x: Tensor, a: int, b: int) -> Tensor:
    return transpose(x, a, b)


def xp_transpose(x: Tensor, axes: tuple[int, ...]) -> Tensor:
    return permute(x, tuple(axes))


def xp_flip(x: Tensor, axes: Any) -> Tensor:
    return flip(x, axes)


def xp_cumsum(x: Tensor, axis: int) -> Tensor:
    return cumsum(x, axis)


def xp_where(cond: Any, a: Any, b: Any) -> Tensor:
    c = cond if isinstance(cond, Tensor) else wrap(cond)
    return where(c, a, b)


def xp_zeros_like(x: Tensor) -> Tensor:
    from chainrule.creation import zeros_like

    return zeros_like(x)


def xp_index_add(shape: tuple, index: Any, g: Tensor, basic: bool) -> Tensor:
    return index_add_zeros(g, shape, index, basic)


def xp_astype(x: Tensor, like: Tensor) -> Tensor:
    return cast(x, like.array.dtype) if x.array.dtype != like.array.dtype else x


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else wrap(x)
