"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in ops, against PyTorch.

This file: reductions, elementwise, shape_ops, random_fills, sorting, joins, indexing and scatter."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _errors(call):
    """The exceptions torch and chainrule raise for `call(module)` (both must raise)."""
    caught = []
    for m in (torch, cr):
        with pytest.raises(Exception) as info:  # noqa: PT011 - compared by the callers
            call(m)
        caught.append(info.value)
    return caught


# bad calls: chainrule raises torch's exception type, and its message contains the given words (torch's own
# message when None)
BAD = {
    # ops/reductions.py trapezoid: both x and dx
    "trapezoid_x_and_dx": (lambda m: m.trapezoid(m.ones(3), m.ones(3), dx=1.0),
                           "trapezoid() received an invalid combination of arguments"),
    # ops/reductions.py _max_min: a 0-d input takes dim 0 or -1 only
    "max_0d_dim_1": (lambda m: m.max(m.tensor(3.0), 1), None),
    "min_0d_dim_neg_2": (lambda m: m.min(m.tensor(3.0), -2), None),
    # ops/reductions.py logcumsumexp of integers
    "logcumsumexp_int": (lambda m: m.logcumsumexp(m.tensor([1, 2]), 0), '"logcumsumexp_out_cpu" not implemented'),
    # ops/elementwise.py float_power of two numbers
    "float_power_numbers": (lambda m: m.float_power(2, 3), "float_power"),
    # ops/shape_ops.py movedim: a repeated source or destination dim
    "movedim_source": (lambda m: m.movedim(m.ones(2, 3, 4), (0, 0), (1, 2)), None),
    "movedim_destination": (lambda m: m.movedim(m.ones(2, 3, 4), (0, 1), (2, 2)), None),
    "movedim_lengths": (lambda m: m.movedim(m.ones(2, 3, 4), (0, 1), (2,)), None),
    # ops/shape_ops.py narrow: a float start; a negative length
    "narrow_float_start": (lambda m: m.ones(3).narrow(0, 1.0, 1), "narrow"),
    "narrow_negative_length": (lambda m: m.ones(3).narrow(0, 1, -1), "length must be non-negative"),
    # ops/random_fills.py normal: float mean and std without a size; a negative std; a size with a tensor mean;
    # an integer mean; shapes that do not broadcast
    "normal_no_size": (lambda m: m.normal(0.0, 1.0), "normal() received an invalid combination of arguments"),
    "normal_negative_std": (lambda m: m.normal(0.0, -1.0, (2,)), "expects std >= 0.0, but found std -1"),
    "normal_size_with_tensor": (lambda m: m.normal(m.zeros(2), 1.0, (2,)),
                                "normal() received an invalid combination of arguments"),
    "normal_int_mean": (lambda m: m.normal(m.zeros(2, dtype=m.int64), 1.0), '"normal_kernel_cpu" not implemented'),
    "normal_shapes": (lambda m: m.normal(m.zeros(2), m.ones(3)), "normal"),
    # ops/sorting.py bincount: a negative minlength; weights of another length
    "bincount_minlength": (lambda m: m.bincount(m.tensor([1, 2]), minlength=-1), None),
    "bincount_weights": (lambda m: m.bincount(m.tensor([1, 2]), weights=m.ones(3)), None),
    # ops/sorting.py histc: bins <= 0
    "histc_bins": (lambda m: m.histc(m.ones(3), bins=0), "bins must be > 0, but got 0 for dimension 0"),
    # ops/indexing.py gather: a 0-d input with an out-of-range 0-d index (torch: RuntimeError, chainrule IndexError
    # by design, tests/ops/test_ops_errors.py)
    "gather_0d": (lambda m: m.gather(m.tensor(1.0), 0, m.tensor(1)), None),
    "gather_1d_0d_index": (lambda m: m.gather(m.tensor([1.0, 2.0]), 0, m.tensor(2)), None),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_arguments_raise_torchs_error(name: str) -> None:
    call, words = BAD[name]
    want, got = _errors(call)
    if name.startswith("gather"):
        assert isinstance(got, IndexError) and isinstance(want, RuntimeError)
    else:
        assert type(got) is type(want), (got, want)
    assert (str(want) if words is None else words) in str(got), (str(got), str(want))


def test_heaviside_of_a_tensor_that_requires_grad_raises_at_the_call() -> None:
    # ops/elementwise.py heaviside: no derivative; chainrule raises at the call (documented; torch at backward)
    with pytest.raises(RuntimeError, match="the derivative for 'heaviside' is not implemented"):
        cr.heaviside(cr.tensor([0.0, 1.0], requires_grad=True), cr.tensor([0.5, 0.5]))
    with pytest.raises(RuntimeError, match="derivative for aten::heaviside is not implemented"):
        torch.heaviside(torch.tensor([0.0, 1.0], requires_grad=True), torch.tensor([0.5, 0.5])).sum().backward()


def test_dist_with_a_negative_p_is_refused() -> None:
    # ops/reductions.py dist: negative p other than -inf is not supported (NotImplementedError, not a wrong value)
    for p in (-1, -0.5):
        with pytest.raises(NotImplementedError, match="negative p other than -inf is not supported"):
            cr.dist(cr.ones(3), cr.zeros(3), p)
    np.testing.assert_allclose(cr.dist(cr.tensor([1.0, -2.0]), cr.zeros(2), float("-inf")).item(), 1.0)


@pytest.mark.parametrize("dim", [0, -1])
def test_max_of_a_0d_tensor_over_dim(dim: int) -> None:
    # ops/reductions.py _max_min: a 0-d input over dim 0 or -1, as torch
    for op in ("max", "min"):
        want = getattr(torch, op)(torch.tensor(2.5), dim)
        got = getattr(cr, op)(cr.tensor(2.5), dim)
        assert got.values.item() == want.values.item() and got.indices.item() == want.indices.item() == 0


def test_trapezoid_with_sample_points_of_fewer_dimensions() -> None:
    # ops/reductions.py trapezoid: x of fewer dims than y is aligned from the right,
    # `reshape(x, (1,) * (y.ndim - x.ndim) + tuple(x.shape))`
    rng = np.random.default_rng(2)
    y = rng.standard_normal((2, 3, 4))
    xs = np.cumsum(rng.random((3, 4)) + 0.1, axis=-1)
    for dim in (-1, 1):
        x = xs if dim == -1 else np.cumsum(rng.random((3, 4)) + 0.1, axis=0)
        results = []
        for m in (torch, cr):
            yt, xt = m.tensor(y, requires_grad=True), m.tensor(x, requires_grad=True)
            out = m.trapezoid(yt, xt, dim=dim)
            (out * m.tensor(np.arange(1.0, out.numel() + 1).reshape(tuple(out.shape)))).sum().backward()
            results.append([out.detach().numpy(), yt.grad.numpy(), xt.grad.numpy()])
        for a, b in zip(*results, strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_median_of_an_empty_tensor_is_nan_of_its_dtype(dtype: str) -> None:
    # ops/reductions.py _median_all_forward: the NaN of an empty float input keeps its dtype
    want = torch.median(torch.zeros(0, dtype=getattr(torch, dtype)))
    got = cr.median(cr.zeros(0, dtype=getattr(cr, dtype)))
    assert np.isnan(got.item()) and np.isnan(want.item())
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1] == dtype


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_of_a_0d_tensor(op: str) -> None:
    # ops/reductions.py _cum_extreme: a 0-d input gives itself and index 0, the gradient goes back to it
    results = []
    for m in (torch, cr):
        x = m.tensor(-1.5, requires_grad=True)
        values, indices = getattr(m, op)(x, 0)
        (values * 3.0).backward()
        results.append((values.item(), indices.item(), tuple(values.shape), tuple(indices.shape), x.grad.item()))
    assert results[1] == results[0] == (-1.5, 0, (), (), 3.0)


def test_pow_gradient_of_the_exponent_at_a_zero_base() -> None:
    # ops/elementwise.py _pow_exponent: base 0 (a number), negative exponent: out * log(0) = inf * -inf = -inf
    results = []
    for m in (torch, cr):
        b = m.tensor([-1.0, -0.5, 0.0, 2.0], dtype=m.float64, requires_grad=True)
        m.pow(0.0, b).sum().backward()
        results.append(b.grad.numpy())
    np.testing.assert_array_equal(results[1], results[0])
    assert results[1][0] == -np.inf


def test_copysign_gradient_for_positive_and_negative_signs() -> None:
    # ops/elementwise.py _copysign_magnitude: `np_sign(av) * (1.0 - 2.0 * np.signbit(bv))`
    a = np.array([1.5, -2.0, 0.0, 3.0, -4.0, 0.5, 1.0, -1.0])
    b = np.array([2.0, 3.0, -1.0, -0.0, -2.0, 0.0, 5.0, 2.0])
    results = []
    for m in (torch, cr):
        x = m.tensor(a, requires_grad=True)
        m.copysign(x, m.tensor(b)).sum().backward()
        results.append(x.grad.numpy())
    np.testing.assert_array_equal(results[1], results[0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_block_diag_of_nothing(dtype: str) -> None:
    # ops/joins.py block_diag: no tensors give a (1, 0) tensor of the default dtype
    old = cr.get_default_dtype()
    cr.set_default_dtype(getattr(cr, dtype))
    try:
        got = cr.block_diag()
    finally:
        cr.set_default_dtype(old)
    old_t = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))
    try:
        want = torch.block_diag()
    finally:
        torch.set_default_dtype(old_t)
    assert tuple(got.shape) == tuple(want.shape) == (1, 0)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1] == dtype


