"""Activation functions and softmax: forward, derivative rule and formula for each."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.engine.size import wrap_dim
from chainrule.engine.tensor import Tensor
from chainrule.engine.xp import np_erf
from chainrule.ops.elementwise import cast
from chainrule.ops.registry import apply, apply1, defop, variant


def _float(input: Any, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
    if input.array.dtype.kind != "f":
        return cast(input, dtypes.get_default_dtype().np)
    return input


def _relu_forward(x: Any) -> Any:
    if type(x) is np.ndarray:
        if x.ndim:
            return np.maximum(0, x)  # ties return x: -0.0 stays -0.0, as PyTorch's
        x = x[()]  # a 0-d array (an element view, a detached scalar): never return the input's own memory
    return x if not x < 0 else x.dtype.type(0)  # scalar fast path; keeps NaN and -0.0 like PyTorch


def _relu_rule(xp: Any, g: Any, out: Any, x: Any) -> Any:
    # `where` rather than g * mask: a closed gate passes +0, not -0 (as PyTorch); scalars skip np.where.
    # Read from the output (out > 0 exactly where x > 0), which is what PyTorch saves: modifying the input
    # in place afterwards is then legal, modifying the output is not.
    # A NaN input passes its gradient (out <= 0 is False), as in PyTorch's threshold_backward.
    if xp.is_tensor:
        return xp.where(out <= 0, 0.0, g)
    if type(out) is np.ndarray:
        ints = _SAME_SIZE_INT.get(g.dtype.itemsize) if type(g) is np.ndarray and g.dtype == out.dtype else None
        if out.size <= 8192 or ints is None:  # small: one `where` is the fastest
            return np.where(out <= 0, 0.0, g)
        # Large: NumPy's `where` is ~6x slower than a multiply, and g * mask would give -0 and NaN (inf * 0) at
        # closed gates. A bitwise AND with an all-ones/all-zeros mask keeps g's bits or gives exactly +0.
        keep = (out <= 0).view(np.int8).astype(ints)
        keep -= 1  # closed gate: 1 - 1 = 0; open: 0 - 1 = all bits set
        return np.bitwise_and(g.view(ints), keep, out=keep).view(g.dtype)
    return g * 0.0 + 0.0 if out <= 0 else g


_SAME_SIZE_INT = {2: np.int16, 4: np.int32, 8: np.int64}


RELU = defop("relu", _relu_forward, "x", derivs=(("0 if x <= 0 else 1", _relu_rule),), saves="output")


def relu(input: Tensor) -> Tensor:
    """max(0, x). The derivative at exactly 0 is taken as 0, as in PyTorch. Integer tensors stay integer."""
    if isinstance(input, Tensor) and input.array.dtype.kind in "fiu":
        return apply1(RELU, input)
    return apply1(RELU, _float(input, "relu"))


LEAKY_RELU = defop(
    "leaky_relu", lambda x, negative_slope: np.where(x > 0, x, x * negative_slope).astype(x.dtype)[()], "x",
    # the slope multiplies g, so it keeps g's dtype; NaN takes the slope (not > 0), as PyTorch
    derivs=(("1 if x > 0 else negative_slope",
             lambda xp, g, out, x, negative_slope: xp.where(x > 0, g, g * negative_slope)),),
)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return apply(LEAKY_RELU, (_float(input, "leaky_relu"),), {"negative_slope": float(negative_slope)})


ELU = defop(
    "elu", lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype)[()], "x",
    # elu(x) + alpha = alpha*exp(x) for x <= 0; routed, so a NaN input passes g (not <= 0), as PyTorch
    derivs=(("alpha*exp(x) if x <= 0 else 1",
             lambda xp, g, out, x, alpha: xp.where(x <= 0, g * (out + alpha), g)),),
    saves="both",
)


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    return apply(ELU, (_float(input, "elu"),), {"alpha": float(alpha)})


def _sigmoid_forward(x: Any) -> Any:
    return (0.5 * (np.tanh(0.5 * x) + 1.0)).astype(x.dtype)[()]  # tanh form: no overflow for large |x|


SIGMOID = defop("sigmoid", _sigmoid_forward, "x",
                derivs=(("sigmoid(x)*(1-sigmoid(x))", lambda xp, g, out, x: g * (out * (1.0 - out))),),
                saves="output")


def sigmoid(input: Tensor) -> Tensor:
    return apply1(SIGMOID, _float(input, "sigmoid"))


_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _gelu_forward(x: Any, approximate: str) -> Any:
    if approximate == "tanh":
        return (0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3)))).astype(x.dtype)[()]
    return (0.5 * x * (1.0 + np_erf(x / _SQRT_2))).astype(x.dtype)[()]


def _gelu_rule(xp: Any, g: Any, out: Any, x: Any, approximate: str) -> Any:
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
        t = xp.tanh(inner)
        return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x))
    cdf = 0.5 * (1.0 + xp.erf(x / _SQRT_2))
    return g * (cdf + x * _INV_SQRT_2PI * xp.exp(-0.5 * x * x))


GELU = defop("gelu", _gelu_forward, "x", derivs=(("Phi(x) + x*phi(x)", _gelu_rule),))
# the same rule with approximate="tanh", whose derivative is that of the tanh approximation
_GELU_TANH = variant(GELU, "GeluBackward0", formulas=(
    "(1 + tanh(sqrt(2/pi)*(x + 0.044715*x^3)))/2 + x*(1 - tanh(sqrt(2/pi)*(x + 0.044715*x^3))^2)"
    "*sqrt(2/pi)*(1 + 3*0.044715*x^2)/2",))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return apply(_GELU_TANH if approximate == "tanh" else GELU, (_float(input, "gelu"),), {"approximate": approximate})


def _silu_rule(xp: Any, g: Any, out: Any, x: Any) -> Any:
    s = xp.sigmoid(x)
    return g * (s * (1.0 + x * (1.0 - s)))


SILU = defop("silu", lambda x: (x * _sigmoid_forward(x)).astype(x.dtype)[()], "x",
             derivs=(("sigmoid(x)*(1 + x*(1-sigmoid(x)))", _silu_rule),))


def silu(input: Tensor) -> Tensor:
    return apply(SILU, (_float(input, "silu"),))


def _hardswish_forward(x: Any) -> Any:
    return (x * np.clip(x + 3.0, 0.0, 6.0) / 6.0).astype(x.dtype)[()]


HARDSWISH = defop(
    "hardswish", _hardswish_forward, "x",
    # PyTorch's hardswish_backward, bounds included: 0 at x = -3, 1 at x = 3
    derivs=(("0 if x <= -3 else x/3 + 1/2 if x < 3 else 1",
             lambda xp, g, out, x: g * xp.where(x <= -3.0, 0.0, xp.where(x < 3.0, x / 3.0 + 0.5, 1.0))),),
)


def hardswish(input: Tensor) -> Tensor:
    return apply(HARDSWISH, (_float(input, "hardswish"),))


def _softplus_forward(x: Any, beta: float, threshold: float) -> Any:
    bx = beta * x
    soft = np.logaddexp(0.0, bx) / beta
    return np.where(bx > threshold, x, soft).astype(x.dtype)[()]


SOFTPLUS = defop(
    "softplus", _softplus_forward, "x",
    derivs=(("1 if beta*x > threshold else sigmoid(beta*x)",
             lambda xp, g, out, x, beta, threshold: g * xp.where(beta * x > threshold, 1.0, xp.sigmoid(beta * x))),),
)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return apply(SOFTPLUS, (_float(input, "softplus"),), {"beta": float(beta), "threshold": float(threshold)})


def _clamp_forward(x: Any, min: Any, max: Any) -> Any:
    return np.clip(x, min, max)


def _clamp_rule(xp: Any, g: Any, out: Any, x: Any, min: Any, max: Any) -> Any:  # noqa: A002
    """g where min <= x <= max (bounds included; a NaN input is outside), else +0 (routed, as PyTorch)."""
    if min is None:
        inside = x <= max
    elif max is None:
        inside = x >= min
    else:
        inside = (x >= min) & (x <= max)
    return xp.where(inside, g, xp.zeros_like(g))


CLAMP = defop("clamp", _clamp_forward, "x", derivs=(("1 if min <= x <= max else 0", _clamp_rule),),
              backward_name="ClampBackward1")
# one bound given: the formula names only that one (PyTorch's grad_fn is ClampBackward1 for all three)
_CLAMP_MIN = variant(CLAMP, "ClampBackward1", formulas=("1 if x >= min else 0",))
_CLAMP_MAX = variant(CLAMP, "ClampBackward1", formulas=("1 if x <= max else 0",))


def clamp(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # PyTorch's rule, ties included: the input gets the gradient where min <= x <= max, `min` where
        # x < min, `max` where the (min-clamped) value exceeds max; min > max gives max everywhere
        from chainrule.ops.elementwise import where

        out = input
        if min is not None:
            out = where(out < min, min, out)
        if max is not None:
            out = where(out > max, max, out)
        return out
    if input.array.dtype.kind in "biu" and (isinstance(min, float) or isinstance(max, float)):
        input = cast(input, dtypes.get_default_dtype().np)  # an int tensor clamped to a float bound is float
    op = CLAMP if min is not None and max is not None else _CLAMP_MAX if min is None else _CLAMP_MIN
    return apply(op, (input,), {"min": min, "max": max})


clip = clamp


HARDTANH = defop(
    "hardtanh", lambda x, min_val, max_val: np.clip(x, min_val, max_val), "x",
    # unlike clamp, no gradient at the bounds themselves (PyTorch's hardtanh_backward); a NaN input passes none
    # either (PyTorch's vectorized kernel). Routed: +0, never -0 or NaN, where the gate is closed.
    derivs=(("1 if min_val < x < max_val else 0",
             lambda xp, g, out, x, min_val, max_val: xp.where((x > min_val) & (x < max_val), g, 0.0)),),
)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clamped to [min_val, max_val], with gradient 1 strictly inside and 0 at and beyond the bounds.
    Integer tensors stay integer, the bounds truncated to them (as PyTorch)."""
    kind = input.array.dtype.kind
    if kind in "iu":
        return clamp(input, int(min_val), int(max_val))
    if kind == "b":
        raise RuntimeError("hardtanh: Bool inputs not supported for hardtanh")
    return apply(HARDTANH, (input,), {"min_val": min_val, "max_val": max_val})


