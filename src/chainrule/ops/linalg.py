"""Matrix products: `matmul` (1-D, 2-D and batched N-D, as PyTorch), `mm`, `bmm`, `dot`, `outer`, `einsum`, the
`add*` products; and the ops of `cr.linalg` (PyTorch's `torch.linalg`): inverse, determinants, `solve`, `pinv`,
`cholesky`, `qr`, `eigh`, `svd`, the norms, and compositions of them. Factorizations with several outputs are one op
per output, whose VJPs add up to PyTorch's backward of the factorization."""

from __future__ import annotations

import re
import string
from collections import namedtuple
from typing import Any

import numpy as np

from chainrule.engine.grad_mode import grad_state
from chainrule.engine.size import wrap_dim
from chainrule.engine.tensor import Tensor, wrap
from chainrule.ops.elementwise import promote
from chainrule.ops.registry import Op, apply, defop, parents_of, record, unrecorded, variant


def _matmul_forward(a: Any, b: Any) -> Any:
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got {np.ndim(a)}D and "
                           f"{np.ndim(b)}D tensors")
    try:
        return np.matmul(a, b)
    except ValueError:
        sa, sb = np.shape(a), np.shape(b)
        k_a = sa[-1]
        k_b = sb[-2] if len(sb) > 1 else sb[0]
        if k_a != k_b:
            raise RuntimeError(f"matmul: {sa} @ {sb}: inner dimensions {k_a} and {k_b} differ") from None
        raise RuntimeError(f"matmul: {sa} @ {sb}: batch dimensions {sa[:-2]} and {sb[:-2]} are not "
                           f"broadcastable") from None


def _matmul_vjp(xp: Any, g: Any, out: Any, a: Any, b: Any, needs: tuple[bool, bool] = (True, True)) -> tuple:
    a_vec, b_vec = len(a.shape) == 1, len(b.shape) == 1
    if a_vec and b_vec:  # dot product: g is a scalar
        return (g * b if needs[0] else None), (g * a if needs[1] else None)
    a2 = xp.reshape(a, (1,) + a.shape) if a_vec else a
    b2 = xp.reshape(b, b.shape + (1,)) if b_vec else b
    g2 = g
    if a_vec:
        g2 = xp.expand_dims(g2, -2)
    if b_vec:
        g2 = xp.expand_dims(g2, -1)
    ga = gb = None
    if needs[0]:  # skipped for inputs that need no gradient, e.g. a network's data: a whole GEMM saved
        ga = xp.matmul(g2, xp.swapaxes(b2, -1, -2))
        ga = xp.sum_to(ga, a2.shape) if ga.shape != a2.shape else ga
        if a_vec:
            ga = xp.reshape(ga, a.shape)
    if needs[1]:
        gb = xp.matmul(xp.swapaxes(a2, -1, -2), g2)
        gb = xp.sum_to(gb, b2.shape) if gb.shape != b2.shape else gb
        if b_vec:
            gb = xp.reshape(gb, b.shape)
    return ga, gb


MATMUL = defop("matmul", _matmul_forward, "A B", vjp=_matmul_vjp,
               formulas=("G @ B^T", "A^T @ G"), backward_name="MmBackward0")


def matmul(input: Tensor, other: Tensor, _op: Op = MATMUL) -> Tensor:
    if type(input) is Tensor and type(other) is Tensor and input.array.dtype is other.array.dtype:
        return apply(_op, (input, other))
    a, b = promote(input, other)
    return apply(_op, (a, b))


# PyTorch's grad_fn names for the special cases
_BMM, _MV, _DOT = variant(MATMUL, "BmmBackward0"), variant(MATMUL, "MvBackward0"), variant(MATMUL, "DotBackward0")


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {input.ndim}-D and {mat2.ndim}-D")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {input.ndim}-D and {mat2.ndim}-D")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {input.shape[0]} and {mat2.shape[0]}")
    return matmul(input, mat2, _BMM)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv: expected a 2-D matrix and a 1-D vector, got {input.ndim}-D and {vec.ndim}-D")
    return matmul(input, vec, _MV)


def dot(input: Tensor, other: Tensor) -> Tensor:
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements")
    return matmul(input, other, _DOT)


inner = dot


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    from chainrule.ops.elementwise import mul
    from chainrule.ops.shape_ops import reshape

    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: 1D tensors expected, but got {input.ndim}D and {vec2.ndim}D tensors")
    return mul(reshape(input, (-1, 1)), reshape(vec2, (1, -1)))


ger = outer


