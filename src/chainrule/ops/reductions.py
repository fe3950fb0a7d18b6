"""Reductions (`sum`, `mean`, `max`, `var`, `norm`, `logsumexp`, ...) with `dim`/`keepdim`, as in PyTorch.

Ties: `max()`/`min()` over all elements and `amax`/`amin` split the gradient evenly among tied
maxima; `max(dim)`/`min(dim)` send it to the returned index (the first occurrence), as PyTorch does.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.engine.size import wrap_dim
from chainrule.engine.tensor import Tensor, wrap
from chainrule.engine.xp import NUMPY
from chainrule.ops.elementwise import cast
from chainrule.ops.registry import apply, defop, unrecorded, variant

MaxResult = namedtuple("MaxResult", ["values", "indices"])


def numpy_aliases(op: str, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None, default: Any = None
                  ) -> tuple[Any, bool]:
    """NumPy's `axis=` and `keepdims=` for `dim` and `keepdim`, as PyTorch's reductions accept them (each
    reduction calls this only when one of them is given)."""
    if axis is not None:
        if dim is not default:
            raise TypeError(f"{op}() got both 'dim' and its alias 'axis'")
        dim = axis
    if keepdims is not None:
        if keepdim is not False:
            raise TypeError(f"{op}() got both 'keepdim' and its alias 'keepdims'")
        keepdim = bool(keepdims)
    return dim, keepdim


def normalize_dims(dim: int | Sequence[int] | None, ndim: int, op: str) -> tuple[int, ...]:
    """Dims as a sorted tuple of non-negative ints; None means all."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    if ndim == 0:
        for d in dims:
            wrap_dim(d, 0, op)
        return ()
    wrapped = tuple(sorted({wrap_dim(int(d), ndim, op) for d in dims}))
    if len(wrapped) != len(dims):
        raise RuntimeError(f"{op}: dim {dims} appears multiple times in the list of dims")
    return wrapped


def expand_back(xp: Any, g: Any, shape: tuple[int, ...], dims: tuple[int, ...], keepdim: bool) -> Any:
    """Broadcast a reduced gradient back to the input's shape."""
    if not keepdim and dims:
        g = xp.expand_dims(g, dims)
    return xp.broadcast_to(g, shape)


