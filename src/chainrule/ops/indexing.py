"""Indexing: `x[...]` with ints, slices, None, Ellipsis, boolean masks and integer arrays; `gather`,
`index_select`, `masked_fill`. The gradient scatters back, and repeated indices accumulate."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.size import wrap_dim
from chainrule.engine.tensor import Tensor, tensor_from_data
from chainrule.ops.registry import apply, defop, variant
from chainrule.ops.shape_ops import reshape
from chainrule.ops.views import register


class IndexFromTensor(int):
    """An integer index that was a 0-d integer tensor (`x[i]`, `x[:, i]`): PyTorch takes it as an integer (the
    result is a view), and so does NumPy. It keeps the tensor's value object (`value`, the `array` of `i` when it
    was used), so that `cr.compile` can read the index again on each replay instead of baking in the traced one."""

    value: Any


def _index_from_tensor(value: Any) -> IndexFromTensor:
    index = IndexFromTensor(int(value))
    index.value = value
    return index


def normalize_index(index: Any) -> tuple[Any, bool]:
    """A NumPy-ready index and whether it is basic (no arrays: a view, never repeated positions)."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    basic = True
    for p in parts:
        if isinstance(p, Tensor):
            p = p.array
            if p.dtype.kind == "f":
                raise IndexError("index: tensors used as indices must be long, int, byte or bool tensors, "
                                 "got a floating-point tensor")
            if p.ndim == 0 and p.dtype.kind in "iu":
                p = _index_from_tensor(p)
        elif isinstance(p, list):
            p = np.asarray(p)
            if p.dtype.kind == "f":
                raise IndexError("index: lists used as indices must contain ints or bools")
        elif isinstance(p, float):
            raise IndexError(f"index: only integers, slices, None, Ellipsis, and integer or boolean "
                             f"tensors are valid indices (got float {p})")
        if isinstance(p, np.ndarray):
            basic = False
        out.append(p)
    return tuple(out), basic


def _getitem_forward(x: Any, index: Any, basic: bool) -> Any:
    try:
        return x[index] if type(x) is np.ndarray else np.asarray(x)[index]
    except IndexError as exc:
        raise IndexError(f"index: {exc} (indexing a tensor of shape {tuple(np.shape(x))})") from None


GETITEM = defop(
    "index", _getitem_forward, "x",
    vjp=lambda xp, g, out, x, index, basic: (xp.index_add(x.shape, index, g, basic),),
    formulas=("1 at each selected position (summed over repeats), else 0",), saves="nothing",
)


def _index_add_forward(g: Any, shape: tuple, index: Any, basic: bool) -> Any:
    z = np.zeros(shape, dtype=np.asarray(g).dtype)
    if basic:
        z[index] = g
    else:
        np.add.at(z, index, g)
    return z


INDEX_ADD = defop(
    "index_add_zeros", _index_add_forward, "g",
    vjp=lambda xp, gg, out, g, shape, index, basic: (xp.getitem(gg, index),),
    formulas=("1 at each scattered position",), saves="nothing", backward_name="IndexPutBackward0",
)


def _split_ints(idx: tuple) -> tuple[tuple, tuple] | None:
    """PyTorch applies the integers of an index that also holds arrays first, as selections, then the arrays;
    NumPy counts those integers as arrays, which moves the result's dimensions when the arrays are not
    adjacent (`x[0, :, [1, 2]]`). Split such an index into (the integers, a basic index; the rest)."""
    if not any(type(p) is int or type(p) is IndexFromTensor or isinstance(p, np.integer) for p in idx):
        return None
    select: list = []
    rest: list = []
    for p in idx:
        if type(p) is int or type(p) is IndexFromTensor or isinstance(p, np.integer):
            select.append(p)
        else:
            rest.append(p)
            if isinstance(p, np.ndarray):  # a mask covers as many dimensions as it has
                select.extend([slice(None)] * (p.ndim if p.dtype.kind == "b" else 1))
            elif p is Ellipsis or isinstance(p, slice):
                select.append(p if p is Ellipsis else slice(None))
    return tuple(select), tuple(rest)


def getitem(input: Tensor, index: Any, _op: Any = None) -> Tensor:
    idx, basic = normalize_index(index)
    if not basic:
        split = _split_ints(idx)
        if split is not None:
            return getitem(getitem(input, split[0]), split[1], _op)
    op = _op or (_basic_op(idx) if basic else GETITEM)
    if basic:
        data = input.array
        if type(data) is not np.ndarray:  # a 0-d value kept as a NumPy scalar: give it memory a view can share
            data = input._shared_array()
        if len(idx) == data.ndim and _all_ints(idx):
            # Down to one element: `a[1]` would be a copied NumPy scalar, `a[1, ...]` is a 0-d view of `a`
            idx += (Ellipsis,)
    out = apply(op, (input,), {"index": idx, "basic": basic})
    if basic and type(out.array) is np.ndarray:  # a view of the input (see ops/views.py)
        register(out, input, lambda b: getitem(b, index, _op), lambda b, v: index_put(b, index, v, _COPY_SLICES))
    return out


