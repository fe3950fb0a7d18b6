"""Elementwise arithmetic and math with NumPy/PyTorch broadcasting and PyTorch's type promotion."""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.engine.grad_mode import grad_state, off_threads
from chainrule.engine.tensor import Tensor, tensor_from_data, wrap
from chainrule.engine.xp import np_erf, np_sign
from chainrule.ops import special as _special
from chainrule.ops.observe import publish as _publish
from chainrule.ops.observe import watch as _watch
from chainrule.ops.registry import ONE, Saves, apply, apply1, defop, record, unrecorded, variant

_new = object.__new__

_PY_SCALARS = (builtins.float, builtins.int, builtins.bool)


# ----------------------------------------------------------------------------- type promotion
def _as_operand(x: Any) -> Any:
    """Tensors and Python scalars pass; NumPy scalars become Python scalars (weakly typed, as in
    PyTorch); anything else becomes a tensor."""
    if isinstance(x, Tensor) or type(x) in _PY_SCALARS:
        return x
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, complex):
        raise TypeError("chainrule does not support complex numbers")
    return tensor_from_data(x)


def _group(x: Any) -> tuple[list, list, list]:
    dimensioned: list = []
    zero_dim: list = []
    scalars: list = []
    for v in x:
        if isinstance(v, Tensor):
            (dimensioned if v.array.ndim else zero_dim).append(v.array.dtype)
        else:
            scalars.append(v)
    return dimensioned, zero_dim, scalars


def promote(*operands: Any) -> tuple:
    """Cast operands to PyTorch's result dtype where NumPy's own rules would differ."""
    ops = [_as_operand(x) for x in operands]
    tensor_dtypes = {v.array.dtype for v in ops if isinstance(v, Tensor)}
    if len(tensor_dtypes) == 1:
        (dt,) = tensor_dtypes
        if dt.kind == "f" or all(_scalar_fits(dt, v) for v in ops if not isinstance(v, Tensor)):
            return tuple(ops)
    target = dtypes.result_dtype(*_group(ops))
    return tuple(cast(v, target) if isinstance(v, Tensor) and v.array.dtype != target else v for v in ops)


def _scalar_fits(dt: np.dtype, v: Any) -> bool:
    if isinstance(v, builtins.float):
        return False
    return dt.kind != "b" or isinstance(v, builtins.bool)


def cast(x: Tensor, np_dtype: np.dtype) -> Tensor:
    np_dtype = np.dtype(np_dtype)
    if x.array.dtype == np_dtype:
        return x
    if np_dtype.kind != "f" or x.array.dtype.kind != "f":  # no gradient flows through a cast to or from int/bool
        return unrecorded(_to, (x,), {"dtype": np_dtype}, x.array.astype(np_dtype))
    return apply(_to, (x,), {"dtype": np_dtype})


# the gradient is cast back to the input's dtype, as every rule's result is
_to = defop("to_copy", lambda x, dtype: x.astype(dtype), "x", derivs=(("1", ONE),), saves="nothing",
            backward_name="ToCopyBackward0")


_FLOAT_SCALARS = (np.float32, np.float64, np.float16)
_NUMBERS = (builtins.float, builtins.int)


def arithmetic(op: Any, a: Any, b: Any) -> Tensor:
    """The per-op hot path for arithmetic: skip promotion when NumPy already agrees with PyTorch (same
    dtypes, or a float tensor with a Python number), and record the node without generic machinery."""
    fast = False
    if isinstance(a, Tensor):
        da = a.array
        kind = type(da)
        if isinstance(b, Tensor):
            db = b.array
            # (isinstance: a memmap or other ndarray subclass, from_numpy keeps it, has a dtype to compare too)
            fast = kind is type(db) and (not isinstance(da, np.ndarray) or da.dtype == db.dtype)
            grad_a, grad_b = a.requires_grad, b.requires_grad
        else:
            db = b
            fast = type(b) in _NUMBERS and (kind in _FLOAT_SCALARS or (kind is np.ndarray and da.dtype.kind == "f"))
            grad_a, grad_b = a.requires_grad, False
    elif isinstance(b, Tensor) and type(a) in _NUMBERS:
        da, db = a, b.array
        kind = type(db)
        fast = kind in _FLOAT_SCALARS or (kind is np.ndarray and db.dtype.kind == "f")
        grad_a, grad_b = False, b.requires_grad
    # Off the fast path, one more case NumPy gets right: two tensors of one dtype, one held as an array and one as
    # a NumPy scalar (an element view, a 0-d `detach`, or a tensor with a 0-d one).
    if not fast and not (isinstance(a, Tensor) and isinstance(b, Tensor) and da.dtype == db.dtype):
        if op.name == "sub" and (_is_bool(a) or _is_bool(b)):
            raise _bool_sub_error()
        a, b = promote(a, b)
        if not isinstance(a, Tensor) and not isinstance(b, Tensor):
            a = tensor_from_data(a)
        return apply(op, (a, b))
    try:
        out = op.forward(da, db)
    except ValueError:
        _check_broadcast(op.name, da, db)
        raise
    except TypeError:  # NumPy refuses bool - bool: say it as PyTorch does
        if op.name == "sub" and (_is_bool(a) or _is_bool(b)):
            raise _bool_sub_error() from None
        raise
    if (grad_a or grad_b) and (not off_threads or grad_state.enabled):
        return record(op, (a, b), (da, db),
                      ((a.grad_fn or a) if grad_a else None, (b.grad_fn or b) if grad_b else None), out, None)
    t = _new(Tensor)  # `registry.constant`, inlined: this is the per-op path of scalar code
    t._data = out
    t.grad_fn = None
    t.requires_grad = False
    if off_threads and grad_state.inference:
        t._inference = True
    if _watch.on:
        _publish(op, (a, b), None, t)
    return t