def _count(shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _float_input(input: Tensor) -> Tensor:
    return input if input.array.dtype.kind == "f" else cast(input, dtypes.get_default_dtype().np)


# ----------------------------------------------------------------------------- sum / mean
def _sum_forward(x: Any, dims: tuple, keepdim: bool) -> Any:
    out = np.sum(x, axis=dims, keepdims=keepdim)
    return out.astype(np.int64) if out.dtype.kind in "biu" else out


SUM = defop("sum", _sum_forward, "x",
            vjp=lambda xp, g, out, x, dims, keepdim: (expand_back(xp, g, x.shape, dims, keepdim),),
            formulas=("1 for every summed element",), saves="nothing")
MEAN = defop(
    "mean", lambda x, dims, keepdim: np.mean(x, axis=dims, keepdims=keepdim), "x",
    vjp=lambda xp, g, out, x, dims, keepdim: (expand_back(xp, g / _count(x.shape, dims), x.shape, dims, keepdim),),
    formulas=("1/N for every averaged element",), saves="nothing",
)


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None,
        *, axis: Any = None, keepdims: bool | None = None) -> Tensor:  # noqa: A001
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("sum", dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = cast(input, dtypes.to_dtype(dtype).np)
    return apply(SUM if dim is None else _SUM_DIM, (input,),
                 {"dims": normalize_dims(dim, input.ndim, "sum"), "keepdim": keepdim})


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None,
         *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("mean", dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = cast(input, dtypes.to_dtype(dtype).np)
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"mean: could not infer output dtype. Input dtype must be floating point, "
                           f"got {input.dtype}")
    return apply(MEAN if dim is None else _MEAN_DIM, (input,),
                 {"dims": normalize_dims(dim, input.ndim, "mean"), "keepdim": keepdim})


# ----------------------------------------------------------------------------- prod
def _prod_others(x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """For each element, the product of the other elements in its reduction group (zero-safe)."""
    moved = np.moveaxis(np.asarray(x), dims, tuple(range(-len(dims), 0))) if dims else np.asarray(x)
    lead = moved.shape[: moved.ndim - len(dims)]
    flat = moved.reshape(lead + (-1,))
    ones = np.ones(lead + (1,), flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.flip(np.concatenate([flat[..., 1:], ones], axis=-1), -1), axis=-1), -1)
    others = (left * right).reshape(moved.shape)
    return np.moveaxis(others, tuple(range(-len(dims), 0)), dims) if dims else others


def _prod_vjp(xp: Any, g: Any, out: Any, x: Any, dims: tuple, keepdim: bool) -> tuple:
    g_full = expand_back(xp, g, x.shape, dims, keepdim)
    raw = xp.data(x)
    if np.all(raw != 0):
        return (g_full * expand_back(xp, out, x.shape, dims, keepdim) / x,)
    if xp.is_tensor:  # zeros present, building a graph: the product of the others, differentiably
        return (g_full * _prod_others_xp(xp, x, dims),)
    return (g_full * _prod_others(raw, dims),)  # zeros present: product of the others


def _prod_others_xp(xp: Any, x: Any, dims: tuple[int, ...]) -> Any:
    """`_prod_others` from ops (for create_graph=True): each group as an n x n matrix whose diagonal is
    replaced by 1, multiplied along its rows. O(n^2) per group, used only when zeros are present."""
    shape = tuple(x.shape)
    rest = tuple(d for d in range(len(shape)) if d not in dims)
    perm = rest + tuple(dims)
    lead = tuple(shape[d] for d in rest)
    n = _count(shape, dims)
    flat = xp.reshape(xp.transpose(x, perm), lead + (1, n))
    others = prod(xp.where(np.eye(n, dtype=bool), 1.0, xp.broadcast_to(flat, lead + (n, n))), -1)
    others = xp.reshape(others, lead + tuple(shape[d] for d in dims))
    return xp.transpose(others, tuple(np.argsort(perm)))


def _acc(x: Any) -> Any:
    """The accumulator dtype: integers and bools add and multiply up in int64 (as PyTorch), floats in their own."""
    return np.int64 if x.dtype.kind in "biu" else None


PROD = defop("prod", lambda x, dims, keepdim: np.prod(x, axis=dims, keepdims=keepdim, dtype=_acc(x)), "x",
             vjp=_prod_vjp,
             formulas=("product of the other elements",))


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, dtype: Any = None,
         *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("prod", dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = cast(input, dtypes.to_dtype(dtype).np)
    return apply(PROD if dim is None else _PROD_DIM, (input,),
                 {"dims": normalize_dims(dim, input.ndim, "prod"), "keepdim": keepdim})


# ----------------------------------------------------------------------------- max / min
def _check_nonempty(input: Tensor, dims: tuple | None, op: str) -> None:
    """PyTorch's errors for max/min/amax/amin of nothing: reducing all of an empty tensor (`dims` None) is a
    RuntimeError, reducing over a dim of size 0 an IndexError; other dims of an empty tensor reduce to empty."""
    if input.array.size:
        return
    if dims is None:
        raise RuntimeError(f"{op}: Expected reduction dim to be specified for input.numel() == 0; got shape "
                           f"{tuple(input.shape)}. Specify the reduction dim with the 'dim' argument")
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"{op}: Expected reduction dim {d} to have non-zero size (shape {tuple(input.shape)})")


def _evenly_vjp(xp: Any, g: Any, out: Any, x: Any, dims: tuple, keepdim: bool) -> tuple:
    hit = x == expand_back(xp, out, x.shape, dims, keepdim)
    count = xp.sum(hit, axis=dims, keepdims=True)
    return (expand_back(xp, g, x.shape, dims, keepdim) * hit / count,)


AMAX = defop("amax", lambda x, dims, keepdim: np.amax(x, axis=dims, keepdims=keepdim), "x", vjp=_evenly_vjp,
             formulas=("1/k at each of the k tied maxima, else 0",))
AMIN = defop("amin", lambda x, dims, keepdim: np.amin(x, axis=dims, keepdims=keepdim), "x", vjp=_evenly_vjp,
             formulas=("1/k at each of the k tied minima, else 0",))


def _selected_vjp(xp: Any, g: Any, out: Any, x: Any, dim: int, keepdim: bool, indices: np.ndarray) -> tuple:
    idx = np.expand_dims(indices, dim)  # `indices` never keeps the reduced dim
    positions = np.arange(x.shape[dim]).reshape([-1 if i == dim else 1 for i in range(len(x.shape))])
    mask = positions == idx
    return (expand_back(xp, g, x.shape, (dim,), keepdim) * mask,)


def _select_forward(x: Any, dim: int, keepdim: bool, indices: np.ndarray) -> Any:
    idx = np.expand_dims(indices, dim)
    vals = np.take_along_axis(x, idx, axis=dim)
    return vals if keepdim else np.squeeze(vals, axis=dim)


MAX_DIM = defop("max_dim", _select_forward, "x", vjp=_selected_vjp,
                formulas=("1 at the selected index, else 0",), backward_name="MaxBackward0")
MIN_DIM = defop("min_dim", _select_forward, "x", vjp=_selected_vjp,
                formulas=("1 at the selected index, else 0",), backward_name="MinBackward0")


# PyTorch's grad_fn names for the overloads (sum(dim) is SumBackward1, max() MaxBackward1, ...)
_SUM_DIM, _MEAN_DIM = variant(SUM, "SumBackward1"), variant(MEAN, "MeanBackward1")
_PROD_DIM = variant(PROD, "ProdBackward1")
_MAX_ALL, _MIN_ALL = variant(AMAX, "MaxBackward1"), variant(AMIN, "MinBackward1")
_MAX_0D, _MIN_0D = variant(AMAX, "MaxBackward0"), variant(AMIN, "MinBackward0")


def _max_min(input: Tensor, dim: Any, keepdim: bool, other: Any, is_max: bool) -> Any:
    from chainrule.ops.elementwise import maximum, minimum

    name = "max" if is_max else "min"
    if isinstance(dim, Tensor) or other is not None:
        return (maximum if is_max else minimum)(input, other if other is not None else dim)
    if dim is None:
        _check_nonempty(input, None, name)
        return apply(_MAX_ALL if is_max else _MIN_ALL, (input,),
                     {"dims": tuple(range(input.ndim)), "keepdim": False})
    d = wrap_dim(dim, input.ndim, name)  # a 0-d input takes dim 0 or -1, as PyTorch's
    if input.ndim == 0:  # the value as a new tensor, as PyTorch's (the input itself may be a view)
        values = apply(_MAX_0D if is_max else _MIN_0D, (input,), {"dims": (), "keepdim": False})
        return MaxResult(values, wrap(np.int64(0)))
    if input.shape[d] == 0:
        raise IndexError(f"{name}: cannot reduce over dimension {dim} of size 0 (shape {tuple(input.shape)})")
    indices = (np.argmax if is_max else np.argmin)(input.array, axis=d)
    values = apply(MAX_DIM if is_max else MIN_DIM, (input,), {"dim": d, "keepdim": keepdim, "indices": indices})
    return MaxResult(values, wrap(np.expand_dims(indices, d) if keepdim else indices))


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, other: Any = None,
        axis: Any = None, keepdims: bool | None = None) -> Any:  # noqa: A001
    """Over all elements (a tensor), over `dim` (values, indices), or elementwise with another tensor."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("max", dim, keepdim, axis, keepdims)
    return _max_min(input, dim, keepdim, other, True)


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, other: Any = None,
        axis: Any = None, keepdims: bool | None = None) -> Any:  # noqa: A001
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("min", dim, keepdim, axis, keepdims)
    return _max_min(input, dim, keepdim, other, False)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False,
         *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("amax", dim, keepdim, axis, keepdims, ())
    dims = normalize_dims(None if dim == () else dim, input.ndim, "amax")
    _check_nonempty(input, None if dim in ((), None) else dims, "amax")
    return apply(AMAX, (input,), {"dims": dims, "keepdim": keepdim})


def amin(input: Tensor, dim: Any = (), keepdim: bool = False,
         *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("amin", dim, keepdim, axis, keepdims, ())
    dims = normalize_dims(None if dim == () else dim, input.ndim, "amin")
    _check_nonempty(input, None if dim in ((), None) else dims, "amin")
    return apply(AMIN, (input,), {"dims": dims, "keepdim": keepdim})


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False,
           *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("argmax", dim, keepdim, axis, keepdims)
    return _arg(np.argmax, input, dim, keepdim, "argmax")


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False,
           *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("argmin", dim, keepdim, axis, keepdims)
    return _arg(np.argmin, input, dim, keepdim, "argmin")


def _arg(fn: Any, input: Tensor, dim: int | None, keepdim: bool, name: str) -> Tensor:
    if input.array.size == 0:
        raise IndexError(f"{name}: Expected reduction dim to be specified for input.numel() == 0")
    if dim is None:
        idx = np.int64(fn(input.array))
        return wrap(np.reshape(idx, (1,) * input.ndim) if keepdim else idx)
    d = wrap_dim(dim, input.ndim, name) if input.ndim else None
    return wrap(np.asarray(fn(input.array, axis=d, keepdims=keepdim), np.int64)[()])


# ----------------------------------------------------------------------------- var / std / norm / logsumexp
def _var_forward(x: Any, dims: tuple, keepdim: bool, correction: float) -> Any:
    return np.var(x, axis=dims, keepdims=keepdim, ddof=correction)


def _centered(xp: Any, x: Any, dims: tuple) -> Any:
    return x - xp.sum(x, axis=dims, keepdims=True) / _count(x.shape, dims)


def _dof(shape: tuple, dims: tuple, correction: float) -> float:
    """N - correction; NaN when not positive (the variance is then NaN or inf, and so is its gradient)."""
    n = _count(shape, dims) - correction
    return n if n > 0 else float("nan")


def _var_vjp(xp: Any, g: Any, out: Any, x: Any, dims: tuple, keepdim: bool, correction: float) -> tuple:
    scale = 2.0 / _dof(x.shape, dims, correction)
    return (expand_back(xp, g, x.shape, dims, keepdim) * _centered(xp, x, dims) * scale,)


def _std_vjp(xp: Any, g: Any, out: Any, x: Any, dims: tuple, keepdim: bool, correction: float) -> tuple:
    o = expand_back(xp, out, x.shape, dims, keepdim)
    safe = xp.where(o == 0, 1.0, o)  # std 0 (constant input): the gradient is 0, as PyTorch
    dof = _dof(x.shape, dims, correction)
    grad = expand_back(xp, g, x.shape, dims, keepdim) * _centered(xp, x, dims) / (safe * dof)
    return (xp.where(o == 0, 0.0, grad),)


VAR = defop("var", _var_forward, "x", vjp=_var_vjp, formulas=("2*(x - mean)/(N - correction)",))
STD = defop("std", lambda x, dims, keepdim, correction: np.std(x, axis=dims, keepdims=keepdim, ddof=correction),
            "x", vjp=_std_vjp, formulas=("(x - mean)/((N - correction)*std)",), saves="both")


def _correction(unbiased: bool | None, correction: float | None) -> float:
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def var(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Variance with Bessel's correction by default (correction=1), as in PyTorch."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("var", dim, keepdim, axis, keepdims)
    x = _float_input(input)
    return apply(VAR, (x,), {"dims": normalize_dims(dim, x.ndim, "var"), "keepdim": keepdim,
                             "correction": _correction(unbiased, correction)})


def std(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("std", dim, keepdim, axis, keepdims)
    x = _float_input(input)
    return apply(STD, (x,), {"dims": normalize_dims(dim, x.ndim, "std"), "keepdim": keepdim,
                             "correction": _correction(unbiased, correction)})


def _norm2_vjp(xp: Any, g: Any, out: Any, x: Any, dims: tuple, keepdim: bool) -> tuple:
    o = expand_back(xp, out, x.shape, dims, keepdim)
    safe = xp.where(o == 0, 1.0, o)  # the subgradient 0 at the origin, as PyTorch
    return (expand_back(xp, g, x.shape, dims, keepdim) * xp.where(o == 0, 0.0, x / safe),)


NORM2 = defop("norm", lambda x, dims, keepdim: np.sqrt(np.sum(x * x, axis=dims, keepdims=keepdim)), "x",
              vjp=_norm2_vjp, formulas=("x/||x||",), saves="both", backward_name="LinalgVectorNormBackward0")


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    x = _float_input(input)
    dims = normalize_dims(dim, x.ndim, "norm")
    if p in ("fro", 2, 2.0):
        return apply(NORM2, (x,), {"dims": dims, "keepdim": keepdim})
    from chainrule.ops.elementwise import abs as _abs

    if p in (float("inf"), "inf"):
        return amax(_abs(x), dims, keepdim)
    if p in (float("-inf"), "-inf"):
        return amin(_abs(x), dims, keepdim)
    if p in (1, 1.0):
        return sum(_abs(x), dims, keepdim)
    if isinstance(p, int | float) and p > 0:
        return p_norm(x, p, dims, keepdim)
    raise ValueError(f"norm: unsupported p={p!r}; use 'fro', a positive number, inf or -inf")


def p_norm(x: Tensor, p: float, dims: tuple, keepdim: bool) -> Tensor:
    """`(sum |x|^p)^(1/p)` over `dims` for a float `x` and a finite p > 0, composed so that the gradient is 0 at
    an element 0 (p < 1) and over a slice of zeros, as PyTorch's norm_backward: the plain powers give inf * 0
    = NaN there. (For p < 1, an element 0 in a slice whose norm is inf or NaN gets 0 too; PyTorch: NaN.)"""
    from chainrule.ops.elementwise import abs as _abs
    from chainrule.ops.elementwise import eq, where
    from chainrule.ops.elementwise import pow as _pow

    ax = _abs(x)
    if p >= 1:  # p |x|^(p-1) is 0 at 0
        powers = _pow(ax, p)
    else:
        zero = eq(ax, 0.0)
        powers = where(zero, 0.0, _pow(where(zero, 1.0, ax), p))
    total = sum(powers, dims, keepdim)
    empty = eq(total, 0.0)
    return where(empty, 0.0, _pow(where(empty, 1.0, total), 1.0 / p))


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of `input - other` (broadcast) over all elements, as `torch.dist`: `norm` of the difference;
    p=0 counts the differing elements (a gradient of 0)."""
    from chainrule.ops.elementwise import abs as _abs
    from chainrule.ops.elementwise import sign, sub

    d = sub(input, other)
    if isinstance(p, Tensor):
        p = p.item()
    if p == 0:  # sign's gradient is 0 (PyTorch leaves it undefined: .grad stays None)
        return sum(sign(_abs(_float_input(d))))
    if isinstance(p, int | float) and p < 0 and p != float("-inf"):
        raise NotImplementedError(f"dist: p={p}: negative p other than -inf is not supported")
    return norm(d, p)


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along `dim`: with sample points `x` (a tensor, 1-D or broadcastable to `y`), the sum
    of (y[i] + y[i+1]) / 2 * (x[i+1] - x[i]); else with a constant spacing `dx` (default 1). Built from slices,
    `diff`, `mul` and `sum`."""
    from chainrule.ops.elementwise import add, mul, sub
    from chainrule.ops.shape_ops import diff, narrow, reshape, select

    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments: both x and dx were given")
    d = wrap_dim(dim, y.ndim, "trapezoid")
    n = y.shape[d]
    if n == 0:
        return sum(_float_input(y), d)
    if x is None or not isinstance(x, Tensor):
        spacing = 1 if x is None and dx is None else (x if dx is None else dx)
        yf = _float_input(y)
        inner = sub(sum(yf, d), mul(add(select(yf, d, 0), select(yf, d, n - 1)), 0.5))
        return inner if spacing == 1 else mul(inner, spacing)
    if x.ndim == 1:
        if x.shape[0] != n:
            raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point (x has {x.shape[0]} "
                               f"values, y has {n} along dim {d})")
        x = reshape(x, tuple(n if i == d else 1 for i in range(y.ndim)))
    elif x.ndim < y.ndim:  # broadcast as PyTorch: aligned from the right
        x = reshape(x, (1,) * (y.ndim - x.ndim) + tuple(x.shape))
    widths = diff(x, dim=d)
    pairs = add(narrow(y, d, 0, n - 1), narrow(y, d, 1, n - 1))
    return mul(sum(_float_input(mul(widths, pairs)), d), 0.5)


trapz = trapezoid


def _logsumexp_forward(x: Any, dims: tuple, keepdim: bool) -> Any:
    m = np.amax(x, axis=dims, keepdims=True, initial=-np.inf)  # an empty dim gives -inf, as PyTorch
    m = np.where(np.isfinite(m), m, 0.0).astype(x.dtype)
    out = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dims)


LOGSUMEXP = defop(
    "logsumexp", _logsumexp_forward, "x",
    vjp=lambda xp, g, out, x, dims, keepdim: (
        expand_back(xp, g, x.shape, dims, keepdim) * xp.exp(x - expand_back(xp, out, x.shape, dims, keepdim)),),
    formulas=("softmax(x)",), saves="both",
)


def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False,
              *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("logsumexp", dim, keepdim, axis, keepdims)
    if dim is None:
        raise TypeError("logsumexp() missing 1 required positional argument: 'dim'")
    x = _float_input(input)
    return apply(LOGSUMEXP, (x,), {"dims": normalize_dims(dim, x.ndim, "logsumexp"), "keepdim": keepdim})


# ----------------------------------------------------------------------------- cumsum
def _cumsum_vjp(xp: Any, g: Any, out: Any, x: Any, dim: int) -> tuple:
    if not len(x.shape):
        return (g,)
    return (xp.flip(xp.cumsum(xp.flip(g, (dim,)), dim), (dim,)),)


def _cumsum_forward(x: Any, dim: int) -> Any:
    if x.ndim == 0:  # np.cumsum would flatten a 0-d input to shape (1,)
        return np.asarray(x, dtype=_acc(x) or x.dtype).copy()[()]
    return np.cumsum(x, axis=dim, dtype=_acc(x))


CUMSUM = defop("cumsum", _cumsum_forward, "x", vjp=_cumsum_vjp,
               formulas=("1 for every later position",), saves="nothing")


def cumsum(input: Tensor, dim: int) -> Tensor:
    return apply(CUMSUM, (input,), {"dim": wrap_dim(dim, input.ndim, "cumsum") if input.ndim else 0})


# ----------------------------------------------------------------------------- cumprod
def _reverse_cumsum(xp: Any, a: Any, dim: int) -> Any:
    return xp.flip(xp.cumsum(xp.flip(a, (dim,)), dim), (dim,))


def _cumprod_vjp(xp: Any, g: Any, out: Any, x: Any, dim: int) -> tuple:
    """d out_j / d x_k = prod_{i <= j, i != k} x_i for j >= k. Without zeros that is out_j / x_k (PyTorch's
    formula); with zeros, each element's products of the others are built from an n x n matrix per slice."""
    if not len(x.shape):
        return (g,)
    if np.all(xp.data(x) != 0):
        return (_reverse_cumsum(xp, g * out, dim) / x,)
    if not xp.is_tensor:
        return (_cumprod_zeros_grad(g, x, out, dim),)
    return (_cumprod_others_vjp(xp, g, x, dim),)


