"""Property-based tests (hypothesis) against PyTorch: broadcasting of binary ops, reductions over random
shapes/dims/keepdim, and indexing with random basic and advanced indices."""

from __future__ import annotations

import numpy as np
import torch
from _ops_harness import TORCH, assert_close, dtype_name, to_numpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = (1e-10, 1e-12)

BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "pow": lambda m, a, b: a.abs() ** b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "where": lambda m, a, b: m.where(a > b, a, b * 2.0),
}


def _pair(shapes: tuple) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(sum(map(len, shapes)))
    # values away from 0 so that division and |a| ** b stay smooth
    return tuple(rng.uniform(0.5, 2.0, s) * rng.choice([-1.0, 1.0], s) for s in shapes)


def _grads(fn, module, arrays, tensor, dtype):
    ins = [tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    out = fn(module, *ins)
    w = np.linspace(-1.0, 1.0, int(np.prod(out.shape)) or 1)[: int(np.prod(out.shape))].reshape(out.shape)
    (out * tensor(w, dtype=dtype)).sum().backward()
    return out, [x.grad for x in ins]


def _compare(fn, arrays):
    c_out, c_g = _grads(fn, cr, arrays, cr.tensor, cr.float64)
    t_out, t_g = _grads(fn, TORCH, arrays, torch.tensor, torch.float64)
    assert_close(c_out, t_out, TOL, "value")
    for k, (c, t) in enumerate(zip(c_g, t_g)):
        assert_close(c if c is not None else np.zeros(arrays[k].shape),
                     t if t is not None else np.zeros(arrays[k].shape), TOL, f"gradient {k}")


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(BINARY)))
def test_binary_broadcasting_matches_torch(shapes, op):
    _compare(BINARY[op], _pair(shapes.input_shapes))


REDUCTIONS = {
    "sum": lambda m, x, d, k: x.sum(d, keepdim=k),
    "mean": lambda m, x, d, k: x.mean(d, keepdim=k),
    "prod": lambda m, x, d, k: x.prod(d[0], keepdim=k),
    "amax": lambda m, x, d, k: x.amax(d, keepdim=k),
    "amin": lambda m, x, d, k: m.amin(x, d, keepdim=k),
    "max_dim": lambda m, x, d, k: x.max(d[0], keepdim=k)[0],
    "min_dim": lambda m, x, d, k: x.min(d[0], keepdim=k).values,
    "var": lambda m, x, d, k: x.var(d, keepdim=k),
    "std": lambda m, x, d, k: x.std(d, keepdim=k, unbiased=False),
    "norm": lambda m, x, d, k: x.norm(2, dim=d, keepdim=k),
    "logsumexp": lambda m, x, d, k: x.logsumexp(d, keepdim=k),
    "softmax": lambda m, x, d, k: x.softmax(d[0]),
    "log_softmax": lambda m, x, d, k: m.log_softmax(x, d[0]),
    "cumsum": lambda m, x, d, k: x.cumsum(d[0]),
}


@st.composite
def _reduction_args(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    ndim = len(shape)
    dims = draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                         unique_by=lambda d: d % ndim))
    return shape, tuple(dims), draw(st.booleans()), draw(st.sampled_from(sorted(REDUCTIONS)))


@SETTINGS
@given(args=_reduction_args())
def test_reductions_match_torch(args):
    shape, dims, keepdim, name = args
    n = int(np.prod(shape))
    rng = np.random.default_rng(n)
    x = (rng.permutation(n) * 0.25 - n * 0.1 + rng.uniform(-0.01, 0.01, n)).reshape(shape)  # no ties
    if name in ("var", "std") and int(np.prod([shape[d] for d in dims])) < 2:
        dims = tuple(range(len(shape)))
        if n < 2:
            return
    _compare(lambda m, a: REDUCTIONS[name](m, a, dims, keepdim), [x])