# ----------------------------------------------------------------------------- einsum
def _parse_einsum(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """Explicit subscripts for each operand and the output: '...' becomes letters of its own (broadcast
    dims, aligned from the right), an implicit output is the ellipsis dims and then the letters used once,
    in alphabetical order (as PyTorch)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(ndims):
        raise RuntimeError(f"einsum: equation {equation!r} has {len(inputs)} operands but {len(ndims)} tensors "
                           f"were given")
    free = [c for c in string.ascii_letters if c not in eq]
    widths = [nd - (len(sub) - 3) for sub, nd in zip(inputs, ndims) if "..." in sub]
    ell = "".join(free[:max(widths, default=0)])
    for k, (sub, nd) in enumerate(zip(inputs, ndims)):
        if "..." in sub:
            width = nd - (len(sub) - 3)
            if width < 0:
                raise RuntimeError(f"einsum: operand with subscripts {sub!r} has {nd} dimensions, fewer than its "
                                   f"{len(sub) - 3} subscripts")
            inputs[k] = sub.replace("...", ell[len(ell) - width:], 1)
    if arrow:
        rhs = rhs.replace("...", ell, 1)
    else:
        letters = "".join(inputs)
        rhs = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    for sub in inputs + [rhs]:
        if not re.fullmatch(r"[a-zA-Z]*", sub):
            raise RuntimeError(f"einsum: invalid subscripts {sub!r} in {equation!r}")
    if len(set(rhs)) != len(rhs) or not set(rhs) <= set("".join(inputs)):
        raise RuntimeError(f"einsum: output subscripts {rhs!r} must be distinct letters of the inputs ({equation!r})")
    return inputs, rhs


def _einsum_vjp(xp: Any, g: Any, out: Any, *operands: Any, equation: str) -> tuple:
    lhs, rhs = equation.split("->")
    inputs = lhs.split(",")
    fresh = iter(c for c in string.ascii_letters if c not in equation)
    dtype = xp.data(g).dtype
    grads = []
    for i, sub in enumerate(inputs):
        shape = tuple(operands[i].shape)
        others = [(s, op) for j, (s, op) in enumerate(zip(inputs, operands)) if j != i]
        # a repeated letter (trace, diagonal): each repeat gets a letter of its own, tied to the first by an identity
        distinct = ""
        for pos, c in enumerate(sub):
            if c in sub[:pos]:
                d = next(fresh)
                others.append((c + d, np.eye(shape[pos], dtype=dtype)))
                c = d
            distinct += c
        available = set(rhs) | {c for s, _ in others for c in s}
        kept = "".join(c for c in distinct if c in available)  # letters summed only in operand i broadcast back
        gi = xp.einsum(",".join([rhs] + [s for s, _ in others]) + "->" + kept, g, *[op for _, op in others])
        sizes = dict(zip(kept, gi.shape))
        target = tuple(sizes.get(c, n) for c, n in zip(distinct, shape))
        if kept != distinct:
            gi = xp.broadcast_to(xp.reshape(gi, tuple(sizes.get(c, 1) for c in distinct)), target)
        if target != shape:  # a dim of size 1 broadcast against the other operands
            gi = xp.sum_to(gi, shape)
        grads.append(gi)
    return tuple(grads)


EINSUM = defop("einsum", lambda *ops, equation: np.einsum(equation, *ops), "operands", vjp=_einsum_vjp,
               formulas=("einsum of the upstream gradient with the other operands",))


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation as `torch.einsum`: products, contractions, transposes, sums, batch dims, '...'
    and repeated subscripts (traces, diagonals); size-1 dims broadcast."""
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    inputs, rhs = _parse_einsum(equation, [op.ndim for op in operands])
    for sub, op in zip(inputs, operands):
        if len(sub) != op.ndim:
            raise RuntimeError(f"einsum: operand with subscripts {sub!r} has {op.ndim} dimensions (shape "
                               f"{tuple(op.shape)}), expected {len(sub)}")
    ops = promote(*operands)
    eq = ",".join(inputs) + "->" + rhs
    try:
        return apply(EINSUM, tuple(ops), {"equation": eq})
    except ValueError as exc:
        shapes = ", ".join(str(tuple(o.shape)) for o in operands)
        raise RuntimeError(f"einsum: {eq} with shapes {shapes}: {exc}") from None


# ----------------------------------------------------------------------------- linear
def _linear_forward(x: Any, w: Any, b: Any, input_grad: bool = True) -> Any:
    out = x @ w.T
    if b is not None:
        out += b
    return out


def _linear_vjp(xp: Any, g: Any, out: Any, x: Any, w: Any, b: Any, input_grad: bool = True) -> tuple:
    """`input_grad=False` (the input needs no gradient, e.g. a batch of data) skips G @ W."""
    if not xp.is_tensor and g.ndim == 2 and x.ndim == 2:  # the common case on arrays, kept short
        return g @ w if input_grad else None, g.T @ x, None if b is None else g.sum(0)
    gx = xp.matmul(g, w) if input_grad else None
    g2 = g if len(g.shape) == 2 else xp.reshape(g, (-1, w.shape[0]))
    x2 = x if len(x.shape) == 2 else xp.reshape(x, (-1, w.shape[1]))
    gw = xp.matmul(xp.swapaxes(g2, 0, 1), x2)
    gb = None if b is None else xp.sum(g2, axis=0)
    return gx, gw, gb


LINEAR = defop("linear", _linear_forward, "x weight bias", vjp=_linear_vjp,
               formulas=("G @ W", "G^T @ x", "sum of G over the batch"), backward_name="AddmmBackward0")


_NO_INPUT_GRAD = {"input_grad": False}  # shared, never mutated


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ W^T + b as one op (PyTorch's addmm)."""
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor) and (bias is None or isinstance(bias, Tensor))
            and grad_state.enabled):
        return apply(LINEAR, (input, weight, bias), None if input.requires_grad else _NO_INPUT_GRAD)
    x, w = input.array, weight.array
    b = None if bias is None else bias.array
    out = _linear_forward(x, w, b)
    if input.requires_grad or weight.requires_grad or (bias is not None and bias.requires_grad):
        args = (input, weight, bias)
        return record(LINEAR, args, (x, w, b), parents_of(args), out,
                      None if input.requires_grad else _NO_INPUT_GRAD)
    return unrecorded(LINEAR, (input, weight, bias), _NO_INPUT_GRAD, out)  # a frozen layer: still an op


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """`beta * input + alpha * (mat1 @ mat2)`, `input` broadcast to the product's shape (a composition of
    `mm`, `mul` and `add`, so the gradients are theirs). With `beta=0` the input is ignored, NaN included,
    as PyTorch."""
    from chainrule.ops.elementwise import add, mul
    from chainrule.ops.shape_ops import expand

    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"addmm: mat1 must be a matrix, got {mat1.ndim}-D tensor" if mat1.ndim != 2 else
                           f"addmm: mat2 must be a matrix, got {mat2.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"addmm: mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} "
                           f"and {mat2.shape[0]}x{mat2.shape[1]})")
    shape = (mat1.shape[0], mat2.shape[1])
    try:
        fits = np.broadcast_shapes(tuple(input.shape), shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"addmm: the input of shape {tuple(input.shape)} cannot be broadcast to the product's "
                           f"shape {shape}")
    prod = mm(mat1, mat2)
    if alpha != 1:
        prod = mul(prod, alpha)
    if beta == 0:
        return expand(prod, shape) if tuple(prod.shape) != shape else prod
    return add(input if beta == 1 else mul(input, beta), prod)


def _add_product(op: str, input: Tensor, prod: Tensor, beta: Any, alpha: Any) -> Tensor:
    """`beta * input + alpha * prod`, `input` broadcast to the product's shape (beta=0 ignores it, NaN too)."""
    from chainrule.ops.elementwise import add, mul
    from chainrule.ops.shape_ops import expand

    shape = tuple(prod.shape)
    try:
        fits = np.broadcast_shapes(tuple(input.shape), shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: the input of shape {tuple(input.shape)} cannot be broadcast to the product's "
                           f"shape {shape}")
    if alpha != 1:
        prod = mul(prod, alpha)
    if beta == 0:
        return expand(prod, shape) if tuple(prod.shape) != shape else prod
    return add(input if beta == 1 else mul(input, beta), prod)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """`beta * input + alpha * (mat @ vec)` (a composition of `mv`, `mul` and `add`)."""
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"addmv: vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}")
    if mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"addmv: size mismatch, got input ({input.shape[0] if input.ndim else 1}), mat "
                           f"({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
    return _add_product("addmv", input, mv(mat, vec), beta, alpha)