def _bool_sub_error() -> RuntimeError:
    return RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not supported; "
                        "to invert a mask use ~ or logical_not()")


def _is_bool(x: Any) -> bool:
    return type(x) is builtins.bool or (isinstance(x, Tensor) and x.array.dtype.kind == "b")


def _check_broadcast(name: str, a: Any, b: Any) -> None:
    sa, sb = np.shape(a), np.shape(b)
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        raise RuntimeError(
            f"{name}: shapes {sa} and {sb} are not broadcastable: the size of a dimension must match or be 1 "
            f"(aligned from the right)"
        ) from None


def _broadcasting(name: str, fn: Any) -> Any:
    """Wrap a NumPy forward so that a broadcasting failure names the op and both shapes."""

    def forward(a: Any, b: Any) -> Any:
        try:
            return fn(a, b)
        except ValueError:
            _check_broadcast(name, a, b)
            raise

    return forward


# ----------------------------------------------------------------------------- binary ops
# Each rule returns the upstream gradient g times the local derivative (see `registry.Op`).
def _pow_base(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    if type(b) in _PY_SCALARS:
        if b == 0:
            return g * 0.0
        if b == 2:
            return g * (2.0 * a)
        return g * (b * a ** (b - 1))
    return g * xp.where(b == 0, 0.0, b * a ** (b - 1.0))


def _pow_exponent(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    # PyTorch: 0 where the base is 0 and the exponent non-negative (the limit), else out * log(base) (NaN for a
    # negative base, where math.log would raise)
    if type(a) in _PY_SCALARS:
        return g * (out * (math.log(a) if a > 0 else math.nan) if a != 0 else xp.where(b >= 0, 0.0, out * -math.inf))
    safe = xp.where((a == 0) & (b >= 0), 1.0, a)
    return g * xp.where((a == 0) & (b >= 0), 0.0, out * xp.log(safe))


def _inverse(b: Any) -> Any:
    """1/b; a Python zero gives a signed infinity (as the forward `x / 0` does), not ZeroDivisionError."""
    if type(b) in _PY_SCALARS and b == 0:
        return math.copysign(math.inf, b)
    return 1.0 / b


def _tie_split(xp: Any, g: Any, beaten: Any, tied: Any) -> Any:
    """maximum/minimum: g times 0 where beaten, 1/2 where tied, else 1 (a NaN is never beaten, so it passes g)."""
    return g * xp.where(beaten, 0.0, xp.where(tied, 0.5, 1.0))


def _remainder_divisor(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    return g * -xp.data(np.floor_divide(xp.data(a), xp.data(b)))


ADD = defop("add", operator.add, "a b", derivs=(("1", ONE), ("1", ONE)), saves="nothing")
SUB = defop("sub", operator.sub, "a b", derivs=(("1", ONE), ("-1", lambda xp, g, out, a, b: -g)), saves="nothing")
MUL = defop("mul", operator.mul, "a b",
            derivs=(("b", lambda xp, g, out, a, b: g * b), ("a", lambda xp, g, out, a, b: g * a)))
DIV = defop("div", operator.truediv, "a b",
            derivs=(("1/b", lambda xp, g, out, a, b: g * _inverse(b)),
                    ("-a/b^2", lambda xp, g, out, a, b: g * (-a / (b * b)))))
POW = defop("pow", operator.pow, "a b",
            derivs=(("0 if b == 0 else b*a^(b-1)", _pow_base),
                    ("0 if a == 0 and b >= 0 else a^b*ln(a)", _pow_exponent)))
# PyTorch's overloads: x ** 2.0 (PowBackward0; the formula of a nonzero number exponent reads as the chapter's,
# x ** 0 has derivative 0), x ** y (PowBackward1), 2.0 ** y (PowBackward2)
_POW_NUMBER = variant(POW, "PowBackward0", formulas=("b*a^(b-1)", "a^b*ln(a)"))
_POW_ZERO = variant(POW, "PowBackward0", formulas=("0", "a^b*ln(a)"))
MAXIMUM = defop(
    "maximum", _broadcasting("maximum", np.maximum), "a b",
    # written as "1 unless beaten" so that a NaN (which wins the comparison) passes the gradient, as PyTorch
    derivs=(("0 if a < b else 1/2 if a == b else 1",
             lambda xp, g, out, a, b: _tie_split(xp, g, a < b, a == b)),
            ("0 if b < a else 1/2 if a == b else 1",
             lambda xp, g, out, a, b: _tie_split(xp, g, b < a, a == b))),
)
MINIMUM = defop(
    "minimum", _broadcasting("minimum", np.minimum), "a b",
    derivs=(("0 if a > b else 1/2 if a == b else 1",
             lambda xp, g, out, a, b: _tie_split(xp, g, a > b, a == b)),
            ("0 if b > a else 1/2 if a == b else 1",
             lambda xp, g, out, a, b: _tie_split(xp, g, b > a, a == b))),
)
REMAINDER = defop("remainder", _broadcasting("remainder", lambda a, b: _remainder(a, b)), "a b",
                  derivs=(("1", ONE), ("-(a // b)", _remainder_divisor)))


_POW_TENSOR, _POW_SCALAR_BASE = variant(POW, "PowBackward1"), variant(POW, "PowBackward2")
_RSUB = variant(SUB, "RsubBackward1")


def _no_derivative(name: str) -> Any:
    def vjp(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"the derivative for '{name}' is not implemented (it is zero almost everywhere "
                           f"and undefined at the steps; PyTorch does not define it either)")

    return vjp


FLOOR_DIVIDE = defop("floor_divide", _broadcasting("floor_divide", lambda a, b: _div_floor(a, b)), "a b",
                     vjp=_no_derivative("floor_divide"), formulas=("undefined", "undefined"))


def _integer_divisor(a: Any, b: Any) -> bool:
    """Whether `a` by `b` is an integer division; refused where the divisor is 0 (PyTorch's RuntimeError,
    where NumPy would give 0)."""
    if np.result_type(a, b).kind not in "iu":
        return False
    if np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")
    return True


def _div_floor(a: Any, b: Any) -> Any:
    _integer_divisor(a, b)
    return np.floor_divide(a, b)


def _remainder(a: Any, b: Any) -> Any:
    _integer_divisor(a, b)
    return np.remainder(a, b)


def _div_trunc(a: Any, b: Any) -> Any:
    """The quotient rounded toward zero: floats as trunc(a / b), integers exactly (no float round trip)."""
    if not _integer_divisor(a, b):
        return np.trunc(np.true_divide(a, b))
    q = np.floor_divide(a, b)
    # floor and trunc differ by one where the division is inexact and the signs differ
    return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0))).astype(q.dtype)