def _cumprod_zeros_grad(g: np.ndarray, x: np.ndarray, out: np.ndarray, dim: int) -> np.ndarray:
    """The zero-safe gradient on arrays in O(n) per slice (as PyTorch's cumprod_backward). With z the first zero
    of a slice: before z, out_j / x_k (out is 0 from z on, so the sum stops there); at z, the product up to z - 1
    times sum_{j >= z} g_j prod_{z < i <= j} x_i; after z, 0 (every product includes x_z)."""
    n = x.shape[dim]
    pos = np.arange(n).reshape([-1 if i == dim else 1 for i in range(x.ndim)])
    is_zero = x == 0
    z = np.where(is_zero.any(axis=dim, keepdims=True), np.argmax(is_zero, axis=dim, keepdims=True), n)
    safe = np.where(is_zero, 1, x)
    grad = np.where(pos < z, _reverse_cumsum(NUMPY, g * out, dim) / safe, 0).astype(x.dtype)
    after = np.cumprod(np.where(pos > z, x, 1), axis=dim)  # prod_{z < i <= j} x_i for j >= z
    tail = np.sum(np.where(pos >= z, g * after, 0), axis=dim, keepdims=True)
    before = np.take_along_axis(out, np.maximum(z - 1, 0), axis=dim)  # prod_{i < z} x_i (1 when z = 0)
    before = np.where(z > 0, before, 1)
    at = np.minimum(z, n - 1)  # slices without a zero keep their value there
    at_zero = np.where(z < n, before * tail, np.take_along_axis(grad, at, axis=dim))
    np.put_along_axis(grad, at, at_zero.astype(x.dtype), axis=dim)
    return grad