@st.composite
def _index(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    parts = []
    dim = 0
    while dim < len(shape) and draw(st.booleans()):
        n = shape[dim]
        kind = draw(st.sampled_from(["int", "slice", "none", "array"] if dim == 0 else ["int", "slice", "none"]))
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = draw(st.one_of(st.none(), st.integers(-n, n)))
            stop = draw(st.one_of(st.none(), st.integers(-n, n)))
            step = draw(st.one_of(st.none(), st.integers(1, 3)))
            parts.append(slice(start, stop, step))
        elif kind == "none":
            parts.append(None)
            continue
        else:
            parts.append(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5)))
        dim += 1
    if draw(st.booleans()):
        parts.append(Ellipsis)
    return shape, tuple(parts)


def _to_module(index, m):
    return tuple(m.tensor(p) if isinstance(p, list) else p for p in index)


@SETTINGS
@given(args=_index())
def test_indexing_matches_torch(args):
    shape, index = args
    x = np.random.default_rng(len(index)).standard_normal(shape)
    c = cr.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    c_out, t_out = c[_to_module(index, cr)], t[_to_module(index, torch)]
    assert_close(c_out, t_out, TOL, f"x{list(shape)}[{index}]")
    w = np.arange(c_out.numel(), dtype=np.float64).reshape(c_out.shape)
    (c_out * cr.tensor(w)).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    assert_close(c.grad, t.grad, TOL, f"gradient of x{list(shape)}[{index}] (repeated indices accumulate)")


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_boolean_mask_indexing_matches_torch(shape, data):
    x = np.random.default_rng(0).standard_normal(shape)
    mask = data.draw(hnp.arrays(np.bool_, shape))
    c, t = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    c_out, t_out = c[cr.tensor(mask)], t[torch.tensor(mask)]
    assert_close(c_out, t_out, TOL, "masked values")
    (c_out * 2.0).sum().backward()
    (t_out * 2.0).sum().backward()
    assert_close(c.grad, t.grad, TOL, "masked gradient")
    assert to_numpy(c_out).shape == (int(mask.sum()),)


# ----------------------------------------------------------------------------- type promotion
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
PROMOTING = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "sub": lambda a, b: a - b,
    "maximum": lambda a, b: TORCH.maximum(a, b) if isinstance(a, torch.Tensor) else cr.maximum(a, b),
    "where": lambda a, b: (TORCH if isinstance(a, torch.Tensor) else cr).where(a > 0, a, b),
    "eq": lambda a, b: a == b,
}


OPERANDS = ([("tensor", d) for d in DTYPES] + [("0d", d) for d in DTYPES]
            + [("scalar", v) for v in (True, 2, 1.5)])


def _make(operand, lib):
    kind, what = operand
    if kind == "scalar":
        return what
    values = [1, 0, 1] if what == "bool" else [3, 1, 2]
    data = values if kind == "tensor" else values[0]
    return lib.tensor(data, dtype=getattr(lib, what)).bool() if what == "bool" else \
        lib.tensor(data, dtype=getattr(lib, what))


def test_type_promotion_matches_torch_exhaustively():
    """Every op above on every pair of (tensor | 0-d tensor) x (tensor | 0-d tensor | Python scalar) of
    every dtype, both orders: the same result dtype and values as PyTorch, or an error in both."""
    mismatches = []
    for op, fn in PROMOTING.items():
        for a in OPERANDS[:18]:
            for b in OPERANDS:
                if op == "maximum" and b[0] == "scalar":
                    continue  # torch.maximum takes tensors only
                for swap in (False, True) if not (op == "where" and b[0] == "scalar") else (False,):
                    problem = _promotion_mismatch(fn, a, b, swap)
                    if problem:
                        mismatches.append(f"{op}{(b, a) if swap else (a, b)}: {problem}")
    assert not mismatches, f"{len(mismatches)} mismatches, e.g.\n" + "\n".join(mismatches[:20])


