"""Making tensors: `tensor`, `zeros`, `ones`, `arange`, ... and conversion of user data to arrays."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.engine.device import check_device
from chainrule.engine.grad_mode import grad_state
from chainrule.engine.tensor import Tensor, as_array, float_dtype, infer_dtype, shape_arg, wrap


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, name: str | None = None,
           device: Any = None) -> Tensor:
    """A new leaf tensor holding a copy of `data` (number, nested list, NumPy array or tensor)."""
    if device is not None:
        check_device(device, "tensor")
    if type(data) is builtins.float and dtype is None and name is None:  # scalar parameters: the short path
        t = wrap(dtypes.Defaults.unit * data, None, requires_grad is True)
        if grad_state.inference:
            t._inference = True
        if requires_grad and requires_grad is not True:
            t.requires_grad_(bool(requires_grad))
        return t
    t = wrap(as_array(data, dtype, "tensor"))
    if name is not None:
        t._name = name
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (as `torch.from_numpy`)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return wrap(array)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """`data` as a tensor without a copy where possible (as `torch.as_tensor`): a tensor of that dtype is
    returned itself, a NumPy array of that dtype is shared (as `from_numpy`); otherwise a conversion (of a
    tensor: `to(dtype)`, recorded in its graph; of other data: `tensor(data, dtype)`)."""
    if device is not None:
        check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        if dtype is None or dtypes.to_dtype(dtype).np == data.array.dtype:
            return data
        return data.to(dtypes.to_dtype(dtype))
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf" and (
            dtype is None or dtypes.to_dtype(dtype).np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


# The keywords of PyTorch's factory functions that change nothing on a CPU-only NumPy engine.
_IGNORED = frozenset({"pin_memory", "layout", "memory_format"})


def check_extra(device: Any, kwargs: dict, op: str) -> None:
    """Check a factory's `device=` (the CPU only) and its remaining keywords (PyTorch's no-ops here)."""
    if device is not None:
        check_device(device, op)
    for k in kwargs:
        if k not in _IGNORED:
            raise TypeError(f"{op}() got an unexpected keyword argument '{k}'")


def new_leaf(arr: np.ndarray, requires_grad: bool) -> Tensor:
    """A new leaf tensor holding `arr` (made under `inference_mode` if that is on), requiring grad if asked."""
    t = wrap(arr[()] if arr.ndim == 0 else arr)
    if grad_state.inference:
        t._inference = True
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None, **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "zeros")
    return new_leaf(np.zeros(shape_arg(size, "zeros"), float_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None, **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "ones")
    return new_leaf(np.ones(shape_arg(size, "ones"), float_dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None, **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "empty")
    return new_leaf(np.empty(shape_arg(size, "empty"), float_dtype(dtype)), requires_grad)


def full(size: Sequence[int], fill_value: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
         **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "full")
    if dtype is None:
        dtype = dtypes.from_numpy_dtype(infer_dtype(fill_value) or dtypes.get_default_dtype().np)
    return new_leaf(np.full(shape_arg(tuple(size), "full"), fill_value, dtypes.to_dtype(dtype).np), requires_grad)


def _like(t: Tensor, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    return t.shape, (t.array.dtype if dtype is None else dtypes.to_dtype(dtype).np)


def zeros_like(input: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None,
               **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "zeros_like")
    shape, dt = _like(input, dtype)
    return new_leaf(np.zeros(shape, dt), requires_grad)


def ones_like(input: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None,
              **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "ones_like")
    shape, dt = _like(input, dtype)
    return new_leaf(np.ones(shape, dt), requires_grad)


def empty_like(input: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None,
               **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "empty_like")
    shape, dt = _like(input, dtype)
    return new_leaf(np.empty(shape, dt), requires_grad)


def full_like(input: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
              **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "full_like")
    shape, dt = _like(input, dtype)
    return new_leaf(np.full(shape, fill_value, dt), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, requires_grad: bool = False,
           device: Any = None, **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, builtins.int | np.integer) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.get_default_dtype()
    return new_leaf(np.arange(start, end, step, dtype=dtypes.to_dtype(dtype).np), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False,
             device: Any = None, **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "linspace")
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    return new_leaf(np.linspace(start, end, steps, dtype=float_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False, device: Any = None,
        **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "eye")
    return new_leaf(np.eye(n, m, dtype=float_dtype(dtype)), requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: Any = None,
             requires_grad: bool = False, device: Any = None, **kwargs: Any) -> Tensor:
    """`steps` values from base**start to base**end, evenly spaced in the exponent."""
    check_extra(device, kwargs, "logspace")
    if steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    values = np.power(float(base), np.linspace(float(start), float(end), steps))
    return new_leaf(values.astype(float_dtype(dtype)), requires_grad)


# ----------------------------------------------------------------------------- Tensor.new_*: the source's dtype
def _source_dtype(self: Tensor, dtype: Any) -> Any:
    return self.dtype if dtype is None else dtype


def _new_filled(self: Tensor, size: tuple, fill: Any, dtype: Any, requires_grad: bool, op: str,
                device: Any = None) -> Tensor:
    if device is not None:
        check_device(device, op)
    np_dtype = dtypes.to_dtype(_source_dtype(self, dtype)).np
    return new_leaf(fill(shape_arg(size, op), np_dtype), requires_grad)


def new_zeros(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Zeros of `size` with this tensor's dtype (unless `dtype` is given)."""
    return _new_filled(self, size, np.zeros, dtype, requires_grad, "new_zeros", device)