def test_index_copy_leaves_its_input_unchanged() -> None:
    # ops/scatter.py _index_copy_forward: `np.array(x, copy=True)`: the result is a new tensor
    for m in (torch, cr):
        x = m.arange(6.0).reshape(2, 3)
        out = x.index_copy(1, m.tensor([0, 2]), m.zeros(2, 2))
        assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert out.tolist() == [[0.0, 1.0, 0.0], [0.0, 4.0, 0.0]]
        out.add_(1.0)
        assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_an_advanced_index_is_a_copy_with_its_own_version() -> None:
    # ops/indexing.py getitem: only a basic index registers its result as a view of the input (`basic and ...`)
    for m in (torch, cr):
        x = m.arange(12.0).reshape(3, 4)
        x.add_(1.0)
        y = x[:, [0, 1]]
        assert (x._version, y._version) == (1, 0)
        y.mul_(2.0)
        x.add_(1.0)
        assert y.tolist() == [[2.0, 4.0], [10.0, 12.0], [18.0, 20.0]]
        assert y._version == 1


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("values", [[-1000.0, 0.0], [-110.0, 0.0, 3.0], [-800.0, 800.0], [1000.0, float("inf"), 2.0],
                                    [float("-inf"), 0.0, 1.0], [float("-inf"), float("-inf"), 2.0],
                                    [0.0, -200.0, -1e30], [3.0, float("nan"), 1.0]])
