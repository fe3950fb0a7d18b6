"""Matrix products: `matmul` (1-D, 2-D and batched N-D, as PyTorch), `mm`, `bmm`, `dot`, `outer`, `einsum`."""

from __future__ import annotations

import re
import string
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


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """`beta * input + alpha * (batch1 @ batch2)`, batch by batch (a composition of `bmm`, `mul` and `add`)."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError("baddbmm: batch1 must be a 3D tensor" if batch1.ndim != 3 else
                           "baddbmm: batch2 must be a 3D tensor")
    if batch1.shape[2] != batch2.shape[1] or batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"baddbmm: Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch1.shape[0]}, {batch1.shape[2]}] but got: [{batch2.shape[0]}, {batch2.shape[1]}].")
    return _add_product("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """`beta * input + alpha * sum_b(batch1[b] @ batch2[b])` (a composition of `bmm`, `sum`, `mul` and `add`)."""
    from chainrule.ops.reductions import sum as sum_

    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError("addbmm: batch1 must be a 3D tensor" if batch1.ndim != 3 else
                           "addbmm: batch2 must be a 3D tensor")
    if batch1.shape[2] != batch2.shape[1] or batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"addbmm: Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch1.shape[0]}, {batch1.shape[2]}] but got: [{batch2.shape[0]}, {batch2.shape[1]}].")
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
    return norm(sub(unsqueeze(x1, -2), unsqueeze(x2, -3)), p, dim=-1)


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
        raise RuntimeError("inverse: linalg.inv: The input matrix is singular: it has no inverse") from None


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
