"""Shape and layout ops: `reshape`/`view`, `transpose`, `permute`, `squeeze`, `expand`, `repeat`, `flip`, ...

Every one of them moves gradients back without arithmetic: the VJP is the inverse rearrangement
(or a sum over the broadcast/repeated copies).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.engine.size import wrap_dim
from chainrule.engine.tensor import Tensor, tensor_from_data, wrap
from chainrule.ops.registry import ONE, apply, defop, variant
from chainrule.ops.views import register


def _sizes(size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], list | tuple):
        return tuple(size[0])
    return tuple(size)


def _reshape_forward(x: Any, shape: tuple[int, ...]) -> Any:
    try:
        return np.reshape(x, shape)
    except ValueError:
        raise RuntimeError(f"reshape: shape {list(shape)} is invalid for input of size {np.size(x)} "
                           f"(shape {tuple(np.shape(x))})") from None


RESHAPE = defop("reshape", _reshape_forward, "x",
                vjp=lambda xp, g, out, x, shape: (xp.reshape(g, x.shape),),
                formulas=("1 (the same elements, reshaped back)",), saves="nothing",
                backward_name="ViewBackward0")


def reshape(input: Tensor, *shape: Any) -> Tensor:
    shape = _sizes(shape)
    for s in shape:
        if s < -1:  # NumPy infers any negative size; PyTorch only -1
            raise RuntimeError(f"reshape: invalid shape dimension {s}")
    return _reshaped(input, shape, RESHAPE)


def _reshaped(input: Tensor, shape: tuple, op: Any) -> Tensor:
    if type(input.array) is not np.ndarray:  # a 0-d value kept as a NumPy scalar: memory the view can share
        input._shared_array()
    if tuple(shape) == input.shape:
        out = apply(op, (input,), {"shape": tuple(shape)}) if input.requires_grad else input
    else:
        out = apply(op, (input,), {"shape": tuple(int(s) for s in shape)})
    return register(out, input, lambda b: _reshaped(b, shape, op), lambda b, v: reshape(v, b.shape))


# PyTorch's grad_fn names for the reshapes that have names of their own
_UNSQUEEZE = variant(RESHAPE, "UnsqueezeBackward0")
_SQUEEZE = (variant(RESHAPE, "SqueezeBackward0"), variant(RESHAPE, "SqueezeBackward1"),
            variant(RESHAPE, "SqueezeBackward2"))


view = reshape


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, other.shape)


reshape_as = view_as


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if input.ndim == 0:
        return reshape(input, (1,))
    s = wrap_dim(start_dim, input.ndim, "flatten")
    e = wrap_dim(end_dim, input.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape
    return reshape(input, shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    d = wrap_dim(dim, input.ndim, "unflatten")
    return reshape(input, input.shape[:d] + tuple(sizes) + input.shape[d + 1:])


def _inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(np.argsort(perm))


PERMUTE = defop("permute", lambda x, dims: np.transpose(x, dims), "x",
                vjp=lambda xp, g, out, x, dims: (xp.transpose(g, _inverse(dims)),),
                formulas=("1 (the same elements, permuted back)",), saves="nothing")


def permute(input: Tensor, *dims: Any) -> Tensor:
    dims = _sizes(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute: number of dims don't match: input has {input.ndim} dims, "
                           f"permutation {list(dims)} has {len(dims)}")
    wrapped = tuple(wrap_dim(d, input.ndim, "permute") for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"permute: repeated dim in {list(dims)}")
    return _permuted(input, wrapped)


def _permuted(input: Tensor, dims: tuple[int, ...], op: Any = PERMUTE) -> Tensor:
    if type(input.array) is not np.ndarray:
        input._shared_array()
    out = apply(op, (input,), {"dims": dims})
    return register(out, input, lambda b: _permuted(b, dims, op), lambda b, v: _permuted(v, _inverse(dims)))


_TRANSPOSE, _T = variant(PERMUTE, "TransposeBackward0"), variant(PERMUTE, "TBackward0")


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    if input.ndim == 0:
        wrap_dim(dim0, 0, "transpose")
        wrap_dim(dim1, 0, "transpose")
        return input
    d0, d1 = wrap_dim(dim0, input.ndim, "transpose"), wrap_dim(dim1, input.ndim, "transpose")
    perm = list(range(input.ndim))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _permuted(input, tuple(perm), _TRANSPOSE)


swapaxes = transpose


def t(input: Tensor) -> Tensor:
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return _permuted(input, (1, 0), _T) if input.ndim == 2 else input


def T(input: Tensor) -> Tensor:  # noqa: N802 - the `.T` property
    return permute(input, tuple(reversed(range(input.ndim)))) if input.ndim >= 2 else input


def mT(input: Tensor) -> Tensor:  # noqa: N802
    if input.ndim < 2:
        raise RuntimeError("mT: tensor must have at least 2 dimensions")
    return transpose(input, -2, -1)


def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """The dimensions `source` moved to the positions `destination` (ints or equally long sequences), the others
    kept in their order; a `permute`."""
    if isinstance(source, int | np.integer) and isinstance(destination, int | np.integer):
        perm = list(range(input.ndim))
        s = wrap_dim(int(source), input.ndim, "movedim")
        d = wrap_dim(int(destination), input.ndim, "movedim")
        perm.insert(d, perm.pop(s))
        return permute(input, perm)
    if isinstance(source, int | np.integer) or isinstance(destination, int | np.integer):  # as PyTorch
        raise TypeError(f"movedim() received an invalid combination of arguments - got (Tensor, "
                        f"{type(source).__name__}, {type(destination).__name__}): source and destination must "
                        f"both be ints or both be sequences of ints")
    src, dst = list(source), list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    src = [wrap_dim(int(d), input.ndim, "movedim") for d in src]
    dst = [wrap_dim(int(d), input.ndim, "movedim") for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    order: list[int | None] = [None] * input.ndim
    for s_, d_ in zip(src, dst):
        order[d_] = s_
    rest = iter(i for i in range(input.ndim) if i not in src)
    return permute(input, tuple(next(rest) if o is None else o for o in order))


moveaxis = movedim


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        wrapped = {wrap_dim(d, input.ndim, "squeeze") for d in dims} if input.ndim else set()
        shape = tuple(s for i, s in enumerate(input.shape) if not (i in wrapped and s == 1))
    return _reshaped(input, shape, _SQUEEZE[0 if dim is None else 1 if isinstance(dim, int) else 2])


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    d = wrap_dim(dim, input.ndim + 1, "unsqueeze")
    return _reshaped(input, input.shape[:d] + (1,) + input.shape[d:], _UNSQUEEZE)


def _expand_forward(x: Any, shape: tuple[int, ...]) -> Any:
    return np.broadcast_to(x, shape)


EXPAND = defop("expand", _expand_forward, "x",
               vjp=lambda xp, g, out, x, shape: (xp.sum_to(g, x.shape),),
               formulas=("1, summed over every broadcast copy",), saves="nothing")


def expand(input: Tensor, *sizes: Any) -> Tensor:
    sizes = _sizes(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal "
                           f"to the number of dimensions in the tensor ({input.ndim})")
    lead = len(sizes) - input.ndim
    shape = []
    for i, s in enumerate(sizes):
        if s == -1:
            if i < lead:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension ({i})")
            s = input.shape[i - lead]
        elif i >= lead and input.shape[i - lead] not in (1, s):
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({s}) must match the existing size "
                f"({input.shape[i - lead]}) at non-singleton dimension {i}. Target sizes: {list(sizes)}. "
                f"Tensor sizes: {list(input.shape)}")
        shape.append(int(s))
    return apply(EXPAND, (input,), {"shape": tuple(shape)})


def broadcast_to(input: Tensor, shape: Sequence[int]) -> Tensor:
    return expand(input, tuple(shape))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other.shape)


def broadcast_tensors(*tensors: Tensor) -> list[Tensor]:
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return [expand(t, shape) for t in tensors]


def _repeat_vjp(xp: Any, g: Any, out: Any, x: Any, repeats: tuple[int, ...]) -> tuple:
    lead = len(repeats) - len(x.shape)
    src = (1,) * lead + tuple(x.shape)
    split = []
    for r, s in zip(repeats, src):
        split += [r, s]
    summed = xp.sum(xp.reshape(g, tuple(split)), axis=tuple(range(0, 2 * len(src), 2)))
    return (xp.reshape(summed, x.shape),)


REPEAT = defop("repeat", lambda x, repeats: np.tile(x, repeats), "x", vjp=_repeat_vjp,
               formulas=("1, summed over every repeated copy",), saves="nothing")


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    sizes = _sizes(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller than number of "
                           f"dimensions of tensor ({input.ndim})")
    return apply(REPEAT, (input,), {"repeats": tuple(int(s) for s in sizes)})


FLIP = defop("flip", lambda x, dims: np.flip(x, dims), "x",
             vjp=lambda xp, g, out, x, dims: (xp.flip(g, dims),), formulas=("1 (flipped back)",),
             saves="nothing")


def flip(input: Tensor, dims: Any) -> Tensor:
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return apply(FLIP, (input,), {"dims": tuple(wrap_dim(d, input.ndim, "flip") for d in dims)})


def flipud(input: Tensor) -> Tensor:
    """`input` upside down: flipped along dimension 0 (at least 1-D)."""
    if input.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return flip(input, (0,))


def fliplr(input: Tensor) -> Tensor:
    """`input` flipped left to right: along dimension 1 (at least 2-D)."""
    if input.ndim < 2:
        raise RuntimeError("fliplr: Input must be >= 2-d.")
    return flip(input, (1,))


CLONE = defop("clone", lambda x: np.array(x, copy=True)[()], "x", derivs=(("1", ONE),), saves="nothing")


def clone(input: Tensor) -> Tensor:
    return apply(CLONE, (input,))


def contiguous(input: Tensor) -> Tensor:
    """`input` itself when its memory is laid out row-major (C order), else a row-major copy (as PyTorch's,
    CloneBackward0)."""
    return input if is_contiguous(input) else apply(_CONTIGUOUS, (input,))


# a copy in row-major order (`clone` keeps a view's layout, as PyTorch's preserve_format)
_CONTIGUOUS = defop("contiguous", lambda x: np.ascontiguousarray(x), "x", derivs=(("1", ONE),), saves="nothing",
                    backward_name="CloneBackward0")


def is_contiguous(input: Tensor, memory_format: Any = None) -> bool:
    """Whether the elements lie row-major without gaps (NumPy's C order, which, as PyTorch, ignores dimensions of
    size 1): True for new tensors, reshapes and basic slices along the first dimension; False for a transposed
    or permuted view, a strided slice, an expanded tensor."""
    data = input.array
    return type(data) is not np.ndarray or bool(data.flags.c_contiguous)


def stride(input: Tensor, dim: int | None = None) -> Any:
    """The step, in elements, between neighbours along each dimension (PyTorch's `Tensor.stride`). A contiguous
    tensor gets PyTorch's row-major strides (also for dimensions of size 0 or 1); a view gets its NumPy strides
    (transposes, slices with a step, expanded dimensions with stride 0)."""
    shape = input.array.shape
    if is_contiguous(input):
        strides, step = [0] * len(shape), 1
        for i in range(len(shape) - 1, -1, -1):
            strides[i] = step
            step *= max(shape[i], 1)
    else:
        item = input.array.itemsize
        strides = [s // item for s in input.array.strides]
    if dim is None:
        return tuple(strides)
    if not shape:  # as PyTorch: a 0-d tensor has no dimension to ask about
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return strides[wrap_dim(dim, len(shape), "stride")]


# ----------------------------------------------------------------------------- triangles and diagonals
def _tri_vjp(xp: Any, g: Any, out: Any, x: Any, diagonal: int, lower: bool) -> tuple:
    if xp.is_tensor:
        return ((tril if lower else triu)(g, diagonal),)
    return ((np.tril if lower else np.triu)(g, diagonal),)


TRIL = defop("tril", lambda x, diagonal, lower=True: np.tril(x, diagonal), "x",
             vjp=_tri_vjp, formulas=("1 on and below the diagonal, else 0",), saves="nothing")
TRIU = defop("triu", lambda x, diagonal, lower=False: np.triu(x, diagonal), "x",
             vjp=_tri_vjp, formulas=("1 on and above the diagonal, else 0",), saves="nothing")


def _tri(input: Tensor, diagonal: int, lower: bool) -> Tensor:
    name = "tril" if lower else "triu"
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got shape {tuple(input.shape)}")
    return apply(TRIL if lower else TRIU, (input,), {"diagonal": int(diagonal), "lower": lower})


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (on and below `diagonal`), the rest zero; the gradient is
    masked the same way."""
    return _tri(input, diagonal, True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (on and above `diagonal`), the rest zero."""
    return _tri(input, diagonal, False)


def _diagonal_positions(rows: int, cols: int, diagonal: int) -> tuple[np.ndarray, np.ndarray]:
    if diagonal >= 0:
        i = np.arange(max(0, min(rows, cols - diagonal)))
        return i, i + diagonal
    j = np.arange(max(0, min(rows + diagonal, cols)))
    return j - diagonal, j


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D -> the square 2-D matrix with `input` on the `diagonal`-th diagonal; 2-D -> that diagonal, 1-D.
    Built from indexing, so the gradient picks (or scatters back) the diagonal."""
    from chainrule.ops.indexing import getitem, index_put

    diagonal = int(diagonal)
    if input.ndim == 1:
        n = input.shape[0] + abs(diagonal)
        zeros = wrap(np.zeros((n, n), input.array.dtype))
        return index_put(zeros, _diagonal_positions(n, n, diagonal), input)
    if input.ndim == 2:
        rows, cols = input.array.shape
        return getitem(input, _diagonal_positions(rows, cols, diagonal))
    raise RuntimeError(f"diag: supports 1-D or 2-D tensors, got a {input.ndim}-D tensor of shape "
                       f"{tuple(input.shape)}")


# ----------------------------------------------------------------------------- diff / repeat_interleave
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """The n-th forward difference along `dim` (`out[i] = x[i + 1] - x[i]`, n times; bools: `!=`), after
    concatenating `prepend` and `append` along `dim`; `n=0` gives a copy of the input alone, as PyTorch."""
    from chainrule.ops.elementwise import ne, sub
    from chainrule.ops.indexing import getitem
    from chainrule.ops.joins import cat

    if n < 0:
        raise RuntimeError(f"diff: order must be non-negative but got {n}")
    if input.ndim == 0:
        raise RuntimeError("diff: expects input to be at least one-dimensional (got a 0-d tensor)")
    d = wrap_dim(dim, input.ndim, "diff")
    parts = []
    for extra in (prepend, input, append):
        if extra is None:
            continue
        if not isinstance(extra, Tensor):
            extra = tensor_from_data(extra, input.dtype)
        if extra.ndim == 0:
            extra = expand(extra, input.shape[:d] + (1,) + input.shape[d + 1:])
        parts.append(extra)
    x = cat(parts, d) if len(parts) > 1 else input
    if n == 0:  # as PyTorch (and NumPy): the input, copied; prepend and append are checked above but not used
        return clone(input)
    lead = (slice(None),) * d
    for _ in range(n):
        if x.shape[d] == 0:
            break
        hi, lo = getitem(x, lead + (slice(1, None),)), getitem(x, lead + (slice(None, -1),))
        x = ne(hi, lo) if x.array.dtype.kind == "b" else sub(hi, lo)
    return x


def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element (`dim=None`: of the flattened input) or each slice along `dim` `repeats` times
    (an int, or one count per slice). `repeat_interleave(counts)` alone gives indices repeated by counts.
    The gradient sums over the copies."""
    from chainrule.ops.indexing import getitem

    if repeats is None:  # torch.repeat_interleave(repeats): 0, 1, ... each repeated
        counts = np.asarray(input.array)
        if counts.ndim > 1 or counts.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave: repeats must be a 0-d or 1-d integer tensor, got "
                               f"{input.dtype} of shape {tuple(input.shape)}")
        return wrap(np.repeat(np.arange(counts.size), counts.reshape(-1)).astype(np.int64))
    if dim is None:
        input, d = flatten(input), 0
    else:
        d = wrap_dim(dim, input.ndim, "repeat_interleave") if input.ndim else 0
        if input.ndim == 0:
            input = reshape(input, (1,))
    size = input.shape[d]
    counts = np.asarray(repeats.array if isinstance(repeats, Tensor) else repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1:
        raise RuntimeError(f"repeat_interleave: repeats must be an int or a 1-d integer tensor, got {repeats!r}")
    if counts.ndim == 1 and counts.shape[0] not in (1, size):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim {d}: "
                           f"got {counts.shape[0]} repeats for size {size} (shape {tuple(input.shape)})")
    if (counts < 0).any():
        raise RuntimeError(f"repeat_interleave: repeats must be non-negative, got {counts.tolist()}")
    index = np.repeat(np.arange(size), np.broadcast_to(counts.reshape(-1), (size,)) if counts.ndim else counts)
    return getitem(input, (slice(None),) * d + (index,))


# ----------------------------------------------------------------------------- roll
def _roll_forward(x: Any, shifts: tuple, dims: tuple | None) -> Any:
    a = np.asarray(x)
    if dims is None:
        return np.roll(a.reshape(-1), shifts[0]).reshape(a.shape)[()]
    return np.roll(a, shifts, dims)


def _roll_(xp: Any, g: Any, shifts: tuple, dims: tuple | None) -> Any:
    if xp.is_tensor:
        return apply(ROLL, (g,), {"shifts": shifts, "dims": dims})
    return _roll_forward(g, shifts, dims)


ROLL = defop("roll", _roll_forward, "x",
             vjp=lambda xp, g, out, x, shifts, dims: (_roll_(xp, g, tuple(-s for s in shifts), dims),),
             formulas=("1 (rolled back)",), saves="nothing")


def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """Elements shifted along `dims` by `shifts`, wrapping around (as `torch.roll`); with `dims=None` the
    tensor is rolled as if flattened, then given its shape back."""
    if isinstance(shifts, Tensor):  # torch.roll(x, torch.tensor(1)): a one-element integer tensor, as PyTorch
        shifts = operator.index(shifts)
    shifts_ = (shifts,) if isinstance(shifts, int | np.integer) else tuple(shifts)
    dims_ = None if dims is None else ((dims,) if isinstance(dims, int | np.integer) else tuple(dims))
    if not shifts_:
        raise RuntimeError("roll: `shifts` required")
    if dims_ is None:
        if len(shifts_) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts_)}, dims: 0")
    elif len(shifts_) != len(dims_):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts_)}, dims: {len(dims_)}")
    else:
        if input.ndim == 0:
            raise IndexError(f"roll: Dimension specified as {dims_[0]} but tensor has no dimensions")
        dims_ = tuple(wrap_dim(d, input.ndim, "roll") for d in dims_)
    return apply(ROLL, (input,), {"shifts": tuple(int(s) for s in shifts_), "dims": dims_})


# ----------------------------------------------------------------------------- narrow / select / diagonal / tile
def _int_arg(value: Any, name: str, op: str) -> int:
    if isinstance(value, Tensor):
        if value.ndim or value.array.dtype.kind not in "iu":
            raise RuntimeError(f"{op}: {name} must be an 0-dim integral Tensor, got shape {tuple(value.shape)} "
                               f"and dtype {value.dtype}")
        return int(value.item())
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__}")
    return int(value)


def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """The `length` elements of dimension `dim` from `start` on (a view, as PyTorch's: SliceBackward0)."""
    from chainrule.ops.indexing import getitem

    if input.ndim == 0:
        raise RuntimeError("narrow: narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim, "narrow")
    start, length = _int_arg(start, "start", "narrow"), _int_arg(length, "length", "narrow")
    n = input.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError(f"narrow: length must be non-negative, got {length}")
    if start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


def select(input: Tensor, dim: int, index: Any) -> Tensor:
    """`input` at position `index` of dimension `dim`, that dimension removed (a view: SelectBackward0)."""
    from chainrule.ops.indexing import getitem

    if input.ndim == 0:
        raise IndexError("select: select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim, "select")
    i = _int_arg(index, "index", "select")
    n = input.shape[d]
    if not -n <= i < n:
        raise IndexError(f"select: select(): index {i} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    return getitem(input, (slice(None),) * d + (i % n,))


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the matrices spanned by `dim1` and `dim2` (above it for `offset > 0`, below for
    `offset < 0`), as a new last dimension; the other dimensions are kept in order. Built from indexing, so
    the gradient is scattered back onto the diagonal. A copy, not a view (see docs/semantics.md)."""
    from chainrule.ops.indexing import getitem

    d1, d2 = wrap_dim(dim1, input.ndim, "diagonal"), wrap_dim(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: diagonal dimensions cannot be identical {dim1}, {dim2}")
    rest = [i for i in range(input.ndim) if i not in (d1, d2)]
    moved = permute(input, tuple(rest) + (d1, d2))
    rows, cols = input.shape[d1], input.shape[d2]
    i, j = _diagonal_positions(rows, cols, int(offset))
    return getitem(moved, (Ellipsis, i, j))


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Each last-dimension vector of `input` on the `offset`-th diagonal of a matrix spanned by the new
    dimensions `dim1` and `dim2` of the result (zeros elsewhere); the inverse of `diagonal`. Built from
    indexing (`index_put` into zeros), so the gradient picks the diagonal back."""
    from chainrule.ops.indexing import index_put

    ndim = input.ndim + 1
    d1, d2 = wrap_dim(dim1, ndim, "diag_embed"), wrap_dim(dim2, ndim, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = int(offset)
    n = (input.shape[-1] if input.ndim else 1) + abs(offset)
    src = input if input.ndim else reshape(input, (1,))
    batch = tuple(src.shape[:-1])
    zeros = wrap(np.zeros(batch + (n, n), src.array.dtype))
    i, j = _diagonal_positions(n, n, offset)
    out = index_put(zeros, (Ellipsis, i, j), src)
    # the matrix dims (last two) go to d1 and d2, the batch dims fill the rest in order
    return movedim(out, (ndim - 2, ndim - 1), (d1, d2))


def tile(input: Tensor, dims: Any) -> Tensor:
    """`input` repeated `dims[i]` times along each dimension; fewer `dims` than dimensions are padded with 1s
    in front (PyTorch's `tile`; `repeat` requires all of them)."""
    dims = _sizes((dims,) if isinstance(dims, int) else tuple(dims))
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + tuple(dims)
    for s in dims:
        if s < 0:
            raise RuntimeError(f"tile: Trying to create tensor with negative dimension {s}: {list(dims)}")
    return repeat(input, *dims)


def ravel(input: Tensor) -> Tensor:
    """The elements as one dimension, row-major (`reshape(-1)`)."""
    return reshape(input, -1)


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotated by 90 degrees `k` times in the plane of `dims`, from the first towards the second axis (a `flip`
    and a `transpose`, as PyTorch builds it)."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = wrap_dim(dims[0], input.ndim, "rot90"), wrap_dim(dims[1], input.ndim, "rot90")
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return transpose(flip(input, d1), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(transpose(input, d0, d1), d1)
    return clone(input)