def test_logcumsumexp_of_values_far_apart(values: list, dtype: str) -> None:
    # ops/reductions.py logcumsumexp: the running log-sum-exp of values far below a later maximum (a shift by
    # the slice's maximum gave -inf there: exp underflowed), and PyTorch's gradient
    w = np.linspace(-1.0, 2.0, len(values))
    results = []
    for m in (torch, cr):
        x = m.tensor(values, dtype=getattr(m, dtype), requires_grad=True)
        y = m.logcumsumexp(x, 0)
        (y * m.tensor(w, dtype=getattr(m, dtype))).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    for got, want in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, equal_nan=True)


def test_logcumsumexp_gradients_of_the_first_and_second_order() -> None:
    # ops/reductions.py logcumsumexp: the VJP (positive and negative upstream gradients apart) and its own
    # derivative under create_graph, against PyTorch
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4, 5)) * 30
    w = rng.standard_normal(a.shape)
    for d in (0, 1, -1):
        results = []
        for m in (torch, cr):
            x = m.tensor(a, requires_grad=True)
            y = m.logcumsumexp(x, d)
            (g,) = m.autograd.grad((y * m.tensor(w)).sum(), x, create_graph=True)
            (gg,) = m.autograd.grad((g * g).sum(), x)
            results.append((y.detach().numpy(), g.detach().numpy(), gg.numpy(), y.grad_fn.name()))
        for got, want in zip(results[1][:3], results[0][:3], strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
        assert results[1][3] == results[0][3] == "LogcumsumexpBackward0"


def test_logcumsumexp_of_a_0d_tensor() -> None:
    # ops/reductions.py logcumsumexp: a 0-d input is its own result, gradient 1; dims other than 0 and -1 raise
    for m in (torch, cr):
        x = m.tensor(2.0, requires_grad=True)
        y = m.logcumsumexp(x, -1)
        y.backward()
        assert (y.item(), x.grad.item(), tuple(y.shape)) == (2.0, 1.0, ())
        with pytest.raises(IndexError, match="Dimension out of range"):
            m.logcumsumexp(m.tensor(2.0), 3)


# bad calls where chainrule's message differs in words from torch's: the type must agree and the message say what
WORDED = {
    # ops/indexing.py take: the index reported is the one out of range (5, not the valid -3)
    "take_out_of_range": (lambda m: m.take(m.arange(3.0), m.tensor([-3, 5])), "tried to access index 5 on a tensor"),
    # ops/linalg.py einsum: an operand of the wrong ndim; fewer operands than the equation names
    "einsum_operand_ndim": (lambda m: m.einsum("ij,jk->ik", m.ones(2, 3), m.ones(3)), "'jk' has 1 dimensions"),
    "einsum_operand_count": (lambda m: m.einsum("ij,jk->ik", m.ones(2, 3)), "has 2 operands but 1 tensors"),
    # ops/linalg.py linalg.norm: ord without dim on a 3-D input
    "norm_ord_3d": (lambda m: m.linalg.norm(m.ones(2, 2, 2), ord=2), "the input must be 1D or 2D. Got 3D."),
    # ops/linalg.py matrix_power: a non-square matrix
    "matrix_power_non_square": (lambda m: m.linalg.matrix_power(m.ones(2, 3), 2), "but they are 2 by 3 matrices"),
    # ops/joins.py cartesian_prod: a tensor that is not 1-D
    "cartesian_prod_2d": (lambda m: m.cartesian_prod(m.ones(2), m.ones(2, 2)), "Expect a 1D vector, but got shape"),
    # ops/reductions.py trapezoid: a 1-D x of another length than y's dim
    "trapezoid_x_length": (lambda m: m.trapezoid(m.ones(2, 3), m.tensor([0.0, 1.0])),
                           "There must be one `x` value for each sample point"),
    # ops/reductions.py kthvalue: k = 2 of a 0-d tensor (one element)
    "kthvalue_0d": (lambda m: m.kthvalue(m.tensor(3.0), 2), "selected number k out of range for dimension"),
    # ops/losses.py nll_loss_indices: a target equal to the class count, in a row before the last
    "cross_entropy_target_c": (lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([3, 0])),
                               "out of bounds"),
    "cross_entropy_target_c_last": (lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0, 3])),
                                    "out of bounds"),
    # ops/losses.py nll_loss_indices: the same through nll_loss
    "nll_loss_target_c": (lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([3, 0])), "out of bounds"),
    # ops/scatter.py scatter_reduce: a number for src
    "scatter_reduce_number_src": (lambda m: m.zeros(2).scatter_reduce(0, m.tensor([0]), 1.0, "sum"),
                                  "argument 'src'"),
    # ops/linalg.py einsum: output subscripts repeated or not among the inputs'
    "einsum_repeated_output": (lambda m: m.einsum("ij->ii", m.ones(2, 2)), "must be distinct letters of the inputs"),
    "einsum_unknown_output": (lambda m: m.einsum("ij->k", m.ones(2, 2)), "must be distinct letters of the inputs"),
    # ops/out.py: out= a tensor that requires grad
    "add_out_requires_grad": (lambda m: m.add(m.ones(2), m.ones(2), out=m.zeros(2, requires_grad=True)),
                              "functions with out=... arguments don't support automatic differentiation"),
    # ops/out.py: a creation function with out= a tensor that requires grad
    "zeros_out_requires_grad": (lambda m: m.zeros(3, out=m.ones(3, requires_grad=True)),
                                "functions with out=... arguments don't support automatic differentiation"),
    # ops/out.py: a creation function with out= an array, not a tensor
    "zeros_out_array": (lambda m: m.zeros(3, out=np.zeros(3)), "zeros(): argument 'out' must be Tensor, not"),
    # ops/scatter.py _scatter_setup: a 0-d src with a 2-D self is not reshaped (its shape () is reported)
    "scatter_0d_src": (lambda m: m.zeros(2, 3).scatter(0, m.tensor([[0]]), m.tensor(1.0)),
                       "src ())"),
    # ops/linalg.py bmm: a 2-D operand
    "bmm_2d": (lambda m: m.bmm(m.ones(2, 2), m.ones(2, 2, 2)), "3"),
    # ops/sorting.py histc: an infinite end of the range
    "histc_inf_max": (lambda m: m.histc(m.tensor([1.0, 2.0]), bins=4, min=0, max=float("inf")), "is not finite"),
    "histc_inf_min": (lambda m: m.histc(m.tensor([1.0, 2.0]), bins=4, min=float("-inf"), max=3), "is not finite"),
    # ops/indexing.py take: index n is out of range
    "take_n": (lambda m: m.take(m.arange(3.0), m.tensor([3])), "tried to access index 3 on a tensor of 3"),
    # ops/scatter.py _index_setup: a 0-d source with a 2-D self is not reshaped (torch reports its shape [])
    "index_add_0d_source": (lambda m: m.zeros(2, 3).index_add(0, m.tensor([0]), m.tensor(1.0)),
                            "Got self.shape = [2, 3] source.shape = []"),
    # ops/activations.py hardtanh: bool input
    "hardtanh_bool": (lambda m: m.nn.functional.hardtanh(m.tensor([True, False])),
                      "Bool inputs not supported for hardtanh"),
    "relu6_bool": (lambda m: m.nn.functional.relu6(m.tensor([True])), "Bool inputs not supported for hardtanh"),
}