def _zero_grad(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    return xp.zeros_like(g)


# `div(a, b, rounding_mode=...)`: differentiable, with derivative 0 for both inputs (PyTorch's DivBackward2),
# unlike `floor_divide`, which PyTorch does not differentiate
DIV_FLOOR = defop("div_floor", _broadcasting("div", _div_floor), "a b", derivs=(("0", _zero_grad), ("0", _zero_grad)),
                  saves="nothing", backward_name="DivBackward2")
DIV_TRUNC = defop("div_trunc", _broadcasting("div", _div_trunc), "a b", derivs=(("0", _zero_grad), ("0", _zero_grad)),
                  saves="nothing", backward_name="DivBackward2")


def add(input: Any, other: Any, *, alpha: float | None = None) -> Tensor:
    return arithmetic(ADD, input, other if alpha is None else mul(other, alpha))


def sub(input: Any, other: Any, *, alpha: float | None = None) -> Tensor:
    return arithmetic(SUB, input, other if alpha is None else mul(other, alpha))


def mul(input: Any, other: Any) -> Tensor:
    return arithmetic(MUL, input, other)


def div(input: Any, other: Any, rounding_mode: str | None = None) -> Tensor:
    if rounding_mode is not None:
        if rounding_mode == "floor":
            return arithmetic(DIV_FLOOR, input, other)
        if rounding_mode == "trunc":
            return arithmetic(DIV_TRUNC, input, other)
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"{rounding_mode!r}")
    a, b = promote(input, other)
    float_dtype = dtypes.get_default_dtype().np
    if isinstance(a, Tensor) and a.array.dtype.kind != "f":
        a = cast(a, float_dtype)
        if isinstance(b, Tensor):
            b = cast(b, float_dtype)
    elif isinstance(b, Tensor) and b.array.dtype.kind != "f":
        b = cast(b, float_dtype)
    return arithmetic(DIV, a, b)


true_divide = divide = div
multiply = mul
subtract = sub


def floor_divide(input: Any, other: Any) -> Tensor:
    return arithmetic(FLOOR_DIVIDE, input, other)


def remainder(input: Any, other: Any) -> Tensor:
    return arithmetic(REMAINDER, input, other)


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    if isinstance(exponent, Tensor):  # PyTorch's names: PowBackward1 (tensor ** tensor), PowBackward2 (2 ** x)
        return arithmetic(_POW_TENSOR if isinstance(input, Tensor) else _POW_SCALAR_BASE, input, exponent)
    if isinstance(exponent, _NUMBERS):
        return arithmetic(_POW_ZERO if exponent == 0 else _POW_NUMBER, input, exponent)
    return arithmetic(POW, input, exponent)


def rsub(input: Any, other: Any, *, alpha: float | None = None) -> Tensor:
    """`other - alpha * input` (the reflected `-`, PyTorch's RsubBackward1)."""
    return arithmetic(_RSUB, other, input if alpha is None else mul(input, alpha))


def maximum(input: Any, other: Any) -> Tensor:
    return arithmetic(MAXIMUM, input, other)


def minimum(input: Any, other: Any) -> Tensor:
    return arithmetic(MINIMUM, input, other)