def new_ones(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _new_filled(self, size, np.ones, dtype, requires_grad, "new_ones", device)


def new_empty(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _new_filled(self, size, np.empty, dtype, requires_grad, "new_empty", device)


def new_full(self: Tensor, size: Sequence[int], fill_value: Any, dtype: Any = None, requires_grad: bool = False,
             device: Any = None) -> Tensor:
    if not isinstance(size, list | tuple):
        raise TypeError(f"new_full: argument 'size' must be a tuple of ints, not {type(size).__name__}")
    return full(size, fill_value, dtype=_source_dtype(self, dtype), requires_grad=requires_grad, device=device)


def new_tensor(self: Tensor, data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A new leaf holding a copy of `data`, in this tensor's dtype unless `dtype` is given."""
    return tensor(data, dtype=_source_dtype(self, dtype), requires_grad=requires_grad, device=device)


# ----------------------------------------------------------------------------- cr.FloatTensor, cr.LongTensor, ...
class _TypedTensorMeta(type):
    """`isinstance(x, cr.FloatTensor)` is true for a float32 tensor, as in PyTorch."""

    _dtype: dtypes.dtype

    def __instancecheck__(cls, obj: Any) -> builtins.bool:
        return isinstance(obj, Tensor) and obj.array.dtype == cls._dtype.np


def _typed(name: str, dt: dtypes.dtype) -> type:
    def __new__(cls: type, *data: Any, device: Any = None) -> Tensor:  # noqa: N807
        """`cr.FloatTensor([1, 2])` (data) or `cr.FloatTensor(2, 3)` (an uninitialised shape), as PyTorch's."""
        return Tensor(*data, dtype=dt, device=device)

    return _TypedTensorMeta(name, (), {"_dtype": dt, "__new__": __new__, "__module__": "chainrule",
                                       "__doc__": f"PyTorch's legacy constructor for {dt.name} tensors."})


FloatTensor = _typed("FloatTensor", dtypes.float32)
DoubleTensor = _typed("DoubleTensor", dtypes.float64)
HalfTensor = _typed("HalfTensor", dtypes.float16)
LongTensor = _typed("LongTensor", dtypes.int64)
IntTensor = _typed("IntTensor", dtypes.int32)
ShortTensor = _typed("ShortTensor", dtypes.int16)
CharTensor = _typed("CharTensor", dtypes.int8)
ByteTensor = _typed("ByteTensor", dtypes.uint8)
BoolTensor = _typed("BoolTensor", dtypes.bool)