@pytest.mark.parametrize("name", sorted(WORDED))
def test_bad_arguments_raise_torchs_error_type_saying_what(name: str) -> None:
    call, words = WORDED[name]
    want, got = _errors(call)
    assert type(got) is type(want), (got, want)
    assert words in str(got), str(got)


def test_scatter_reduce_leaves_its_input_unchanged() -> None:
    # ops/scatter.py _scatter_reduce_forward: `np.array(x, copy=True)`: the result is a new tensor
    for m in (torch, cr):
        x = m.arange(4.0)
        out = x.scatter_reduce(0, m.tensor([0, 0, 3]), m.tensor([5.0, -1.0, 2.0]), "amax")
        assert x.tolist() == [0.0, 1.0, 2.0, 3.0]
        assert out.tolist() == [5.0, 1.0, 2.0, 3.0]


def test_expand_with_minus_one_after_new_leading_dimensions() -> None:
    # ops/shape_ops.py expand: -1 keeps the size of the input's dimension `i - lead`
    w = np.arange(24.0).reshape(2, 3, 4)
    results = []
    for m in (torch, cr):
        x = m.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
        y = x.expand(2, -1, 4)
        (y * m.tensor(w, dtype=m.float32)).sum().backward()
        results.append((tuple(y.shape), y.tolist(), x.grad.tolist()))
    assert results[1] == results[0]
    assert results[1][0] == (2, 3, 4)


def test_trapezoid_takes_a_number_for_x_as_the_spacing() -> None:
    # ops/reductions.py trapezoid: `x is None or not isinstance(x, Tensor)`: a number x is the spacing (chainrule, as
    # NumPy's trapz; torch spells it dx=)
    y = [1.0, 2.0, 4.0, 7.0]
    want = torch.trapezoid(torch.tensor(y), dx=2.0)
    assert cr.trapezoid(cr.tensor(y), 2.0).item() == want.item() == 20.0
    assert cr.trapezoid(cr.tensor(y), dx=2.0).item() == 20.0


@pytest.mark.parametrize(("n", "seed"), [(1, 1), (2, 2), (7, 7), (1000, 1000), (1001, 1001), (100001, 146)])
def test_median_of_many_elements(n: int, seed: int) -> None:
    # ops/reductions.py _median_all_forward: np.partition at (size - 1) // 2, the element read there (seed 146:
    # partitioning at (size - 2) // 2 instead leaves another element there)
    a = np.random.default_rng(seed).standard_normal(n)
    assert cr.median(cr.tensor(a)).item() == torch.median(torch.tensor(a)).item()


