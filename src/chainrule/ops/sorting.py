"""Sorting and selection: `sort` and `topk`, each returning (values, indices) as PyTorch's named results.

The values are picked from the input by the returned indices (an indexing op under PyTorch's grad_fn
names, SortBackward0 and TopkBackward0), so the gradient scatters back to the selected positions.

Ties: `sort` is always stable (equal values keep their input order, also with `descending=True`): PyTorch's
`stable=True`. PyTorch's CPU sort without `stable=True` is stable for slices of up to 16 elements and leaves
the order of ties unspecified beyond that (the values agree either way). `topk` takes its elements in the
same order, so among tied values the first occurrences win; PyTorch's choice among ties in `topk` depends on
its selection algorithm and is not specified. NaN sorts as the largest value, as in PyTorch.
"""

from __future__ import annotations

import operator
from collections import namedtuple
from typing import Any, Literal

import numpy as np

from chainrule.engine.size import wrap_dim
from chainrule.engine.tensor import Tensor, wrap
from chainrule.ops.indexing import GETITEM, getitem
from chainrule.ops.registry import variant

SortResult = namedtuple("SortResult", ["values", "indices"])
TopkResult = namedtuple("TopkResult", ["values", "indices"])

_SORT, _TOPK = variant(GETITEM, "SortBackward0"), variant(GETITEM, "TopkBackward0")


