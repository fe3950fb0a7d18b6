"""The functions behind `Tensor`'s methods: the namespace `engine.dispatch.ops` is bound to.

`engine/tensor_methods.py` defines each method (`def exp(self): return ops.exp(self)`); this module is the
`ops` they call: the whole functional namespace (`chainrule.ops.functions`) plus what exists only as a method:
reflected division, in-place variants (`add_`, ...), fills, dtype conversion and `new_*`. Nothing here touches
the `Tensor` class; `chainrule.ops` binds this module once it is loaded.
"""

from __future__ import annotations

from typing import Any

from chainrule import dtypes
from chainrule.creation import new_empty, new_full, new_ones, new_tensor, new_zeros
from chainrule.engine.device import parse_to
from chainrule.engine.tensor import Tensor
from chainrule.ops import functions
from chainrule.ops.elementwise import ADD, MUL, SUB, arithmetic
from chainrule.ops.functions import *  # noqa: F403 - every op function is a method too
from chainrule.ops.functions import (  # used below, or internal (not in the functional namespace)
    abs,
    add,
    addbmm,
    addmv,
    atan2,
    baddbmm,
    cast,
    ceil,
    clamp,
    div,
    exp,
    floor,
    getitem,
    index_add,
    index_add_zeros,
    index_copy,
    index_fill,
    lerp,
    log,
    masked_fill,
    mul,
    neg,
    pow,
    reciprocal,
    relu,
    round,
    scatter,
    scatter_add,
    scatter_reduce,
    sigmoid,
    sqrt,
    sub,
    tanh,
    tril,
    triu,
    xp_astype,
    xp_broadcast_to,
    xp_cumsum,
    xp_expand_dims,
    xp_flip,
    xp_index_add,
    xp_reshape,
    xp_sum,
    xp_sum_to,
    xp_swapaxes,
    xp_transpose,
    xp_where,
    xp_zeros_like,
)
from chainrule.ops.inplace import copy_, fill_, make_inplace, setitem, squeeze_, t_, transpose_, unsqueeze_, zero_
from chainrule.ops.linalg import trace
from chainrule.ops.random_fills import normal_, uniform_
from chainrule.ops.shape_ops import T, clone, is_contiguous, mT, stride
from chainrule.random import multinomial

# every op function (above), plus what the methods and TensorXP call that is not in the functional namespace;
# the operators `+ - *` call `arithmetic` with their op (ADD, SUB, MUL): `add` less its alpha, one call fewer
__all__ = [
    "ADD", "MUL", "SUB", "arithmetic",
    "T", "abs_", "add_", "cast", "ceil_", "clamp_", "clone", "copy_", "div_", "exp_", "fill_", "floor_", "getitem",
    "index_add_", "index_add_zeros", "index_copy_", "index_fill_", "lerp_", "log_", "mT", "masked_fill_", "mul_",
    "multinomial", "neg_", "new_empty", "new_full", "new_ones", "new_tensor", "new_zeros", "normal_", "pow_", "relu_",
    "round_", "rtruediv", "scatter_", "scatter_add_", "scatter_reduce_", "setitem", "sigmoid_", "sqrt_", "sub_",
    "tanh_", "to", "tril_", "triu_", "type_", "uniform_", "xp_astype", "xp_broadcast_to", "xp_cumsum",
    "xp_expand_dims", "xp_flip", "xp_index_add", "xp_reshape", "xp_sum", "xp_sum_to", "xp_swapaxes", "xp_transpose",
    "xp_where", "xp_zeros_like", "zero_",
    "element_size", "is_contiguous", "nbytes", "stride", "squeeze_", "t_", "transpose_", "unsqueeze_",
    "clip_", "trace",
    "addbmm_", "addmv_", "arctan2_", "atan2_", "baddbmm_",
]
__all__ += functions.__all__