@pytest.mark.parametrize("s", [[1.0, 1e-20], [1.0, 1e-20, 1e-30], [2.0, 1.0, 1e-17], [3.0, 1e-3, 0.0, 0.0]])
def test_matrix_rank_counts_singular_values_above_the_largest_times_rtol(s: list) -> None:
    # ops/linalg.py matrix_rank: the tolerance is rtol times the largest singular value, `s[..., :1]`
    rng = np.random.default_rng(len(s))
    q1, _ = np.linalg.qr(rng.standard_normal((len(s), len(s))))
    q2, _ = np.linalg.qr(rng.standard_normal((len(s), len(s))))
    for a in (np.diag(s), q1 @ np.diag(s) @ q2):
        want = torch.linalg.matrix_rank(torch.tensor(a)).item()
        assert cr.linalg.matrix_rank(cr.tensor(a)).item() == want


def test_create_graph_refuses_a_gradient_whose_input_was_squeezed_in_place() -> None:
    # ops/functions.py xp_sum_to: a gradient that cannot fit the live input's shape raises (never reshaped into it);
    # plain backward gives torch's gradient
    for create_graph in (False, True):
        x = cr.tensor(np.ones((2, 1)), requires_grad=True)
        y = x * 2.0
        z = y + 1.0
        y.squeeze_(1)
        loss = (z * cr.tensor([[1.0], [3.0]], dtype=cr.float64)).sum()
        if create_graph:
            with pytest.raises(RuntimeError, match="changed in place"):
                cr.autograd.grad(loss, x, create_graph=True)
        else:
            loss.backward()
            assert x.grad.tolist() == [[2.0], [6.0]]


def test_scatter_with_reduce_leaves_its_input_unchanged() -> None:
    # ops/scatter.py _scatter_reduce_forward (scatter's reduce= argument): `np.array(x, copy=True)`
    for m in (torch, cr):
        x = m.arange(4.0)
        out = x.scatter(0, m.tensor([0, 0, 3]), m.tensor([5.0, -1.0, 2.0]), reduce="add")
        out2 = x.scatter(0, m.tensor([1, 2]), 3.0, reduce="multiply")
        assert x.tolist() == [0.0, 1.0, 2.0, 3.0]
        assert out.tolist() == [4.0, 1.0, 2.0, 5.0]
        assert out2.tolist() == [0.0, 3.0, 6.0, 3.0]


@pytest.mark.parametrize("shape", [(3, 0), (0, 3), (2, 0, 3), (2, 4, 0)])
def test_matrix_rank_of_empty_matrices(shape: tuple) -> None:
    # ops/linalg.py matrix_rank: no singular values: the largest is taken as 0, `np.zeros(s.shape[:-1] + (1,))`
    want = torch.linalg.matrix_rank(torch.ones(shape))
    got = cr.linalg.matrix_rank(cr.ones(shape))
    assert tuple(got.shape) == tuple(want.shape) and got.tolist() == want.tolist()


def test_clamp_max_of_floats_is_its_own_op_and_of_integers_a_clamp() -> None:
    # ops/activations.py clamp_max: `isinstance(max, Tensor) or input.array.dtype.kind in "biu"`
    for m in (torch, cr):
        y = m.clamp_max(m.tensor([1.0, 2.0], requires_grad=True), 1.5)
        assert y.grad_fn.name() == "ClampMaxBackward0"
        assert y.tolist() == [1.0, 1.5]
    for mx, want in ((2, [1, 2]), (2.5, [1.0, 2.5])):
        results = [m.clamp_max(m.tensor([1, 3]), mx) for m in (torch, cr)]
        assert str(results[1].dtype).split(".")[-1] == str(results[0].dtype).split(".")[-1]
        assert results[1].tolist() == results[0].tolist() == want


@pytest.mark.parametrize("p", [0.5, 0.25, 1.5])
def test_cdist_with_p_below_1(p: float) -> None:
    # ops/linalg.py cdist: only a negative p is refused (`if p < 0`)
    a = np.array([[0.0, 0.0], [1.0, -2.0]])
    b = np.array([[1.0, 4.0], [0.5, 0.5], [2.0, -1.0]])
    results = []
    for m in (torch, cr):
        x = m.tensor(a, requires_grad=True)
        out = m.cdist(x, m.tensor(b), p=p)
        out.sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy()))
    for got, want in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_index_fill_with_the_most_negative_index() -> None:
    # ops/scatter.py _index_setup: index -n wraps to 0 (`idx.min() >= -n`)
    for index in ([-3], [-3, -1], [2, -3]):
        results = [m.zeros(3, 2).index_fill(0, m.tensor(index), 1.0).tolist() for m in (torch, cr)]
        assert results[1] == results[0]