def _all_ints(idx: tuple) -> bool:
    """Whether every part of a basic index picks one position (bools are not positions: they index like masks)."""
    for p in idx:  # noqa: SIM110 - a loop is several times faster than all() over a generator on 1-3 parts
        if type(p) is not int and type(p) is not IndexFromTensor and not isinstance(p, np.integer):
            return False
    return True


# PyTorch's grad_fn names: basic indexing is a chain of views named after the last one that does something
_SELECT, _SLICE = variant(GETITEM, "SelectBackward0"), variant(GETITEM, "SliceBackward0")
_UNSQUEEZE, _ALIAS = variant(GETITEM, "UnsqueezeBackward0"), variant(GETITEM, "AliasBackward0")
_INDEX_SELECT, _GATHER = variant(GETITEM, "IndexSelectBackward0"), variant(GETITEM, "GatherBackward0")
SPLIT, UNBIND = variant(GETITEM, "SplitBackward0"), variant(GETITEM, "UnbindBackward0")


def _basic_op(idx: tuple) -> Any:
    if len(idx) == 1 and isinstance(idx[0], slice):
        return _SLICE
    for p in reversed(idx):
        if p is None:
            return _UNSQUEEZE
        if isinstance(p, slice):
            if p != slice(None):
                return _SLICE
        elif p is not Ellipsis:
            return _SELECT
    return _ALIAS


def index_add_zeros(g: Tensor, shape: tuple, index: Any, basic: bool) -> Tensor:
    return apply(INDEX_ADD, (g,), {"shape": tuple(shape), "index": index, "basic": basic})


# ----------------------------------------------------------------------------- writes (out of place)
def _index_put_forward(x: Any, v: Any, index: Any, basic: bool) -> Any:
    out = np.array(x, copy=True)
    try:
        out[index] = v
    except ValueError:
        raise RuntimeError(f"index_put: shape mismatch: value tensor of shape {tuple(np.shape(v))} cannot be "
                           f"broadcast to indexing result of shape {tuple(out[index].shape)}") from None
    return out


def _index_put_vjp(xp: Any, g: Any, out: Any, x: Any, v: Any, index: Any, basic: bool) -> tuple:
    mask = np.ones(x.shape, dtype=bool)
    mask[index] = False
    gv = xp.getitem(g, index)
    shape_v = v.shape if hasattr(v, "shape") else ()
    return (g * mask, xp.sum_to(gv, shape_v) if gv.shape != shape_v else gv)


INDEX_PUT = defop("index_put", _index_put_forward, "x value", vjp=_index_put_vjp,
                  formulas=("1 where not overwritten, else 0", "1 at each written position"), saves="nothing")
_COPY_SLICES = variant(INDEX_PUT, "CopySlices")  # `x[i] = v` and writes through views, as PyTorch names them


def index_put(input: Tensor, index: Any, value: Any, _op: Any = None) -> Tensor:
    idx, basic = normalize_index(index)
    if not basic:
        split = _split_ints(idx)
        if split is not None:  # as getitem: write the arrays' part into the integers' selection, then that back
            select, rest = split
            return index_put(input, select, index_put(getitem(input, select), rest, value), _op)
    if not isinstance(value, Tensor):
        value = tensor_from_data(value, input.dtype)
    elif value.array.dtype != input.array.dtype:
        from chainrule.ops.elementwise import cast

        value = cast(value, input.array.dtype)
    return apply(_op or INDEX_PUT, (input, value), {"index": idx, "basic": basic})


def masked_fill(input: Tensor, mask: Tensor, value: float) -> Tensor:
    from chainrule.ops.elementwise import MASKED_FILL, where

    m = mask if isinstance(mask, Tensor) else Tensor(mask)
    if m.array.dtype.kind != "b":
        raise RuntimeError(f"masked_fill: expected a bool mask, got {m.dtype}")
    if isinstance(value, Tensor):
        fill: Any = value
    elif input.array.dtype.kind == "f" and isinstance(value, int | float) and not isinstance(value, bool):
        fill = float(value)  # a Python number: NumPy takes it in the input's dtype (and cr.compile as a literal)
    else:
        # (not Tensor(...): a NumPy integer there is a shape, so an integer tensor was filled with garbage)
        fill = tensor_from_data(np.asarray(value, dtype=input.array.dtype))
    return where(m, fill, input, _op=MASKED_FILL)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    d = wrap_dim(dim, input.ndim, "index_select")
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim > 1:
        raise IndexError("index_select: index must be a 1-D tensor")
    if input.ndim == 0:  # as PyTorch: a 0-d input is indexed as one element, and gives a 0-d result
        if np.size(idx) != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {np.size(idx)} value(s)")
        _check_bounds(idx, 1, 0, "index_select")
        # a 0-d index array: advanced indexing, a copy as in PyTorch (a NumPy integer would give a view)
        return getitem(reshape(input, (1,)), (np.asarray(idx).reshape(()),), _INDEX_SELECT)
    _check_bounds(idx, input.shape[d], d, "index_select")
    # the index array itself when it is 1-d (cr.compile then reads it again on each replay), else a 1-d view
    return getitem(input, (slice(None),) * d + (idx if idx.ndim == 1 else np.asarray(idx).reshape(-1),),
                   _INDEX_SELECT)