# ----------------------------------------------------------------------------- comparisons (no gradient)
# Ops of the registry without a derivative: they record no node, but the op observers see them (`unrecorded`),
# so that a mask such as `x > 0` is a value `cr.compile` can compute again
def _compare(name: str, fn: Any) -> Any:
    op = defop(name, _broadcasting(name, fn), "a b", derivs=((None, None), (None, None)))

    def compare(input: Any, other: Any) -> Tensor:
        a, b = promote(input, other)
        return unrecorded(op, (a, b), None, op.forward(a.array if isinstance(a, Tensor) else a,
                                                       b.array if isinstance(b, Tensor) else b))

    compare.__name__ = name
    return compare


eq = _compare("eq", np.equal)
ne = _compare("ne", np.not_equal)
lt = less = _compare("lt", np.less)
le = less_equal = _compare("le", np.less_equal)
gt = greater = _compare("gt", np.greater)
ge = greater_equal = _compare("ge", np.greater_equal)
logical_and = _compare("logical_and", np.logical_and)
logical_or = _compare("logical_or", np.logical_or)
logical_xor = _compare("logical_xor", np.logical_xor)


_LOGICAL_NOT = defop("logical_not", np.logical_not, "x", derivs=((None, None),))


def logical_not(input: Tensor) -> Tensor:
    return unrecorded(_LOGICAL_NOT, (input,), None, np.logical_not(input.array))


def isnan(input: Tensor) -> Tensor:
    return wrap(np.isnan(input.array))


def isinf(input: Tensor) -> Tensor:
    return wrap(np.isinf(input.array))


def isfinite(input: Tensor) -> Tensor:
    return wrap(np.isfinite(input.array))