def test_narrow_from_the_most_negative_start() -> None:
    # ops/shape_ops.py narrow: start may be -n (`-n <= start <= n`)
    for m in (torch, cr):
        assert m.arange(3.0).narrow(0, -3, 2).tolist() == [0.0, 1.0]
        assert m.arange(3.0).narrow(0, 3, 0).tolist() == []


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"])
def test_a_number_divided_by_a_tensor_rounds_as_torch(dtype: str) -> None:
    # ops/methods.py rtruediv: `number / x` is reciprocal(x) * number for every dtype (an integer x too)
    vals = np.array([True, False]) if dtype == "bool" else np.array([1, 3, 7, 9, 11, 0, 100, 13, 127]).astype(dtype)
    for other in (3, 3.5, -2, 0, 1e10, True):
        want = other / torch.tensor(vals)
        got = other / cr.tensor(vals)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("beta", [0.5, 2, -1])
@pytest.mark.parametrize("op", ["addmm", "addmv", "addbmm", "baddbmm"])
def test_beta_scales_the_input(op: str, beta) -> None:
    # ops/linalg.py addmm/_add_product: `input if beta == 1 else mul(input, beta)`
    shapes = {"addmm": ((2, 2), (2, 3), (3, 2)), "addmv": ((2,), (2, 3), (3,)),
              "addbmm": ((2, 2), (4, 2, 3), (4, 3, 2)), "baddbmm": ((4, 2, 2), (4, 2, 3), (4, 3, 2))}[op]
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in shapes]
    results = []
    for m in (torch, cr):
        ts = [m.tensor(a, requires_grad=True) for a in arrays]
        out = getattr(m, op)(*ts, beta=beta)
        out.sum().backward()
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in ts])
    for got, want in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_quantile_shapes_with_keepdim(dim, keepdim: bool) -> None:
    # ops/sorting.py quantile: the kept dimensions (`[1] * input.ndim` without dim) and the reshape after
    a = np.arange(6.0).reshape(2, 3)
    for q in (0.25, [0.25, 0.5]):
        results = []
        for m in (torch, cr):
            qq = q if isinstance(q, float) else m.tensor(q, dtype=m.float64)
            out = m.quantile(m.tensor(a), qq, dim=dim, keepdim=keepdim)
            results.append((tuple(out.shape), out.tolist()))
        assert results[1] == results[0]


@pytest.mark.parametrize("dim", [0, -1])
def test_quantile_of_a_0d_tensor_over_dim(dim: int) -> None:
    # ops/sorting.py quantile: `elif dim is not None or input.ndim`: a 0-d input over dim 0 gives (len(q),) for a
    # tensor q
    for q in (0.5, [0.25, 0.5]):
        results = []
        for m in (torch, cr):
            qq = q if isinstance(q, float) else m.tensor(q)
            out = m.quantile(m.tensor(2.0), qq, dim=dim)
            results.append((tuple(out.shape), out.tolist()))
        assert results[1] == results[0]


def test_a_numpy_scalar_operand_is_a_number() -> None:
    # ops/elementwise.py _as_operand: a NumPy scalar is weakly typed, as a Python number (an int tensor with a
    # float64 NumPy scalar is float32, not float64)
    for make, scalar in ((lambda m: m.tensor([1, 2]), np.float64(1.5)), (lambda m: m.tensor([1.0, 2.0]), np.int64(3)),
                         (lambda m: m.tensor([1, 2], dtype=m.int8), np.int64(3))):
        results = [make(m) * scalar for m in (torch, cr)]
        assert str(results[1].dtype).split(".")[-1] == str(results[0].dtype).split(".")[-1]
        assert results[1].tolist() == results[0].tolist()
        results = [make(m) + scalar for m in (torch, cr)]
        assert str(results[1].dtype).split(".")[-1] == str(results[0].dtype).split(".")[-1]


def test_digamma_gradient_keeps_float32() -> None:
    # ops/special.py trigamma: float input keeps its dtype (the derivative of digamma, also under create_graph)
    for create_graph in (False, True):
        results = []
        for m in (torch, cr):
            x = m.tensor([0.7, 2.5, 12.0], requires_grad=True)
            (g,) = m.autograd.grad(m.digamma(x).sum(), x, create_graph=create_graph)
            results.append((str(g.dtype).split(".")[-1], g.detach().numpy()))
        assert results[1][0] == results[0][0] == "float32"
        np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)


