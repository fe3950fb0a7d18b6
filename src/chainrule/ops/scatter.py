"""Scatter and index writes: `scatter` (a src tensor or a scalar value, and the `reduce=` of `scatter_`),
`scatter_add`, `scatter_reduce` ('sum', 'prod', 'mean', 'amax', 'amin', include_self), `index_add` (alpha),
`index_copy`, `index_fill`; their in-place forms are these ops written back by `ops.inplace.assign`.

Each op knows the positions it writes as a NumPy index (`pos`, a tuple of broadcastable integer arrays), so the
VJPs are indexing: the gradient to a written-over input is the upstream gradient with zeros where it was
overwritten, the gradient to a source gathers the upstream gradient at the positions each element went to
(repeated positions accumulate: duplicates of scatter_add and index_add each get the whole gradient of their
target). VJPs are written against `xp`, so they are differentiable (`create_graph=True`).

Beyond PyTorch: PyTorch computes the gradient to `src` only when `src` has the shape of `index` (its backward
fails otherwise); here the gradient to a larger `src` is the gathered gradient padded with zeros, which is the
derivative (the elements beyond the index's shape are not read).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.size import wrap_dim
from chainrule.engine.tensor import Tensor, wrap
from chainrule.ops.registry import apply, defop, variant


# ----------------------------------------------------------------------------- checks and positions
def _index_data(index: Any, op: str) -> np.ndarray:
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index, got {_dtype_name(idx.dtype)}")
    # no copy of an int64 index: backward keeps this array, and the engine refuses it once written in place (as
    # PyTorch: "modified by an inplace operation")
    return idx.astype(np.int64, copy=False)


def _dtype_name(dt: np.dtype) -> str:
    return {"f": "floating point", "b": "bool", "c": "complex"}.get(dt.kind, str(dt)) + f" ({dt})"


def _check_range(idx: np.ndarray, n: int, dim: int, op: str, error: type = RuntimeError) -> None:
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise error(f"{op}(): index {bad} is out of bounds for dimension {dim} with size {n}")


def _check_same_dtype(input: Tensor, src: Tensor, op: str) -> None:
    if src.array.dtype != input.array.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (self is {input.dtype}, src is "
                           f"{src.dtype})")


def _positions(idx: np.ndarray, d: int) -> tuple:
    """Where scatter along `d` writes: index[i][j] replaces the coordinate `d` of (i, j)."""
    grids = list(np.meshgrid(*(np.arange(n) for n in idx.shape), indexing="ij", sparse=True))
    grids[d] = idx
    return tuple(grids)


def _flat_positions(idx: np.ndarray, d: int) -> tuple:
    """Where index_add/index_copy/index_fill along `d` write: whole slices at the positions of a 1-D index."""
    return (slice(None),) * d + (idx,)


def _head(shape: tuple) -> tuple:
    return tuple(slice(0, n) for n in shape)


def _written_mask(shape: tuple, pos: tuple) -> np.ndarray:
    keep = np.ones(shape, dtype=bool)
    keep[pos] = False
    return keep


def _pad_to(xp: Any, gi: Any, shape: tuple) -> Any:
    """`gi` (the index's shape) as the gradient of a source of `shape`: zeros beyond the index's shape."""
    shape = tuple(shape)
    if tuple(gi.shape) == shape:
        return gi
    return xp.index_add(shape, _head(tuple(gi.shape)), gi, True)


def _scalar_or_1d(input: Tensor) -> tuple[Tensor, bool]:
    """A 0-d tensor is scattered into as shape (1,) (PyTorch treats it so); the result is reshaped back."""
    if input.ndim == 0:
        from chainrule.ops.shape_ops import reshape

        return reshape(input, (1,)), True
    return input, False


def _back(out: Tensor, scalar: bool) -> Tensor:
    if not scalar:
        return out
    from chainrule.ops.shape_ops import reshape

    return reshape(out, ())


def _reshape1(t: Tensor) -> Tensor:
    from chainrule.ops.shape_ops import reshape

    return reshape(t, (1,)) if t.ndim == 0 else t


# ----------------------------------------------------------------------------- scatter
def _scatter_forward(x: Any, src: Any, pos: tuple, head: tuple) -> Any:
    out = np.array(x, copy=True)
    out[pos] = src[head] if isinstance(src, np.ndarray) else src
    return out


def _scatter_vjp(xp: Any, g: Any, out: Any, x: Any, src: Any, pos: tuple, head: tuple, needs: tuple) -> tuple:
    gx = g * _written_mask(tuple(x.shape), pos) if needs[0] else None
    gs = _pad_to(xp, xp.getitem(g, pos), src.shape) if needs[1] else None
    return gx, gs


SCATTER = defop("scatter", _scatter_forward, "x src", vjp=_scatter_vjp, saves="nothing",
                formulas=("1 where not written, else 0", "1 from each element to the position it is written to"))
_SCATTER_VALUE = variant(SCATTER, "ScatterBackward1")


def _scatter_reduce_forward(x: Any, src: Any, pos: tuple, head: tuple, reduce: str) -> Any:
    out = np.array(x, copy=True)
    if isinstance(src, np.ndarray):
        values = src[head]
    else:
        values = np.broadcast_to(np.asarray(src, x.dtype), np.broadcast_shapes(*(p.shape for p in pos)))
    (np.add if reduce == "add" else np.multiply).at(out, pos, values)
    return out


def _not_implemented(xp: Any, g: Any, out: Any, *args: Any, **kwargs: Any) -> tuple:
    raise RuntimeError("derivative for scatter with reduce= is not implemented (as in PyTorch): use "
                       "scatter_add or scatter_reduce, which have gradients")


def _refuse(xp: Any, g: Any, out: Any, x: Any, *, message: str) -> tuple:
    raise RuntimeError(message)


# A first-order gradient whose own derivative PyTorch does not compute: a node with PyTorch's grad_fn name
# `Error` that passes the value through and refuses to be differentiated (the error names the reason).
_REFUSED = defop("refused_derivative", lambda x, message: x, "x", vjp=_refuse, formulas=("refused",),
                 saves="nothing", backward_name="Error")


_SCATTER_REDUCE_ARG = defop("scatter_with_reduce", _scatter_reduce_forward, "x src", vjp=_not_implemented,
                            formulas=("not implemented", "not implemented"), saves="nothing",
                            backward_name="NotImplemented")


def _scatter_setup(input: Tensor, dim: int, index: Any, src: Any, op: str) -> tuple:
    x, scalar = _scatter_or_1d_args(input)
    idx = _index_data(index, op)
    if idx.ndim == 0 and x.ndim == 1:
        idx = idx.reshape(1)
    d = wrap_dim(dim, x.ndim, op)
    if idx.ndim != x.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as self tensor (index has "
                           f"shape {tuple(idx.shape)}, self {tuple(input.shape)})")
    if isinstance(src, Tensor):
        src = _reshape1(src) if scalar or (src.ndim == 0 and x.ndim == 1) else src
        if src.ndim != x.ndim:
            raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as src tensor (index "
                               f"has shape {tuple(idx.shape)}, src {tuple(src.shape)})")
        _check_same_dtype(input, src, op)
    too_big = any(n > m for k, (n, m) in enumerate(zip(idx.shape, x.shape)) if k != d)
    if isinstance(src, Tensor):
        too_big = too_big or any(n > m for n, m in zip(idx.shape, src.shape))
    if too_big:
        extra = f" and to be no larger size than src {list(src.shape)}" if isinstance(src, Tensor) else ""
        raise RuntimeError(f"{op}(): Expected index {list(idx.shape)} to be no larger than self {list(x.shape)} apart "
                           f"from dimension {d}{extra}")
    _check_range(idx, x.shape[d], d, op)
    return x, scalar, idx, d, src


def _scatter_or_1d_args(input: Tensor) -> tuple[Tensor, bool]:
    if not isinstance(input, Tensor):
        raise TypeError(f"expected a Tensor as input, got {type(input).__name__}")
    return _scalar_or_1d(input)


def _value(value: Any, input: Tensor, op: str) -> Any:
    if isinstance(value, Tensor):
        raise TypeError(f"{op}(): expected a number as value, got a Tensor")
    if not isinstance(value, int | float | bool | np.number):
        raise TypeError(f"{op}(): argument 'value' must be Number, not {type(value).__name__}")
    return np.asarray(value).astype(input.array.dtype)[()]


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """Out of place `scatter_`: a copy of `input` with `src[i][j]` (or the scalar `value`) written at
    `out[index[i][j]][j]` for dim=0 (and so on). Repeated positions: one of the writes wins (PyTorch leaves which
    unspecified; here the last). `reduce='add'|'multiply'` combines instead of writing (no gradient, as in
    PyTorch)."""
    if src is None and value is None:
        raise TypeError("scatter(): missing the src tensor or the value")
    if src is not None and value is not None:
        raise TypeError("scatter(): give either src or value, not both")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce!r}")
    tensor_src = isinstance(src, Tensor)
    if src is None:  # value=: a number (PyTorch also reads a 0-d tensor without grad as one; any other refused)
        src = value.item() if isinstance(value, Tensor) and value.ndim == 0 and not value.requires_grad else value
    number = src
    x, scalar, idx, d, src = _scatter_setup(input, dim, index, src if tensor_src else None, "scatter")
    if not tensor_src:
        src = _value(number, input, "scatter")
    pos = _positions(idx, d)
    head = _head(idx.shape)
    if reduce is not None:
        out = apply(_SCATTER_REDUCE_ARG, (x, src), {"pos": pos, "head": head, "reduce": reduce})
    else:
        out = apply(SCATTER if tensor_src else _SCATTER_VALUE, (x, src), {"pos": pos, "head": head})
    return _back(out, scalar)


# ----------------------------------------------------------------------------- scatter_add
def _scatter_add_forward(x: Any, src: Any, pos: tuple, head: tuple) -> Any:
    out = np.array(x, copy=True)
    np.add.at(out, pos, src[head])
    return out


def _scatter_add_vjp(xp: Any, g: Any, out: Any, x: Any, src: Any, pos: tuple, head: tuple, needs: tuple) -> tuple:
    return (g if needs[0] else None), (_pad_to(xp, xp.getitem(g, pos), src.shape) if needs[1] else None)


SCATTER_ADD = defop("scatter_add", _scatter_add_forward, "x src", vjp=_scatter_add_vjp, saves="nothing",
                    formulas=("1", "1 from each element to the position it is added to"))


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of `input` with each `src[i][j]` added at `out[index[i][j]][j]` for dim=0 (and so on); repeated
    positions accumulate."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    x, scalar, idx, d, src = _scatter_setup(input, dim, index, src, "scatter_add")
    out = apply(SCATTER_ADD, (x, src), {"pos": _positions(idx, d), "head": _head(idx.shape)})
    return _back(out, scalar)


# ----------------------------------------------------------------------------- scatter_reduce
_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _identity(reduce: str, dtype: np.dtype) -> Any:
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:  # bool
        return reduce == "amin"
    return info.min if reduce == "amax" else info.max


def _np_scatter_reduce(x: np.ndarray, src: np.ndarray, pos: tuple, head: tuple, reduce: str,
                       include_self: bool) -> np.ndarray:
    out = np.array(x, copy=True)
    values = src[head]
    if not include_self:
        out[pos] = _identity(reduce, out.dtype)
    ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
    ufunc.at(out, pos, values)
    if reduce == "mean":
        count = _counts(out.shape, pos, include_self, values.shape)
        out = (out // count if out.dtype.kind in "iu" else out / count).astype(out.dtype, copy=False)  # keep int32
    return out


def _counts(shape: tuple, pos: tuple, include_self: bool, values_shape: tuple) -> np.ndarray:
    """How many values each position of the result averages (at least 1: untouched positions keep self)."""
    count = np.full(shape, 1 if include_self else 0, dtype=np.int64)
    np.add.at(count, pos, np.ones(values_shape, np.int64))
    return np.maximum(count, 1)


def _scatter_reduce_vjp(xp: Any, g: Any, out: Any, x: Any, src: Any, pos: tuple, head: tuple, reduce: str,
                        include_self: bool, needs: tuple) -> tuple:
    """PyTorch's scatter_reduce_backward: sum and mean spread the gradient; prod divides the product by each
    factor (computing the products of the others where factors are 0); amax/amin share it evenly among the
    values equal to the result."""
    shape = tuple(x.shape)
    xd, sd = xp.data(x), xp.data(src)
    dtype = xd.dtype
    keep = _written_mask(shape, pos)  # positions no value was scattered to
    values_shape = np.broadcast_shapes(*(p.shape for p in pos))
    gx = gs = None
    if reduce == "sum":
        gx = g if include_self else g * keep
        gs = xp.getitem(g, pos)
    elif reduce == "mean":
        n = _counts(shape, pos, include_self, values_shape).astype(dtype)
        gn = g / n
        gx = gn if include_self else gn * keep
        gs = xp.getitem(gn, pos)
    elif reduce == "prod":
        result = out  # saved by the forward (saves="both"), as PyTorch's formula uses the result
        self_zero = xd == 0
        masked_self = xp.where(self_zero, np.ones((), dtype), x) if xp.is_tensor else np.where(self_zero, 1, x)
        masked_self_result = _reduce_with(xp, masked_self, src, pos, head, reduce, include_self)
        gx = g * masked_self_result / masked_self
        if not include_self:
            gx = gx * keep
        src_part = sd[head]
        src_zero = src_part == 0
        zeros = np.zeros(shape, np.int64)
        np.add.at(zeros, pos, src_zero.astype(np.int64))
        num_zeros = zeros[pos]
        single_zero = src_zero & (num_zeros == 1)
        srch = xp.getitem(src, head) if xp.is_tensor else src_part
        one = np.ones((), dtype)
        masked_src = xp.where(single_zero, one, srch) if xp.is_tensor else np.where(single_zero, 1, srch)
        masked_src_result = _reduce_with(xp, x, _padded_like(xp, masked_src, src), pos, head, reduce, include_self)
        by_zero = xp.getitem(g * masked_src_result, pos)
        divided = xp.getitem(g * result, pos) / (xp.where(src_zero, one, srch) if xp.is_tensor
                                                 else np.where(src_zero, 1, srch))
        gs = xp.where(single_zero, by_zero, divided) if xp.is_tensor else np.where(single_zero, by_zero, divided)
        gs = gs * (num_zeros <= 1)
        if xp.is_tensor and needs[1] and (num_zeros > 1).any():
            # the gradient of the others' product at two zeros is not 0 beyond first order: PyTorch refuses it
            gs = apply(_REFUSED, (gs,), {"message": "scatter_reduce(): Double backward is unsupported for src "
                                                    "when >1 zeros in src are scattered to the same position in "
                                                    "self"})
    else:  # amax, amin: the gradient is shared evenly among the values equal to the result
        od = xp.data(out) if out is not None else _np_scatter_reduce(xd, sd, pos, head, reduce, include_self)
        value = od[pos]
        self_is = (xd == od) & (keep | include_self)
        src_is = sd[head] == value
        share = self_is.astype(dtype)
        np.add.at(share, pos, src_is.astype(dtype))
        share = np.maximum(share, 1)
        gd = g / share
        gx = gd * self_is
        gs = xp.getitem(gd, pos) * src_is
    if gx is not None and not needs[0]:
        gx = None
    if needs[1]:
        gs = _pad_to(xp, gs, tuple(src.shape))
    else:
        gs = None
    return gx, gs


def _padded_like(xp: Any, part: Any, src: Any) -> Any:
    """`part` (src's head) as a whole src again: the elements beyond the index's shape are never read."""
    if tuple(part.shape) == tuple(src.shape):
        return part
    return _pad_to(xp, part, tuple(src.shape))


def _reduce_with(xp: Any, x: Any, src: Any, pos: tuple, head: tuple, reduce: str, include_self: bool) -> Any:
    if xp.is_tensor:
        return _tensor_scatter_reduce(x, src, pos, head, reduce, include_self)
    return _np_scatter_reduce(x, src, pos, head, reduce, include_self)


def _tensor_scatter_reduce(x: Any, src: Any, pos: tuple, head: tuple, reduce: str, include_self: bool) -> Tensor:
    x = x if isinstance(x, Tensor) else wrap(x)
    src = src if isinstance(src, Tensor) else wrap(src)
    return apply(SCATTER_REDUCE, (x, src), {"pos": pos, "head": head, "reduce": reduce,
                                            "include_self": include_self})


SCATTER_REDUCE = defop(
    "scatter_reduce", _np_scatter_reduce, "x src", vjp=_scatter_reduce_vjp, saves="both",
    formulas=("sum: 1 (0 where written and not include_self); mean: 1/count; prod: the product of the others; "
              "amax/amin: 1/(number of ties) where equal to the result",
              "the same, gathered from each element's target"))


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """A copy of `input` where each position reduces ('sum', 'prod', 'mean', 'amax', 'amin') the `src` values
    scattered to it, together with its own value unless `include_self=False`."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be one of {', '.join(_REDUCTIONS)}, got "
                           f"{reduce!r}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}")
    x, scalar, idx, d, src = _scatter_setup(input, dim, index, src, "scatter_reduce")
    out = apply(SCATTER_REDUCE, (x, src), {"pos": _positions(idx, d), "head": _head(idx.shape), "reduce": reduce,
                                           "include_self": bool(include_self)})
    return _back(out, scalar)


# ----------------------------------------------------------------------------- index_add, index_copy, index_fill
def _index_setup(input: Tensor, dim: int, index: Any, source: Any, op: str, negative_ok: bool = False) -> tuple:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): expected a Tensor as input, got {type(input).__name__}")
    x, scalar = _scalar_or_1d(input)
    idx = _index_data(index, op)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, but got dim: {idx.ndim} with size "
                         f"{list(idx.shape)}")
    idx = idx.reshape(-1)
    d = wrap_dim(dim, x.ndim, op)
    n = x.shape[d]
    if negative_ok and idx.size and idx.min() >= -n:
        idx = np.where(idx < 0, idx + n, idx)
    _check_range(idx, n, d, op, IndexError if op in ("index_copy", "index_fill") else RuntimeError)
    if source is not None:
        if not isinstance(source, Tensor):
            raise TypeError(f"{op}(): argument 'source' must be Tensor, not {type(source).__name__}")
        if scalar or (source.ndim == 0 and x.ndim == 1):
            source = _reshape1(source)
        if source.array.dtype != input.array.dtype:
            raise RuntimeError(f"{op}(): self ({input.dtype}) and source ({source.dtype}) must have the same "
                               f"scalar type")
        if source.ndim > d and source.shape[d] != idx.size:  # checked first, as PyTorch (broadcasting is refused)
            raise RuntimeError(f"{op}(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                               f"({source.shape[d]}), for dim: {d}")
        if source.ndim != x.ndim or any(a != b for k, (a, b) in enumerate(zip(source.shape, x.shape)) if k != d):
            raise RuntimeError(f"{op}(): source tensor shape must match self tensor shape, excluding the specified "
                               f"dimension {d}. Got self.shape = {list(input.shape)} source.shape = "
                               f"{list(source.shape)}")
        if source.shape[d] != idx.size:
            raise RuntimeError(f"{op}(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                               f"({source.shape[d]}), for dim: {d}")
    return x, scalar, idx, d, source


def _index_add_forward(x: Any, src: Any, pos: tuple, alpha: Any) -> Any:
    out = np.array(x, copy=True)
    np.add.at(out, pos, src if alpha == 1 else src * np.asarray(alpha).astype(out.dtype)[()])
    return out


def _index_add_vjp(xp: Any, g: Any, out: Any, x: Any, src: Any, pos: tuple, alpha: Any, needs: tuple) -> tuple:
    gs = None
    if needs[1]:
        gs = xp.getitem(g, pos)
        if alpha != 1:
            gs = gs * alpha
    return (g if needs[0] else None), gs


INDEX_ADD = defop("index_add", _index_add_forward, "x source", vjp=_index_add_vjp, saves="nothing",
                  formulas=("1", "alpha at each slice it is added to (index_select)"))


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """A copy of `input` with `alpha * source[i]` added to the slice `index[i]` along `dim`; repeated indices
    accumulate."""
    x, scalar, idx, d, source = _index_setup(input, dim, index, source, "index_add")
    if isinstance(alpha, float) and input.array.dtype.kind != "f":
        alpha = bool(alpha) if input.array.dtype.kind == "b" else int(alpha)  # as PyTorch 2.13 (1.5 -> 1)
    out = apply(INDEX_ADD, (x, source), {"pos": _flat_positions(idx, d), "alpha": alpha})
    return _back(out, scalar)


def _index_copy_forward(x: Any, src: Any, pos: tuple) -> Any:
    out = np.array(x, copy=True)
    out[pos] = src
    return out


def _index_copy_vjp(xp: Any, g: Any, out: Any, x: Any, src: Any, pos: tuple, needs: tuple) -> tuple:
    gx = g * _written_mask(tuple(x.shape), pos) if needs[0] else None
    return gx, (xp.getitem(g, pos) if needs[1] else None)


INDEX_COPY = defop("index_copy", _index_copy_forward, "x source", vjp=_index_copy_vjp, saves="nothing",
                   formulas=("1 outside the copied slices, else 0", "1 (index_select)"))


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of `input` with the slices `index[i]` along `dim` replaced by `source[i]` (repeated indices: one
    write wins; PyTorch leaves which unspecified, here the last)."""
    x, scalar, idx, d, source = _index_setup(input, dim, index, source, "index_copy")
    out = apply(INDEX_COPY, (x, source), {"pos": _flat_positions(idx, d)})
    return _back(out, scalar)


def _index_fill_forward(x: Any, value: Any, pos: tuple) -> Any:
    out = np.array(x, copy=True)
    out[pos] = value
    return out


def _index_fill_vjp(xp: Any, g: Any, out: Any, x: Any, value: Any, pos: tuple, needs: tuple) -> tuple:
    keep = _written_mask(tuple(x.shape), pos)
    gx = g * keep if needs[0] else None
    gv = xp.sum(g * ~keep) if needs[1] else None
    return gx, gv


INDEX_FILL = defop("index_fill", _index_fill_forward, "x value", vjp=_index_fill_vjp, saves="nothing",
                   formulas=("1 outside the filled slices, else 0",
                                                 "1 from each filled element (summed)"))
_INDEX_FILL_TENSOR = variant(INDEX_FILL, "IndexFillBackward1")


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of `input` with the slices `index[i]` along `dim` filled with `value` (a number or a 0-d tensor,
    which gets the gradient of every filled element). Negative indices count from the end."""
    x, scalar, idx, d, _ = _index_setup(input, dim, index, None, "index_fill", negative_ok=True)
    pos = _flat_positions(idx, d)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"index_fill_(): only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        if value.array.dtype != input.array.dtype:
            from chainrule.ops.elementwise import cast

            value = cast(value, input.array.dtype)
        out = apply(_INDEX_FILL_TENSOR, (x, value), {"pos": pos})
    else:
        out = apply(INDEX_FILL, (x, _value(value, input, "index_fill")), {"pos": pos})
    return _back(out, scalar)