def _check_batches(name: str, batch1: Tensor, batch2: Tensor) -> None:
    """baddbmm's and addbmm's shape checks, with PyTorch's messages."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(f"{name}: batch{1 if batch1.ndim != 3 else 2} must be a 3D tensor")
    if batch1.shape[2] != batch2.shape[1] or batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"{name}: Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch1.shape[0]}, {batch1.shape[2]}] but got: [{batch2.shape[0]}, {batch2.shape[1]}].")


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """`beta * input + alpha * (batch1 @ batch2)`, batch by batch (a composition of `bmm`, `mul` and `add`)."""
    _check_batches("baddbmm", batch1, batch2)
    return _add_product("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """`beta * input + alpha * sum_b(batch1[b] @ batch2[b])` (a composition of `bmm`, `sum`, `mul` and `add`)."""
    from chainrule.ops.reductions import sum as sum_

    _check_batches("addbmm", batch1, batch2)
    return _add_product("addbmm", input, sum_(bmm(batch1, batch2), 0), beta, alpha)


# ----------------------------------------------------------------------------- products built from other ops
def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal (`Tensor.trace`; `cr.trace` is chainrule's line tracer)."""
    from chainrule.ops.reductions import sum as sum_
    from chainrule.ops.shape_ops import diagonal

    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return sum_(diagonal(input))


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along `dim` (without `dim`: the first dimension of size 3, PyTorch's
    deprecated default, with its warning), the inputs broadcast; built from indexing, `mul` and `sub`."""
    import warnings

    from chainrule.ops.elementwise import mul, sub
    from chainrule.ops.indexing import index_select
    from chainrule.ops.shape_ops import broadcast_tensors

    if input.ndim != other.ndim:
        raise RuntimeError(f"cross: linalg.cross: inputs must have the same number of dimensions "
                           f"(got {input.ndim} and {other.ndim})")
    if dim is None:
        warnings.warn("cross: using torch.cross without specifying the dim arg is deprecated; pass dim "
                      "explicitly (linalg.cross uses dim=-1)", UserWarning, stacklevel=2)
        sizes = [i for i, n in enumerate(input.shape) if n == 3]
        if not sizes:
            raise RuntimeError("cross: no dimension of size 3 in input")
        d = sizes[0]
    else:
        d = wrap_dim(dim, input.ndim, "cross")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"cross: linalg.cross: inputs dimension {d} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    a, b = broadcast_tensors(*promote(input, other))

    def pick(t: Tensor, order: list[int]) -> Tensor:
        return index_select(t, d, wrap(np.array(order, np.int64)))

    return sub(mul(pick(a, [1, 2, 0]), pick(b, [2, 0, 1])), mul(pick(a, [2, 0, 1]), pick(b, [1, 2, 0])))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: every element of `input` times the whole of `other`, blocks laid out as
    `input`'s elements (the shorter shape padded with leading 1s); a `mul` of broadcast views, reshaped."""
    from chainrule.ops.elementwise import mul
    from chainrule.ops.shape_ops import reshape

    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + tuple(input.shape)
    sb = (1,) * (n - other.ndim) + tuple(other.shape)
    a = reshape(input, tuple(x for s in sa for x in (s, 1)))
    b = reshape(other, tuple(x for s in sb for x in (1, s)))
    return reshape(mul(a, b), tuple(p * q for p, q in zip(sa, sb, strict=True)))


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Sum of products over the last `dims` dimensions of `a` and the first `dims` of `b`, or over the listed
    pairs (`dims=([1, 2], [1, 0])`); as `einsum`, so its gradient is einsum's."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot: tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dimension lists should have the same length, got {da} and {db}")
    da = [wrap_dim(d, a.ndim, "tensordot") for d in da]
    db = [wrap_dim(d, b.ndim, "tensordot") for d in db]
    for i, j in zip(da, db, strict=True):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size {a.shape[i]} "
                               f"in dim {i} and second has size {b.shape[j]} in dim {j}")
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in range(a.ndim)]
    lb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db, strict=True):
        lb[j] = la[i]
    out = [la[i] for i in range(a.ndim) if i not in da] + [lb[j] for j in range(b.ndim) if j not in db]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", a, b)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str | None = None) -> Tensor:
    """The p-norm distance between each row of `x1` (..., P, M) and each row of `x2` (..., R, M), shape
    (..., P, R); `norm` of the broadcast differences, so the gradient at a zero distance is 0, as PyTorch's."""
    from chainrule.ops.elementwise import sub
    from chainrule.ops.reductions import norm
    from chainrule.ops.shape_ops import unsqueeze

    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist: cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: "
                           f"{x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
                           f"{x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist: cdist only supports non-negative p values, got {p}")
    diff = sub(unsqueeze(x1, -2), unsqueeze(x2, -3))
    if p == 0:  # the number of coordinates that differ, gradient 0 (as PyTorch's)
        return vector_norm(diff, 0, dim=-1)
    return norm(diff, p, dim=-1)


# ----------------------------------------------------------------------------- inverse / det / logdet
def _square_float(input: Tensor, op: str) -> None:
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        shape = tuple(input.shape)
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{shape[-2] if len(shape) > 1 else 1} by {shape[-1] if shape else 1} matrices")
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {input.dtype}")


def _inv_forward(x: Any) -> Any:
    try:
        return np.linalg.inv(x)
    except np.linalg.LinAlgError:
        raise LinAlgError("inverse: linalg.inv: The input matrix is singular: it has no inverse") from None


def _inverse_vjp(xp: Any, g: Any, out: Any, x: Any) -> tuple:
    inv_t = xp.swapaxes(out, -1, -2)
    return (-xp.matmul(xp.matmul(inv_t, g), inv_t),)


INVERSE = defop("inverse", _inv_forward, "A", vjp=_inverse_vjp, formulas=("-(A^-1)^T @ G @ (A^-1)^T",),
                saves="output", backward_name="LinalgInvExBackward0")


def inverse(input: Tensor) -> Tensor:
    """The inverse of a square matrix (or of each in a batch, `(..., n, n)`). A singular matrix raises."""
    _square_float(input, "inverse")
    return apply(INVERSE, (input,))


def _det_vjp(xp: Any, g: Any, out: Any, x: Any) -> tuple:
    # d det(A) / dA = det(A) * A^-T (Jacobi's formula; a singular A has no inverse and raises, see semantics.md)
    inv: Any
    if xp.is_tensor:
        inv = inverse(x)
    else:
        try:
            inv = np.linalg.inv(x)
        except np.linalg.LinAlgError:
            raise RuntimeError("det: the gradient of det at a singular matrix is not supported by chainrule "
                               "(Jacobi's formula needs the inverse)") from None
    scale = xp.reshape(g * out, tuple(np.shape(out)) + (1, 1))
    return (scale * xp.swapaxes(inv, -1, -2),)


DET = defop("det", lambda x: np.linalg.det(x)[()], "A", vjp=_det_vjp, formulas=("G * det(A) * (A^-1)^T",),
            saves="both", backward_name="LinalgDetBackward0")


def det(input: Tensor) -> Tensor:
    """The determinant of a square matrix (or of each in a batch)."""
    _square_float(input, "det")
    return apply(DET, (input,))


def logdet(input: Tensor) -> Tensor:
    """`log(det(input))`: NaN for a negative determinant, -inf for a zero one, as PyTorch's."""
    from chainrule.ops.elementwise import log

    _square_float(input, "logdet")
    return log(det(input))


# ----------------------------------------------------------------------------- torch.linalg
class LinAlgError(RuntimeError):
    """A matrix without the property an op needs (singular, not positive-definite), as `torch.linalg.LinAlgError`
    (a RuntimeError)."""


SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def inv(A: Tensor) -> Tensor:
    """`torch.linalg.inv`: the inverse of a square matrix (or of each in a batch); a singular one raises
    LinAlgError."""
    _square_float(A, "linalg.inv")
    return apply(INVERSE, (A,))


def _float_matrices(input: Tensor, op: str) -> None:
    if input.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {input.dtype}")


def _inv_or_raise(x: Any, op: str) -> Any:
    try:
        return np.linalg.inv(x)
    except np.linalg.LinAlgError:
        raise LinAlgError(f"{op}: the input matrix is singular: the gradient needs its inverse") from None


def _slogdet_vjp(xp: Any, g: Any, out: Any, x: Any) -> tuple:
    # d log|det A| / dA = A^-T
    inv = inverse(x) if xp.is_tensor else _inv_or_raise(x, "linalg.slogdet")
    return (xp.reshape(g, tuple(np.shape(out)) + (1, 1)) * xp.swapaxes(inv, -1, -2),)


SLOGDET = defop("slogdet", lambda x: np.asarray(np.linalg.slogdet(x)[1])[()], "A", vjp=_slogdet_vjp,
                formulas=("G * (A^-1)^T",), backward_name="LinalgSlogdetBackward0")
