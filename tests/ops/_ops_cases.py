"""The op table: every registered op and Tensor method, with broadcasting shapes, 0-d and empty tensors,
and ties. Each row is run against PyTorch (float32 and float64, value, gradient, create_graph=True
gradient, second derivative) and, if differentiable, through float64 gradcheck."""

from __future__ import annotations

from typing import Any

import numpy as np
from _ops_harness import Case

C = Case


# ----------------------------------------------------------------------------- helpers for multi-statement ops
def _setitem_int(m: Any, a: Any, b: Any) -> Any:
    y = a * 1.0
    y[1] = b
    return y


def _setitem_slice_scalar(m: Any, a: Any) -> Any:
    y = a * 2.0
    y[:, 1:3] = 5.0
    return y


def _setitem_mask(m: Any, a: Any, b: Any) -> Any:
    y = a.clone()
    y[a > 0] = b[a > 0] * 3.0
    return y


def _setitem_index_array(m: Any, a: Any, b: Any) -> Any:
    y = a.clone()
    y[m.tensor([0, 2])] = b
    return y


def _inplace_chain(m: Any, a: Any, b: Any) -> Any:
    y = a * 1.0
    y.add_(b)
    y.mul_(b)
    y.sub_(0.5)
    y.div_(2.0)
    y += b
    y *= 1.5
    return y


_UNARY_INPLACE = [("exp_", ()), ("log_", ()), ("sigmoid_", ()), ("tanh_", ()), ("pow_", (2,)), ("sqrt_", ()),
                  ("clamp_", (0.6, 0.9)), ("abs_", ()), ("neg_", ()), ("relu_", ())]


def _inplace_unary(m: Any, a: Any) -> Any:
    outs = []
    for name, args in _UNARY_INPLACE:
        y = a.abs() + 0.5  # a fresh non-leaf each time; add saves nothing, so writing into it is legal
        getattr(y, name)(*args)
        outs.append(y)
    return m.stack(outs)


def _inplace_chain_of_unary(m: Any, a: Any) -> Any:
    y = a * 2.0
    y.relu_()
    z = y * 3.0  # mul saves y: modifying y afterwards would be an error
    z.neg_()
    return z


def _inplace_masked_fill(m: Any, a: Any) -> Any:
    y = a.clone()
    y.masked_fill_(a < 0, 0.5)
    return y * a


def _inplace_view_setitem(m: Any, a: Any, b: Any) -> Any:
    y = a.clone()
    y[0, :] = b
    y[1, 2] = 7.0
    return y * y


def _inplace_view_ops(m: Any, a: Any) -> Any:
    y = a * 2.0
    y.t_()
    y.unsqueeze_(0)
    y.squeeze_(0)
    y.transpose_(0, 1)
    y.squeeze_()
    y.unsqueeze_(-1)
    return y * a.unsqueeze(-1)


def _inplace_view_op_on_a_view(m: Any, a: Any) -> Any:
    base = a * 1.0
    row = base[1]
    row.unsqueeze_(0)
    row.mul_(a[0])  # written through the reshaped view into its base
    col = base[:, 2:]
    base.add_(1.0)  # and the base written: the view is made again from it
    return base * base, row * 2.0, col


def _iter_rows(m: Any, a: Any) -> Any:
    return m.stack([row * (i + 1) for i, row in enumerate(a)])


def _large(scale: float, shape: tuple[int, ...] = (3, 5)) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.standard_normal(shape) * scale]


# ----------------------------------------------------------------------------- scatter / index writes (issue: ops)
SCATTER_IDX = [[0, 1, 2], [2, 0, 1]]  # along dim 0 of (3, 4): no position twice (scatter's duplicates are unordered)
DUP_IDX = [[0, 0, 2, 0], [0, 1, 0, 0]]  # duplicates: they accumulate
PROD_ZEROS = [np.array([[0.0, 1.5, -2.0, 0.5], [1.2, 0.0, 0.7, -1.1], [0.9, 2.0, 0.0, 1.3]]),
              np.array([[0.0, 0.8, 1.1, 0.0], [1.4, 0.0, -0.6, 2.0]])]


def _scatter_reduce_all(m: Any, a: Any, b: Any, reduce: str) -> Any:
    idx = m.tensor(DUP_IDX)
    return (a.scatter_reduce(0, idx, b, reduce), m.scatter_reduce(a, -2, idx, b, reduce, include_self=False))


def _inplace_scatters(m: Any, a: Any, b: Any) -> Any:
    y = a * 1.0
    y.scatter_(0, m.tensor(SCATTER_IDX), b[:2, :3])
    y.scatter_add_(1, m.tensor([[3, 3], [0, 1], [2, 2]]), b.t()[:3, :2])
    y.index_add_(0, m.tensor([2, 0, 2]), b.t()[:3, :] * 2.0, alpha=0.5)
    y.index_copy_(1, m.tensor([1]), b[:1, :3].t())
    y.index_fill_(0, m.tensor([-2]), 0.25)
    y.scatter_reduce_(1, m.tensor([[0, 0], [1, 3], [2, 1]]), b.t()[:3, 2:], "prod")
    return y * a


def _inplace_scatter_into_view(m: Any, a: Any, b: Any) -> Any:
    y = a * 1.0
    row = y[1]
    row.scatter_add_(0, m.tensor([3, 3, 0]), b[0, :3])
    col = y[:, 2]
    col.index_fill_(0, m.tensor([0]), b[1, 0])
    return y * 2.0, row, col


NAN = float("nan")
RELU_TIES = [np.array([[-1.0, 0.0, 2.0], [0.0, -0.0, 3.0]])]
MAX_TIES = [np.array([[1.0, 3.0, 3.0, 2.0], [5.0, 0.0, 5.0, 5.0], [-1.0, -1.0, -1.0, -1.0]])]
MIN_TIES = [-MAX_TIES[0]]


def _inplace_lerp_tril(m: Any, a: Any, b: Any) -> Any:
    y = a * 1.0
    y.lerp_(b, 0.25)
    y.tril_()
    return y


SORT_TIES = [np.array([[1.0, 3.0, 3.0, 2.0, 3.0, 1.0], [0.0, -0.0, 2.0, 2.0, NAN, 1.0]])]
ANY_ALL = [np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [NAN, 1.0, -1.0]])]
CUMPROD_ZEROS = [np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 2.0, 0.0, 3.0], [0.5, -2.0, 1.5, 0.0]])]