def _cumprod_others_vjp(xp: Any, g: Any, x: Any, dim: int) -> Any:
    """Zero-safe: A[k, i] = x_i (1 where i == k), C = cumprod(A) along i, grad_k = sum_{j >= k} g_j C[k, j].
    O(n^2) per slice; written with xp ops (and cumprod itself), so it is differentiable under create_graph."""
    last = len(x.shape) - 1
    xm = xp.swapaxes(x, dim, last) if dim != last else x
    gm = xp.swapaxes(g, dim, last) if dim != last else g
    n = xm.shape[-1]
    shape = tuple(xm.shape[:-1]) + (n, n)
    a = xp.where(np.eye(n, dtype=bool), 1.0, xp.broadcast_to(xp.expand_dims(xm, -2), shape))
    c = cumprod(a, -1) if xp.is_tensor else np.cumprod(a, axis=-1)
    later = np.triu(np.ones((n, n), dtype=np.asarray(xp.data(x)).dtype))  # [k, j] = 1 where j >= k
    grad = xp.sum(c * xp.expand_dims(gm, -2) * later, axis=-1)
    return xp.swapaxes(grad, dim, last) if dim != last else grad


def _cumprod_forward(x: Any, dim: int) -> Any:
    if x.ndim == 0:  # np.cumprod would flatten a 0-d input to shape (1,)
        return np.asarray(x, dtype=_acc(x) or x.dtype).copy()[()]
    return np.cumprod(x, axis=dim, dtype=_acc(x))