SLOGDET_SIGN = defop("slogdet_sign", lambda x: np.asarray(np.linalg.slogdet(x)[0])[()], "A",
                     vjp=lambda xp, g, out, x: (xp.zeros_like(x),), formulas=("0 (a sign)",), saves="nothing",
                     backward_name="LinalgSlogdetBackward0")


def slogdet(A: Tensor) -> SlogdetResult:
    """The sign and the log of the absolute value of the determinant (of each matrix in a batch): no overflow
    where `det` would overflow. The gradient of `logabsdet` is A^-T (a singular matrix raises); the sign's is 0."""
    _square_float(A, "linalg.slogdet")
    return SlogdetResult(apply(SLOGDET_SIGN, (A,)), apply(SLOGDET, (A,)))


def _solve_forward(a: Any, b: Any) -> Any:
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.solve: The solver failed because the input matrix is singular.") from None


def _solve_vjp(xp: Any, g: Any, out: Any, a: Any, b: Any, needs: tuple[bool, bool] = (True, True)) -> tuple:
    # X = A^-1 B: gB = A^-T G (one more solve), gA = -gB X^T; summed over broadcast batch dimensions
    gb = solve(xp.swapaxes(a, -1, -2), g) if xp.is_tensor else _solve_forward(np.swapaxes(a, -1, -2), g)
    ga = None
    if needs[0]:
        ga = -xp.matmul(gb, xp.swapaxes(out, -1, -2))
        ga = xp.sum_to(ga, a.shape) if tuple(ga.shape) != tuple(a.shape) else ga
    if needs[1]:
        gb = xp.sum_to(gb, b.shape) if tuple(gb.shape) != tuple(b.shape) else gb
    return ga, gb if needs[1] else None


SOLVE = defop("solve", _solve_forward, "A B", vjp=_solve_vjp, formulas=("-(A^-T @ G) @ X^T", "A^-T @ G"),
              saves="both", backward_name="LinalgSolveExBackward0")


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """The X with A @ X = B (`left=False`: X @ A = B), batched and broadcast as `torch.linalg.solve`; B is a
    vector (or a batch of vectors) when it is 1-D or has A's shape less the last dimension. A singular A raises
    LinAlgError."""
    from chainrule.ops.shape_ops import squeeze, unsqueeze

    _square_float(A, "linalg.solve")
    if B.array.dtype != A.array.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype} and B of type {B.dtype} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    n = A.shape[-1]
    if not left:
        if vector:  # as PyTorch: B is taken as a column, which X @ A = B cannot fit
            raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation XA = B ({n}x{n} and "
                               f"{n}x1)")
        return solve(A.mT, B.mT).mT
    if vector:
        return squeeze(solve(A, unsqueeze(B, -1)), -1)
    if B.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    try:
        np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"linalg.solve: the batch dimensions of A {tuple(A.shape)} and B {tuple(B.shape)} "
                           f"are not broadcastable") from None
    return apply(SOLVE, (A, B))


def _cholesky_forward(x: Any, upper: bool) -> Any:
    try:
        low = np.linalg.cholesky(x)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.cholesky: The factorization could not be completed because the input is not "
                          "positive-definite.") from None
    return np.swapaxes(low, -1, -2).copy() if upper else low


def _tril(xp: Any, x: Any, k: int) -> Any:
    from chainrule.ops.shape_ops import tril

    return tril(x, k) if xp.is_tensor else np.tril(x, k)


def _cholesky_vjp(xp: Any, g: Any, out: Any, x: Any, upper: bool) -> tuple:
    # PyTorch's: with A = L L^T, gA = L^-T Phi L^-1, Phi = (M + tril(M, -1)^T) / 2, M = tril(L^T gL)
    low = xp.swapaxes(out, -1, -2) if upper else out
    gl = xp.swapaxes(g, -1, -2) if upper else g
    m = _tril(xp, xp.matmul(xp.swapaxes(low, -1, -2), gl), 0)
    phi = 0.5 * (m + xp.swapaxes(_tril(xp, m, -1), -1, -2))
    inv = inverse(low) if xp.is_tensor else np.linalg.inv(low)
    return (xp.matmul(xp.matmul(xp.swapaxes(inv, -1, -2), phi), inv),)


CHOLESKY = defop("cholesky", _cholesky_forward, "A", vjp=_cholesky_vjp,
                 formulas=("L^-T (tril(L^T G) with its strict lower part mirrored, halved) L^-1",), saves="output",
                 backward_name="LinalgCholeskyExBackward0")


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The lower-triangular L with A = L @ L^T (`upper=True`: U = L^T) of a symmetric positive-definite matrix
    (only the lower triangle of A is read); otherwise LinAlgError."""
    _square_float(A, "linalg.cholesky")
    return apply(CHOLESKY, (A,), {"upper": bool(upper)})


def _pinv_forward(x: Any, rtol: float | None) -> Any:
    if not np.isfinite(x).all():  # NaN, as PyTorch's, where NumPy's SVD would not converge
        return np.full(np.shape(x)[:-2] + np.shape(x)[-1:] + np.shape(x)[-2:-1], np.nan, np.asarray(x).dtype)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    m, n = np.shape(x)[-2:]
    tol = (np.finfo(s.dtype).eps * max(m, n) if rtol is None else rtol) * (
        s[..., :1] if s.shape[-1] else s)
    keep = s > tol
    inv_s = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0).astype(s.dtype)
    return np.matmul(np.swapaxes(vt, -1, -2) * inv_s[..., None, :], np.swapaxes(u, -1, -2))


def _pinv_vjp(xp: Any, g: Any, out: Any, a: Any, rtol: float | None) -> tuple:
    # for a matrix of constant rank (PyTorch's pinv_backward): with P = pinv(A),
    # gA = -P^T G P^T + (I - A P)^T... written as three terms
    p_t = xp.swapaxes(out, -1, -2)
    g_t = xp.swapaxes(g, -1, -2)
    m, n = a.shape[-2], a.shape[-1]
    eye_m = np.eye(m, dtype=xp.data(g).dtype)
    eye_n = np.eye(n, dtype=xp.data(g).dtype)
    term1 = -xp.matmul(xp.matmul(p_t, g), p_t)
    term2 = xp.matmul(xp.matmul(eye_m - xp.matmul(a, out), g_t), xp.matmul(out, p_t))
    term3 = xp.matmul(xp.matmul(p_t, out), xp.matmul(g_t, eye_n - xp.matmul(out, a)))
    return (term1 + term2 + term3,)


PINV = defop("pinv", _pinv_forward, "A", vjp=_pinv_vjp,
             formulas=("-P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)",), saves="both",
             backward_name="LinalgPinvBackward0")


def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse (of each matrix in a batch), from the SVD: singular values up to
    `rtol` times the largest (default: eps * max(m, n)) count as 0. The gradient assumes the rank does not change
    near A (as PyTorch's)."""
    _float_matrices(A, "linalg.pinv")
    if atol is not None:
        raise NotImplementedError("linalg.pinv: atol= is not supported by chainrule; use rtol=")
    if isinstance(rtol, Tensor):
        raise NotImplementedError("linalg.pinv: a tensor rtol is not supported by chainrule; pass a float")
    return apply(PINV, (A,), {"rtol": None if rtol is None else float(rtol)})