def _argsort(data: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Stable argsort along `dim`; descending keeps tied values in input order too, and puts NaN first."""
    if not descending:
        return np.argsort(data, axis=dim, kind="stable")
    n = data.shape[dim]
    flipped = np.argsort(np.flip(data, dim), axis=dim, kind="stable")  # ties: later input positions first
    return n - 1 - np.flip(flipped, dim)  # reversed: the largest first, ties in input order


def _pick(input: Tensor, dim: int, indices: np.ndarray, op: Any) -> Tensor:
    grids = list(np.meshgrid(*(np.arange(n) for n in indices.shape), indexing="ij", sparse=True))
    grids[dim] = indices
    return getitem(input, tuple(grids), op)


def _as_1d(input: Tensor, dim: int, name: str) -> tuple[Tensor, int, bool]:
    """A 0-d input is handled as shape (1,) (dim must be 0 or -1), and its results reshaped back."""
    if input.ndim == 0:
        wrap_dim(dim, 0, name)
        from chainrule.ops.shape_ops import reshape

        return reshape(input, (1,)), 0, True
    return input, wrap_dim(dim, input.ndim, name), False


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> SortResult:
    """Sorted values along `dim` and the indices they came from (int64). Always stable, whatever `stable` says
    (see the module doc)."""
    x, d, scalar = _as_1d(input, dim, "sort")
    indices = _argsort(np.asarray(x.array), d, descending)
    values = _pick(x, d, indices, _SORT)
    return _result(SortResult, values, indices, scalar)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopkResult:  # noqa: A002
    """The `k` largest (or smallest) values along `dim` and their indices, largest (smallest) first. With
    `sorted=False` they come sorted all the same (PyTorch leaves that order unspecified)."""
    x, d, scalar = _as_1d(input, dim, "topk")
    n = x.shape[d]
    if isinstance(k, Tensor):  # a one-element integer tensor, as PyTorch
        k = operator.index(k)
    if not isinstance(k, int | np.integer) or isinstance(k, bool):
        raise TypeError(f"topk: k must be an int, got {type(k).__name__}")
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range: k={k} but dimension {d} has size {n} "
                           f"(shape {tuple(input.shape)})")
    order = _argsort(np.asarray(x.array), d, largest)
    indices = np.take(order, np.arange(int(k)), axis=d)
    values = _pick(x, d, indices, _TOPK)
    return _result(TopkResult, values, indices, scalar)


def _result(kind: Any, values: Tensor, indices: np.ndarray, scalar: bool) -> Any:
    # no copy: the values' backward keeps `indices`, and the engine refuses them once written in place (as PyTorch)
    indices = indices.astype(np.int64, copy=False)
    if scalar and indices.size == 1:
        from chainrule.ops.shape_ops import reshape

        return kind(reshape(values, ()), wrap(indices.reshape(())[()]))
    return kind(values, wrap(indices))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort `input` along `dim` (stable, as `sort`)."""
    return sort(input, dim, descending, stable=stable).indices


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002 - PyTorch's name
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct elements, ascending (also with `sorted=False`, as PyTorch's CPU kernel; each NaN counts as
    distinct), or with `dim` the distinct slices along it; with `return_inverse` the index of each input
    element (slice) in the result, with `return_counts` how often each occurs. No gradient (PyTorch's unique
    is not differentiable either)."""
    data = np.asarray(input.array)
    if dim is None:
        values, inverse, counts = np.unique(data.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(data.shape)
    else:
        if input.ndim == 0:
            raise IndexError(f"unique: Dimension specified as {dim} but tensor has no dimensions")
        d = wrap_dim(dim, input.ndim, "unique")
        values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=d)
        inverse = inverse.reshape(-1)
    out: list = [wrap(np.ascontiguousarray(values))]
    if return_inverse:
        out.append(wrap(inverse.astype(np.int64)[()]))
    if return_counts:
        out.append(wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """For each value of `input`, the index where it would be inserted into the (last dimension of the)
    ascending `sorted_sequence` to keep it sorted: before equal values, or after them with `right=True` /
    `side="right"`. A sequence of several dimensions holds one sorted row per row of `input`. No gradient."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"searchsorted: side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("searchsorted: side and right can't be set to opposites, got side of left while "
                               "right was True")
        right = side == "right"
    seq = np.asarray(sorted_sequence.array)
    if sorter is not None:
        seq = np.take_along_axis(seq, np.asarray(sorter.array), axis=-1)
    scalar = not isinstance(input, Tensor)
    values = np.asarray(input.array if isinstance(input, Tensor) else input)
    how: Literal["left", "right"] = "right" if right else "left"
    if seq.ndim <= 1:
        out = np.searchsorted(seq, values, side=how)
    else:
        if seq.shape[:-1] != values.shape[:-1]:
            raise RuntimeError(f"searchsorted: boundaries tensor should be 1 dimension or the first N-1 dimensions "
                               f"of boundaries tensor and input value tensor must match, but we got boundaries "
                               f"tensor {list(seq.shape)} and input value tensor {list(values.shape)}")
        rows_s, rows_v = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
        out = np.stack([np.searchsorted(s, v, side=how) for s, v in zip(rows_s, rows_v, strict=True)])
        out = out.reshape(values.shape)
    out = np.asarray(out, np.int32 if out_int32 else np.int64)
    return wrap(out[()] if scalar or out.ndim == 0 else out)


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value of `input` between the 1-d ascending `boundaries` (`searchsorted` with the
    arguments the other way round). No gradient."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


_QUANTILE_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The `q`-th quantiles (q in [0, 1], a number or a 1-d tensor) of all elements or along `dim`, between
    the two nearest sorted values as `interpolation` says (PyTorch's modes). A tensor `q` puts its dimension
    first. Built from `sort`, indexing and `lerp`, so the gradient goes to the (two) sorted elements used; a
    slice with NaN gives NaN."""
    from chainrule.ops.elementwise import lerp
    from chainrule.ops.indexing import gather
    from chainrule.ops.shape_ops import movedim, reshape, squeeze

    if interpolation not in _QUANTILE_MODES:
        raise RuntimeError(f"quantile: quantile() interpolation must be one of linear, lower, higher, midpoint or "
                           f"nearest, but got {interpolation}")
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"quantile() input tensor must be either float or double dtype, got {input.dtype}")
    if input.array.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    scalar_q = not isinstance(q, Tensor)
    qs = np.atleast_1d(np.asarray(q.array if isinstance(q, Tensor) else q, dtype=np.float64))
    if isinstance(q, Tensor) and q.ndim > 1:
        raise RuntimeError(f"quantile() q must be a scalar or 1D tensor, got a {q.ndim}-D tensor")
    if qs.size and (qs.min() < 0 or qs.max() > 1 or np.isnan(qs).any()):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if dim is None:
        x, d = reshape(input, (-1,)), 0
    else:
        x, d = (reshape(input, (1,)), 0) if input.ndim == 0 else (input, wrap_dim(dim, input.ndim, "quantile"))
    n = x.shape[d]
    ordered = sort(x, d).values
    pos = qs * (n - 1)
    if interpolation == "nearest":
        pos = np.round(pos)  # halves to even, as PyTorch's round
    # per output position (the q dimension in place of `d`): the sorted positions below and above; a slice with
    # NaN (sorted last) takes its last element for every q, so its quantiles are NaN and their gradient goes
    # there, as PyTorch's
    shape = [1] * x.ndim
    shape[d] = len(qs)
    out_shape = list(x.shape)
    out_shape[d] = len(qs)
    lo = np.broadcast_to(np.floor(pos).astype(np.int64).reshape(shape), out_shape).copy()
    hi = np.broadcast_to(np.ceil(pos).astype(np.int64).reshape(shape), out_shape).copy()
    nan_slices = np.broadcast_to(np.isnan(np.asarray(x.array)).any(axis=d, keepdims=True), out_shape)
    lo[nan_slices] = hi[nan_slices] = n - 1
    below = gather(ordered, d, wrap(lo))
    if interpolation == "lower" or interpolation == "nearest":
        out = below
    elif interpolation == "higher":
        out = gather(ordered, d, wrap(hi))
    else:
        weights = np.full(qs.shape, 0.5) if interpolation == "midpoint" else pos - np.floor(pos)
        w = wrap(weights.astype(x.array.dtype).reshape(shape))
        out = lerp(below, gather(ordered, d, wrap(hi)), w)
    out = movedim(out, d, 0)  # the q dimension first
    if keepdim:
        kept = [1] * input.ndim if dim is None else list(input.shape)
        if dim is not None and input.ndim:
            kept[d] = 1
        out = reshape(out, (len(qs), *kept))
    elif dim is not None or input.ndim:
        rest = [s for i, s in enumerate(x.shape) if i != d] if dim is not None else []
        out = reshape(out, (len(qs), *rest))
    return squeeze(out, 0) if scalar_q else out


# ----------------------------------------------------------------------------- bincount / histc (not differentiable)
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0..max(input) occurs in a 1-D tensor of non-negative integers (int64), or the sum of
    `weights` at those positions (of the weights' dtype, float64 for integer weights); at least `minlength`
    bins. Not differentiable (as PyTorch's)."""
    x = input.array
    if x.dtype.kind not in "iub":
        raise NotImplementedError(f"bincount: \"bincount_cpu\" not implemented for '{input.dtype}' (the input "
                                  f"must be integral)")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount: bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("bincount: minlength should be >= 0")
    if weights is None:
        return wrap(np.bincount(x, minlength=minlength).astype(np.int64))
    w = weights.array
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input (input: "
                           f"{tuple(x.shape)}, weights: {tuple(w.shape)})")
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    return wrap(np.bincount(x, weights=w, minlength=minlength).astype(dtype))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """A histogram of `bins` equal-width bins between `min` and `max` (both 0: the data's own range), of the
    input's float dtype; elements outside the range and NaN are not counted, `max` falls in the last bin. Not
    differentiable (as PyTorch's)."""
    x = input.array
    if x.dtype.kind != "f":
        raise NotImplementedError(f"histc: \"histogram_cpu\" not implemented for '{input.dtype}'")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("histc: max must be larger than min")
    flat = np.ravel(x)
    if lo == hi and flat.size:  # the data's range (NaN in the data makes it NaN: an error below, as PyTorch)
        lo, hi = float(flat.min()), float(flat.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"histc: range of [{lo}, {hi}] is not finite")
    inside = flat[(flat >= lo) & (flat <= hi)]
    pos = ((inside - x.dtype.type(lo)) * bins / x.dtype.type(hi - lo)).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    return wrap(np.bincount(pos, minlength=bins).astype(x.dtype))