CUMPROD = defop("cumprod", _cumprod_forward, "x", vjp=_cumprod_vjp,
                formulas=("d out_j/d x_k = product of x_i for i <= j, i != k (j >= k), else 0",))


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative product along `dim`; integers and bools multiply up in int64, as PyTorch."""
    if dtype is not None:
        input = cast(input, dtypes.to_dtype(dtype).np)
    return apply(CUMPROD, (input,), {"dim": wrap_dim(dim, input.ndim, "cumprod") if input.ndim else 0})


# ----------------------------------------------------------------------------- any / all (no gradient)
def _truth_reduction(name: str, fn: Any) -> Any:
    """any/all as ops of the registry without a derivative: no node, but the op observers see them (`unrecorded`),
    so `cr.compile` computes them again on each call (like the comparisons)."""
    def forward(x: Any, dims: tuple | None, keepdim: bool) -> Any:
        data = np.asarray(x)
        truth = data if data.dtype.kind == "b" else data != 0  # NaN counts as true, as in PyTorch
        out = np.asarray(fn(truth, axis=dims, keepdims=keepdim))
        if data.dtype == np.uint8:  # PyTorch keeps uint8 for any/all of uint8 (older byte masks)
            out = out.astype(np.uint8)
        return out[()]

    return defop(name, forward, "x", derivs=((None, None),))


_ANY, _ALL = _truth_reduction("any", np.any), _truth_reduction("all", np.all)


def _any_all(input: Tensor, dim: Any, keepdim: bool, op: Any, name: str) -> Tensor:
    dims = None if dim is None else normalize_dims(dim, input.ndim, name)
    attrs = {"dims": dims, "keepdim": keepdim}
    return unrecorded(op, (input,), attrs, op.forward(input.array, **attrs))


def any(input: Tensor, dim: Any = None, keepdim: bool = False,
        *, axis: Any = None, keepdims: bool | None = None) -> Tensor:  # noqa: A001
    """Whether any element (over `dim`, an int or a tuple, or over all) is non-zero: a bool tensor."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("any", dim, keepdim, axis, keepdims)
    return _any_all(input, dim, keepdim, _ANY, "any")


