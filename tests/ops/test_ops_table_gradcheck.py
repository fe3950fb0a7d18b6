"""float64 finite-difference gradcheck for every differentiable op in the table, and gradgradcheck
(second derivatives through create_graph=True) for a representative subset."""

from __future__ import annotations

import pytest
from _ops_cases import CASES, DIFFERENTIABLE
from _ops_harness import run_gradcheck

# one or more ops of each family: elementwise, activations, reductions, shape, indexing, joins, linalg
GRADGRAD = [
    "mul", "div", "pow_tensor", "rpow_scalar", "exp", "log", "sqrt", "rsqrt", "sin", "tanh", "sigmoid",
    "gelu", "gelu_tanh", "silu", "softplus", "elu", "leaky_relu", "maximum", "where", "matmul_batch_bcast",
    "matmul_1d_2d", "einsum_three", "einsum_trace", "einsum_ellipsis_bcast", "outer", "sum_dims_tuple",
    "mean_dim", "prod_dim", "prod_one_zero",
    "var_dim", "std_dim", "norm_dim", "norm_p3_dim_keepdim", "logsumexp", "max_dim", "amax_dims", "cumsum",
    "softmax", "log_softmax", "index_two_arrays", "index_mask", "setitem_int", "gather", "cat_dim1", "stack",
    "split_sections_dim", "pad_two_dims_value", "repeat_more_dims", "expand", "permute", "flip_dims",
    "masked_fill", "clamp", "inplace_arith", "tril_batched_neg", "triu_diagonal_neg", "sort_stable_kw", "topk",
    "cumprod", "cumprod_zeros", "cumprod_zeros_dim0", "diff_prepend_append", "lerp_tensor_weight",
    "lerp_weight_bcast", "repeat_interleave_counts", "diag_1d_offsets", "diag_2d_offsets", "meshgrid_xy_three",
    "scatter", "scatter_add_dups", "scatter_reduce_prod_zeros", "scatter_reduce_mean", "scatter_reduce_amax",
    "index_add_dups_alpha", "index_fill_0d_tensor", "roll_dims", "inplace_scatters",
]
BY_NAME = {c.name: c for c in CASES}


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=str)
def test_gradcheck(case):
    run_gradcheck(case)


@pytest.mark.parametrize("name", GRADGRAD)
def test_gradgradcheck(name):
    run_gradcheck(BY_NAME[name], second_order=True)


def test_gradgrad_subset_names_exist():
    assert set(GRADGRAD) <= set(BY_NAME)


def test_gradgradcheck_api():
    import chainrule as cr

    x = cr.tensor([0.5, 1.5], dtype=cr.float64, requires_grad=True)
    assert cr.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