def _promotion_mismatch(fn, a, b, swap, unary=False):
    args_t = (_make(a, torch),) if unary else (_make(a, torch), _make(b, torch))
    args_c = (_make(a, cr),) if unary else (_make(a, cr), _make(b, cr))
    if swap:
        args_t, args_c = args_t[::-1], args_c[::-1]
    try:
        t = fn(*args_t)
    except (RuntimeError, TypeError) as exc:  # e.g. bool - bool: chainrule must refuse too
        try:
            fn(*args_c)
        except (RuntimeError, TypeError):
            return None
        return f"torch raises {type(exc).__name__}, chainrule does not"
    try:
        c = fn(*args_c)
        dtype_name(c)
    except Exception as exc:  # noqa: BLE001 - reported as a mismatch
        return f"chainrule raises {type(exc).__name__}: {exc}"
    if dtype_name(c) != dtype_name(t):
        return f"chainrule {dtype_name(c)} vs torch {dtype_name(t)}"
    if not np.allclose(to_numpy(c).astype(np.float64), to_numpy(t).astype(np.float64), rtol=1e-3, equal_nan=True):
        return f"values {to_numpy(c)} vs {to_numpy(t)}"
    return None


UNARY_DTYPE_OPS = {
    "exp": lambda m, x: m.exp(x), "abs": lambda m, x: m.abs(x), "neg": lambda m, x: -x, "sign": lambda m, x: x.sign(),
    "sqrt": lambda m, x: x.sqrt(), "square": lambda m, x: m.square(x), "floor": lambda m, x: x.floor(),
    "round": lambda m, x: x.round(), "relu": lambda m, x: m.relu(x), "sigmoid": lambda m, x: x.sigmoid(),
    "tanh": lambda m, x: x.tanh(), "sum": lambda m, x: x.sum(), "sum_dim": lambda m, x: x.sum(0),
    "mean": lambda m, x: x.mean(), "prod": lambda m, x: x.prod(), "cumsum": lambda m, x: x.cumsum(0),
    "amax": lambda m, x: x.amax(), "max_dim": lambda m, x: x.max(0)[0], "argmax": lambda m, x: x.argmax(),
    "clamp_int_bounds": lambda m, x: x.clamp(0, 2), "clamp_float_bound": lambda m, x: x.clamp(0.5),
    "softmax": lambda m, x: x.softmax(0), "reshape": lambda m, x: x.reshape(-1), "flip": lambda m, x: x.flip(0),
    "index": lambda m, x: x[m.tensor([0, 0])], "cat": lambda m, x: m.cat([x, x]), "pow2": lambda m, x: x ** 2,
    "div2": lambda m, x: x / 2, "floordiv2": lambda m, x: x // 2, "mul_float": lambda m, x: x * 0.5,
    "var": lambda m, x: x.var(), "norm": lambda m, x: x.norm(), "logsumexp": lambda m, x: x.logsumexp(0),
    "where_self": lambda m, x: m.where(x > 0, x, x), "matmul": lambda m, x: x @ x,
}


# chainrule computes where PyTorch refuses (more lenient, never a different answer): integer inputs of
# softmax/var/norm are computed in the default float dtype, bool inputs of abs/floor/round/relu/argmax/matmul
# and bool sign/square are left as they are
LENIENT = ({("softmax", d) for d in DTYPES[:6]} | {("var", d) for d in DTYPES[:6]} | {("norm", d) for d in DTYPES[:6]}
           | {(op, "bool") for op in ("abs", "floor", "round", "relu", "argmax", "matmul", "sign", "square")})


def test_unary_result_dtypes_match_torch_exhaustively():
    """Each op on a 1-D tensor of every dtype: the same dtype and values as PyTorch, or an error in both."""
    mismatches = []
    for name, fn in UNARY_DTYPE_OPS.items():
        for dtype in DTYPES:
            problem = _promotion_mismatch(lambda x, fn=fn: fn(cr if isinstance(x, cr.Tensor) else TORCH, x),
                                          ("tensor", dtype), None, False, unary=True)
            if problem and (name, dtype) not in LENIENT:
                mismatches.append(f"{name}({dtype}): {problem}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


# ----------------------------------------------------------------------------- matmul, shape ops, joins, setitem
@st.composite
def _matmul_shapes(draw):
    m, k, n = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)).input_shapes
    a = (k,) if draw(st.integers(0, 4)) == 0 else batch[0] + (m, k)
    b = (k,) if draw(st.integers(0, 4)) == 0 else batch[1] + (k, n)
    return a, b


@SETTINGS
@given(shapes=_matmul_shapes())
def test_matmul_matches_torch(shapes):
    _compare(lambda m, a, b: a @ b, list(_pair(shapes)))