CASES: list[Case] = [
    # ------------------------------------------------------------------ binary arithmetic, broadcasting
    C("add", lambda m, a, b: a + b, ((3, 4), (3, 4))),
    C("add_bcast_row", lambda m, a, b: a + b, ((3, 4), (4,))),
    C("add_bcast_both", lambda m, a, b: a + b, ((2, 1, 3), (4, 1))),
    C("add_0d_left", lambda m, a, b: a + b, ((), (3,))),
    C("add_0d_right", lambda m, a, b: m.add(a, b), ((2, 3), ())),
    C("add_0d_0d", lambda m, a, b: a + b, ((), ())),
    C("add_alpha", lambda m, a, b: m.add(a, b, alpha=2.5), ((3,), (2, 3))),
    C("add_empty", lambda m, a, b: a + b, ((0, 3), (3,))),
    C("add_empty_bcast", lambda m, a, b: a + b, ((0, 1), (1, 4))),
    C("radd_scalar", lambda m, a: 2.0 + a, ((3,),)),
    C("add_int_scalar", lambda m, a: a + 2, ((3,),)),
    C("sub", lambda m, a, b: a - b, ((3, 1), (1, 4))),
    C("sub_method", lambda m, a, b: a.sub(b, alpha=0.5), ((3, 4), (4,))),
    C("rsub_scalar", lambda m, a: 2.5 - a, ((2, 3),)),
    C("rsub_fn", lambda m, a, b: (m.rsub(a, b), m.rsub(a, b, alpha=2.0), m.rsub(a, 1.5)), ((2, 3), (3,))),
    C("sub_scalar", lambda m, a: a - 1, ((2, 3),)),
    C("mul", lambda m, a, b: a * b, ((2, 3, 4), (3, 1))),
    C("mul_0d", lambda m, a, b: a * b, ((), (2, 2))),
    C("mul_self", lambda m, a: a * a, ((5,),)),
    C("rmul_scalar", lambda m, a: 3.0 * a, ((4,),)),
    C("mul_int_scalar", lambda m, a: a * 2, ((4,),)),
    C("div", lambda m, a, b: a / b, ((3, 4), (4,)), domain="nonzero"),
    C("div_0d", lambda m, a, b: m.div(a, b), ((), (3,)), domain="nonzero"),
    C("rdiv_scalar", lambda m, a: 2.0 / a, ((3,),), domain="nonzero"),
    C("div_scalar", lambda m, a: a / 3, ((3,),)),
    C("div_by_python_zero", lambda m, a: (a / 0, a / -0.0, a / 0.0), ((3,),), gradcheck=False, gradgrad=False),
    C("true_divide", lambda m, a, b: m.true_divide(a, b), ((2, 2), (2, 2)), domain="pos"),
    C("floordiv_scalar", lambda m, a: a // 0.7, ((3, 4),), grad=False),
    C("floordiv_tensor", lambda m, a, b: a // b, ((3, 4), (4,)), domain="nonzero", grad=False),
    C("rfloordiv_scalar", lambda m, a: 2.0 // a, ((3, 4),), domain="nonzero", grad=False),
    C("div_rounding_modes", lambda m, a, b: (m.div(a, b, rounding_mode="floor"), m.div(a, b, rounding_mode="trunc"),
                                             a.div(0.7, rounding_mode="trunc")), ((3, 4), (4,)),
      domain="nonzero"),
    C("pow_tensor", lambda m, a, b: a ** b, ((3, 4), (4,)), domain="pos"),
    C("pow_fn_bcast", lambda m, a, b: m.pow(a, b), ((2, 1), (1, 3)), domain="pos"),
    C("pow_square", lambda m, a: a ** 2, ((3, 4),)),
    C("pow_cube_float", lambda m, a: a ** 3.0, ((3, 4),)),
    C("pow_half", lambda m, a: a ** 0.5, ((3, 4),), domain="pos"),
    C("pow_negative", lambda m, a: a ** -1.5, ((3,),), domain="pos"),
    C("pow_zero", lambda m, a: a ** 0, ((3,),)),
    C("rpow_scalar", lambda m, a: 2.0 ** a, ((3, 4),)),
    C("pow_at_zero_base", lambda m, a, b: a ** b, data=[[0.0, 0.0, 1.0], [2.0, 0.0, 3.0]], gradgrad=False,
      gradcheck=False),
    C("neg", lambda m, a: -a, ((3, 4),)),
    C("neg_fn", lambda m, a: m.neg(a), ((),)),
    C("pos", lambda m, a: +a, ((3,),)),
    C("remainder", lambda m, a: a % 0.7, ((3, 4),), domain="pos"),
    C("remainder_tensor", lambda m, a, b: (a % b, m.remainder(a, b * -1.0)), ((3, 4), (4,)), domain="pos"),
    # ------------------------------------------------------------------ matmul family
    C("matmul_1d_1d", lambda m, a, b: a @ b, ((4,), (4,))),
    C("matmul_2d_2d", lambda m, a, b: a @ b, ((2, 3), (3, 4))),
    C("matmul_1d_2d", lambda m, a, b: m.matmul(a, b), ((3,), (3, 4))),
    C("matmul_2d_1d", lambda m, a, b: m.matmul(a, b), ((2, 3), (3,))),
    C("matmul_3d_2d", lambda m, a, b: a @ b, ((2, 2, 3), (3, 4))),
    C("matmul_2d_3d", lambda m, a, b: a @ b, ((2, 3), (5, 3, 4))),
    C("matmul_batch_bcast", lambda m, a, b: a @ b, ((5, 1, 2, 3), (4, 3, 2))),
    C("matmul_1d_3d", lambda m, a, b: a @ b, ((3,), (2, 3, 4))),
    C("matmul_3d_1d", lambda m, a, b: a @ b, ((2, 3, 4), (4,))),
    C("matmul_empty_inner", lambda m, a, b: a @ b, ((2, 0), (0, 3))),
    C("mm", lambda m, a, b: m.mm(a, b), ((2, 3), (3, 2))),
    C("bmm", lambda m, a, b: m.bmm(a, b), ((2, 2, 3), (2, 3, 2))),
    C("mv", lambda m, a, b: m.mv(a, b), ((2, 3), (3,))),
    C("dot", lambda m, a, b: m.dot(a, b), ((5,), (5,))),
    C("dot_method", lambda m, a, b: a.dot(b), ((3,), (3,))),
    C("inner_1d", lambda m, a, b: m.inner(a, b), ((3,), (3,))),
    C("outer", lambda m, a, b: m.outer(a, b), ((3,), (4,))),
    C("einsum_matmul", lambda m, a, b: m.einsum("ij,jk->ik", a, b), ((2, 3), (3, 4))),
    C("einsum_bmm", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), ((2, 2, 3), (2, 3, 2))),
    C("einsum_dot", lambda m, a, b: m.einsum("i,i->", a, b), ((4,), (4,))),
    C("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), ((3,), (2,))),
    C("einsum_transpose", lambda m, a: m.einsum("ij->ji", a), ((2, 3),)),
    C("einsum_sum_all", lambda m, a: m.einsum("ij->", a), ((2, 3),)),
    C("einsum_col_sum", lambda m, a: m.einsum("ij->j", a), ((2, 3),)),
    C("einsum_rowdot", lambda m, a, b: m.einsum("bi,bi->b", a, b), ((3, 4), (3, 4))),
    C("einsum_matvec", lambda m, a, b: m.einsum("ij,j->i", a, b), ((3, 4), (4,))),
    C("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), ((2, 3), (3, 2))),
    C("einsum_three", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c), ((2, 3), (3, 2), (2, 2))),
    C("einsum_sum_private", lambda m, a, b: m.einsum("ij,k->ik", a, b), ((2, 3), (4,))),
    C("einsum_spaces_bilinear", lambda m, a, b, c: m.einsum("bi, ij, bj -> b", a, b, c), ((2, 3), (3, 3), (2, 3))),
    C("einsum_ellipsis_batch", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b), ((2, 3, 2, 3), (3, 3, 4))),
    C("einsum_ellipsis_bcast", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b), ((2, 1, 2, 3), (4, 3, 2))),
    C("einsum_ellipsis_implicit", lambda m, a: m.einsum("i...", a), ((3, 2, 2),)),
    C("einsum_ellipsis_middle", lambda m, a, b: m.einsum("i...j,j->...i", a, b), ((2, 3, 4), (4,))),
    C("einsum_ellipsis_sum", lambda m, a: m.einsum("...i->", a), ((2, 3),)),
    C("einsum_trace", lambda m, a: m.einsum("ii->", a), ((3, 3),)),
    C("einsum_trace_implicit", lambda m, a: m.einsum("ii", a), ((3, 3),)),
    C("einsum_diagonal", lambda m, a: m.einsum("ii->i", a), ((3, 3),)),
    C("einsum_batch_diagonal", lambda m, a, b: m.einsum("...ii,...i->...", a, b), ((2, 3, 3), (3,))),
    C("einsum_size1_bcast", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), ((1, 2, 3), (4, 3, 2))),
    C("einsum_uppercase", lambda m, a, b: m.einsum("Ab,bC->AC", a, b), ((2, 3), (3, 2))),
    C("einsum_list_operands", lambda m, a, b: m.einsum("i,i->", [a, b]), ((3,), (3,))),
    # ------------------------------------------------------------------ unary math
    C("exp", lambda m, a: m.exp(a), ((3, 4),)),
    C("exp_0d", lambda m, a: a.exp(), ((),)),
    C("exp_empty", lambda m, a: m.exp(a), ((0,),)),
    C("log", lambda m, a: m.log(a), ((3, 4),), domain="pos"),
    C("log1p", lambda m, a: m.log1p(a), ((3, 4),), domain="unit"),
    C("sqrt", lambda m, a: m.sqrt(a), ((3, 4),), domain="pos"),
    C("rsqrt", lambda m, a: m.rsqrt(a), ((3, 4),), domain="pos"),
    C("abs", lambda m, a: m.abs(a), ((3, 4),), domain="nonzero"),
    C("abs_at_zero", lambda m, a: a.abs(), data=[[-1.0, 0.0, 2.0, -0.0]], gradcheck=False),
    C("abs_builtin", lambda m, a: abs(a), ((3,),), domain="nonzero"),
    C("sign", lambda m, a: m.sign(a), ((3, 4),), domain="nonzero"),
    C("sign_at_zero", lambda m, a: a.sign(), data=[[-1.0, 0.0, 2.0]], gradcheck=False),
    C("abs_sign_0d", lambda m, a: (a.abs(), a.sign(), m.abs(a * 0.0)), ((),), domain="nonzero", gradcheck=False),
    C("sin", lambda m, a: m.sin(a), ((3, 4),)),
    C("cos", lambda m, a: m.cos(a), ((3, 4),)),
    C("tanh", lambda m, a: m.tanh(a), ((3, 4),)),
    C("tanh_large", lambda m, a: m.tanh(a), data=_large(30.0), gradcheck=False),
    C("sigmoid", lambda m, a: m.sigmoid(a), ((3, 4),)),
    C("sigmoid_large", lambda m, a: a.sigmoid(), data=_large(60.0), gradcheck=False),
    C("square", lambda m, a: m.square(a), ((3,),)),
    C("reciprocal", lambda m, a: m.reciprocal(a), ((3,),), domain="nonzero"),
    C("exp2", lambda m, a: m.exp2(a), ((3,),)),
    C("expm1", lambda m, a: m.expm1(a), ((3,),)),
    C("log2", lambda m, a: m.log2(a), ((3,),), domain="pos"),
    C("log10", lambda m, a: m.log10(a), ((3,),), domain="pos"),
    C("tan", lambda m, a: m.tan(a), ((3,),), domain="unit"),
    C("sinh", lambda m, a: m.sinh(a), ((3,),)),
    C("cosh", lambda m, a: m.cosh(a), ((3,),)),
    C("atan", lambda m, a: m.atan(a), ((3,),)),
    C("erf", lambda m, a: m.erf(a), ((3, 4),)),
    C("floor_ceil_round_trunc", lambda m, a: (m.floor(a), m.ceil(a), m.round(a), m.trunc(a)), ((3, 4),),
      gradgrad=False),
    C("unary_on_int", lambda m, a: m.exp((a * 3).long()), ((3,),), grad=False),
    # ------------------------------------------------------------------ activations
    C("relu", lambda m, a: m.relu(a), ((3, 4),), domain="nonzero"),
    C("relu_ties", lambda m, a: m.relu(a), data=RELU_TIES, gradcheck=False),
    C("relu_method_0d", lambda m, a: a.relu(), data=[-0.5]),
    C("relu_0d_zero", lambda m, a: m.relu(a), data=[np.array(0.0)], gradcheck=False),
    C("nan_inputs", lambda m, a, b: (m.relu(a), m.maximum(a, b), m.minimum(b, a), m.leaky_relu(a), m.elu(a),
                                    a.clamp(0.0, 1.0), m.sqrt(a), m.softplus(a), m.where(a > 0, a, b), a.abs(),
                                    a.sign()),
      data=[[NAN, 1.0, -1.0, 0.0], [0.0, 0.5, NAN, 0.0]], gradcheck=False, gradgrad=False),
    C("sqrt_at_zero", lambda m, a: m.sqrt(a), data=[[0.0, 1.0]], gradcheck=False, gradgrad=False),
    C("leaky_relu", lambda m, a: m.leaky_relu(a), ((3, 4),), domain="nonzero"),
    C("leaky_relu_slope", lambda m, a: m.leaky_relu(a, 0.2), data=RELU_TIES, gradcheck=False),
    C("elu", lambda m, a: m.elu(a), ((3, 4),), domain="nonzero"),
    C("elu_alpha_ties", lambda m, a: m.elu(a, alpha=0.5), data=RELU_TIES, gradcheck=False, gradgrad=False),
    C("gelu", lambda m, a: m.gelu(a), ((3, 4),)),
    C("gelu_tanh", lambda m, a: m.gelu(a, approximate="tanh"), ((3, 4),)),
    C("silu", lambda m, a: m.silu(a), ((3, 4),)),
    C("softplus", lambda m, a: m.softplus(a), ((3, 4),)),
    C("softplus_beta_threshold", lambda m, a: m.softplus(a * 4.0, beta=2.0, threshold=5.0), ((3, 4),)),
    C("logsigmoid", lambda m, a: m.logsigmoid(a), ((3, 4),)),
    C("clamp", lambda m, a: m.clamp(a, -0.5, 0.5), ((3, 4),), domain="distinct"),
    C("clamp_min_only", lambda m, a: a.clamp(min=0.1), ((3, 4),), domain="distinct"),
    C("clamp_max_only", lambda m, a: a.clamp(max=0.1), ((3, 4),), domain="distinct"),
    C("clamp_boundary", lambda m, a: a.clamp(0.0, 1.0), data=[[-1.0, 0.0, 0.5, 1.0, 2.0]], gradcheck=False),
    C("clamp_tensor_bounds", lambda m, a, lo, hi: m.clamp(a, lo, hi - 0.5 + 2 * lo.abs()), ((3, 4), (4,), (3, 1)),
      domain="distinct"),
    C("clamp_tensor_bounds_ties", lambda m, a, lo, hi: m.clamp(a, lo, hi),
      data=[[-1.0, 0.0, 0.5, 1.0, 2.0, 0.3], [0.0, 0.0, 0.0, 0.0, 0.0, 0.5], [1.0, 1.0, 1.0, 1.0, 1.0, 0.2]],
      gradcheck=False),
    C("clamp_tensor_min_only", lambda m, a, lo: a.clamp(min=lo), ((3, 4), (4,)), domain="distinct"),
    C("clip", lambda m, a: m.clip(a, -1.0, 1.0), ((3, 4),), domain="distinct"),
    C("hardtanh", lambda m, a: m.hardtanh(a), ((3, 4),), domain="distinct"),
    C("hardtanh_bounds", lambda m, a: (m.hardtanh(a), m.hardtanh(a * 2.0, -2.0, 4.0)),
      data=[[-1.0, 1.0, 0.5, -2.0, 2.0, 3.0]], gradcheck=False, gradgrad=False),
    C("nan_inputs_gates", lambda m, a, b: (m.leaky_relu(a, 0.1), m.elu(a, 0.5), a.clamp(min=0.0),
                                          a.clamp(max=0.0), m.where(a > 0, b, a), m.where(b > 0, b, a)),
      data=[[NAN, 1.0, -1.0, 0.0, -0.0], [0.0, NAN, NAN, 0.0, 2.0]], gradcheck=False, gradgrad=False),
    C("maximum", lambda m, a, b: m.maximum(a, b), ((3, 4), (4,))),
    C("maximum_ties", lambda m, a, b: m.maximum(a, b), data=[[1.0, 2.0, 3.0, 0.0], [1.0, 5.0, 3.0, -1.0]],
      gradcheck=False),
    C("minimum", lambda m, a, b: m.minimum(a, b), ((2, 1, 3), (4, 1))),
    C("minimum_ties", lambda m, a, b: a.minimum(b), data=[[1.0, 2.0, 3.0], [1.0, 5.0, 3.0]], gradcheck=False),
    C("where", lambda m, a, b: m.where(a > 0, a, b), ((3, 4), (4,))),
    C("where_scalar_other", lambda m, a: m.where(a > 0, a, 0.0), ((3, 4),), domain="nonzero"),
    C("where_method", lambda m, a, b: a.where(b > 0, b), ((3, 4), (3, 4))),
    C("comparisons", lambda m, a, b: (a == b, a != b, a < b, a <= b, a > b, a >= b),
      data=[[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]], grad=False),
    C("comparisons_fn", lambda m, a: (m.eq(a, 0.5), m.gt(a, 0), m.lt(a, 0), m.ge(a, a), m.le(a, 1), m.ne(a, 2)),
      ((3,),), grad=False),
    C("logical", lambda m, a, b: (m.logical_and(a > 0, b > 0), m.logical_or(a > 0, b > 0), m.logical_not(a > 0),
                                  (a > 0) & (b > 0), (a > 0) | (b > 0), ~(a > 0)), ((3, 4), (4,)), grad=False),
    C("isnan_isinf", lambda m, a: (m.isnan(m.log(a)), m.isinf(1.0 / (a - a)), m.isfinite(a)), ((4,),), grad=False),
    # ------------------------------------------------------------------ reductions
    C("sum_all", lambda m, a: m.sum(a), ((3, 4),)),
    C("sum_dim", lambda m, a: a.sum(dim=1), ((3, 4),)),
    C("sum_dim_neg_keepdim", lambda m, a: a.sum(-1, keepdim=True), ((2, 3, 4),)),
    C("sum_dims_tuple", lambda m, a: a.sum((0, 2)), ((2, 3, 4),)),
    C("sum_0d", lambda m, a: a.sum(), ((),)),
    C("sum_0d_dim", lambda m, a: a.sum(0), ((),)),
    C("sum_empty", lambda m, a: a.sum(), ((0, 3),)),
    C("sum_empty_dim", lambda m, a: a.sum(0), ((0, 3),)),
    C("sum_int", lambda m, a: (a * 3).long().sum(), ((3,),), grad=False),
    C("sum_bool", lambda m, a: (a > 0).sum(1), ((3, 4),), grad=False),
    C("mean_all", lambda m, a: m.mean(a), ((3, 4),)),
    C("mean_dim", lambda m, a: a.mean(0), ((3, 4),)),
    C("mean_dims_keepdim", lambda m, a: a.mean((1, 2), keepdim=True), ((2, 3, 4),)),
    C("mean_0d", lambda m, a: a.mean(), ((),)),
    C("mean_empty", lambda m, a: a.mean(), ((0,),), gradcheck=False, gradgrad=False),
    C("prod_all", lambda m, a: m.prod(a), ((2, 3),), domain="nonzero"),
    C("prod_dim", lambda m, a: a.prod(1), ((3, 4),), domain="nonzero"),
    C("prod_dim_keepdim", lambda m, a: a.prod(0, keepdim=True), ((3, 4),), domain="nonzero"),
    C("prod_one_zero", lambda m, a: a.prod(1), data=[[[1.5, 0.0, 2.0], [2.0, -1.0, 0.5]]]),
    C("prod_two_zeros", lambda m, a: a.prod(), data=[[1.5, 0.0, 2.0, 0.0]]),
    C("prod_all_one_zero", lambda m, a: a.prod(), data=[[[1.5, 0.0], [2.0, -3.0]]]),
    C("prod_0d", lambda m, a: a.prod(), ((),)),
    C("max_all", lambda m, a: m.max(a), ((3, 4),), domain="distinct"),
    C("max_all_ties", lambda m, a: a.max(), data=MAX_TIES, gradcheck=False),
    C("max_dim", lambda m, a: tuple(m.max(a, 1)), ((3, 4),), domain="distinct"),
    C("max_dim_keepdim", lambda m, a: tuple(a.max(dim=0, keepdim=True)), ((3, 4),), domain="distinct"),
    C("max_dim_ties", lambda m, a: tuple(a.max(1)), data=MAX_TIES, gradcheck=False),
    C("max_0d", lambda m, a: a.max(), ((),)),
    C("max_0d_dim", lambda m, a: tuple(a.max(0)), ((),)),
    C("max_binary", lambda m, a, b: m.max(a, b), ((3, 4), (4,))),
    C("min_all", lambda m, a: m.min(a), ((3, 4),), domain="distinct"),
    C("min_all_ties", lambda m, a: a.min(), data=MIN_TIES, gradcheck=False),
    C("min_dim", lambda m, a: tuple(m.min(a, -1)), ((3, 4),), domain="distinct"),
    C("min_dim_ties", lambda m, a: tuple(a.min(1, keepdim=True)), data=MIN_TIES, gradcheck=False),
    C("amax", lambda m, a: m.amax(a, 1), ((3, 4),), domain="distinct"),
    C("amax_dims", lambda m, a: a.amax((0, 2), keepdim=True), ((2, 3, 4),), domain="distinct"),
    C("amax_all", lambda m, a: a.amax(), ((2, 3),), domain="distinct"),
    C("amax_ties", lambda m, a: m.amax(a, 1), data=MAX_TIES, gradcheck=False),
    C("amax_ties_all", lambda m, a: m.amax(a), data=MAX_TIES, gradcheck=False),
    C("amin", lambda m, a: m.amin(a, 0), ((3, 4),), domain="distinct"),
    C("amin_ties", lambda m, a: a.amin(-1, keepdim=True), data=MIN_TIES, gradcheck=False),
    C("argmax_argmin", lambda m, a: (m.argmax(a), m.argmin(a), a.argmax(1), a.argmin(0, keepdim=True),
                                     a.argmax(dim=-1, keepdim=True), m.argmax(a, keepdim=True)), ((3, 4),),
      grad=False),
    C("argmax_ties", lambda m, a: (a.argmax(1), a.argmin(1), a.argmax(), m.argmin(a)), data=MAX_TIES, grad=False),
    C("argmax_0d", lambda m, a: (a.argmax(), a.argmin(0)), ((),), grad=False),
    C("var_all", lambda m, a: m.var(a), ((3, 4),)),
    C("var_dim", lambda m, a: a.var(1), ((3, 4),)),
    C("var_unbiased_false", lambda m, a: a.var(0, unbiased=False, keepdim=True), ((3, 4),)),
    C("var_correction", lambda m, a: m.var(a, (0, 1), correction=0), ((2, 3, 4),)),
    C("std_all", lambda m, a: m.std(a), ((3, 4),)),
    C("std_dim", lambda m, a: a.std(-1, keepdim=True), ((3, 4),)),
    C("std_unbiased_false", lambda m, a: a.std(unbiased=False), ((5,),)),
    C("norm", lambda m, a: m.norm(a), ((3, 4),)),
    C("norm_dim", lambda m, a: a.norm(dim=1), ((3, 4),)),
    C("norm_p1", lambda m, a: a.norm(p=1), ((3, 4),), domain="nonzero"),
    C("norm_p3_dim_keepdim", lambda m, a: m.norm(a, 3, 1, True), ((3, 4),), domain="nonzero"),
    C("norm_inf", lambda m, a: a.norm(p=float("inf")), ((3, 4),), domain="distinct"),
    C("norm_at_zero", lambda m, a: a.norm(), data=[np.zeros(3)], gradcheck=False, gradgrad=False),
    C("norm_dim_partial_zero", lambda m, a: a.norm(dim=1), data=[[[0.0, 0.0], [3.0, 4.0]]], gradcheck=False,
      gradgrad=False),
    C("logsumexp", lambda m, a: m.logsumexp(a, 1), ((3, 4),)),
    C("logsumexp_keepdim", lambda m, a: a.logsumexp((0, 1), keepdim=True), ((2, 3, 4),)),
    C("logsumexp_large", lambda m, a: m.logsumexp(a, 1), data=_large(1000.0), gradcheck=False),
    C("logsumexp_neginf_row", lambda m, a: m.logsumexp(a.masked_fill(a < 10, float("-inf")), 1), ((3, 4),),
      gradcheck=False, gradgrad=False),
    C("cumsum", lambda m, a: m.cumsum(a, 1), ((3, 4),)),
    C("cumsum_dim0", lambda m, a: a.cumsum(0), ((3, 4),)),
    # ------------------------------------------------------------------ shape ops
    C("reshape", lambda m, a: a.reshape(4, 3), ((3, 4),)),
    C("reshape_neg1", lambda m, a: m.reshape(a, (2, -1)), ((3, 4),)),
    C("reshape_0d", lambda m, a: a.reshape(1, 1), ((),)),
    C("reshape_to_0d", lambda m, a: a.reshape(()), ((1,),)),
    C("reshape_empty", lambda m, a: a.reshape(3, 0), ((0, 3),)),
    C("view", lambda m, a: a.view(2, 6) * 2.0, ((3, 4),)),
    C("view_tuple", lambda m, a: a.view((6, 2)), ((3, 4),)),
    C("flatten", lambda m, a: m.flatten(a), ((2, 3, 4),)),
    C("flatten_range", lambda m, a: a.flatten(1, 2), ((2, 3, 4, 1),)),
    C("flatten_0d", lambda m, a: a.flatten(), ((),)),
    C("transpose", lambda m, a: m.transpose(a, 0, 2), ((2, 3, 4),)),
    C("transpose_neg", lambda m, a: a.transpose(-1, -2) * 1.0, ((2, 3, 4),)),
    C("permute", lambda m, a: a.permute(2, 0, 1), ((2, 3, 4),)),
    C("permute_fn", lambda m, a: m.permute(a, (1, 0, 2)), ((2, 3, 4),)),
    C("T_2d", lambda m, a: a.T, ((2, 3),)),
    C("T_1d", lambda m, a: a.T * 1.0, ((3,),)),
    C("t", lambda m, a: a.t(), ((2, 3),)),
    C("squeeze_all", lambda m, a: a.squeeze(), ((1, 3, 1, 2),)),
    C("squeeze_dim", lambda m, a: m.squeeze(a, 2), ((1, 3, 1, 2),)),
    C("squeeze_nonunit_dim", lambda m, a: a.squeeze(1), ((1, 3, 1, 2),)),
    C("unsqueeze", lambda m, a: a.unsqueeze(0), ((3, 2),)),
    C("unsqueeze_neg", lambda m, a: m.unsqueeze(a, -1), ((3, 2),)),
    C("unsqueeze_0d", lambda m, a: a.unsqueeze(0), ((),)),
    C("expand", lambda m, a: a.expand(2, 3, 4), ((3, 1),)),
    C("expand_neg1", lambda m, a: a.expand(-1, 4), ((3, 1),)),
    C("expand_0d", lambda m, a: a.expand(3, 2), ((),)),
    C("broadcast_to", lambda m, a: m.broadcast_to(a, (2, 3, 4)), ((4,),)),
    C("expand_as", lambda m, a, b: a.expand_as(b) * b, ((1, 4), (3, 4))),
    C("repeat", lambda m, a: a.repeat(2, 3), ((3, 2),)),
    C("repeat_more_dims", lambda m, a: a.repeat(2, 1, 3), ((3, 2),)),
    C("repeat_0d", lambda m, a: a.repeat(3), ((),)),
    C("flip", lambda m, a: m.flip(a, (0,)), ((3, 4),)),
    C("flip_dims", lambda m, a: a.flip((0, -1)), ((2, 3, 4),)),
    C("movedim", lambda m, a: m.movedim(a, 0, -1), ((2, 3, 4),)),
    C("unflatten", lambda m, a: a.unflatten(1, (2, 2)), ((3, 4),)),
    C("view_as", lambda m, a, b: a.view_as(b) + b, ((3, 4), (2, 6))),
    C("clone", lambda m, a: m.clone(a), ((3,),)),
    C("contiguous_detach_mix", lambda m, a: a.contiguous() * a.detach(), ((3,),), gradcheck=False),
    C("iteration", _iter_rows, ((3, 2),)),
    # ------------------------------------------------------------------ indexing
    C("index_int", lambda m, a: a[1], ((3, 4),)),
    C("index_neg_int", lambda m, a: a[-1, -2], ((3, 4),)),
    C("index_slice", lambda m, a: a[1:3], ((4, 3),)),
    C("index_step", lambda m, a: a[::2, 1:], ((5, 3),)),
    C("index_none", lambda m, a: a[None, :, None], ((3, 2),)),
    C("index_ellipsis", lambda m, a: a[..., 1], ((2, 3, 4),)),
    C("index_ellipsis_none", lambda m, a: a[0, ..., None], ((2, 3, 4),)),
    C("index_mask", lambda m, a: a[a > 0], ((3, 4),), domain="nonzero"),
    C("index_mask_rows", lambda m, a: a[m.tensor([True, False, True])], ((3, 4),)),
    C("index_int_array_repeated", lambda m, a: a[m.tensor([0, 2, 0, 0])], ((3, 4),)),
    C("index_list_repeated", lambda m, a: a[[1, 1, 2]], ((3,),)),
    C("index_two_arrays", lambda m, a: a[m.tensor([0, 2, 0]), m.tensor([1, 1, 1])], ((3, 4),)),
    C("index_int_and_array", lambda m, a: a[1, m.tensor([0, 0, 3])], ((3, 4),)),
    C("index_slice_and_array", lambda m, a: a[:, [3, 0, 3]], ((3, 4),)),
    C("index_2d_int_array", lambda m, a: a[m.tensor([[0, 1], [1, 1]])], ((3, 2),)),
    C("index_0d_tensor_index", lambda m, a: a[m.tensor(2)], ((4,),)),
    C("index_empty_result", lambda m, a: a[2:2], ((4, 2),)),
    C("index_0d_ellipsis", lambda m, a: a[...] * 1.0, ((),)),
    C("index_0d_none", lambda m, a: a[None], ((),)),
    C("setitem_int", _setitem_int, ((3, 4), (4,))),
    C("setitem_slice_scalar", _setitem_slice_scalar, ((3, 4),)),
    C("setitem_mask", _setitem_mask, ((3, 4), (3, 4)), domain="nonzero"),
    C("setitem_index_array", _setitem_index_array, ((3, 4), (2, 4))),
    C("gather", lambda m, a: m.gather(a, 1, m.tensor([[0, 0], [1, 0], [3, 3]])), ((3, 4),)),
    C("gather_dim0", lambda m, a: a.gather(0, m.tensor([[2, 0, 2, 2]])), ((3, 4),)),
    C("index_select", lambda m, a: m.index_select(a, 1, m.tensor([3, 0, 3])), ((3, 4),)),
    C("index_select_dim0", lambda m, a: a.index_select(0, m.tensor([1, 1])), ((3, 4),)),
    C("masked_fill", lambda m, a: m.masked_fill(a, a > 0, 2.0), ((3, 4),), domain="nonzero"),
    C("masked_fill_bcast", lambda m, a: a.masked_fill(m.tensor([True, False, False, True]), -1.0), ((3, 4),)),
    C("masked_fill_0d_tensor", lambda m, a, v: a.masked_fill(a > 0, v), ((3, 4), ()), domain="nonzero"),
    # ------------------------------------------------------------------ joins
    C("cat", lambda m, a, b: m.cat([a, b]), ((2, 3), (4, 3))),
    C("cat_dim1", lambda m, a, b, c: m.cat((a, b, c), dim=1), ((2, 1), (2, 3), (2, 2))),
    C("cat_neg_dim", lambda m, a, b: m.cat([a, b], -1), ((2, 3, 1), (2, 3, 2))),
    C("cat_with_empty", lambda m, a, b: m.cat([a, b]), ((0, 3), (2, 3))),
    C("concat", lambda m, a, b: m.concat([a, b]), ((2,), (3,))),
    C("stack", lambda m, a, b: m.stack([a, b]), ((2, 3), (2, 3))),
    C("stack_dim_last", lambda m, a, b, c: m.stack((a, b, c), dim=-1), ((2, 3), (2, 3), (2, 3))),
    C("stack_0d", lambda m, a, b: m.stack([a, b]), ((), ())),
    C("split_int", lambda m, a: m.split(a, 2), ((5, 3),)),
    C("split_sections_dim", lambda m, a: a.split([1, 3], dim=1), ((3, 4),)),
    C("chunk", lambda m, a: m.chunk(a, 3), ((7, 2),)),
    C("chunk_dim1", lambda m, a: a.chunk(2, dim=1), ((2, 5),)),
    C("chunk_more_than_size", lambda m, a: a.chunk(4), ((3,),)),
    C("unbind", lambda m, a: m.unbind(a, 1), ((2, 3),)),
    C("hstack_vstack", lambda m, a, b: (m.hstack([a, b]), m.vstack([a, b])), ((3,), (3,))),
    C("pad_last", lambda m, a: m.pad(a, (1, 2)), ((2, 3),)),
    C("pad_two_dims_value", lambda m, a: m.pad(a, (1, 0, 0, 2), value=1.5), ((2, 3),)),
    C("pad_3d", lambda m, a: m.pad(a, (0, 1, 2, 0, 1, 1)), ((2, 2, 2),)),
    # ------------------------------------------------------------------ softmax family
    C("softmax", lambda m, a: m.softmax(a, dim=1), ((3, 4),)),
    C("softmax_dim0", lambda m, a: a.softmax(0), ((3, 4),)),
    C("softmax_large", lambda m, a: m.softmax(a, -1), data=_large(1000.0), gradcheck=False),
    C("softmax_0d", lambda m, a: m.softmax(a, 0), ((),)),
    C("log_softmax", lambda m, a: m.log_softmax(a, dim=-1), ((3, 4),)),
    C("log_softmax_dim0_3d", lambda m, a: a.log_softmax(0), ((2, 3, 4),)),
    C("log_softmax_large", lambda m, a: m.log_softmax(a, 1), data=_large(1000.0), gradcheck=False),
    C("softmax_empty", lambda m, a: m.softmax(a, 1), ((0, 3),)),
    # ------------------------------------------------------------------ edge cases
    C("var_single_element", lambda m, a: a.var(), ((1,),), gradcheck=False, gradgrad=False),
    C("var_dim_single", lambda m, a: a.var(0), ((1, 3),), gradcheck=False, gradgrad=False),
    C("std_constant", lambda m, a: (a * 0.0 + 1.0).std(1), ((2, 3),), gradcheck=False, gradgrad=False),
    C("std_correction_2", lambda m, a: a.std(1, correction=2), ((2, 4),)),
    C("split_partly_used", lambda m, a: a.split(2)[0] * 3.0, ((5, 2),)),
    C("unbind_partly_used", lambda m, a: a.unbind(1)[1], ((2, 3),)),
    C("chunk_sum_of_parts", lambda m, a: sum((c * (i + 1)).sum() for i, c in enumerate(a.chunk(3, 1))), ((2, 7),)),
    C("cat_mixed_dtypes", lambda m, a, b: m.cat([a, b.double()]), ((2,), (3,))),
    C("einsum_same_operand", lambda m, a: m.einsum("ij,ij->", a, a), ((2, 3),)),
    C("repeat_zero", lambda m, a: a.repeat(0, 2), ((2, 3),)),
    C("cumsum_0d", lambda m, a: a.cumsum(0), ((),)),
    C("flip_empty", lambda m, a: a.flip(0), ((0, 2),)),
    C("where_cond_bcast", lambda m, c, a, b: m.where(c > 0, a, b), ((2, 3, 1), (3, 4), (4,))),
    C("pow_negative_base", lambda m, a, b: a ** b, data=[[-2.0, -1.5], [2.0, 3.0]], gradcheck=False,
      gradgrad=False),
    C("index_put_bcast_repeated_value_grad", _setitem_index_array, ((3, 4), (1, 4))),
    C("matmul_vec_batched_bcast", lambda m, a, b: a @ b, ((2, 1, 3, 4), (5, 4, 2))),
    C("softmax_neg_inf_masked", lambda m, a: m.softmax(a.masked_fill(m.tensor([False, True, False, True]),
                                                                     float("-inf")), 1), ((3, 4),)),
    C("log_softmax_0d", lambda m, a: m.log_softmax(a, 0), ((),)),
    C("logsumexp_0d", lambda m, a: m.logsumexp(a, 0), ((),)),
    C("mean_keepdim_all_dims", lambda m, a: a.mean((0, 1), keepdim=True), ((2, 3),)),
    C("amax_0d", lambda m, a: a.amax(), ((),)),
    C("norm_0d", lambda m, a: a.norm(), ((),), domain="nonzero"),
    C("prod_empty", lambda m, a: a.prod(), ((0,),)),
    C("max_dim_empty_other", lambda m, a: tuple(a.max(1)), ((0, 3),)),
    C("sum_neg_zero_dims", lambda m, a: a.sum((-1, 0)), ((2, 3),)),
    C("softmax_over_empty_dim", lambda m, a: (m.softmax(a, 1), m.log_softmax(a, 1)), ((2, 0),)),
    C("logsumexp_over_empty_dim", lambda m, a: m.logsumexp(a, 1), ((2, 0),)),
    C("chunk_empty", lambda m, a: a.chunk(3), ((0, 2),)),
    # ------------------------------------------------------------------ added ops (any/all, triangles, sorting, ...)
    C("any_all", lambda m, a: (a.any(), a.all(), (a > 0).any(1), m.all(a > -1, 0, keepdim=True),
                               m.any(a > 0, (0, 1)), (a > 0).all(dim=-1), a.any(-1, keepdim=True), m.all(a, 0)),
      data=ANY_ALL, grad=False),
    C("any_all_0d_empty", lambda m, a, b: (a.any(), a.all(0), b.any(), b.all(), b.any(0), b.all(1)), ((), (0, 3)),
      grad=False),
    C("any_all_int_bool", lambda m, a: ((a * 2).long().any(1), (a > 0).all(), (a > 5).any()), ((3, 4),), grad=False),
    C("tril", lambda m, a: m.tril(a), ((4, 3),)),
    C("tril_diagonal_pos", lambda m, a: a.tril(1), ((3, 4),)),
    C("tril_batched_neg", lambda m, a: m.tril(a, -1), ((2, 3, 3),)),
    C("triu", lambda m, a: m.triu(a), ((3, 4),)),
    C("triu_diagonal_neg", lambda m, a: a.triu(diagonal=-1), ((4, 3),)),
    C("triu_batched_pos", lambda m, a: m.triu(a, 2), ((2, 3, 4),)),
    C("tril_triu_empty_int", lambda m, a: (a.tril(), (a * 3).long().triu(1), (a > 0).tril()), ((0, 3),), grad=False),
    C("new_creation", lambda m, a: (a.new_zeros(2, 3), a.new_ones((2,)), a.new_full((2, 2), 1.5),
                                    a.new_tensor([1.5, 2]), a.new_zeros(2, dtype=m.int64),
                                    a.new_ones(2, 1, dtype=m.float64), a.long().new_tensor([1.5]),
                                    a.long().new_full((2,), 3), a.new_tensor(3),
                                    a.new_zeros(2, requires_grad=True), a.new_tensor([1.0], requires_grad=True)),
      ((3,),), grad=False),
    C("sort", lambda m, a: tuple(m.sort(a)), ((3, 5),), domain="distinct"),
    C("sort_descending_dim0", lambda m, a: tuple(a.sort(0, descending=True)), ((4, 3),), domain="distinct"),
    C("sort_stable_kw", lambda m, a: tuple(m.sort(a, dim=1, descending=True, stable=True)), ((2, 3, 4),),
      domain="distinct"),
    C("sort_ties_nan", lambda m, a: tuple(a.sort(1)), data=SORT_TIES, gradcheck=False),
    C("sort_ties_nan_descending", lambda m, a: tuple(a.sort(1, descending=True)), data=SORT_TIES, gradcheck=False),
    C("sort_0d", lambda m, a: tuple(a.sort()), ((),)),
    C("sort_empty", lambda m, a: tuple(m.sort(a, 0)), ((0, 3),)),
    C("argsort", lambda m, a: (m.argsort(a), a.argsort(0, descending=True), m.argsort(a, stable=True)), ((3, 4),),
      domain="distinct", grad=False),
    C("topk", lambda m, a: tuple(m.topk(a, 2)), ((3, 5),), domain="distinct"),
    C("topk_smallest_dim0", lambda m, a: tuple(a.topk(2, dim=0, largest=False)), ((4, 3),), domain="distinct"),
    C("topk_all_and_none", lambda m, a: (*m.topk(a, 4, 1), *a.topk(0)), ((3, 4),), domain="distinct"),
    C("topk_unsorted", lambda m, a: m.sort(a.topk(3, sorted=False).values, descending=True).values, ((2, 6),),
      domain="distinct"),
    C("topk_nan", lambda m, a: tuple(a.topk(2)), data=[[1.0, 3.0, NAN, 2.0]], gradcheck=False),
    C("topk_0d", lambda m, a: tuple(a.topk(1)), ((),)),
    C("cumprod", lambda m, a: m.cumprod(a, 1), ((3, 4),), domain="nonzero"),
    C("cumprod_dim0_3d", lambda m, a: a.cumprod(0), ((3, 2, 2),), domain="nonzero"),
    C("cumprod_zeros", lambda m, a: a.cumprod(1), data=CUMPROD_ZEROS),
    C("cumprod_zeros_dim0", lambda m, a: m.cumprod(a, 0), data=CUMPROD_ZEROS),
    C("cumprod_0d", lambda m, a: a.cumprod(0), ((),)),
    C("cumprod_int_dtype", lambda m, a: ((a * 3).long().cumprod(0), (a > 0).cumprod(1),
                                         m.cumprod(a, 0, dtype=m.float64)), ((3, 4),), grad=False),
    C("diff", lambda m, a: m.diff(a), ((3, 5),)),
    C("diff_n2_dim0", lambda m, a: a.diff(n=2, dim=0), ((4, 3),)),
    C("diff_prepend_append", lambda m, a, b, c: m.diff(a, dim=1, prepend=b, append=c), ((3, 4), (3, 1), (3, 2))),
    C("diff_n_beyond_size", lambda m, a: (a.diff(n=5), a.diff(n=0)), ((3,),)),
    C("diff_bool_int", lambda m, a: ((a > 0).diff(), (a * 3).long().diff(dim=0)), ((3, 4),), grad=False),
    C("lerp_scalar", lambda m, a, b: m.lerp(a, b, 0.3), ((3, 4), (4,))),
    C("lerp_scalar_high", lambda m, a, b: a.lerp(b, 0.8), ((3, 4), (3, 4))),
    C("lerp_tensor_weight", lambda m, a, b, w: m.lerp(a, b, w), ((3, 4), (3, 4), (4,))),
    C("lerp_weight_bcast", lambda m, a, b, w: m.lerp(a, b, w), ((3, 1), (1, 4), (2, 1, 1)), domain="unit"),
    C("lerp_0d_weight", lambda m, a, b, w: a.lerp(b, w), ((2, 3), (2, 3), ())),
    C("repeat_interleave_flat", lambda m, a: a.repeat_interleave(2), ((2, 3),)),
    C("repeat_interleave_dim", lambda m, a: m.repeat_interleave(a, 3, dim=1), ((2, 3),)),
    C("repeat_interleave_counts", lambda m, a: a.repeat_interleave(m.tensor([1, 0, 2]), dim=0), ((3, 2),)),
    C("repeat_interleave_0d", lambda m, a: a.repeat_interleave(3), ((),)),
    C("repeat_interleave_indices", lambda m, a: m.repeat_interleave(m.tensor([2, 0, 1])), ((1,),), grad=False),
    C("diag_2d", lambda m, a: m.diag(a), ((3, 4),)),
    C("diag_2d_offsets", lambda m, a: (a.diag(1), m.diag(a, -2), a.diag(5)), ((4, 3),)),
    C("diag_1d", lambda m, a: m.diag(a), ((3,),)),
    C("diag_1d_offsets", lambda m, a: (m.diag(a, 2), a.diag(-1)), ((3,),)),
    C("logspace", lambda m, a: (m.logspace(0, 2, 5), m.logspace(-1, 1, 4, base=2.0),
                                m.logspace(0, 1, 3, dtype=m.float64), m.logspace(0, 2, 3, dtype=m.int64),
                                m.logspace(1, 1, 0), m.logspace(2, 0, 1)), ((1,),), grad=False),
    C("meshgrid_ij", lambda m, a, b: m.meshgrid(a, b, indexing="ij"), ((3,), (4,))),
    C("meshgrid_xy_three", lambda m, a, b, c: m.meshgrid(a, b, c, indexing="xy"), ((2,), (3,), (4,))),
    C("meshgrid_list_0d", lambda m, a, b: m.meshgrid([a, b], indexing="xy"), ((), (3,))),
    C("meshgrid_one", lambda m, a: m.meshgrid(a, indexing="xy"), ((3,),)),
    C("inplace_lerp_tril", _inplace_lerp_tril, ((3, 3), (3,))),
    # ------------------------------------------------------------------ in-place
    C("inplace_arith", _inplace_chain, ((3, 4), (4,))),
    C("inplace_unary", _inplace_unary, ((3, 4),), domain="unit"),
    C("inplace_relu_then_mul", _inplace_chain_of_unary, ((3, 4),), domain="nonzero"),
    C("inplace_masked_fill", _inplace_masked_fill, ((3, 4),), domain="nonzero"),
    C("inplace_setitem_view", _inplace_view_setitem, ((3, 4), (4,))),
    # ------------------------------------------------------------------ scatter, index writes, roll
    C("scatter", lambda m, a, b: a.scatter(0, m.tensor(SCATTER_IDX), b), ((3, 4), (2, 3))),
    C("scatter_neg_dim_fn", lambda m, a, b: m.scatter(a, -1, m.tensor([[3, 0], [1, 2], [0, 3]]), b), ((3, 4), (3, 2))),
    C("scatter_value", lambda m, a: a.scatter(1, m.tensor([[2], [0], [3]]), 1.5), ((3, 4),)),
    C("scatter_value_kw", lambda m, a: m.scatter(a, 0, m.tensor([[1, 2]]), value=-2.0), ((3, 4),)),
    C("scatter_0d", lambda m, a, b: a.scatter(0, m.tensor(0), b), ((), ())),
    C("scatter_3d", lambda m, a, b: a.scatter(1, m.tensor([[[1, 0]], [[0, 1]]]), b), ((2, 2, 3), (2, 1, 2))),
    C("scatter_add_dups", lambda m, a, b: a.scatter_add(0, m.tensor(DUP_IDX), b), ((3, 4), (2, 4))),
    C("scatter_add_dim1_fn", lambda m, a, b: m.scatter_add(a, 1, m.tensor([[3, 3], [0, 0], [1, 3]]), b),
      ((3, 4), (3, 2))),
    C("scatter_add_empty_index", lambda m, a, b: a.scatter_add(0, m.zeros(0, 4, dtype=m.int64), b), ((3, 4), (0, 4))),
    C("scatter_reduce_sum", lambda m, a, b: _scatter_reduce_all(m, a, b, "sum"), ((3, 4), (2, 4))),
    C("scatter_reduce_mean", lambda m, a, b: _scatter_reduce_all(m, a, b, "mean"), ((3, 4), (2, 4))),
    C("scatter_reduce_prod", lambda m, a, b: _scatter_reduce_all(m, a, b, "prod"), ((3, 4), (2, 4))),
    C("scatter_reduce_prod_zeros", lambda m, a, b: _scatter_reduce_all(m, a, b, "prod"), data=PROD_ZEROS),
    C("scatter_reduce_amax", lambda m, a, b: _scatter_reduce_all(m, a, b, "amax"), ((3, 4), (2, 4)),
      domain="distinct"),
    C("scatter_reduce_amin", lambda m, a, b: _scatter_reduce_all(m, a, b, "amin"), ((3, 4), (2, 4)),
      domain="distinct"),
    C("scatter_reduce_amax_ties", lambda m, a, b: a.scatter_reduce(0, m.tensor(DUP_IDX), b, "amax"),
      data=[np.array([[1.0, 2.0, 3.0, 0.0], [1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 2.0, 2.0]]),
            np.array([[1.0, 2.0, 2.0, 0.0], [0.5, 1.0, 2.0, 0.0]])], gradcheck=False),
    C("index_add_dups_alpha", lambda m, a, b: a.index_add(0, m.tensor([2, 0, 2]), b, alpha=-1.5), ((3, 4), (3, 4))),
    C("index_add_neg_dim_fn", lambda m, a, b: m.index_add(a, -1, m.tensor([1, 1]), b), ((3, 4), (3, 2))),
    C("index_add_0d_index", lambda m, a, b: a.index_add(1, m.tensor(3), b), ((3, 4), (3, 1))),
    C("index_copy", lambda m, a, b: a.index_copy(1, m.tensor([3, 0]), b), ((3, 4), (3, 2))),
    C("index_copy_fn_dim0", lambda m, a, b: m.index_copy(a, 0, m.tensor([1]), b), ((3, 4), (1, 4))),
    C("index_fill_scalar", lambda m, a: a.index_fill(1, m.tensor([0, -1, 0]), -0.5), ((3, 4),)),
    C("index_fill_0d_tensor", lambda m, a, v: m.index_fill(a, 0, m.tensor([2, 0]), v), ((3, 4), ())),
    C("roll_flat", lambda m, a: a.roll(5), ((3, 4),)),
    C("roll_dims", lambda m, a: m.roll(a, (1, -6), (0, -1)), ((3, 4),)),
    C("roll_same_dim_twice", lambda m, a: a.roll((1, 2), (1, 1)), ((2, 5),)),
    C("roll_0d", lambda m, a: m.roll(a, 3), ((),)),
    C("inplace_scatters", _inplace_scatters, ((3, 4), (4, 4))),
    C("inplace_scatter_into_view", _inplace_scatter_into_view, ((3, 4), (2, 3))),
    # ------------------------------------------------------------------ torch functions added for parity (api1)
    C("nonzero_argwhere", lambda m, a: (m.nonzero(a > 0), m.argwhere(a > 0.5), a.nonzero(), (a > 9).nonzero())
      + m.nonzero(a > 0, as_tuple=True) + (a[0, 0] > -9).nonzero(as_tuple=True), ((3, 4),), grad=False),
    C("nonzero_0d", lambda m, a: (m.nonzero(a), m.nonzero(a * 0), m.argwhere(a)), ((),), domain="pos", grad=False),
    C("masked_select", lambda m, a, b: m.masked_select(a, b > 0), ((3, 4), (4,))),
    C("masked_select_input_bcast", lambda m, a, b: a.masked_select(b > 0), ((4,), (3, 4))),
    C("masked_select_0d", lambda m, a: (a.masked_select(a > 0), m.masked_select(a, a < 0)), ((),), domain="pos"),
    C("narrow", lambda m, a: (a.narrow(1, 1, 2), m.narrow(a, -2, -2, 2), a.narrow(0, 3, 0),
                              a.narrow(1, m.tensor(0), 1)), ((3, 4),)),
    C("select", lambda m, a: (a.select(0, 1), m.select(a, -1, -1), a.select(2, m.tensor(2))), ((2, 3, 4),)),
    C("diagonal", lambda m, a: (a.diagonal(), m.diagonal(a, 1), a.diagonal(-1), a.diagonal(7),
                                m.diagonal(a, offset=-3)), ((3, 4),)),
    C("diagonal_dims", lambda m, a: (a.diagonal(0, 0, 2), m.diagonal(a, 1, -1, 1), a.diagonal(-1, dim1=2, dim2=0)),
      ((2, 3, 4),)),
    C("tile", lambda m, a: (a.tile(2), m.tile(a, (2, 1, 3)), a.tile((1, 1)), a.tile(0, 2)), ((3, 4),)),
    C("tile_0d", lambda m, a: (m.tile(a, (3,)), a.tile(2, 2)), ((),)),
    C("ravel", lambda m, a: (a.ravel(), m.ravel(a.t()), m.ravel(a[0, 0])), ((3, 4),)),
    C("tensor_split_sections", lambda m, a: m.tensor_split(a, 3, 1) + a.tensor_split(2) + a.tensor_split(5, dim=-1),
      ((3, 4),)),
    C("tensor_split_indices", lambda m, a: m.tensor_split(a, (1, 3), 1) + a.tensor_split([-1, 1, 9])
      + m.tensor_split(a, m.tensor([2])) + m.tensor_split(a, m.tensor(2), dim=1), ((3, 4),)),
    C("split_with_sizes", lambda m, a: a.split_with_sizes([1, 3], 1) + m.split_with_sizes(a, [2, 0, 1]), ((3, 4),)),
    C("addmm", lambda m, a, b, c: (m.addmm(a, b, c), a.addmm(b, c, beta=0.5, alpha=-2.0)), ((3, 2), (3, 4), (4, 2))),
    C("addmm_bcast_input", lambda m, a, b, c: (m.addmm(a, b, c, alpha=0.5), m.addmm(a[0], b, c, beta=0)),
      ((1, 2), (3, 4), (4, 2))),
    C("addcmul", lambda m, a, b, c: (m.addcmul(a, b, c), a.addcmul(b, c, value=-0.5)), ((3, 4), (4,), (3, 1))),
    C("addcdiv", lambda m, a, b, c: (m.addcdiv(a, b, c.abs() + 0.5), a.addcdiv(b, c.abs() + 0.5, value=2)),
      ((3, 4), (4,), (3, 1))),
    C("fmod", lambda m, a, b: (m.fmod(a * 3.0, 0.7), a.fmod(b), m.fmod(a * 4.0, -1.3)), ((3, 4), (4,)),
      domain="nonzero"),
    C("frac", lambda m, a: (m.frac(a * 3.0), (a * -2.5).frac()), ((3, 4),)),
    C("nan_to_num", lambda m, a: (m.nan_to_num(a), a.nan_to_num(nan=1.5, posinf=2.0, neginf=-3.0)),
      data=[np.array([[1.5, NAN, -np.inf], [np.inf, -0.25, 0.0]])], gradcheck=False),
    C("nan_to_num_finite", lambda m, a: m.nan_to_num(a * 2.0, 0.0, 1.0), ((3, 4),)),
    C("clamp_min_max_fns", lambda m, a: (m.clamp_min(a, 0.1), a.clamp_max(-0.2), a.clamp_min(m.tensor(0.3)),
                                         m.clamp_max(a, m.tensor(0.5))), ((3, 4),), domain="distinct"),
    C("median_all", lambda m, a: (m.median(a), a[:, :3].median()), ((3, 4),), domain="distinct"),
    C("median_all_ties", lambda m, a: a.median(), data=MAX_TIES, gradcheck=False),
    C("median_dim", lambda m, a: tuple(m.median(a, 1)) + tuple(a.median(0, keepdim=True)) + tuple(a.median(-1)),
      ((3, 4),), domain="distinct"),
    C("median_0d", lambda m, a: (a.median(),) + tuple(m.median(a, 0)), ((),)),
    C("kthvalue", lambda m, a: tuple(m.kthvalue(a, 2)) + tuple(a.kthvalue(3, 0, keepdim=True)) + tuple(a.kthvalue(1)),
      ((3, 4),), domain="distinct"),
    C("mode", lambda m, a: tuple(m.mode(a)) + tuple(a.mode(0)) + tuple(a.mode(1, keepdim=True)),
      data=[np.array([[3.0, 1.0, 2.0, 1.0], [5.0, 5.0, 4.0, 0.0], [2.0, 1.0, 2.0, 1.0]])], gradcheck=False),
    C("count_nonzero", lambda m, a: (m.count_nonzero(a), a.count_nonzero(1), m.count_nonzero(a, (0, 1)),
                                     (a * 0).count_nonzero(-1)), data=[np.array([[1.0, 0.0, 2.0], [0.0, -0.0, NAN]])],
      grad=False),
    C("unique", lambda m, a: (m.unique(a), a.unique(sorted=False)) + m.unique(a, return_inverse=True)
      + a.unique(return_counts=True) + m.unique(a, return_inverse=True, return_counts=True, dim=0)
      + a.unique(dim=1, return_inverse=True), data=[np.array([[3.0, 1.0, 3.0], [3.0, 1.0, 3.0], [0.0, 2.0, 0.0]])],
      grad=False),
    C("contiguous_of_views", lambda m, a: (a.t().contiguous() * 2.0, a[:, ::2].contiguous(), a.contiguous()),
      ((3, 4),)),
    C("inplace_view_ops", _inplace_view_ops, ((3, 4),)),
    C("inplace_view_op_on_a_view", _inplace_view_op_on_a_view, ((3, 4),)),
    C("asin_acos_atanh", lambda m, a: (m.asin(a), a.arcsin(), m.acos(a), a.arccos(), m.atanh(a), m.arctanh(a)),
      ((3, 4),), domain="unit"),
    C("asinh", lambda m, a: (m.asinh(a), a.arcsinh()), ((3, 4),)),
    C("acosh", lambda m, a: (m.acosh(a + 1.5), (a + 1.5).arccosh()), ((3, 4),), domain="pos"),
    C("erfc_sgn", lambda m, a: (m.erfc(a), a.erfc(), m.sgn(a)), ((3, 4),)),
    C("xlogy", lambda m, a, b: (m.xlogy(a, b), a.xlogy(2.0)), ((3, 4), (4,)), domain="pos"),
    C("xlogy_zeros", lambda m, a, b: m.xlogy(a, b),
      data=[np.array([0.0, 1.5, 0.0, -2.0, 0.0]), np.array([0.5, 2.0, 3.0, 0.7, 0.0])], gradcheck=False),
    C("hypot", lambda m, a, b: (m.hypot(a, b), a.hypot(b * 2.0)), ((3, 4), (4,)), domain="nonzero"),
    C("logaddexp", lambda m, a, b: (m.logaddexp(a, b), a.logaddexp(b * 30.0)), ((3, 4), (3, 1))),
    C("fmax_fmin", lambda m, a, b: (m.fmax(a, b), a.fmin(b), m.fmin(a, b * 2.0)), ((3, 4), (4,)),
      domain="distinct"),
    C("fmax_fmin_nan", lambda m, a, b: (m.fmax(a, b), m.fmin(a, b)),
      data=[np.array([NAN, 1.0, 2.0, NAN]), np.array([2.0, NAN, 1.0, NAN])], gradcheck=False),
    C("float_power", lambda m, a, b: (m.float_power(a, 2.5), a.float_power(b)), ((3, 4), (4,)), domain="pos"),
    C("logit", lambda m, a: (m.logit(a * 0.5 + 0.5), (a * 0.5 + 0.5).logit(0.3)), ((3, 4),), domain="unit"),
    C("signbit_heaviside_positive", lambda m, a: (m.signbit(a), a.heaviside(m.tensor(0.5, dtype=a.dtype)),
                                                  m.positive(a), a.positive()), ((3, 4),), grad=False),
    C("nansum_nanmean", lambda m, a: (m.nansum(a), a.nansum(1), m.nanmean(a, 0), a.nanmean(-1, keepdim=True)),
      data=[np.array([[1.5, NAN, -2.0], [0.5, 3.0, NAN], [NAN, 1.0, NAN]])], gradcheck=False),
    C("nansum_nanmean_finite", lambda m, a: (m.nansum(a, 1), a.nanmean()), ((3, 4),)),
    C("aminmax", lambda m, a: tuple(m.aminmax(a)) + tuple(a.aminmax(dim=1)) + tuple(a.aminmax(dim=0, keepdim=True)),
      ((3, 4),), domain="distinct"),
    C("var_mean_std_mean", lambda m, a: m.var_mean(a, 1) + m.std_mean(a) + m.var_mean(a, dim=0, correction=0,
                                                                                      keepdim=True), ((3, 4),)),
    C("cummax_cummin", lambda m, a: tuple(m.cummax(a, 1)) + tuple(a.cummin(0)) + tuple(a.cummax(-1)), ((3, 4),),
      domain="distinct"),
    C("cummax_ties_nan", lambda m, a: tuple(m.cummax(a, 1)) + tuple(m.cummin(a, 1)),
      data=[np.array([[1.0, 3.0, 3.0, 2.0, NAN, 5.0], [2.0, 2.0, 1.0, 1.0, 0.5, 2.0]])], gradcheck=False),
    C("logcumsumexp", lambda m, a: (m.logcumsumexp(a, 1), a.logcumsumexp(0), m.logcumsumexp(a * 50.0, -1)),
      ((3, 4),), tol64=(1e-9, 1e-9)),
    C("cross", lambda m, a, b: (m.cross(a, b, dim=1), a.cross(b[:1], 1), m.cross(a.t(), b.t(), dim=0)),
      ((2, 3), (2, 3))),
    C("kron", lambda m, a, b: (m.kron(a, b), a[0].kron(b), m.kron(a[0, 0], b)), ((2, 3), (3, 2))),
    C("tensordot", lambda m, a, b: (m.tensordot(a, b, dims=1), m.tensordot(a, b.t(), dims=([0, 1], [0, 1])),
                                    m.tensordot(a, b, 0)), ((2, 3), (3, 2))),
    C("cdist", lambda m, a, b: (m.cdist(a, b), m.cdist(a, b, p=1.0), m.cdist(a[None], b[None], 3.0)),
      ((3, 4), (2, 4)), domain="distinct", gradgrad=False),  # torch: no derivative of _cdist_backward
    C("cdist_self_zero_distance", lambda m, a: m.cdist(a, a), ((3, 4),), gradcheck=False, gradgrad=False),
    C("rot90", lambda m, a: (m.rot90(a), a.rot90(2), m.rot90(a, -1, [1, 0]), a.rot90(3, (0, 1)), m.rot90(a, 4)),
      ((3, 4),)),
    C("trace", lambda m, a: (a.trace(), a.t().trace()), ((3, 4),)),
    C("searchsorted_bucketize", lambda m, a: (m.searchsorted(m.tensor([-1.0, 0.0, 0.5]), a),
                                              m.searchsorted(m.tensor([-1.0, 0.0, 0.5]), a, right=True),
                                              m.bucketize(a, m.tensor([-0.5, 0.5]), out_int32=True),
                                              m.searchsorted(m.sort(a, 1).values, a[:, :2], side="right")),
      ((3, 4),), grad=False),
    C("inplace_clip_", lambda m, a: (a * 1.0).clip_(-0.5, 0.5) * a, ((3, 4),), domain="distinct"),
    C("inverse_det_logdet", lambda m, a: (m.inverse(a), a.det(), m.det(a[0]), a.inverse().sum(-1),
                                          (a @ a.mT + m.eye(3, dtype=a.dtype)).logdet()), ((2, 3, 3),)),
    C("det_2x2", lambda m, a: (m.det(a), m.logdet(a @ a.t())), ((2, 2),)),
    C("quantile", lambda m, a: (m.quantile(a, 0.3), a.quantile(m.tensor([0.0, 0.4, 1.0], dtype=a.dtype), dim=1),
                                m.quantile(a, 0.75, 0, keepdim=True), a.quantile(0.5, interpolation="midpoint"),
                                m.quantile(a, m.tensor([0.2, 0.6], dtype=a.dtype), -1, interpolation="nearest")),
      ((3, 5),), domain="distinct"),
    C("quantile_modes_nan", lambda m, a: tuple(m.quantile(a, 0.4, 1, interpolation=i)
                                               for i in ("lower", "higher", "linear")),
      data=[np.array([[1.0, 3.0, 2.0, 0.5], [NAN, 1.0, 2.0, 3.0]])], gradcheck=False),
    C("copysign", lambda m, a, b: (m.copysign(a, b), a.copysign(-1.0), m.copysign(a, b * 0.0)), ((3, 4), (4,)),
      domain="nonzero"),
    C("erfinv", lambda m, a: (m.erfinv(a), (a * 1.1).erfinv()), ((3, 4),), domain="unit"),
    C("lgamma", lambda m, a: (m.lgamma(a), (a * 3.0).lgamma()), ((3, 4),), domain="pos",
      tol64=(1e-7, 1e-9)),  # the second derivative is torch's polygamma(1, x), good to ~5e-10 (ours ~3e-15)
    C("lgamma_negative", lambda m, a: m.lgamma(a), data=[np.array([-0.5, -1.5, -2.7, -6.2, 0.3, 7.5, 31.0])]),
    C("digamma", lambda m, a: (m.digamma(a), (a * 3.0).digamma(), m.digamma(a - 3.0)), ((3, 4),), domain="pos",
      gradgrad=False, tol64=(1e-8, 1e-10)),  # torch's polygamma(1, x) is good to ~5e-10 (ours to ~1e-15)
    C("linalg_inv_slogdet", lambda m, a: (m.linalg.inv(a), m.linalg.slogdet(a).logabsdet, m.linalg.slogdet(a)[0],
                                          m.linalg.det(a)), ((2, 3, 3),)),
    C("linalg_solve", lambda m, a, b: (m.linalg.solve(a, b), m.linalg.solve(a[0], b[1]),
                                       m.linalg.solve(a, b[:, :, 0]), m.linalg.solve(a, b[0, :, 0]),
                                       m.linalg.solve(a, b.mT, left=False)),
      ((2, 3, 3), (2, 3, 2))),
    C("linalg_solve_broadcast", lambda m, a, b: m.linalg.solve(a, b), ((3, 3), (2, 3, 2))),
    C("linalg_cholesky", lambda m, a: (m.linalg.cholesky(a @ a.mT + m.eye(3, dtype=a.dtype)),
                                       m.linalg.cholesky(a @ a.mT + m.eye(3, dtype=a.dtype), upper=True)),
      ((2, 3, 3),)),
    C("linalg_pinv", lambda m, a: (m.linalg.pinv(a), m.linalg.pinv(a.mT), m.linalg.pinv(a[0, :2]),
                                   m.linalg.pinv(a[0, :2, :2])), ((2, 3, 2),)),
    # eigenvectors are compared through sign-invariant functions (each column's sign is LAPACK's choice); the input
    # is symmetric (a + a^T): eigh reads one triangle, and its gradient is PyTorch's symmetric one
    C("linalg_eigh", lambda m, a: (lambda s: (m.linalg.eigvalsh(s), m.linalg.eigh(s).eigenvalues,
                                              m.linalg.eigh(s)[1] ** 2, m.linalg.eigh(s, UPLO="U")[1] ** 2,
                                              (lambda v: v * v[..., :1, :])(m.linalg.eigh(s[0]).eigenvectors),
                                              (lambda r: r[0][..., None, :] * r[1] ** 2)(m.linalg.eigh(s, "U"))))(
        a + a.mT), ((2, 4, 4),)),
    C("linalg_qr", lambda m, a: (m.linalg.qr(a).Q, m.linalg.qr(a)[1], m.linalg.qr(a.mT)[0], m.linalg.qr(a.mT).R,
                                 m.linalg.qr(a[:, :3], "complete").Q, m.linalg.qr(a[:, :3], mode="complete").R,
                                 m.linalg.qr(a.mT, "complete")[0], m.linalg.qr(a.mT, mode="complete")[1]),
      ((2, 5, 3),)),
    # singular vectors are compared through sign-invariant functions (each pair's sign is LAPACK's choice)
    C("linalg_svd", lambda m, a: (m.linalg.svdvals(a), m.linalg.svd(a).S, m.linalg.svd(a, False)[0] ** 2,
                                  m.linalg.svd(a.mT, full_matrices=False).Vh ** 2,
                                  (lambda r: r.U[..., :, :3] * r.Vh[..., :1, :3])(m.linalg.svd(a)),
                                  (lambda r: r[0][..., :, :1] * r[2][..., :1, :] * r[1][..., None, None, 1])(
                                      m.linalg.svd(a.mT, True)),
                                  (lambda r: r.U * r.Vh[..., :1, :])(m.linalg.svd(a[0, :3], False))), ((2, 5, 3),)),
    # cholesky_solve/cholesky_inverse read one triangle of the factor (given triangular here, so that PyTorch's
    # gradient, written with the whole factor, is the derivative)
    C("cholesky_solve_inverse", lambda m, a, b: (lambda lo, up: (
        m.cholesky_solve(b, lo), b[0].cholesky_solve(lo[0]), m.cholesky_solve(b, up, upper=True),
        m.cholesky_solve(b[0], lo), m.cholesky_inverse(lo), up[0].cholesky_inverse(True)))(
        m.tril(a) + 3 * m.eye(3, dtype=a.dtype), m.triu(a) + 3 * m.eye(3, dtype=a.dtype)),
      ((2, 3, 3), (2, 3, 2))),
    C("atan2", lambda m, a, b: (m.atan2(a, b), a.atan2(b[0]), m.arctan2(b, a), a.arctan2(-b)), ((3, 4), (4,)),
      domain="nonzero"),
    C("type_as", lambda m, a, b: (a.type_as(b.double()) * 2.0, a.type_as(b.long()), b.type_as(a)), ((3,), (3,))),
    # ------------------------------------------------------------------ dtype changes inside a graph
    C("to_double_and_back", lambda m, a: (a.double() * 2.0).float(), ((3,),), gradcheck=False),
    C("to_dtype", lambda m, a: a.to(m.float64) + 1, ((3,),)),
    C("mixed_precision_add", lambda m, a, b: a + b.double(), ((3,), (3,))),
]

DIFFERENTIABLE = [c for c in CASES if c.grad and c.gradcheck]