def equal(input: Tensor, other: Tensor) -> bool:
    return input.shape == other.shape and bool(np.array_equal(input.array, other.array))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    return bool(np.allclose(input.array, other.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    return wrap(np.isclose(input.array, other.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


# ----------------------------------------------------------------------------- where
def _where_forward(cond: Any, a: Any, b: Any) -> Any:
    try:
        return np.where(cond, a, b)
    except ValueError:
        raise RuntimeError(f"where: shapes {np.shape(cond)}, {np.shape(a)} and {np.shape(b)} are not "
                           f"broadcastable") from None


def _where_a(xp: Any, g: Any, out: Any, c: Any, a: Any, b: Any) -> Any:
    return xp.where(c, g, xp.zeros_like(g))  # route with where, never multiply by a mask: NaN * 0 would be NaN


def _where_b(xp: Any, g: Any, out: Any, c: Any, a: Any, b: Any) -> Any:
    return xp.where(c, xp.zeros_like(g), g)


WHERE = defop("where", _where_forward, "condition a b",
              derivs=((None, None), ("1 if condition else 0", _where_a), ("0 if condition else 1", _where_b)))


MASKED_FILL = variant(WHERE, "MaskedFillBackward0")


def where(condition: Any, input: Any, other: Any, _op: Any = None) -> Tensor:
    cond = condition if isinstance(condition, Tensor) else Tensor(condition)
    if cond.array.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got {cond.dtype}")
    a, b = promote(input, other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = tensor_from_data(a)
    return apply(_op or WHERE, (wrap(cond.array), a, b))


# ----------------------------------------------------------------------------- unary math
def _unary(name: str, forward: Any, formula: str, rule: Any, saves: Saves = "inputs", keep_int: bool = False,
           backward_name: str = "") -> Any:
    """An elementwise math function with its derivative (`rule(xp, g, out, x)`: g times the local derivative);
    integer inputs become the default float dtype unless `keep_int` (abs, sign, square, floor, ... of an int
    tensor stay int, as in PyTorch)."""
    # an op that saves its output computes its derivative from the output alone (exp, tanh, sqrt, ...), so
    # modifying its input in place afterwards is legal, as in PyTorch
    op = defop(name, forward, "x", derivs=((formula, rule),), saves=saves, backward_name=backward_name)
    keep = "iu" if keep_int else ""

    def fn(input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            input = tensor_from_data(input)
        kind = input.array.dtype.kind
        if kind != "f" and kind not in keep:
            input = cast(input, dtypes.get_default_dtype().np)
        return apply1(op, input)

    fn.__name__ = name
    fn.op = op  # type: ignore[attr-defined]
    return fn


def _neg_forward(x: Any) -> Any:
    return -x


NEG = defop("neg", _neg_forward, "x", derivs=(("-1", lambda xp, g, out, x: -g),), saves="nothing")


def neg(input: Tensor) -> Tensor:
    if input.array.dtype.kind == "b":
        raise TypeError("neg: negation, the `-` operator, on a bool tensor is not supported; use ~ or logical_not")
    return apply1(NEG, input)


negative = neg


def _zero(xp: Any, g: Any, out: Any, x: Any) -> Any:
    return xp.zeros_like(g)  # as PyTorch (zeros_like(grad)): 0 even where g is NaN, and no graph on g


_LN2, _LN10 = 0.6931471805599453, 2.302585092994046
exp = _unary("exp", np.exp, "exp(x)", lambda xp, g, out, x: g * out, saves="output")
exp2 = _unary("exp2", np.exp2, "2^x*ln(2)", lambda xp, g, out, x: g * (out * _LN2), saves="output")
log = _unary("log", np.log, "1/x", lambda xp, g, out, x: g * (1.0 / x))
log2 = _unary("log2", np.log2, "1/(x*ln(2))", lambda xp, g, out, x: g * (1.0 / (x * _LN2)))
log10 = _unary("log10", np.log10, "1/(x*ln(10))", lambda xp, g, out, x: g * (1.0 / (x * _LN10)))
log1p = _unary("log1p", np.log1p, "1/(1+x)", lambda xp, g, out, x: g * (1.0 / (1.0 + x)))
expm1 = _unary("expm1", np.expm1, "exp(x)", lambda xp, g, out, x: g * (out + 1.0), saves="output")
sqrt = _unary("sqrt", np.sqrt, "1/(2*sqrt(x))", lambda xp, g, out, x: g * (0.5 / out), saves="output")
rsqrt = _unary("rsqrt", lambda x: 1.0 / np.sqrt(x), "-(1/sqrt(x))^3/2",
               lambda xp, g, out, x: g * (-0.5 * out * out * out), saves="output")
square = _unary("square", np.square, "2*x", lambda xp, g, out, x: g * (2.0 * x), keep_int=True,
                backward_name="PowBackward0")  # PyTorch computes square as pow(x, 2)
reciprocal = _unary("reciprocal", np.reciprocal, "-1/x^2", lambda xp, g, out, x: g * -(out * out),
                    saves="output")
abs = _unary("abs", np.abs, "sign(x)", lambda xp, g, out, x: g * xp.sign(x), keep_int=True)  # noqa: A001
absolute = abs
sign = _unary("sign", np_sign, "0", _zero, keep_int=True)
sin = _unary("sin", np.sin, "cos(x)", lambda xp, g, out, x: g * xp.cos(x))
cos = _unary("cos", np.cos, "-sin(x)", lambda xp, g, out, x: g * -xp.sin(x))
tan = _unary("tan", np.tan, "1 + tan(x)^2", lambda xp, g, out, x: g * (1.0 + out * out), saves="output")
tanh = _unary("tanh", np.tanh, "1 - tanh(x)^2", lambda xp, g, out, x: g * (1.0 - out * out), saves="output")
sinh = _unary("sinh", np.sinh, "cosh(x)", lambda xp, g, out, x: g * (0.5 * (xp.exp(x) + xp.exp(-x))))
cosh = _unary("cosh", np.cosh, "sinh(x)", lambda xp, g, out, x: g * (0.5 * (xp.exp(x) - xp.exp(-x))))
arctan = atan = _unary("atan", np.arctan, "1/(1+x^2)", lambda xp, g, out, x: g * (1.0 / (1.0 + x * x)))
erf = _unary("erf", np_erf, "2/sqrt(pi)*exp(-x^2)",
             lambda xp, g, out, x: g * (1.1283791670955126 * xp.exp(-(x * x))))
floor = _unary("floor", np.floor, "0", _zero, keep_int=True)
ceil = _unary("ceil", np.ceil, "0", _zero, keep_int=True)
round = _unary("round", np.round, "0", _zero, keep_int=True)  # noqa: A001
trunc = _unary("trunc", np.trunc, "0", _zero, keep_int=True)


# ----------------------------------------------------------------------------- lerp
def _lerp_forward(start: Any, end: Any, weight: Any) -> Any:
    """PyTorch's two-sided formula: start + w*(end - start) for |w| < 0.5, else end - (end - start)*(1 - w)
    (exact at w = 1)."""
    diff = end - start
    if type(weight) in _PY_SCALARS:
        return start + weight * diff if builtins.abs(weight) < 0.5 else end - diff * (1 - weight)
    out = np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))
    return out if out.ndim else out[()]


LERP = defop("lerp", _lerp_forward, "start end weight", derivs=(("1 - weight", lambda xp, g, out, s, e, w: g * (1 - w)),
                     ("weight", lambda xp, g, out, s, e, w: g * w),
                     ("end - start", lambda xp, g, out, s, e, w: g * (e - s))))
_LERP_TENSOR = variant(LERP, "LerpBackward1")  # PyTorch's name when the weight is a tensor


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """`input + weight * (end - input)`, elementwise with broadcasting; `weight` a number or a tensor."""
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp: end must be a tensor, got {type(end).__name__}")
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"lerp: expected a floating-point input, got {input.dtype}")
    if end.array.dtype != input.array.dtype:
        raise RuntimeError(f"lerp: expected dtype {input.dtype} for `end` but got dtype {end.dtype}")
    if isinstance(weight, Tensor):
        if weight.array.dtype != input.array.dtype:
            if weight.ndim:
                raise RuntimeError(f"lerp: expected dtype {input.dtype} for `weight` but got dtype {weight.dtype}")
            weight = cast(weight, input.array.dtype)  # a 0-d weight adapts, as PyTorch's
        return apply(_LERP_TENSOR, (input, end, weight))
    if isinstance(weight, np.generic):
        weight = weight.item()
    if type(weight) not in _PY_SCALARS:
        raise TypeError(f"lerp: weight must be a number or a tensor, got {type(weight).__name__}")
    return apply(LERP, (input, end, builtins.float(weight)))


# ----------------------------------------------------------------------------- frac / fmod / nan_to_num / addc*
def _frac_forward(x: Any) -> Any:
    return x - np.trunc(x)


_FRAC = defop("frac", _frac_forward, "x", derivs=(("1", ONE),), saves="nothing")


def frac(input: Tensor) -> Tensor:
    """The fractional part, `x - trunc(x)` (the sign of x's); derivative 1. Floating-point tensors only, as
    PyTorch."""
    if input.array.dtype.kind != "f":
        raise NotImplementedError(f"frac: \"frac_cpu\" not implemented for {input.dtype} (a floating-point "
                                  f"tensor is needed)")
    return apply1(_FRAC, input)


def _fmod_divisor(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    return g * -xp.data(np.trunc(xp.data(a) / xp.data(b)))


def _fmod_forward(a: Any, b: Any) -> Any:
    a_int = np.asarray(a).dtype.kind in "iub" if not isinstance(a, builtins.float) else False
    b_int = np.asarray(b).dtype.kind in "iub" if not isinstance(b, builtins.float) else False
    if a_int and b_int and np.any(np.asarray(b) == 0):
        raise RuntimeError("fmod: ZeroDivisionError (integer fmod by zero)")
    return np.fmod(a, b)


FMOD = defop("fmod", _broadcasting("fmod", _fmod_forward), "a b",
             derivs=(("1", ONE), ("-sign(a/b)*floor(abs(a/b))", _fmod_divisor)))


def fmod(input: Any, other: Any) -> Tensor:
    """C's remainder: `a - trunc(a / b) * b`, with the sign of the dividend (`remainder` takes the divisor's).
    Derivatives 1 and `-trunc(a / b)`, as PyTorch's."""
    return arithmetic(FMOD, input, other)


def _nan_to_num_forward(x: Any, nan: float, posinf: float | None, neginf: float | None) -> Any:
    out = np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    return out if np.ndim(out) else out[()]


_NAN_TO_NUM = defop("nan_to_num", _nan_to_num_forward, "x",
                    derivs=(("1 if isfinite(x) else 0",
                             lambda xp, g, out, x, nan, posinf, neginf: xp.where(xp.data(np.isfinite(xp.data(x))),
                                                                                g, 0.0)),))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (default: the dtype's largest and smallest
    finite values). The gradient passes where the input is finite, and is 0 at the replaced elements."""
    if input.array.dtype.kind != "f":  # nothing to replace: a copy, as PyTorch's
        from chainrule.ops.shape_ops import clone

        return clone(input)
    return apply(_NAN_TO_NUM, (input,), {"nan": builtins.float(nan), "posinf": posinf, "neginf": neginf})


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """`input + value * tensor1 * tensor2`, broadcast (a composition, so its gradient is the products'). As in
    PyTorch, `value` takes the result's dtype: a float value with integer tensors is truncated (an integer result),
    and refused when it does not fit that type."""
    prod = mul(tensor1, tensor2)
    if isinstance(value, builtins.float | np.floating):
        target = dtypes.result_dtype(*_group([_as_operand(input), prod]))
        if target.kind in "iu":
            value = _integer_value(builtins.float(value), target)
    return add(input, prod if isinstance(value, builtins.bool | builtins.int) and value == 1 else mul(prod, value))


_C_NAMES = {"int32": "int"}  # PyTorch's messages name the C type


def _integer_value(value: builtins.float, target: np.dtype) -> int:
    """A float scalar as PyTorch converts it to an integer dtype: truncated, refused when NaN or out of range."""
    info = np.iinfo(target)
    if math.isnan(value) or not info.min <= value <= info.max:
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES.get(target.name, target.name + '_t')} "
                           f"without overflow")
    return builtins.int(value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """`input + value * tensor1 / tensor2`, broadcast; integer `tensor1` and `tensor2` are refused, as PyTorch
    (its old integer division is gone)."""
    t1, t2 = (t if isinstance(t, Tensor) else tensor_from_data(t) for t in (tensor1, tensor2))
    if t1.array.dtype.kind in "iub" and t2.array.dtype.kind in "iub":
        raise RuntimeError("addcdiv: Integer division with addcdiv is no longer supported; use "
                           "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for the old integer "
                           "behaviour, or (input + value * tensor1 / tensor2) for a true division")
    quot = div(t1, t2)
    return add(input, quot if isinstance(value, builtins.bool | builtins.int) and value == 1 else mul(quot, value))


# ----------------------------------------------------------------------------- inverse trigonometric and hyperbolic
asin = arcsin = _unary("asin", np.arcsin, "1/sqrt(1 - x^2)", lambda xp, g, out, x: g * (1.0 / xp.sqrt(1.0 - x * x)))
acos = arccos = _unary("acos", np.arccos, "-1/sqrt(1 - x^2)",
                       lambda xp, g, out, x: g * (-1.0 / xp.sqrt(1.0 - x * x)))
asinh = arcsinh = _unary("asinh", np.arcsinh, "1/sqrt(x^2 + 1)",
                         lambda xp, g, out, x: g * (1.0 / xp.sqrt(x * x + 1.0)))
acosh = arccosh = _unary("acosh", np.arccosh, "1/sqrt(x^2 - 1)",
                         lambda xp, g, out, x: g * (1.0 / xp.sqrt(x * x - 1.0)))
atanh = arctanh = _unary("atanh", np.arctanh, "1/(1 - x^2)", lambda xp, g, out, x: g * (1.0 / (1.0 - x * x)))
erfc = _unary("erfc", lambda x: 1.0 - np_erf(x), "-2/sqrt(pi)*exp(-x^2)",
              lambda xp, g, out, x: g * (-1.1283791670955126 * xp.exp(-(x * x))))
sgn = sign  # PyTorch's sign for complex numbers; for real ones it is sign


# ----------------------------------------------------------------------------- binary math
def _float_operands(name: str, input: Any, other: Any) -> tuple:
    """Promoted as PyTorch's binary float functions: integer results become the default float dtype."""
    a, b = promote(input, other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = tensor_from_data(a)
    for v in (a, b):
        if isinstance(v, Tensor) and v.array.dtype.kind != "f":
            float_dtype = dtypes.get_default_dtype().np
            a = cast(a, float_dtype) if isinstance(a, Tensor) else a
            b = cast(b, float_dtype) if isinstance(b, Tensor) else b
            break
    # a Python number becomes a 0-d tensor of the other's dtype, so the rules compute in that dtype
    if not isinstance(a, Tensor):
        a = tensor_from_data(np.asarray(a, dtype=b.array.dtype))
    if not isinstance(b, Tensor):
        b = tensor_from_data(np.asarray(b, dtype=a.array.dtype))
    return a, b


def _xlogy_forward(a: Any, b: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((np.asarray(a) == 0) & ~np.isnan(b), 0.0, a * np.log(b)).astype(np.result_type(a, b))
    return out if out.ndim else out[()]


def _xlogy_x(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    # PyTorch's: ln(b), except 0 where a is 0 and b <= 0 (there ln(b) is not finite but xlogy is 0 near a = 0)
    off = (a == 0) & (b <= 0)
    return xp.where(off, 0.0, g * xp.log(xp.where(off, 1.0, b)))


XLOGY = defop("xlogy", _broadcasting("xlogy", _xlogy_forward), "a b",
              derivs=(("0 if a == 0 and b <= 0 else ln(b)", _xlogy_x),
                      ("a/b", lambda xp, g, out, a, b: g * (a / b))))


def xlogy(input: Any, other: Any) -> Tensor:
    """`input * log(other)`, and 0 where `input` is 0 (unless `other` is NaN), as `torch.xlogy`."""
    return apply(XLOGY, _float_operands("xlogy", input, other))


HYPOT = defop("hypot", _broadcasting("hypot", np.hypot), "a b",
              derivs=(("a/sqrt(a^2 + b^2)", lambda xp, g, out, a, b: g * (a / out)),
                      ("b/sqrt(a^2 + b^2)", lambda xp, g, out, a, b: g * (b / out))), saves="both")


def hypot(input: Any, other: Any) -> Tensor:
    """`sqrt(input^2 + other^2)` without overflow in between (NumPy's hypot)."""
    return apply(HYPOT, _float_operands("hypot", input, other))


ATAN2 = defop("atan2", _broadcasting("atan2", np.arctan2), "a b",
              derivs=(("b/(a^2 + b^2)", lambda xp, g, out, a, b: g * (b / (a * a + b * b))),
                      ("-a/(a^2 + b^2)", lambda xp, g, out, a, b: g * (-a / (a * a + b * b)))))


def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input) in (-pi, pi], elementwise (the quadrant-aware `atan(input/other)`);
    integer inputs give the default float dtype."""
    return apply(ATAN2, _float_operands("atan2", input, other))


arctan2 = atan2


LOGADDEXP = defop("logaddexp", _broadcasting("logaddexp", np.logaddexp), "a b",
                  derivs=(("sigmoid(a - b)", lambda xp, g, out, a, b: g / (1.0 + xp.exp(b - a))),
                          ("sigmoid(b - a)", lambda xp, g, out, a, b: g / (1.0 + xp.exp(a - b)))))


def logaddexp(input: Any, other: Any) -> Tensor:
    """`log(exp(input) + exp(other))`, computed without overflow."""
    return apply(LOGADDEXP, _float_operands("logaddexp", input, other))


def _nan_max_rule(first: bool) -> Any:
    def rule(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        wins = (a >= b) | (b != b)  # `a` is taken where it is at least `b` or `b` is NaN (ties go to `a`)
        return xp.where(wins, g, 0.0) if first else xp.where(wins, 0.0, g)
    return rule


def _nan_min_rule(first: bool) -> Any:
    def rule(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
        wins = (a <= b) | (b != b)
        return xp.where(wins, g, 0.0) if first else xp.where(wins, 0.0, g)
    return rule


FMAX = defop("fmax", _broadcasting("fmax", np.fmax), "a b",
             derivs=(("1 if a >= b or b != b else 0", _nan_max_rule(True)),
                     ("0 if a >= b or b != b else 1", _nan_max_rule(False))))
FMIN = defop("fmin", _broadcasting("fmin", np.fmin), "a b",
             derivs=(("1 if a <= b or b != b else 0", _nan_min_rule(True)),
                     ("0 if a <= b or b != b else 1", _nan_min_rule(False))))


def fmax(input: Any, other: Any) -> Tensor:
    """The elementwise maximum, ignoring NaN (NaN only where both are NaN); a tie's gradient goes to `input`."""
    return arithmetic(FMAX, input, other)


def fmin(input: Any, other: Any) -> Tensor:
    """The elementwise minimum, ignoring NaN (NaN only where both are NaN); a tie's gradient goes to `input`."""
    return arithmetic(FMIN, input, other)


def float_power(input: Any, exponent: Any) -> Tensor:
    """`pow` computed in float64 (the result is float64, as PyTorch's)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power: input or exponent must be a tensor")
    f64 = np.dtype(np.float64)
    a = cast(input, f64) if isinstance(input, Tensor) else builtins.float(input)
    b = cast(exponent, f64) if isinstance(exponent, Tensor) else builtins.float(exponent)
    return pow(a, b)


def _copysign_magnitude(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    # +1 where the sign was kept, -1 where it flipped, 0 at a = 0: PyTorch's out / a, except at an infinite or
    # NaN `a` (PyTorch: NaN) where this is the sign rule too
    av, bv = np.asarray(xp.data(a)), np.asarray(xp.data(b))
    factor = np.where(av == 0, 0.0, np_sign(av) * (1.0 - 2.0 * np.signbit(bv))).astype(av.dtype)
    return g * xp.data(factor if factor.ndim else factor[()])


COPYSIGN = defop("copysign", _broadcasting("copysign", np.copysign), "a b",
                 derivs=(("0 if a == 0 else sign(a) * (1 - 2*signbit(b))", _copysign_magnitude),
                         ("0", lambda xp, g, out, a, b: xp.zeros_like(g))))


def copysign(input: Any, other: Any) -> Tensor:
    """The magnitude of `input` with the sign of `other` (-0.0 counts as negative); its gradient is +-1 (0 at
    `input` = 0), none flows to `other`'s sign."""
    return apply(COPYSIGN, _float_operands("copysign", input, other))


_SIGNBIT = defop("signbit", np.signbit, "x", derivs=((None, None),))


def signbit(input: Tensor) -> Tensor:
    """Whether the sign bit is set (True for negative numbers and -0.0), a bool tensor; no gradient."""
    return unrecorded(_SIGNBIT, (input,), None, np.signbit(input.array))


_HEAVISIDE = defop("heaviside", _broadcasting("heaviside", np.heaviside), "a b", derivs=((None, None), (None, None)))


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 where `input < 0`, 1 where `input > 0`, `values` where it is 0. Not differentiable
    (as PyTorch: no derivative is defined)."""
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside: values must be a tensor, got {type(values).__name__}")
    if input.array.dtype != values.array.dtype:
        raise RuntimeError(f"heaviside: heaviside is not yet implemented for tensors with different dtypes "
                           f"({input.dtype} and {values.dtype})")
    for t in (input, values):
        if t.requires_grad:
            raise RuntimeError("heaviside: the derivative for 'heaviside' is not implemented")
    return unrecorded(_HEAVISIDE, (input, values), None,
                      np.asarray(_HEAVISIDE.forward(input.array, values.array), dtype=input.array.dtype)[()])


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """`log(x / (1 - x))`, with `x` first clamped to [eps, 1 - eps] when `eps` is given (the gradient is then
    0 outside it, as PyTorch's)."""
    from chainrule.ops.activations import clamp

    x = input if input.array.dtype.kind == "f" else cast(input, dtypes.get_default_dtype().np)
    if eps is not None:
        x = clamp(x, eps, 1.0 - eps)
    return log(div(x, sub(1.0, x)))


def positive(input: Tensor) -> Tensor:
    """`+input`: the tensor itself (refused for a bool tensor, as PyTorch)."""
    if input.array.dtype.kind == "b":
        raise RuntimeError("positive: the `+` operator, on a bool tensor is not supported")
    return input


# ----------------------------------------------------------------------------- lgamma / digamma
def _polygamma2_missing(xp: Any, g: Any, out: Any, x: Any) -> Any:
    raise RuntimeError("digamma: the third derivative (polygamma(2, x)) is not implemented in chainrule")


_TRIGAMMA = defop("trigamma", _special.trigamma, "x", vjp=_polygamma2_missing,
                  formulas=("polygamma(2, x) (not implemented)",), backward_name="PolygammaBackward0")


def _lgamma_rule(xp: Any, g: Any, out: Any, x: Any) -> Any:
    return g * (digamma(x) if xp.is_tensor else _special.digamma(x))


def _digamma_rule(xp: Any, g: Any, out: Any, x: Any) -> Any:
    return g * (apply1(_TRIGAMMA, x) if xp.is_tensor else _special.trigamma(x))


lgamma = _unary("lgamma", _special.lgamma, "digamma(x)", _lgamma_rule)
digamma = _unary("digamma", _special.digamma, "trigamma(x)", _digamma_rule)
erfinv = _unary("erfinv", _special.erfinv, "sqrt(pi)/2*exp(erfinv(x)^2)",
                lambda xp, g, out, x: g * (0.886226925452758 * xp.exp(out * out)), saves="output")