@pytest.mark.parametrize("p", [0.5, 1.5, 3.0, 7])
def test_p_norm_gradient_at_zeros_is_zero(p) -> None:
    # ops/reductions.py p_norm (norm, linalg.vector_norm, dist, cdist): the gradient at an element 0 (p < 1) and
    # over a slice of zeros is 0, as PyTorch's (the plain powers gave inf * 0 = NaN)
    a = np.array([[0.0, 1.0, -2.0], [0.0, 0.0, 0.0], [3.0, -0.5, 0.25]])
    w = np.array([1.0, -2.0, 0.5])
    calls = [lambda m, x: m.norm(x, p, dim=1), lambda m, x: m.linalg.vector_norm(x, p, dim=1),
             lambda m, x: m.cdist(x, x, p=p).sum(1), lambda m, x: m.dist(x[1], x[1] * 2.0, p) * m.ones(3)]
    for call in calls:
        results = []
        for m in (torch, cr):
            x = m.tensor(a, requires_grad=True)
            y = call(m, x)
            (y * m.tensor(w)).sum().backward()
            results.append((y.detach().numpy(), x.grad.numpy()))
        for got, want in zip(results[1], results[0], strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


def test_arithmetic_with_bool_tensors_off_the_fast_path() -> None:
    # ops/elementwise.py arithmetic: only `sub` refuses a bool operand (`op.name == "sub" and ...`)
    for call in (lambda m: m.tensor([True, False]) + 1, lambda m: m.tensor([1, 2]) - 1.5,
                 lambda m: m.tensor([True]) * 2.5, lambda m: m.tensor([1, 2]) - m.tensor([1.5, 0.5], dtype=m.float64)):
        results = [call(m) for m in (torch, cr)]
        assert results[1].tolist() == results[0].tolist()
        assert str(results[1].dtype).split(".")[-1] == str(results[0].dtype).split(".")[-1]
    for call in (lambda m: m.tensor([True, False]) - m.tensor([True, True]), lambda m: 1 - m.tensor([True])):
        want, got = _errors(call)
        assert type(got) is type(want) is RuntimeError
        assert "with a bool tensor is not supported" in str(got)


def test_relu_keeps_negative_zero() -> None:
    # ops/activations.py _relu_forward: 0 replaces x < 0 only; -0.0 stays -0.0 (also 0-d), NaN stays NaN
    a = np.array([-0.0, 0.0, np.nan, -1.0, 2.0, -np.inf, np.inf], np.float32)
    for value in (a, a[0], a[2], a[3]):
        want = torch.relu(torch.tensor(value)).numpy()
        got = cr.relu(cr.tensor(value)).numpy()
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_clamp_min_of_floats_is_its_own_op_and_of_integers_a_clamp() -> None:
    # ops/activations.py clamp_min: `isinstance(min, Tensor) or input.array.dtype.kind in "biu"`
    for m in (torch, cr):
        y = m.clamp_min(m.tensor([1.0, 2.0], requires_grad=True), 1.5)
        assert y.grad_fn.name() == "ClampMinBackward0"
        assert y.tolist() == [1.5, 2.0]
    for mn, want in ((2, [2, 3]), (2.5, [2.5, 3.0])):
        results = [m.clamp_min(m.tensor([1, 3]), mn) for m in (torch, cr)]
        assert str(results[1].dtype).split(".")[-1] == str(results[0].dtype).split(".")[-1]
        assert results[1].tolist() == results[0].tolist() == want


def test_scatter_reduce_prod_gradient_of_a_zero_self_near_overflow() -> None:
    # ops/scatter.py _scatter_reduce_vjp: a zero in self is replaced by 1 (not another value) before the product
    # of the others is formed: 1e308 stays finite
    grads = []
    for m in (torch, cr):
        x = m.tensor([0.0, 2.0], dtype=m.float64, requires_grad=True)
        src = m.tensor([1e308, 3.0], dtype=m.float64, requires_grad=True)
        x.scatter_reduce(0, m.tensor([0, 1]), src, "prod").sum().backward()
        grads.append((x.grad.tolist(), src.grad.tolist()))
    assert grads[1] == grads[0] == ([1e308, 3.0], [0.0, 2.0])


@pytest.mark.parametrize("interpolation", ["midpoint", "linear", "lower", "higher", "nearest"])
def test_quantile_interpolations(interpolation: str) -> None:
    # ops/sorting.py quantile: 'midpoint' takes the mean of the two neighbours (weight 0.5)
    a = np.array([[0.0, 1.0, 3.0, 7.0, 2.0], [5.0, -1.0, 4.0, 4.5, 0.0]])
    q = [0.2, 0.5, 0.9]
    results = []
    for m in (torch, cr):
        x = m.tensor(a, requires_grad=True)
        out = m.quantile(x, m.tensor(q, dtype=m.float64), dim=1, interpolation=interpolation)
        out.sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy()))
    for got, want in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_lerp_with_a_weight_of_one_half_uses_the_second_formula() -> None:
    # ops/elementwise.py _lerp_forward: |w| < 0.5 takes start + w (end - start), else end - (end - start)(1 - w);
    # the two round differently, so w = 0.5 must take the second, as PyTorch (-0.5 is not compared bitwise: PyTorch
    # fuses the multiply-add there)
    rng = np.random.default_rng(0)
    s = rng.standard_normal(1000).astype(np.float32)
    e = (rng.standard_normal(1000) * 7).astype(np.float32)
    for w in (np.full(1000, 0.5, np.float32), np.float32(0.5)):
        want = torch.lerp(torch.tensor(s), torch.tensor(e), torch.tensor(w)).numpy()
        got = cr.lerp(cr.tensor(s), cr.tensor(e), cr.tensor(w)).numpy()
        np.testing.assert_array_equal(got, want)


