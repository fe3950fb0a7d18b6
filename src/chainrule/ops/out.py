"""`out=` on the functional namespace, as PyTorch: `cr.add(a, b, out=c)` writes the result into `c` and
returns `c`.

The functions in `chainrule.ops.functions` stay as they are (the operators and methods call them on the
hot path); the names exported as `cr.add`, `cr.exp`, `cr.zeros`, ... are these wrappers, which pass a call
without `out` straight through. PyTorch's rules:

* functions with `out=` do not record a graph: when grad mode is on and an input or `out` requires grad,
  the call raises RuntimeError ("functions with out=... arguments don't support automatic differentiation");
* the result is cast to `out`'s dtype when PyTorch would (not float -> integer, not to bool);
* an `out` of another shape is resized (a new storage), with PyTorch's UserWarning when it held elements;
  creation functions (`zeros`, `arange`, ...) resize silently and produce `out`'s dtype unless `dtype=` is given.
"""

from __future__ import annotations

import functools
import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule import creation, dtypes, random
from chainrule.engine.grad_mode import grad_state
from chainrule.engine.tensor import Tensor
from chainrule.ops import functions as F

# The computing functions that take `out=` (PyTorch's common ones).
COMPUTE = (
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "remainder",
    "pow", "neg", "negative", "abs", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
    "square", "reciprocal", "sin", "cos", "tan", "tanh", "sigmoid", "floor", "ceil", "round", "trunc", "sign",
    "clamp", "clip", "maximum", "minimum", "where", "matmul", "mm", "bmm", "mv", "dot", "outer", "cat", "concat",
    "concatenate", "stack", "sum", "mean", "prod", "cumsum", "cumprod", "eq", "ne", "lt", "le", "gt", "ge",
    "logical_and", "logical_or", "logical_not", "logical_xor",
)
# The creation functions that take `out=`: the result is made in `out`'s dtype unless `dtype=` is given.
CREATE = {
    "zeros": creation, "ones": creation, "empty": creation, "full": creation, "arange": creation,
    "linspace": creation, "logspace": creation, "eye": creation,
    "rand": random, "randn": random, "randint": random, "randperm": random,
}


def _no_grad_error(op: str) -> RuntimeError:
    return RuntimeError(f"{op}(): functions with out=... arguments don't support automatic differentiation, "
                        f"but one of the arguments requires grad.")


def _can_cast(src: np.dtype, dst: np.dtype) -> bool:
    """PyTorch's `can_cast` for out=: no float -> integer or bool, no integer -> bool."""
    if src.kind == "f" and dst.kind in "iub":
        return False
    return not (src.kind in "iu" and dst.kind == "b")


def write_out(out: Any, result: Tensor, op: str, warn_resize: bool = True) -> Tensor:
    """Write `result` into `out` (resizing it when its shape differs) and return `out`."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_state.enabled and (out.requires_grad or result.requires_grad):
        raise _no_grad_error(op)
    value = result.array
    src, dst = np.asarray(value).dtype, out.array.dtype
    if src != dst and not _can_cast(src, dst):
        raise RuntimeError(f"{op}: result type {dtypes.from_numpy_dtype(src)} can't be cast to the desired "
                           f"output type {dtypes.from_numpy_dtype(dst)}")
    shape = np.shape(value)
    if out.array.shape != shape:
        if warn_resize and out.array.size:
            warnings.warn(
                f"{op}: an output with one or more elements was resized since it had shape "
                f"{list(out.array.shape)}, which does not match the required output shape {list(shape)}. "
                f"This behavior is deprecated (as in PyTorch); resize it to zero elements first with "
                f"out.resize_(0) or pass an out of the right shape.", UserWarning, stacklevel=3)
        out._data = np.asarray(value, dtype=dst).copy() if shape else np.array(value, dtype=dst)
        out._bump_version(storage_written=False)
        return out
    target = out._shared_array()
    np.copyto(target, value, casting="unsafe")
    out._bump_version()
    return out


def _rename(fn: Callable, name: str) -> Callable:
    """A copy of `fn` with its own code object named `name` (the tracer tells calls apart by code object)."""
    code = fn.__code__.replace(co_name=name, co_qualname=name)
    new = types.FunctionType(code, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    new.__kwdefaults__ = fn.__kwdefaults__
    return new


def _compute_wrapper(fn: Callable, name: str) -> Callable:
    def wrapper(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is None:
            return fn(*args, **kwargs)
        if grad_state.enabled and isinstance(out, Tensor) and out.requires_grad:
            raise _no_grad_error(name)
        return write_out(out, fn(*args, **kwargs), name)

    return functools.wraps(fn)(_rename(wrapper, name))


def _create_wrapper(fn: Callable, name: str) -> Callable:
    def wrapper(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is None:
            return fn(*args, **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        if grad_state.enabled and (out.requires_grad or kwargs.get("requires_grad")):
            raise _no_grad_error(name)
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = out.dtype
        return write_out(out, fn(*args, **kwargs), name, warn_resize=False)

    return functools.wraps(fn)(_rename(wrapper, name))


namespace: dict[str, Callable] = {}
for _name in COMPUTE:
    namespace[_name] = _compute_wrapper(getattr(F, _name), _name)
for _name, _module in CREATE.items():
    namespace[_name] = _create_wrapper(getattr(_module, _name), _name)
