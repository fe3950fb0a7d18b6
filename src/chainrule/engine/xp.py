"""The two array namespaces VJPs are written against: NumPy (fast, no graph) and chainrule tensors
(graph-building, for `create_graph=True`). Both offer the same small set of functions.

The backward walk picks one per pass (`NUMPY`, or `TENSOR` under `create_graph=True`) and hands it to each
op's VJP, so one derivative rule serves first and higher-order gradients."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.engine import dispatch

_ERF: list[Any] = []  # filled on the first erf: importing SciPy costs about 0.2 s, so `import chainrule` doesn't


def _erf_impl() -> Any:
    """SciPy's erf (vectorized and exact); without SciPy, math.erf per element."""
    if not _ERF:
        try:
            from scipy.special import erf
        except ImportError:  # pragma: no cover - depends on the environment
            erf = np.vectorize(math.erf, otypes=[np.float64])
        _ERF.append(erf)
    return _ERF[0]


def np_sign(x: Any) -> Any:
    """sign with sign(NaN) = 0, as PyTorch (NumPy gives NaN)."""
    s = np.sign(x)
    if s.dtype.kind != "f":
        return s
    return np.nan_to_num(s, nan=0.0, copy=type(s) is not np.ndarray)  # NumPy scalars can't be written in place


def np_erf(x: Any) -> Any:
    return np.asarray(_erf_impl()(x)).astype(np.result_type(x, np.float32), copy=False)[()]


def reduced_axes(shape: tuple[int, ...], target: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Axes to sum so that an array of `shape` reduces to the broadcast source `target`:
    (leading axes to drop, axes to keep with size 1)."""
    lead = len(shape) - len(target)
    leading = tuple(range(lead))
    kept = tuple(i + lead for i, n in enumerate(target) if n == 1 and shape[i + lead] != 1)
    return leading, kept


class NumpyXP:
    """VJP helpers on raw NumPy arrays."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sqrt = staticmethod(np.sqrt)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tanh = staticmethod(np.tanh)
    sign = staticmethod(np_sign)
    abs = staticmethod(np.abs)
    where = staticmethod(np.where)
    matmul = staticmethod(np.matmul)
    swapaxes = staticmethod(np.swapaxes)
    transpose = staticmethod(np.transpose)
    broadcast_to = staticmethod(np.broadcast_to)
    reshape = staticmethod(np.reshape)
    expand_dims = staticmethod(np.expand_dims)
    flip = staticmethod(np.flip)
    einsum = staticmethod(np.einsum)
    erf = staticmethod(np_erf)
    is_tensor = False

    @staticmethod
    def sigmoid(x: Any) -> Any:
        return 0.5 * (np.tanh(0.5 * x) + 1.0)

    @staticmethod
    def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return np.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def cumsum(x: Any, axis: int) -> Any:
        return np.cumsum(x, axis=axis)

    @staticmethod
    def sum_to(x: Any, shape: tuple[int, ...]) -> Any:
        leading, kept = reduced_axes(x.shape, shape)
        if kept:  # first: `kept` counts axes of the unreduced array
            x = x.sum(axis=kept, keepdims=True)
        if leading:
            x = x.sum(axis=leading)
        return x.reshape(shape) if x.shape != shape else x

    @staticmethod
    def zeros_like(x: Any) -> Any:
        return np.zeros_like(x)

    @staticmethod
    def getitem(x: Any, index: Any) -> Any:
        return x[index]

    @staticmethod
    def index_add(shape: tuple[int, ...], index: Any, g: Any, basic: bool) -> Any:
        """Zeros of `shape` with `g` added at `index` (repeated indices accumulate)."""
        z = np.zeros(shape, dtype=g.dtype)
        if basic:
            z[index] = g
        else:
            np.add.at(z, index, g)
        return z

    @staticmethod
    def astype(x: Any, like: Any) -> Any:
        return x.astype(like.dtype) if x.dtype != like.dtype else x

    @staticmethod
    def data(x: Any) -> Any:
        return x


class TensorXP:
    """The same helpers built from chainrule ops, so the VJP itself is recorded and differentiable."""

    is_tensor = True

    def __getattr__(self, name: str) -> Any:
        """`xp.exp` is the op function `exp`; `xp.sum` its NumPy-signature adapter `xp_sum` where one exists
        (the op functions come from `chainrule.ops`, reached through `engine.dispatch`)."""
        functions = dispatch.ops
        fn = getattr(functions, "xp_" + name, None) or getattr(functions, name)
        self.__dict__[name] = fn  # found by plain attribute lookup from now on
        return fn

    @staticmethod
    def data(x: Any) -> Any:
        return x._data if hasattr(x, "_data") else x


NUMPY = NumpyXP()
TENSOR = TensorXP()
