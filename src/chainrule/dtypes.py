"""dtypes with PyTorch's names, and PyTorch's type-promotion rules on top of NumPy dtypes."""

from __future__ import annotations

import builtins

import numpy as np


class dtype:  # noqa: N801 - PyTorch spells it lowercase
    """A tensor element type: a thin named wrapper around a NumPy dtype."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name: str, np_dtype: np.dtype) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_complex = False
        self.is_signed = self.np.kind in "fi"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"chainrule.{self.name}"

    def __reduce__(self):  # dtypes are singletons: pickle by name
        return (_lookup, (self.name,))


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)  # noqa: A001 - PyTorch alias
float64 = double = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)  # noqa: A001 - PyTorch alias
int64 = long = dtype("int64", np.int64)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)  # noqa: A001 - PyTorch alias

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool)
_BY_NP: dict[np.dtype, dtype] = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


def _lookup(name: str) -> dtype:
    return _BY_NAME[name]


class Defaults:
    """The default float dtype (`set_default_dtype`) and a scalar 1 of it, which the engine's scalar fast paths
    multiply by (`Defaults.unit * 2.5` is a NumPy scalar of the default dtype, made fast)."""

    float_dtype: dtype = float32
    unit = np.float32(1.0)  # a scalar 1 of the default dtype: `unit * x` makes a scalar of that dtype fast


def get_default_dtype() -> dtype:
    return Defaults.float_dtype


def set_default_dtype(d: dtype) -> None:
    """Set the dtype given to tensors made from Python floats (float32 unless changed), as in PyTorch."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point dtypes are allowed as default, got {d}")
    Defaults.float_dtype = d
    Defaults.unit = d.np.type(1.0)


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        raise TypeError(f"chainrule does not support NumPy dtype {np_dtype}") from None


def to_dtype(d: object) -> dtype:
    """Accept a chainrule dtype, a NumPy dtype or type, or a dtype name."""
    if isinstance(d, dtype):
        return d
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    try:
        return from_numpy_dtype(np.dtype(d))
    except TypeError:
        raise TypeError(f"not a dtype: {d!r}") from None


# Category ranks used by PyTorch's promotion: bool < integer < floating point.
def _category(np_dtype: np.dtype) -> int:
    kind = np_dtype.kind
    return 2 if kind == "f" else (0 if kind == "b" else 1)


def _scalar_category(value: object) -> int:
    if isinstance(value, (builtins.bool, np.bool_)):
        return 0
    if isinstance(value, (builtins.int, np.integer)):
        return 1
    return 2


def result_dtype(dimensioned: list[np.dtype], zero_dim: list[np.dtype], scalars: list[object]) -> np.dtype:
    """PyTorch's rule: the highest category wins; within it, dimensioned tensors beat 0-d tensors,
    which beat Python scalars; a category reached only by Python scalars gives the default dtype."""
    groups = [dimensioned, zero_dim]
    top = -1
    for group in groups:
        for dt in group:
            top = max(top, _category(dt))
    scalar_top = max((_scalar_category(s) for s in scalars), default=-1)
    if scalar_top > top:
        if scalar_top == 2:
            return get_default_dtype().np
        return np.dtype(np.int64) if scalar_top == 1 else np.dtype(np.bool_)
    for group in groups:
        members = [dt for dt in group if _category(dt) == top]
        if members:
            return np.result_type(*members)
    raise AssertionError("unreachable")
