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
    a = np.array([1.5, -2.0, 0.0, 3.0, -4.0, 0.5])
    b = np.array([2.0, 3.0, -1.0, -0.0, -2.0, 0.0])
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


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 1001])
def test_median_of_many_elements(n: int) -> None:
    # ops/reductions.py _median_all_forward: np.partition at (size - 1) // 2, the element read there
    a = np.random.default_rng(n).standard_normal(n)
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