def _check_ord_dims(dim: Any, ndim: int, op: str) -> tuple[int, int]:
    if not isinstance(dim, list | tuple) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {dim}")
    d0, d1 = wrap_dim(dim[0], ndim, op), wrap_dim(dim[1], ndim, op)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The `ord`-norm of the elements (over `dim`, or all): 2 (the default), any other number (`sum |x|^ord` to
    the 1/ord), inf (max |x|), -inf (min |x|), 0 (the number of nonzero elements, a gradient of 0). As the
    2-norm op or a composition of `abs`, `pow`, `sum`, `amax`/`amin`."""
    from chainrule.ops.elementwise import abs as _abs
    from chainrule.ops.elementwise import cast, sign
    from chainrule.ops.elementwise import pow as _pow
    from chainrule.ops.reductions import NORM2, amax, amin, normalize_dims, p_norm
    from chainrule.ops.reductions import sum as sum_

    if x.array.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{x.dtype}")
    if dtype is not None:
        from chainrule import dtypes

        target = dtypes.to_dtype(dtype).np
        if target != x.array.dtype:
            x = cast(x, target)
    if isinstance(ord, Tensor):
        ord = ord.item()
    if isinstance(ord, str):
        raise TypeError("linalg.vector_norm: linalg_vector_norm(): argument 'ord' must be Number, not str")
    dims = normalize_dims(dim, x.ndim, "linalg.vector_norm")
    if ord == 2:
        return apply(NORM2, (x,), {"dims": dims, "keepdim": keepdim})
    if ord == float("inf"):
        return amax(_abs(x), dims, keepdim)
    if ord == float("-inf"):
        return amin(_abs(x), dims, keepdim)
    if ord == 0:
        return sum_(sign(_abs(x)), dims, keepdim)
    if ord == 1:
        return sum_(_abs(x), dims, keepdim)
    if ord > 0:
        return p_norm(x, ord, dims, keepdim)
    return _pow(sum_(_pow(_abs(x), ord), dims, keepdim), 1.0 / ord)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The matrix norm over the two dimensions `dim`: 'fro' (the 2-norm of the elements), 1 / -1 (the largest /
    smallest column sum of |A|), inf / -inf (the largest / smallest row sum), 'nuc' (the sum of the singular
    values), 2 / -2 (the largest / smallest singular value). Compositions of `abs`, `sum`, `amax`/`amin`,
    `svdvals`."""
    from chainrule.ops.elementwise import abs as _abs
    from chainrule.ops.reductions import amax, amin
    from chainrule.ops.reductions import sum as sum_
    from chainrule.ops.shape_ops import reshape

    _float_matrices(A, "linalg.matrix_norm")
    d0, d1 = _check_ord_dims(dim, A.ndim, "linalg.matrix_norm")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord in ("nuc", 2, -2):  # from the singular values (the matrix dims moved last)
        from chainrule.ops.shape_ops import movedim

        # moved also when they are last, as PyTorch: a create_graph gradient then ends in PermuteBackward0
        sv = svdvals(movedim(A, (d0, d1), (-2, -1)))
        if dtype is not None:
            from chainrule import dtypes
            from chainrule.ops.elementwise import cast

            target = dtypes.to_dtype(dtype).np
            sv = sv if target == sv.array.dtype else cast(sv, target)
        out = sum_(sv, -1) if ord == "nuc" else (amax if ord == 2 else amin)(sv, -1)
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if ord not in (1, -1, float("inf"), float("-inf")):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is not None:
        from chainrule import dtypes
        from chainrule.ops.elementwise import cast

        target = dtypes.to_dtype(dtype).np
        A = A if target == A.array.dtype else cast(A, target)
    summed, other = (d0, d1) if ord in (1, -1) else (d1, d0)
    out = (amax if ord in (1, float("inf")) else amin)(sum_(_abs(A), summed, keepdim=True), other, keepdim=True)
    return out if keepdim else reshape(out, tuple(n for i, n in enumerate(A.shape) if i not in (d0, d1)))


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """`torch.linalg.norm`: without `ord`, the 2-norm of the elements (over `dim`); with an int `dim` (or a 1-D
    input) `vector_norm`; with a 2-tuple `dim` (or a 2-D input) `matrix_norm`."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {A.ndim}D.")
        dim = tuple(range(A.ndim))
    if len(dim) == 1:
        return vector_norm(A, ord, dim, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")


# ----------------------------------------------------------------------------- eigh / eigvalsh
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])


def _eigh_forward(x: Any, uplo: str) -> tuple:
    if not np.isfinite(x).all():  # NaN, as PyTorch's result, where LAPACK would not converge
        nan = np.full(np.shape(x), np.nan, np.asarray(x).dtype)
        return nan[..., 0], nan
    vals, vecs = np.linalg.eigh(x, UPLO="U" if uplo == "U" else "L")
    return vals, vecs


def _eigvalsh_vjp(xp: Any, g: Any, out: Any, x: Any, uplo: str) -> tuple:
    # PyTorch's: gA = V diag(gL) V^T (only the eigenvalues' part of linalg_eig_backward)
    v = eigh(x, uplo).eigenvectors if xp.is_tensor else _eigh_forward(x, uplo)[1]
    return (xp.matmul(v * xp.expand_dims(g, -2), xp.swapaxes(v, -1, -2)),)


def _eigenvectors_vjp(xp: Any, g: Any, out: Any, x: Any, uplo: str) -> tuple:
    # PyTorch's: gA = V (skew(V^T gV) / E) V^T, E_ij = L_j - L_i, the diagonal 0 (the eigenvalues' part is the
    # other op's); skew(X) = (X - X^T) / 2
    lam = apply(EIGVALSH, (x,), {"uplo": uplo}) if xp.is_tensor else _eigh_forward(x, uplo)[0]
    n = x.shape[-1]
    eye = np.eye(n, dtype=xp.data(g).dtype)
    vtg = xp.matmul(xp.swapaxes(out, -1, -2), g)
    skew = 0.5 * (vtg - xp.swapaxes(vtg, -1, -2))
    gaps = xp.expand_dims(lam, -2) - xp.expand_dims(lam, -1) + eye
    inner = skew / gaps * (1.0 - eye)
    return (xp.matmul(xp.matmul(out, inner), xp.swapaxes(out, -1, -2)),)


EIGVALSH = defop("eigvalsh", lambda x, uplo: _eigh_forward(x, uplo)[0], "A", vjp=_eigvalsh_vjp,
                 formulas=("V diag(G) V^T",), backward_name="LinalgEighBackward0")
EIGH_VECTORS = defop("eigh_vectors", lambda x, uplo: _eigh_forward(x, uplo)[1], "A", vjp=_eigenvectors_vjp,
                     formulas=("V (skew(V^T G) / (L_j - L_i)) V^T",), saves="both",
                     backward_name="LinalgEighBackward0")


def _uplo(A: Tensor, UPLO: str, op: str) -> str:  # noqa: N803 - PyTorch's name
    if A.array.dtype.kind != "f":
        raise NotImplementedError(f"{op}: \"linalg_eigh_cpu\" not implemented for '{A.dtype}'")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{op}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO


def eigh(A: Tensor, UPLO: str = "L") -> EighResult:  # noqa: N803
    """The eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric matrix, or of each in a
    batch, from its lower (`UPLO='L'`) or upper triangle. Gradients are PyTorch's: V diag(gL) V^T for the
    eigenvalues, V (skew(V^T gV) / (L_j - L_i)) V^T for the eigenvectors (infinite where eigenvalues repeat; the
    eigenvectors' signs are LAPACK's, as PyTorch's)."""
    uplo = _uplo(A, UPLO, "linalg.eigh")
    _square_float(A, "linalg.eigh")
    return EighResult(apply(EIGVALSH, (A,), {"uplo": uplo}), apply(EIGH_VECTORS, (A,), {"uplo": uplo}))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues (ascending) of a symmetric matrix, or of each in a batch; gradient V diag(G) V^T."""
    uplo = _uplo(A, UPLO, "linalg.eigvalsh")
    _square_float(A, "linalg.eigvalsh")
    return apply(EIGVALSH, (A,), {"uplo": uplo})


# ----------------------------------------------------------------------------- qr
QRResult = namedtuple("QRResult", ["Q", "R"])


def _qr_forward(x: Any, mode: str) -> tuple:
    if not np.isfinite(x).all():
        m, n = np.shape(x)[-2:]
        k = m if mode == "complete" else min(m, n)
        nan = np.full(np.shape(x)[:-2] + (m, k), np.nan, np.asarray(x).dtype)
        return nan, np.full(np.shape(x)[:-2] + (k, n), np.nan, np.asarray(x).dtype)
    q, r = np.linalg.qr(x, mode="complete" if mode == "complete" else "reduced")
    return q, r


def _copyltu(xp: Any, m: Any) -> Any:
    """The lower triangle mirrored onto the upper one: tril(M) + tril(M, -1)^T."""
    return _tril(xp, m, 0) + xp.swapaxes(_tril(xp, m, -1), -1, -2)


def _qr_square_vjp(xp: Any, gq: Any, gr: Any, q: Any, r: Any) -> Any:
    """gA = [gQ + Q copyltu(R gR^T - gQ^T Q)] R^-T for A = QR with R square (m >= n), either gradient None."""
    m_ = 0.0
    if gr is not None:
        m_ = xp.matmul(r, xp.swapaxes(gr, -1, -2))
    if gq is not None:
        m_ = m_ - xp.matmul(xp.swapaxes(gq, -1, -2), q)
    b = xp.matmul(q, _copyltu(xp, m_))
    if gq is not None:
        b = b + gq
    r_inv = inverse(r) if xp.is_tensor else _inv_or_raise(r, "linalg.qr")
    return xp.matmul(b, xp.swapaxes(r_inv, -1, -2))


def _qr_vjp(xp: Any, g: Any, x: Any, mode: str, of_q: bool, q: Any, r: Any) -> tuple:
    m, n = x.shape[-2], x.shape[-1]
    if mode == "r":
        raise RuntimeError("linalg.qr: The derivative of linalg.qr depends on Q, which is not computed when "
                           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                           "through linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("linalg.qr: The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")
    gq, gr = (g, None) if of_q else (None, g)
    if m >= n:
        return (_qr_square_vjp(xp, gq, gr, q, r),)
    # m < n: A = [X | Y] with X square, X = Q U, R = [U | V], V = Q^T Y: gY = Q gV, and X's gradient is the square
    # case with gQ + Y gV^T
    from chainrule.ops.joins import cat

    y = x[..., :, m:]
    u = r[..., :, :m]
    if gr is not None:
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        gq_eff = xp.matmul(y, xp.swapaxes(gv, -1, -2))
        gy = xp.matmul(q, gv)
    else:
        gu, gq_eff = None, gq
        gy = xp.zeros_like(y)
    gx = _qr_square_vjp(xp, gq_eff, gu, q, u)
    return (cat([gx, gy], -1) if xp.is_tensor else np.concatenate([gx, gy], -1),)


def _qr_q_vjp(xp: Any, g: Any, out: Any, x: Any, mode: str) -> tuple:
    r = apply(QR_R, (x,), {"mode": mode}) if xp.is_tensor else _qr_forward(x, mode)[1]
    return _qr_vjp(xp, g, x, mode, True, out, r)


def _qr_r_vjp(xp: Any, g: Any, out: Any, x: Any, mode: str) -> tuple:
    q = apply(QR_Q, (x,), {"mode": mode}) if xp.is_tensor else _qr_forward(x, mode)[0]
    return _qr_vjp(xp, g, x, mode, False, q, out)


QR_Q = defop("qr_q", lambda x, mode: _qr_forward(x, mode)[0], "A", vjp=_qr_q_vjp,
             formulas=("[G - Q copyltu(G^T Q)] R^-T",), saves="both", backward_name="LinalgQrBackward0")
QR_R = defop("qr_r", lambda x, mode: _qr_forward(x, mode)[1], "A", vjp=_qr_r_vjp,
             formulas=("Q copyltu(R G^T) R^-T",), saves="both", backward_name="LinalgQrBackward0")


def qr(A: Tensor, mode: str = "reduced") -> QRResult:
    """Q with orthonormal columns and upper-triangular R with A = Q @ R (of each matrix in a batch): `mode`
    'reduced' (k = min(m, n) columns), 'complete' (Q square) or 'r' (R only; Q is empty). Gradients are PyTorch's
    (two ops, one per output, whose gradients add up to its linalg_qr_backward); not for 'complete' with m > n,
    nor for 'r'."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"linalg.qr: qr received unrecognized mode '{mode}' but expected one of 'reduced' "
                           f"(default), 'r', or 'complete'")
    _float_matrices(A, "linalg.qr")
    if mode == "r":  # R alone, whose gradient refuses as PyTorch's (it needs Q)
        return QRResult(wrap(np.zeros((0,), A.array.dtype)), apply(QR_R, (A,), {"mode": mode}))
    return QRResult(apply(QR_Q, (A,), {"mode": mode}), apply(QR_R, (A,), {"mode": mode}))


