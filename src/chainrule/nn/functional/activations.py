"""Activation functions of `cr.nn.functional`. The registered ops' math (forward, VJP, formula) is in
`chainrule.ops.activations`; here are the `torch.nn.functional` signatures (`inplace=`), the in-place
variants with PyTorch's rules, and the activations composed from existing ops (softsign, mish,
hardsigmoid, selu, celu, prelu, glu), whose gradients come from the VJPs of the ops they are made of."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.nn.functional._args import as_float
from chainrule.ops import activations as _act
from chainrule.ops import elementwise as _ew
from chainrule.ops.activations import gelu, log_softmax, logsigmoid, sigmoid, softmax, softplus
from chainrule.ops.elementwise import tanh
from chainrule.ops.inplace import assign as _assign
from chainrule.ops.inplace import make_inplace as _make_inplace
from chainrule.ops.shape_ops import clone as _clone

__all__ = [
    "celu", "elu", "elu_", "gelu", "glu", "hardsigmoid", "hardswish", "hardtanh", "hardtanh_", "leaky_relu",
    "leaky_relu_", "log_softmax", "logsigmoid", "mish", "prelu", "relu", "relu6", "relu_", "selu", "sigmoid",
    "silu", "softmax", "softplus", "softsign", "tanh",
    "hardshrink", "softmin", "softshrink", "tanhshrink", "threshold", "threshold_",
]


# With inplace=True the result is `input` itself, written in place with PyTorch's rules (the engine's
# in-place machinery: a leaf that requires grad is refused, a value saved by another op and then modified
# fails at backward through the version counters).
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x); the derivative at 0 is 0, as PyTorch."""
    return input.relu_() if inplace else _act.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def _inplace_slope_check(out: Tensor, value: float, what: str, extra: str) -> None:
    """PyTorch's in-place leaky_relu_/elu_ save only their result, which cannot be inverted for a negative
    slope: the forward runs, and backward through it raises."""
    if value < 0 and out.requires_grad and out.grad_fn is not None:
        def refuse(grad: Tensor) -> None:
            raise RuntimeError(f"In-place {what} backward calculation is triggered with a negative slope which is not "
                               f"supported. This is caused by calling in-place forward function with a negative "
                               f"slope, please call out-of-place version instead.{extra}")

        out.register_hook(refuse)


def _saves_result(out: Tensor) -> None:
    """PyTorch's leaky_relu_ and elu_ save their result for backward, so modifying it in place afterwards
    makes backward fail; chainrule's ops save the input instead, so check the result's version here."""
    if not (out.requires_grad and out.grad_fn is not None):
        return
    ref, version, name = weakref.ref(out), out._version, out.grad_fn.name()

    def check(grad: Tensor) -> None:
        t = ref()
        if t is not None and t._version != version:
            raise RuntimeError(f"one of the variables needed for gradient computation has been modified by an "
                               f"inplace operation: the output of {name} (the in-place result, saved) is at version "
                               f"{t._version}; expected version {version} instead")

    out.register_hook(check)


_leaky_relu_inplace = _make_inplace(_act.leaky_relu, "leaky_relu_")
_elu_inplace = _make_inplace(_act.elu, "elu_")


_TORCH_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                       "bool": "Bool"}