def rtruediv(self: Tensor, other: Any) -> Tensor:
    """`number / x` is reciprocal(x) * number, as PyTorch computes it, for any dtype of x (same rounding; saves
    1/x, not x)."""
    if type(other) in (int, float):
        return mul(reciprocal(self), other)
    return div(other, self)


def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """As `torch.Tensor.to`: `x.to(dtype)`, `x.to("cpu")`, `x.to(device, dtype)`, `x.to(other)`, with
    `non_blocking=` (ignored) and `copy=`. Returns `self` when nothing changes and `copy` is false; another
    device than the CPU raises (chainrule computes on the CPU)."""
    target, other, copy = parse_to(args, kwargs, "to")
    if other is not None:
        target = other.dtype
    if target is not None:
        np_dtype = dtypes.to_dtype(target).np
        if np_dtype != self.array.dtype:
            return cast(self, np_dtype)
    return clone(self) if copy else self


def element_size(self: Tensor) -> int:
    """The size of one element in bytes (4 for float32), as PyTorch's `element_size()` and `itemsize`."""
    return int(self.array.itemsize)


def nbytes(self: Tensor) -> int:
    """The bytes the elements take: `numel() * element_size()` (an expanded view counts every element, as
    PyTorch's `nbytes`)."""
    return int(self.array.size * self.array.itemsize)


def type_(self: Tensor, dtype: Any = None) -> Any:
    """`x.type()`: the type name, as PyTorch's ('chainrule.Tensor[float32]'); `x.type(dtype)`: `x.to(dtype)`."""
    if dtype is None:
        return f"chainrule.{type(self).__name__}[{self.dtype.name}]"
    return to(self, dtype)


# in-place variants: compute out of place, then write into `self` with PyTorch's rules (ops/inplace.py)
add_ = make_inplace(add, "add_")
sub_ = make_inplace(sub, "sub_")
mul_ = make_inplace(mul, "mul_")
div_ = make_inplace(div, "div_")
pow_ = make_inplace(pow, "pow_")
clamp_ = make_inplace(clamp, "clamp_")
clip_ = make_inplace(clamp, "clip_")
neg_ = make_inplace(neg, "neg_")
exp_ = make_inplace(exp, "exp_")
log_ = make_inplace(log, "log_")
sqrt_ = make_inplace(sqrt, "sqrt_")
abs_ = make_inplace(abs, "abs_")
sigmoid_ = make_inplace(sigmoid, "sigmoid_")
tanh_ = make_inplace(tanh, "tanh_")
relu_ = make_inplace(relu, "relu_")
masked_fill_ = make_inplace(masked_fill, "masked_fill_")
floor_ = make_inplace(floor, "floor_")
ceil_ = make_inplace(ceil, "ceil_")
round_ = make_inplace(round, "round_")
tril_ = make_inplace(tril, "tril_")
triu_ = make_inplace(triu, "triu_")
lerp_ = make_inplace(lerp, "lerp_")
scatter_ = make_inplace(scatter, "scatter_")
scatter_add_ = make_inplace(scatter_add, "scatter_add_")
scatter_reduce_ = make_inplace(scatter_reduce, "scatter_reduce_")
index_add_ = make_inplace(index_add, "index_add_")
index_copy_ = make_inplace(index_copy, "index_copy_")
index_fill_ = make_inplace(index_fill, "index_fill_")
atan2_ = make_inplace(atan2, "atan2_")
arctan2_ = make_inplace(atan2, "arctan2_")


# the compositions that scale `self` by beta (a `mul` that saves it) compute on a clone, so writing the result into
# `self` does not modify a value their own graph saved
def _on_clone(fn: Any) -> Any:
    def composed(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return fn(clone(self), *args, **kwargs)

    composed.__name__ = fn.__name__
    return composed


addmv_ = make_inplace(_on_clone(addmv), "addmv_")
addbmm_ = make_inplace(_on_clone(addbmm), "addbmm_")
baddbmm_ = make_inplace(_on_clone(baddbmm), "baddbmm_")
