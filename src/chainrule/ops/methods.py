"""Attach operators and methods to `Tensor`, PyTorch-style (`x.sum(dim=1)`, `a @ b`, `x.add_(y)`)."""

from __future__ import annotations

from typing import Any

from chainrule import creation, dtypes, random
from chainrule.engine.device import parse_to
from chainrule.engine.tensor import Tensor
from chainrule.ops import functions as F
from chainrule.ops import inplace


def _reflected(fn: Any) -> Any:
    return lambda self, other: fn(other, self)


def _rtruediv(self: Tensor, other: Any) -> Tensor:
    """`number / x` is reciprocal(x) * number, as PyTorch computes it (same rounding; saves 1/x, not x)."""
    if type(other) in (int, float) and self._data.dtype.kind == "f":
        return F.mul(F.reciprocal(self), other)
    return F.div(other, self)


def _to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """As `torch.Tensor.to`: `x.to(dtype)`, `x.to("cpu")`, `x.to(device, dtype)`, `x.to(other)`, with
    `non_blocking=` (ignored) and `copy=`. Returns `self` when nothing changes and `copy` is false; another
    device than the CPU raises (chainrule computes on the CPU)."""
    target, other, copy = parse_to(args, kwargs, "to")
    if other is not None:
        target = other.dtype
    if target is not None:
        np_dtype = dtypes.to_dtype(target).np
        if np_dtype != self._data.dtype:
            return F.cast(self, np_dtype)
    return self.clone() if copy else self


def _type(self: Tensor, dtype: Any = None) -> Any:
    if dtype is None:
        return f"chainrule.{type(self).__name__}[{self.dtype.name}]"
    return _to(self, dtype)


_OPERATORS = {
    "__add__": F.add, "__radd__": _reflected(F.add), "__sub__": F.sub, "__rsub__": F.rsub,
    "__mul__": F.mul, "__rmul__": _reflected(F.mul), "__truediv__": F.div, "__rtruediv__": _rtruediv,
    "__floordiv__": F.floor_divide, "__rfloordiv__": _reflected(F.floor_divide),
    "__mod__": F.remainder, "__rmod__": _reflected(F.remainder),
    "__pow__": F.pow, "__rpow__": _reflected(F.pow),
    "__matmul__": F.matmul, "__rmatmul__": _reflected(F.matmul),
    "__neg__": F.neg, "__pos__": lambda self: self, "__abs__": F.abs,
    "__eq__": F.eq, "__ne__": F.ne, "__lt__": F.lt, "__le__": F.le, "__gt__": F.gt, "__ge__": F.ge,
    "__and__": F.logical_and, "__or__": F.logical_or, "__xor__": F.logical_xor, "__invert__": F.logical_not,
    "__getitem__": F.getitem, "__setitem__": inplace.setitem,
}

_METHODS = [
    "add", "sub", "mul", "div", "divide", "multiply", "subtract", "true_divide", "floor_divide", "remainder", "pow",
    "matmul", "mm", "bmm", "mv", "dot", "outer", "inner", "neg", "negative", "exp", "exp2", "expm1", "log", "log2",
    "log10", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "abs", "absolute", "sign", "sin", "cos", "tan",
    "tanh", "sinh", "cosh", "atan", "arctan", "erf", "floor", "ceil", "round", "trunc", "sigmoid", "relu",
    "softmax", "log_softmax", "clamp", "clip", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
    "logical_and", "logical_or", "logical_not", "logical_xor", "isnan", "isinf", "isfinite", "equal", "allclose",
    "isclose", "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "norm",
    "logsumexp", "cumsum", "reshape", "view", "view_as", "reshape_as", "flatten", "unflatten", "transpose",
    "swapaxes", "permute", "t", "movedim", "squeeze", "unsqueeze", "expand", "expand_as", "broadcast_to",
    "repeat", "flip", "contiguous", "split", "chunk", "unbind", "gather", "index_select", "masked_fill",
    "take_along_dim", "any", "all", "tril", "triu", "sort", "argsort", "topk", "cumprod", "diff", "lerp",
    "repeat_interleave", "diag",
    "roll", "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill",
]

_INPLACE = [
    "add", "sub", "mul", "div", "pow", "clamp", "neg", "exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu",
    "masked_fill", "floor", "ceil", "round", "tril", "triu", "lerp",
    "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill",
]


def _where_method(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    return F.where(condition, self, other)


def attach() -> None:
    for name, fn in _OPERATORS.items():
        setattr(Tensor, name, fn)
    for name in _METHODS:
        setattr(Tensor, name, getattr(F, name))
    for name in _INPLACE:
        setattr(Tensor, name + "_", inplace.make_inplace(getattr(F, name), name + "_"))
    for op, name in (("__iadd__", "add_"), ("__isub__", "sub_"), ("__imul__", "mul_"), ("__itruediv__", "div_"),
                     ("__ipow__", "pow_")):
        setattr(Tensor, op, getattr(Tensor, name))
    Tensor.zero_ = inplace.zero_
    Tensor.fill_ = inplace.fill_
    Tensor.copy_ = inplace.copy_
    Tensor.uniform_ = random.uniform_
    Tensor.normal_ = random.normal_
    Tensor.multinomial = random.multinomial
    for name in ("new_zeros", "new_ones", "new_empty", "new_full", "new_tensor"):
        setattr(Tensor, name, getattr(creation, name))
    Tensor.where = _where_method
    Tensor.to = _to
    Tensor.type = _type
    Tensor.float = lambda self: F.cast(self, dtypes.float32.np)
    Tensor.double = lambda self: F.cast(self, dtypes.float64.np)
    Tensor.half = lambda self: F.cast(self, dtypes.float16.np)
    Tensor.long = lambda self: F.cast(self, dtypes.int64.np)
    Tensor.int = lambda self: F.cast(self, dtypes.int32.np)
    Tensor.bool = lambda self: F.cast(self, dtypes.bool.np)
    Tensor.T = property(_T)
    Tensor.mT = property(_mT)


def _T(self: Tensor) -> Tensor:  # noqa: N802
    from chainrule.ops.shape_ops import T

    return T(self)


def _mT(self: Tensor) -> Tensor:  # noqa: N802
    from chainrule.ops.shape_ops import mT

    return mT(self)


attach()