def all(input: Tensor, dim: Any = None, keepdim: bool = False,
        *, axis: Any = None, keepdims: bool | None = None) -> Tensor:  # noqa: A001
    """Whether every element (over `dim`, an int or a tuple, or over all) is non-zero: a bool tensor."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_aliases("all", dim, keepdim, axis, keepdims)
    return _any_all(input, dim, keepdim, _ALL, "all")


# ----------------------------------------------------------------------------- median / kthvalue / mode / counts
def _median_all_forward(x: Any, dims: tuple, keepdim: bool) -> Any:
    flat = np.asarray(x).reshape(-1)
    if flat.size == 0:
        return np.asarray(np.nan, dtype=flat.dtype if flat.dtype.kind == "f" else np.float64)[()]
    if flat.dtype.kind == "f" and np.isnan(flat).any():
        return flat.dtype.type(np.nan)
    return np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2]


MEDIAN_ALL = defop("median", _median_all_forward, "x", vjp=_evenly_vjp,
                   formulas=("1/k at each of the k elements equal to the median, else 0",))
_MEDIAN_DIM = variant(MAX_DIM, "MedianBackward1")
_KTHVALUE = variant(MAX_DIM, "KthvalueBackward0")
_MODE = variant(MAX_DIM, "ModeBackward0")


def _kth_indices(data: np.ndarray, d: int, k: int) -> np.ndarray:
    """The index, along `d`, of the k-th smallest (0-based) element of each slice: by a stable sort, so among
    ties the first occurrence in sorted order; a slice with NaN gives its first NaN (NaN propagates)."""
    order = np.argsort(data, axis=d, kind="stable")
    idx = np.take(order, k, axis=d)
    if data.dtype.kind == "f":
        nans = np.isnan(data)
        has = nans.any(axis=d)
        if has.any():
            idx = np.where(has, np.argmax(nans, axis=d), idx)
    return idx.astype(np.int64)


def _selection(input: Tensor, dim: int, keepdim: bool, name: str, op: Any, pick: Any) -> MaxResult:
    if input.ndim == 0:  # as a 1-element 1-d tensor; the results are 0-d
        from chainrule.ops.shape_ops import reshape

        wrap_dim(dim, 0, name)
        zero = np.zeros((), np.int64)
        return MaxResult(apply(op, (reshape(input, (1,)),), {"dim": 0, "keepdim": False, "indices": zero}),
                         wrap(np.int64(0)))
    d = wrap_dim(dim, input.ndim, name)
    if input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    indices = pick(np.asarray(input.array), d)
    values = apply(op, (input,), {"dim": d, "keepdim": keepdim, "indices": indices})
    return MaxResult(values, wrap(np.expand_dims(indices, d) if keepdim else indices))


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """Without `dim`: the lower median of all elements (of an even count, the smaller of the two middle values,
    as PyTorch; NaN if there is one), its gradient shared evenly among the elements equal to it. With `dim`:
    (values, indices) along `dim`, the gradient to the returned index."""
    if dim is None:
        return apply(MEDIAN_ALL, (input,), {"dims": tuple(range(input.ndim)), "keepdim": False})
    return _selection(input, dim, keepdim, "median", _MEDIAN_DIM,
                      lambda data, d: _kth_indices(data, d, (data.shape[d] - 1) // 2))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> MaxResult:
    """The k-th smallest element (k counts from 1) along `dim`, and its index."""
    n = input.shape[wrap_dim(dim, input.ndim, "kthvalue")] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim} (k={k}, size {n})")
    return _selection(input, dim, keepdim, "kthvalue", _KTHVALUE, lambda data, d: _kth_indices(data, d, k - 1))


def _mode_indices(data: np.ndarray, d: int) -> np.ndarray:
    moved = np.moveaxis(data, d, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    out = np.empty(flat.shape[0], np.int64)
    for r, row in enumerate(flat):
        values, counts = np.unique(row, return_counts=True)
        value = values[np.argmax(counts)]  # the most frequent; among equally frequent ones the smallest
        out[r] = np.flatnonzero(row == value)[-1]  # its last occurrence, as PyTorch's CPU kernel
    return out.reshape(moved.shape[:-1])


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> MaxResult:
    """The most frequent value along `dim` (the smallest of equally frequent ones) and the index of its last
    occurrence, as PyTorch's CPU kernel; the gradient goes to that index."""
    return _selection(input, dim, keepdim, "mode", _MODE, _mode_indices)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """The number of nonzero elements (over `dim`, an int or a tuple, or all), as int64. No gradient."""
    dims = None if dim is None else normalize_dims(dim, input.ndim, "count_nonzero")
    return wrap(np.asarray(np.count_nonzero(input.array, axis=dims), dtype=np.int64)[()])