def _check_bounds(idx: np.ndarray, n: int, dim: int, op: str) -> None:
    """gather/index_select take indices in [0, n): negative ones are errors, as in PyTorch (no wrapping)."""
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with size {n}")


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """out[i][j] = input[index[i][j]][j] for dim=0 (and so on), as `torch.gather`."""
    d = wrap_dim(dim, input.ndim, "gather")
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    if (input.ndim == 0 and idx.ndim <= 1) or (idx.ndim == 0 and input.ndim == 1):
        # as PyTorch: a 0-d input or index counts as 1-d; the result has the index's shape
        flat = reshape(input, (1,)) if input.ndim == 0 else input
        if idx.ndim == 1:
            return gather(flat, 0, idx)
        _check_bounds(idx, flat.shape[0], 0, "gather")
        return getitem(flat, (np.asarray(idx).reshape(()),), _GATHER)  # a copy, as index_select's above
    if idx.ndim != input.ndim:
        raise RuntimeError(f"gather: index tensor must have the same number of dimensions as input "
                           f"({idx.ndim} vs {input.ndim})")
    _check_bounds(idx, input.shape[d], d, "gather")
    grids = list(np.meshgrid(*(np.arange(n) for n in idx.shape), indexing="ij"))
    grids[d] = idx
    return getitem(input, tuple(grids), _GATHER)


def take_along_dim(input: Tensor, indices: Tensor, dim: int) -> Tensor:
    ndim = np.ndim(indices.array if isinstance(indices, Tensor) else indices)
    if ndim != input.ndim:  # stricter than gather, as in PyTorch: a 0-d input is not taken as 1-d here
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {input.ndim} dimensions for input, and {ndim} dimensions for indices")
    return gather(input, dim, indices)


def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of `input` read as 1-D (row-major) at `index` (negative indices count from the end); the
    result has the index's shape. Indexing, so the gradient scatters back (repeated indices accumulate)."""
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        name = index.dtype if isinstance(index, Tensor) else idx.dtype
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {name}")
    n = int(np.prod(input.shape))
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < -n else int(idx.max())
        raise IndexError(f"take: out of range: tried to access index {bad} on a tensor of {n} elements.")
    return getitem(reshape(input, (-1,)), (np.where(idx < 0, idx + n, idx),), _TAKE)


# ----------------------------------------------------------------------------- nonzero / argwhere / masked_select
_MASKED_SELECT = variant(GETITEM, "MaskedSelectBackward0")
_TAKE = variant(GETITEM, "TakeBackward0")


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the nonzero (True) elements, in row-major order: an int64 tensor of shape (count, ndim),
    or with `as_tuple=True` one 1-d int64 tensor per dimension (what `x[...]` takes; a 0-d input counts as
    1-d there, as in PyTorch). No gradient: indices are integers."""
    data = np.asarray(input.array if isinstance(input, Tensor) else input)
    if as_tuple:
        return tuple(tensor_from_data(np.asarray(i, dtype=np.int64)) for i in np.nonzero(np.atleast_1d(data)))
    return tensor_from_data(np.argwhere(data).astype(np.int64))


def argwhere(input: Tensor) -> Tensor:
    """`nonzero(input)`: the indices of the nonzero elements, one row each."""
    return nonzero(input)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of `input` where the bool `mask` is True, as a 1-d tensor (the two broadcast together);
    the gradient goes back to the selected positions."""
    from chainrule.ops.shape_ops import broadcast_tensors

    m = mask if isinstance(mask, Tensor) else tensor_from_data(mask)
    if m.array.dtype.kind != "b":
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {m.dtype}")
    try:
        shape = np.broadcast_shapes(input.array.shape, m.array.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: the shapes of input {tuple(input.shape)} and mask {tuple(m.shape)} are "
                           f"not broadcastable") from None
    x = input if input.array.shape == shape else broadcast_tensors(input, m)[0]
    return getitem(x, (np.broadcast_to(m.array, shape),), _MASKED_SELECT)