SHAPE_OPS = {
    "permute": lambda m, x, r: x.permute(*r.permutation(x.ndim).tolist()),
    "transpose": lambda m, x, r: x.transpose(int(r.integers(-x.ndim, x.ndim)), int(r.integers(-x.ndim, x.ndim))),
    "reshape_flat": lambda m, x, r: x.reshape(-1),
    "reshape_split": lambda m, x, r: x.reshape(x.shape[0], -1),
    "flatten": lambda m, x, r: x.flatten(int(r.integers(0, x.ndim))),
    "squeeze": lambda m, x, r: x.squeeze(),
    "unsqueeze": lambda m, x, r: x.unsqueeze(int(r.integers(-x.ndim - 1, x.ndim + 1))),
    "expand": lambda m, x, r: x.unsqueeze(0).expand(2, *x.shape),
    "flip": lambda m, x, r: x.flip(int(r.integers(0, x.ndim))),
    "repeat": lambda m, x, r: x.repeat(*r.integers(1, 3, x.ndim + 1).tolist()),
    "split": lambda m, x, r: x.split(int(r.integers(1, 3)), int(r.integers(0, x.ndim))),
    "chunk": lambda m, x, r: x.chunk(int(r.integers(1, 4)), int(r.integers(0, x.ndim))),
    "cat_self": lambda m, x, r: m.cat([x, x * 2.0], int(r.integers(-x.ndim, x.ndim))),
    "stack_self": lambda m, x, r: m.stack([x, x * 2.0], int(r.integers(-x.ndim - 1, x.ndim + 1))),
    "pad": lambda m, x, r: m.pad(x, tuple(r.integers(0, 3, 2 * int(r.integers(1, x.ndim + 1))).tolist())),
    "unbind": lambda m, x, r: x.unbind(int(r.integers(0, x.ndim))),
}


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3), op=st.sampled_from(sorted(SHAPE_OPS)),
       seed=st.integers(0, 1000))
def test_shape_ops_match_torch(shape, op, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    results = []
    for m, lib in ((cr, cr), (TORCH, torch)):
        t = lib.tensor(x, requires_grad=True)
        outs = SHAPE_OPS[op](m, t, np.random.default_rng(seed))
        outs = list(outs) if isinstance(outs, tuple | list) else [outs]
        loss = sum(((o * (k + 1.0)) ** 2).sum() for k, o in enumerate(outs))
        loss.backward()
        results.append((outs, t.grad))
    (c_outs, c_grad), (t_outs, t_grad) = results
    assert len(c_outs) == len(t_outs)
    for c, t in zip(c_outs, t_outs):
        assert_close(c, t, TOL, f"{op} value")
    assert_close(c_grad, t_grad, TOL, f"{op} gradient")


@st.composite
def _setitem_args(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    index = []
    for n in shape[: draw(st.integers(1, len(shape)))]:
        kind = draw(st.sampled_from(["int", "slice", "mask"] if not index else ["int", "slice"]))
        if kind == "int":
            index.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            index.append(slice(draw(st.integers(0, n - 1)), draw(st.integers(1, n)), draw(st.integers(1, 2))))
        else:
            index.append(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return shape, tuple(index), draw(st.booleans())


@SETTINGS
@given(args=_setitem_args())
def test_setitem_matches_torch(args):
    shape, index, scalar_value = args
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    results = []
    for lib in (cr, torch):
        idx = tuple(lib.tensor(p) if isinstance(p, list) else p for p in index)
        base = lib.tensor(x, requires_grad=True)
        y = base * 1.0
        target_shape = tuple(y[idx].shape)
        v = lib.tensor(np.full(target_shape[-1:] if target_shape else (), 0.5), requires_grad=True)
        y[idx] = 3.0 if scalar_value else v * 2.0
        (y * y).sum().backward()
        results.append((y, base.grad, None if scalar_value else v.grad))
    (cy, cg, cv), (ty, tg, tv) = results
    assert_close(cy, ty, TOL, f"x{list(shape)}[{index}] = ...")
    assert_close(cg, tg, TOL, "gradient of the base")
    if not scalar_value:
        assert_close(cv, tv, TOL, "gradient of the written value (summed over broadcasting)")