# ----------------------------------------------------------------------------- softmax family
def _softmax_forward(x: Any, dim: int) -> Any:
    # subtract the max: no overflow for large logits (`initial` lets an empty dim through)
    shifted = x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)
    e = np.exp(shifted)
    return e / np.sum(e, axis=dim, keepdims=True)


def _log_softmax_forward(x: Any, dim: int) -> Any:
    shifted = x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


SOFTMAX = defop(
    "softmax", _softmax_forward, "x",
    vjp=lambda xp, g, out, x, dim: (out * (g - xp.sum(g * out, axis=dim, keepdims=True)),),
    formulas=("diag(s) - s s^T  (s = softmax(x))",), saves="output", )
LOG_SOFTMAX = defop(
    "log_softmax", _log_softmax_forward, "x",
    vjp=lambda xp, g, out, x, dim: (g - xp.exp(out) * xp.sum(g, axis=dim, keepdims=True),),
    formulas=("I - softmax(x) 1^T",), saves="output", )


def _dim_arg(input: Tensor, dim: int | None, name: str) -> int:

    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                      f"as an argument.", UserWarning, stacklevel=3)
        dim = 0 if input.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
    return wrap_dim(dim, input.ndim, name) if input.ndim else 0


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    x = _float(input, "softmax") if dtype is None else cast(input, dtypes.to_dtype(dtype).np)
    return apply(SOFTMAX, (x,), {"dim": _dim_arg(x, dim, "softmax")})


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    x = _float(input, "log_softmax") if dtype is None else cast(input, dtypes.to_dtype(dtype).np)
    return apply(LOG_SOFTMAX, (x,), {"dim": _dim_arg(x, dim, "log_softmax")})


def logsigmoid(input: Tensor) -> Tensor:
    from chainrule.ops.elementwise import neg

    return neg(softplus(neg(input)))


# PyTorch's clamp_min / clamp_max: a one-sided clamp under its own grad_fn name
_CLAMP_MIN_ONLY = variant(CLAMP, "ClampMinBackward0", formulas=("1 if x >= min else 0",))
_CLAMP_MAX_ONLY = variant(CLAMP, "ClampMaxBackward0", formulas=("1 if x <= max else 0",))


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    """`clamp(input, min=min)`: the gradient passes where x >= min."""
    if isinstance(min, Tensor) or input.array.dtype.kind in "biu":
        return clamp(input, min=min)
    return apply(_CLAMP_MIN_ONLY, (input,), {"min": min, "max": None})


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    """`clamp(input, max=max)`: the gradient passes where x <= max."""
    if isinstance(max, Tensor) or input.array.dtype.kind in "biu":
        return clamp(input, max=max)
    return apply(_CLAMP_MAX_ONLY, (input,), {"min": None, "max": max})