# ----------------------------------------------------------------------------- NaN-ignoring and paired reductions
def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """`sum` treating NaN as 0 (its gradient there is 0)."""
    from chainrule.ops.elementwise import isnan, where

    x = where(isnan(input), 0.0, input) if input.array.dtype.kind == "f" else input
    return sum(x, dim, keepdim, dtype)


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """`mean` over the elements that are not NaN (NaN where all of a slice are)."""
    from chainrule.ops.elementwise import div, isnan

    if input.array.dtype.kind != "f":
        raise RuntimeError(f"nanmean: nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input.dtype}")
    count = sum(wrap(~isnan(input).array), dim, keepdim)
    return div(nansum(input, dim, keepdim, dtype=dtype), cast(count, input.array.dtype))


AminmaxResult = namedtuple("AminmaxResult", ["min", "max"])


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> AminmaxResult:
    """(`amin`, `amax`) in one call, over `dim` or all elements."""
    if dim is None:
        return AminmaxResult(amin(input, (), keepdim), amax(input, (), keepdim))
    return AminmaxResult(amin(input, dim, keepdim), amax(input, dim, keepdim))


def var_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """(`var`, `mean`) over the same dimensions (Bessel's correction by default)."""
    return (var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def std_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """(`std`, `mean`) over the same dimensions (Bessel's correction by default)."""
    return (std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


# ----------------------------------------------------------------------------- cummax / cummin / logcumsumexp
CummaxResult = namedtuple("CummaxResult", ["values", "indices"])


def _cum_indices(data: np.ndarray, d: int, larger: bool) -> np.ndarray:
    """Per position, the index of the running maximum (minimum) so far: a later equal value takes over, and a
    NaN takes over and stays (as PyTorch's kernel)."""
    moved = np.moveaxis(data, d, 0)
    idx = np.zeros(moved.shape, np.int64)
    if moved.shape[0] == 0:
        return np.moveaxis(idx, 0, d)
    best = moved[0].copy()
    current = np.zeros(moved.shape[1:], np.int64)
    for i in range(1, moved.shape[0]):
        x = moved[i]
        with np.errstate(invalid="ignore"):
            better = (x >= best) if larger else (x <= best)
        if data.dtype.kind == "f":
            better = (better & ~np.isnan(best)) | np.isnan(x)
        current = np.where(better, i, current)
        best = np.where(better, x, best)
        idx[i] = current
    return np.moveaxis(idx, 0, d)


def _cum_extreme(input: Tensor, dim: int, larger: bool, name: str) -> CummaxResult:
    from chainrule.ops.indexing import gather

    d = wrap_dim(dim, input.ndim, name)
    if input.ndim == 0:
        return CummaxResult(gather(input, 0, wrap(np.zeros((), np.int64))), wrap(np.int64(0)))
    indices = _cum_indices(np.asarray(input.array), d, larger)
    return CummaxResult(gather(input, d, wrap(indices)), wrap(indices))


def cummax(input: Tensor, dim: int) -> CummaxResult:
    """The running maximum along `dim` and where it was found; the gradient goes back to those positions."""
    return _cum_extreme(input, dim, True, "cummax")


def cummin(input: Tensor, dim: int) -> CummaxResult:
    """The running minimum along `dim` and where it was found; the gradient goes back to those positions."""
    return _cum_extreme(input, dim, False, "cummin")


def _logcumsumexp_forward(x: Any, dim: int) -> Any:
    a = np.asarray(x)
    return np.array(a)[()] if a.ndim == 0 else np.logaddexp.accumulate(a, axis=dim)


def _logcumsumexp_vjp(xp: Any, g: Any, out: Any, x: Any, dim: int) -> tuple:
    # PyTorch's logcumsumexp_backward: grad_j = sum over i >= j of g_i exp(x_j - out_i), the positive and the
    # negative g summed apart in log space (a reversed logcumsumexp), so that nothing overflows or underflows
    if np.ndim(xp.data(x)) == 0:
        return (g,)
    if xp.is_tensor:
        from chainrule.ops.shape_ops import flip

        def reverse(v: Any) -> Any:
            return flip(logcumsumexp(flip(v, dim), dim), dim)
    else:
        def reverse(v: Any) -> Any:
            return np.flip(np.logaddexp.accumulate(np.flip(v, dim), axis=dim), dim)
    lowest = float(np.finfo(np.asarray(xp.data(x)).dtype).min)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_abs = xp.log(xp.abs(g))
        positive = xp.where(g > 0, log_abs, lowest)
        negative = xp.where(g < 0, log_abs, lowest)
        return (xp.exp(reverse(positive - out) + x) - xp.exp(reverse(negative - out) + x),)


LOGCUMSUMEXP = defop("logcumsumexp", _logcumsumexp_forward, "x", vjp=_logcumsumexp_vjp, saves="both",
                     formulas=("sum over i >= j of g_i exp(x_j - out_i), in log space",))


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """`log(cumsum(exp(input), dim))`, computed stably (NumPy's logaddexp, accumulated), with PyTorch's
    gradient."""
    if input.array.dtype.kind != "f":
        raise NotImplementedError(f"logcumsumexp: \"logcumsumexp_out_cpu\" not implemented for '{input.dtype}'")
    return apply(LOGCUMSUMEXP, (input,), {"dim": wrap_dim(dim, input.ndim, "logcumsumexp")})