# ----------------------------------------------------------------------------- compositions of torch.linalg
def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """The X with A @ X = B (`left=False`: X @ A = B) reading only A's upper or lower triangle (`unitriangular`:
    taking its diagonal as ones): `solve` of `triu`/`tril` of A, so the gradient of A is the general one projected
    onto that triangle, as PyTorch's. A zero on the diagonal raises LinAlgError (PyTorch returns inf/NaN)."""
    from chainrule.creation import eye
    from chainrule.ops.shape_ops import tril, triu

    _square_float(A, "linalg.solve_triangular")
    if B.ndim < 2:
        raise RuntimeError(f"linalg.solve_triangular: The input tensor B must have at least 2 dimensions, got "
                           f"{B.ndim}")
    if B.array.dtype != A.array.dtype:
        raise RuntimeError(f"linalg.solve_triangular: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype} and B of type {B.dtype} instead")
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    tri = triu if upper else tril
    t = tri(A, 1 if upper else -1) + eye(n, dtype=A.dtype) if unitriangular else tri(A)
    if left:
        return apply(SOLVE, (t, B))
    return apply(SOLVE, (t.mT, B.mT)).mT


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of the vectors along `dim` (the inputs broadcast): `sum(x * y, dim)`."""
    from chainrule.ops.reductions import sum as sum_

    return sum_(x * y, dim)


def multi_dot(tensors: Any) -> Tensor:
    """The product of a chain of matrices (the first may be a 1-D row vector, the last a 1-D column vector), as
    `matmul`s from the left."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"linalg.multi_dot: expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.ndim not in allowed:
            raise RuntimeError(f"linalg.multi_dot: tensor {i} must be {' or '.join(f'{d}D' for d in allowed)} but "
                               f"got {t.ndim}D")
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A @ A @ ... (n times; 0: the identity, of A's shape; a negative n: powers of the inverse), by repeated
    squaring as PyTorch."""
    from chainrule.creation import eye
    from chainrule.ops.shape_ops import expand

    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.shape[-2] if A.ndim > 1 else 1} by {A.shape[-1] if A.ndim else 1} matrices")
    if not isinstance(n, int):
        raise TypeError(f"linalg.matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:  # the identity written over a copy of A, as PyTorch (a result in A's graph, with gradient 0)
        from chainrule.ops.inplace import copy_
        from chainrule.ops.shape_ops import clone

        return copy_(clone(A), expand(eye(A.shape[-1], dtype=A.dtype), tuple(A.shape)))
    base = inv(A) if n < 0 else A
    k = abs(n)
    result: Tensor | None = None
    while k:
        if k & 1:
            result = base if result is None else matmul(result, base)
        k >>= 1
        if k:
            base = matmul(base, base)
    assert result is not None
    return result


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """`torch.linalg.cross`: the cross product of 3-vectors along `dim` (-1 by default), the inputs broadcast."""
    from chainrule.ops.shape_ops import broadcast_tensors

    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions (got {input.ndim} and "
                           f"{other.ndim})")
    try:
        a, b = broadcast_tensors(input, other) if tuple(input.shape) != tuple(other.shape) else (input, other)
    except (RuntimeError, ValueError):
        raise RuntimeError(f"linalg.cross: the shapes {tuple(input.shape)} and {tuple(other.shape)} are not "
                           f"broadcastable") from None
    return cross(a, b, dim)


def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """`torch.linalg.diagonal`: `diagonal` with the last two dimensions as the default."""
    from chainrule.ops.shape_ops import diagonal

    return diagonal(A, offset, dim1, dim2)


# ----------------------------------------------------------------------------- svd / svdvals
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])


def _svd_forward(x: Any, full_matrices: bool) -> tuple:
    m, n = np.shape(x)[-2:]
    k = min(m, n)
    if not np.isfinite(x).all():  # NaN, as PyTorch's result, where LAPACK would not converge
        batch, dt = np.shape(x)[:-2], np.asarray(x).dtype
        rows, cols = (m, n) if full_matrices else (k, k)
        return (np.full(batch + (m, rows), np.nan, dt), np.full(batch + (k,), np.nan, dt),
                np.full(batch + (cols, n), np.nan, dt))
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return u, s, vh


def _svd_parts(xp: Any, x: Any, full_matrices: bool, have: dict) -> tuple:
    """U, S, Vh of x (those in `have` as given: the op's own output), narrowed to the k = min(m, n) singular
    vectors the gradient uses (PyTorch narrows full_matrices=True the same way)."""
    if xp.is_tensor:
        parts = [have[name] if name in have else apply(op, (x,), {"full_matrices": full_matrices})
                 for name, op in (("U", SVD_U), ("S", SVD_S), ("Vh", SVD_VH))]
    else:
        computed = _svd_forward(x, full_matrices)
        parts = [have.get(name, computed[i]) for i, name in enumerate(("U", "S", "Vh"))]
    u, s, vh = parts
    k = s.shape[-1]
    if full_matrices:
        u, vh = u[..., :, :k], vh[..., :k, :]
    return u, s, vh


def _svd_inner_gaps(xp: Any, s: Any) -> Any:
    """E_jk = S_k^2 - S_j^2, with 1 on the diagonal (PyTorch's; only 0 / 1 is read there)."""
    s2 = s * s
    eye = np.eye(s.shape[-1], dtype=xp.data(s).dtype)
    return xp.expand_dims(s2, -2) - xp.expand_dims(s2, -1) + eye


def _svd_s_vjp(xp: Any, g: Any, out: Any, x: Any, full_matrices: bool) -> tuple:
    u, _, vh = _svd_parts(xp, x, full_matrices, {"S": out})
    return (xp.matmul(u * xp.expand_dims(g, -2), vh),)


def _svd_u_vjp(xp: Any, g: Any, out: Any, x: Any, full_matrices: bool) -> tuple:
    # PyTorch's svd_backward, the gU terms: U [(skew(U^T gU) / E) S] V^T, plus (I - U U^T) gU S^-1 V^T when m > n
    u, s, vh = _svd_parts(xp, x, full_matrices, {"U": out})
    k = s.shape[-1]
    gu = g[..., :, :k] if full_matrices else g
    uhgu = xp.matmul(xp.swapaxes(u, -1, -2), gu)
    inner = (uhgu - xp.swapaxes(uhgu, -1, -2)) / _svd_inner_gaps(xp, s) * xp.expand_dims(s, -2)
    ga = xp.matmul(u, inner)
    if x.shape[-2] > x.shape[-1]:
        gu_sinv = gu / xp.expand_dims(s, -2)
        ga = ga + gu_sinv - xp.matmul(u, xp.matmul(xp.swapaxes(u, -1, -2), gu_sinv))
    return (xp.matmul(ga, vh),)


def _svd_vh_vjp(xp: Any, g: Any, out: Any, x: Any, full_matrices: bool) -> tuple:
    # the gVh terms: U [S (skew(Vh gVh^T) / E)] Vh, plus U S^-1 gVh (I - V Vh) when m < n
    u, s, vh = _svd_parts(xp, x, full_matrices, {"Vh": out})
    k = s.shape[-1]
    gvh = g[..., :k, :] if full_matrices else g
    vhgv = xp.matmul(vh, xp.swapaxes(gvh, -1, -2))
    inner = xp.expand_dims(s, -1) * ((vhgv - xp.swapaxes(vhgv, -1, -2)) / _svd_inner_gaps(xp, s))
    ga = xp.matmul(inner, vh)
    if x.shape[-2] < x.shape[-1]:
        sinv_gvh = gvh / xp.expand_dims(s, -1)
        ga = ga + sinv_gvh - xp.matmul(xp.matmul(sinv_gvh, xp.swapaxes(vh, -1, -2)), vh)
    return (xp.matmul(u, ga),)


SVD_S = defop("svd_s", lambda x, full_matrices: _svd_forward(x, full_matrices)[1], "A", vjp=_svd_s_vjp,
              formulas=("U diag(G) V^T",), backward_name="LinalgSvdBackward0")
SVD_U = defop("svd_u", lambda x, full_matrices: _svd_forward(x, full_matrices)[0], "A", vjp=_svd_u_vjp,
              formulas=("U (skew(U^T G) / (S_k^2 - S_j^2)) S V^T + (I - U U^T) G S^-1 V^T",), saves="both",
              backward_name="LinalgSvdBackward0")
SVD_VH = defop("svd_vh", lambda x, full_matrices: _svd_forward(x, full_matrices)[2], "A", vjp=_svd_vh_vjp,
               formulas=("U S (skew(V^T G^T) / (S_k^2 - S_j^2)) V^T + U S^-1 G (I - V V^T)",), saves="both",
               backward_name="LinalgSvdBackward0")


def svd(A: Tensor, full_matrices: bool = True, *, driver: Any = None) -> SVDResult:
    """A = U diag(S) Vh, S descending (of each matrix in a batch); `full_matrices=False` keeps k = min(m, n)
    singular vectors. Gradients are PyTorch's svd_backward (three ops, one per output, whose gradients add up
    to it; distinct singular values assumed, and a full rank where U or Vh is used of a rectangular matrix). The
    singular vectors' signs are LAPACK's (they may differ from PyTorch's)."""
    _float_matrices(A, "linalg.svd")
    if driver is not None:
        raise RuntimeError("linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER "
                           "backend.")
    attrs = {"full_matrices": bool(full_matrices)}
    return SVDResult(apply(SVD_U, (A,), attrs), apply(SVD_S, (A,), attrs), apply(SVD_VH, (A,), attrs))


def svdvals(A: Tensor, *, driver: Any = None) -> Tensor:
    """The singular values, descending (gradient U diag(G) V^T)."""
    _float_matrices(A, "linalg.svdvals")
    return apply(SVD_S, (A,), {"full_matrices": False})


# ----------------------------------------------------------------------------- torch.* spellings of linalg functions
SVDVResult = namedtuple("SVDVResult", ["U", "S", "V"])


def svd_v(input: Tensor, some: bool = True, compute_uv: bool = True) -> SVDVResult:
    """`torch.svd`: U, S and V (not Vh) with input = U diag(S) V^T; `some=False` gives the full U and V;
    `compute_uv=False` gives S and zero-filled full U and V, as PyTorch. The gradients are `linalg.svd`'s."""
    from chainrule.creation import zeros

    if not compute_uv:
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        return SVDVResult(zeros(*batch, m, m, dtype=input.dtype), svdvals(input),
                          zeros(*batch, n, n, dtype=input.dtype))
    u, s, vh = svd(input, full_matrices=not some)
    return SVDVResult(u, s, vh.mT)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """`torch.pinverse`: `linalg.pinv` with `rtol=rcond`."""
    return pinv(input, rtol=rcond)


def cholesky_deprecated(input: Tensor, upper: bool = False) -> Tensor:
    """`torch.cholesky` (deprecated by PyTorch in favour of `torch.linalg.cholesky`, with its warning)."""
    import warnings

    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    return cholesky(input, upper=upper)


def _gram(l: Any, upper: bool) -> Any:
    """L L^T from L's lower triangle (U^T U from the upper one): what LAPACK's potrs/potri read."""
    t = np.triu(l) if upper else np.tril(l)
    return np.matmul(np.swapaxes(t, -1, -2), t) if upper else np.matmul(t, np.swapaxes(t, -1, -2))


def _cholesky_solve_forward(b: Any, l: Any, upper: bool) -> Any:
    try:
        return np.linalg.solve(_gram(l, upper), b)
    except np.linalg.LinAlgError:
        raise LinAlgError("cholesky_solve: the factor has a zero on its diagonal") from None


def _cholesky_solve_vjp(xp: Any, g: Any, out: Any, b: Any, l: Any, upper: bool) -> tuple:
    # PyTorch's cholesky_solve_backward: gB = cholesky_solve(G, L); gL = -(gB X^T + X gB^T) L (upper: -L (...))
    gb = apply(CHOLESKY_SOLVE, (g, l), {"upper": upper}) if xp.is_tensor else _cholesky_solve_forward(g, l, upper)
    common = xp.matmul(gb, xp.swapaxes(out, -1, -2))
    common = common + xp.swapaxes(common, -1, -2)
    gl = -xp.matmul(l, common) if upper else -xp.matmul(common, l)
    gl = xp.sum_to(gl, l.shape) if tuple(gl.shape) != tuple(l.shape) else gl
    gb = xp.sum_to(gb, b.shape) if tuple(gb.shape) != tuple(b.shape) else gb
    return gb, gl


CHOLESKY_SOLVE = defop("cholesky_solve", _cholesky_solve_forward, "B L", vjp=_cholesky_solve_vjp,
                       formulas=("cholesky_solve(G, L)", "-(gB X^T + X gB^T) L"), saves="both")


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """`torch.cholesky_solve`: the X with (L L^T) X = B (`upper=True`: (U^T U) X = B), reading L's lower (upper)
    triangle; the gradients are PyTorch's (that of L written with the whole of L, as its formula)."""
    _square_float(L, "cholesky_solve")
    if B.ndim < 2:
        raise RuntimeError(f"cholesky_solve: b should have at least 2 dimensions, but has {B.ndim} dimensions "
                           f"instead")
    if B.shape[-2] != L.shape[-1]:
        raise RuntimeError(f"cholesky_solve: Incompatible matrix sizes for cholesky_solve: each A matrix is "
                           f"{L.shape[-1]} by {L.shape[-1]} but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    return apply(CHOLESKY_SOLVE, (B, L), {"upper": bool(upper)})


def _cholesky_inverse_forward(l: Any, upper: bool) -> Any:
    try:
        return np.linalg.inv(_gram(l, upper))
    except np.linalg.LinAlgError:
        raise LinAlgError("cholesky_inverse: the factor has a zero on its diagonal") from None


def _cholesky_inverse_vjp(xp: Any, g: Any, out: Any, l: Any, upper: bool) -> tuple:
    # PyTorch's cholesky_inverse_backward: common = A^-1 (G + G^T) A^-1; gL = -common L (upper: -L common)
    common = xp.matmul(out, xp.matmul(g + xp.swapaxes(g, -1, -2), out))
    return (-xp.matmul(l, common) if upper else -xp.matmul(common, l),)


CHOLESKY_INVERSE = defop("cholesky_inverse", _cholesky_inverse_forward, "L", vjp=_cholesky_inverse_vjp,
                         formulas=("-A^-1 (G + G^T) A^-1 L",), saves="both")


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:
    """`torch.cholesky_inverse`: (L L^T)^-1 (`upper=True`: (U^T U)^-1) from L's lower (upper) triangle; the gradient
    is PyTorch's."""
    _square_float(L, "cholesky_inverse")
    return apply(CHOLESKY_INVERSE, (L,), {"upper": bool(upper)})


def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The number of singular values above max(atol, rtol * the largest) (default rtol: eps * max(m, n) when
    neither is given), as int64; no gradient."""
    _float_matrices(A, "linalg.matrix_rank")
    s = np.linalg.svd(A.array, compute_uv=False)
    m, n = A.shape[-2:]
    if atol is None and rtol is None:
        rtol = np.finfo(s.dtype).eps * max(m, n)
    a = 0.0 if atol is None else float(atol)
    r = 0.0 if rtol is None else float(rtol)
    largest = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    return wrap(np.asarray(np.sum(s > np.maximum(a, r * largest), axis=-1), np.int64)[()])


def cond(A: Tensor, p: Any = None) -> Tensor:
    """The condition number: the largest over the smallest singular value (`p=None` or 2; -2 the inverse), or
    `matrix_norm(A, p) * matrix_norm(inv(A), p)` for 'fro', 'nuc', 1, -1, inf, -inf."""
    _float_matrices(A, "linalg.cond")
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = s[..., 0], s[..., -1]
        return big / small if p != -2 else small / big
    return matrix_norm(A, p) * matrix_norm(inv(A), p)