def _integer_inplace(input: Tensor, name: str) -> None:
    """PyTorch has no integer kernel for these in-place activations (the out-of-place ones promote)."""
    if isinstance(input, Tensor) and input.array.dtype.kind not in "fc":
        kind = _TORCH_SCALAR_NAMES.get(input.array.dtype.name, input.array.dtype.name)
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{kind}\'')


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    if not inplace:
        return _act.leaky_relu(input, negative_slope)
    return leaky_relu_(input, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    _integer_inplace(input, "leaky_relu")
    out = _leaky_relu_inplace(input, negative_slope)
    _saves_result(out)
    _inplace_slope_check(out, negative_slope, "leakyReLu",
                         " File an issue at https://github.com/pytorch/pytorch if you do require supporting "
                         "in-place leakRelu backward calculation with negative slope")
    return out


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return elu_(input, alpha) if inplace else _act.elu(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    _integer_inplace(input, "elu")
    out = _elu_inplace(input, alpha)
    _saves_result(out)
    _inplace_slope_check(out, alpha, "elu", "")
    return out


_silu_inplace = _make_inplace(_act.silu, "silu_")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    if not inplace:
        return _act.silu(input)
    _integer_inplace(input, "silu")
    return _silu_inplace(input)


_hardtanh_inplace = _make_inplace(_act.hardtanh, "hardtanh_")


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; the gradient is 1 strictly inside, 0 at and beyond the bounds (as
    PyTorch's hardtanh, unlike clamp)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return hardtanh_(input, min_val, max_val) if inplace else _act.hardtanh(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _hardtanh_inplace(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6): hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _composed_inplace(input: Tensor, fn: Callable[..., Tensor], name: str, *args: Any) -> Tensor:
    """`input` overwritten with fn(input), PyTorch's in-place rules (the engine's `assign`). The
    composition runs on a clone, so its own saved values are not the tensor being written."""
    return _assign(input, fn(_clone(input), *args), name)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (_ew.abs(input) + 1.0)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    if inplace:
        return _composed_inplace(input, mish, "mish_")
    return input * _ew.tanh(_act.softplus(input))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6: one registered op with PyTorch's derivative (0 up to -3, x/3 + 1/2 inside,
    1 from 3 on)."""
    return _composed_inplace(input, _act.hardswish, "hardswish_") if inplace else _act.hardswish(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6; the gradient is 1/6 strictly inside (-3, 3), else 0 (as PyTorch)."""
    if inplace:
        return _composed_inplace(input, hardsigmoid, "hardsigmoid_")
    return _act.hardtanh(as_float(input) + 3.0, 0.0, 6.0) / 6.0


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's constants (alpha = 1.6733, scale = 1.0507)."""
    if inplace:
        return _composed_inplace(input, selu, "selu_")
    return _act.elu(input, _SELU_ALPHA) * _SELU_SCALE


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) = alpha * elu(x / alpha)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    if inplace:
        return _composed_inplace(input, celu, "celu_", alpha)
    return _act.elu(input / alpha, 1.0) * alpha


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else weight * x, with one weight per channel (dim 1) or one for all."""
    n = int(np.prod(weight.shape))
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
        w = weight.reshape((1, n) + (1,) * (input.ndim - 2))
    else:
        w = weight.reshape(())
    return _ew.where(input > 0, input, w * input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the two halves of the input along `dim`."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.ndim if -input.ndim <= dim < input.ndim else None
    if d is None:
        raise IndexError(f"glu: dimension out of range (expected to be in range of [{-input.ndim}, "
                         f"{input.ndim - 1}], but got {dim})")
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    index: list[Any] = [slice(None)] * input.ndim
    index[d] = slice(0, size // 2)
    a = input[tuple(index)]
    index[d] = slice(size // 2, size)
    return a * _act.sigmoid(input[tuple(index)])


# ----------------------------------------------------------------------------- softmin, threshold, shrinkage
def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(-x) along `dim`."""
    return softmax(_ew.neg(input), dim, dtype)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else `value` (a `where`: the gradient is 0 where the value was replaced)."""
    if inplace:
        return threshold_(input, threshold, value)
    return _ew.where(_ew.gt(input, threshold), input, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _composed_inplace(input, lambda x: _ew.where(_ew.gt(x, threshold), x, value), "threshold_")


def _check_lambd(lambd: float, name: str) -> None:
    if lambd < 0:
        raise RuntimeError(f"{name}: lambda must be greater or equal to 0, but found to be {lambd}.")


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0 (a negative lambd keeps every x, as PyTorch)."""
    return _ew.where(_ew.gt(_ew.abs(input), lambd), input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, else 0."""
    _check_lambd(lambd, "softshrink")
    x = as_float(input)
    return _ew.where(_ew.gt(x, lambd), x - lambd, _ew.where(_ew.lt(x, -lambd), x + lambd, 0.0))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - tanh(input)