def test_cross_entropy_gradient_with_class_weights_under_create_graph() -> None:
    # ops/losses.py _ce_vjp (the recorded path): softmax(x) * sum(q) - q, q weighted (sum(q) is not 1)
    rng = np.random.default_rng(8)
    a = rng.standard_normal((4, 3))
    target = [0, 2, 1, 2]
    weight = [0.2, 1.0, 3.0]
    for kwargs in ({"weight": weight}, {"label_smoothing": 0.3}, {"weight": weight, "reduction": "sum"}):
        results = []
        for m in (torch, cr):
            x = m.tensor(a, requires_grad=True)
            kw = {k: (m.tensor(v, dtype=m.float64) if k == "weight" else v) for k, v in kwargs.items()}
            loss = m.nn.functional.cross_entropy(x, m.tensor(target), **kw)
            (g,) = m.autograd.grad(loss, x, create_graph=True)
            (gg,) = m.autograd.grad((g * g).sum(), x)
            results.append((g.detach().numpy(), gg.numpy()))
        for got, want in zip(results[1], results[0], strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


def test_an_in_place_op_on_a_base_keeps_its_saved_output_valid_for_its_views() -> None:
    # ops/views.py refresh_views: a view made again from its rebuilt base is not a write into the base's new memory
    # (`storage_written=False`), so the in-place op's saved output (exp_, sigmoid_) is still valid for backward
    for op in ("exp_", "sigmoid_"):
        results = []
        for m in (torch, cr):
            x = m.tensor([0.5, 1.0, 2.0], requires_grad=True)
            y = x * 1.0
            v = y[:2]
            getattr(y, op)()
            (y.sum() + (v.tanh() * 2.0).sum()).backward()
            results.append((x.grad.numpy(), v.detach().numpy(), v._version))
        np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
        np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)
        assert results[1][2] == results[0][2] == 1


def test_take_with_the_most_negative_index() -> None:
    # ops/indexing.py take: -n is in range (`idx.min() < -n` is the error)
    for m in (torch, cr):
        assert m.take(m.arange(3.0), m.tensor([-3, -1])).tolist() == [0.0, 2.0]


def test_linear_with_only_the_bias_requiring_grad() -> None:
    # ops/linalg.py linear: a frozen weight and input with a trainable bias still records the op
    grads = []
    for m in (torch, cr):
        b = m.tensor([0.5, -1.0], requires_grad=True)
        y = m.nn.functional.linear(m.ones(3, 4), m.ones(2, 4), b)
        (y * m.tensor([[1.0, 2.0]])).sum().backward()
        grads.append(b.grad.tolist())
    assert grads[1] == grads[0] == [3.0, 6.0]


def test_cumsum_of_a_0d_integer_or_bool_tensor_is_int64() -> None:
    # ops/reductions.py _cumsum_forward: a 0-d input accumulates in int64 (`_acc(x) or x.dtype`), as PyTorch
    for value, dtype in ((True, "bool"), (3, "int32"), (3, "uint8"), (2.5, "float32")):
        results = [m.cumsum(m.tensor(value, dtype=getattr(m, dtype)), 0) for m in (torch, cr)]
        assert str(results[1].dtype).split(".")[-1] == str(results[0].dtype).split(".")[-1]
        assert results[1].item() == results[0].item()


def test_cumprod_of_a_0d_integer_or_bool_tensor_is_int64() -> None:
    # ops/reductions.py _cumprod_forward: a 0-d input accumulates in int64 (`_acc(x) or x.dtype`), as PyTorch
    for value, dtype in ((True, "bool"), (3, "int32"), (2.5, "float32")):
        results = [m.cumprod(m.tensor(value, dtype=getattr(m, dtype)), 0) for m in (torch, cr)]
        assert str(results[1].dtype).split(".")[-1] == str(results[0].dtype).split(".")[-1]
        assert results[1].item() == results[0].item()


@pytest.mark.parametrize("shape", [(2,), (2, 3), (3, 2)])
def test_var_and_std_with_one_degree_of_freedom(shape: tuple) -> None:
    # ops/reductions.py _dof: N - correction = 1 is a valid count (`n if n > 0`)
    a = np.arange(float(np.prod(shape))).reshape(shape) ** 1.5
    for op in ("var", "std"):
        results = []
        for m in (torch, cr):
            x = m.tensor(a, requires_grad=True)
            y = getattr(m, op)(x, 0)
            y.sum().backward()
            results.append((y.detach().numpy(), x.grad.numpy()))
        for got, want in zip(results[1], results[0], strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-12)


def test_flatten_of_a_0d_tensor_is_1d() -> None:
    # ops/shape_ops.py flatten: a 0-d input gives shape (1,)
    for m in (torch, cr):
        assert tuple(m.flatten(m.tensor(3.0)).shape) == (1,)
        assert tuple(m.tensor(3.0).flatten(0, -1).shape) == (1,)


def test_small_edge_cases_as_torch() -> None:
    # ops/linalg.py kron of operands of different ndim (`(1,) * (n - other.ndim)`); ops/shape_ops.py select at
    # index -n; ops/sorting.py histc with one bin
    a = np.arange(4.0).reshape(2, 2)
    b = np.array([1.0, -2.0, 3.0])
    for x, y in ((a, b), (b, a)):
        want = torch.kron(torch.tensor(x), torch.tensor(y))
        got = cr.kron(cr.tensor(x), cr.tensor(y))
        assert tuple(got.shape) == tuple(want.shape) and got.tolist() == want.tolist()
    for m in (torch, cr):
        assert m.arange(6.0).reshape(3, 2).select(0, -3).tolist() == [0.0, 1.0]
        assert m.histc(m.tensor([1.0, 2.0, 5.0]), bins=1).tolist() == [3.0]
