"""Tests that kill survivors of the seed-1515 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("rows", [1, 2])
def test_searchsorted_with_a_sorter_matches_torch(rows: int, right: bool) -> None:
    """`searchsorted(seq, values, sorter=idx)` sorts each row of an unsorted sequence by `idx` (along its last
    dimension) first, as PyTorch's (seed-1515 survivor ops/sorting.py:136, `axis=-1` -> `axis=-2`: no test passed a
    sorter)."""
    rng = np.random.default_rng(1515)
    seq = rng.permutation(6) * 1.5 if rows == 1 else np.stack([rng.permutation(6) * 1.5,
                                                               rng.permutation(6) * 2.0 - 3.0])
    sorter = np.argsort(seq, axis=-1, kind="stable")
    values = np.array([-1.0, 0.0, 1.5, 4.0, 7.5, 10.0]) if rows == 1 else np.array([[-1.0, 1.5, 4.0],
                                                                                    [0.0, 3.0, 10.0]])
    want = torch.searchsorted(torch.tensor(seq), torch.tensor(values), right=right, sorter=torch.tensor(sorter))
    got = cr.searchsorted(cr.tensor(seq), cr.tensor(values), right=right, sorter=cr.tensor(sorter))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.dtype == cr.int64


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # 0 * inf, NaN as in torch
@pytest.mark.parametrize("slope", [-0.5, 0.01, float("inf")])
def test_leaky_relu_at_zero_takes_the_slope_branch_as_torch(slope: float) -> None:
    """`leaky_relu` at +0 and -0 gives `x * negative_slope` (PyTorch's `x > 0 ? x : x * slope`): -0 from +0 with a
    negative slope, NaN with an infinite one (seed-1515 survivor ops/activations.py:68, `x > 0` -> `x >= 0` in the
    forward: +0 then passed through unchanged)."""
    data = np.array([0.0, -0.0, 1.0, -2.0])
    want = torch.nn.functional.leaky_relu(torch.tensor(data), slope).numpy()
    got = cr.nn.functional.leaky_relu(cr.tensor(data), slope).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    keep = ~np.isnan(want)
    np.testing.assert_array_equal(got[keep], want[keep])
    np.testing.assert_array_equal(np.signbit(got[keep]), np.signbit(want[keep]))


def test_trigamma_at_the_positive_integers_matches_torch() -> None:
    """digamma's derivative (trigamma) and lgamma's second derivative at 1, 2, 3 and between are finite, as
    PyTorch's (pi^2/6 at 1); only 0 and the negative integers are poles (seed-1515 survivor ops/special.py:96,
    trigamma's pole test `v <= 0` -> `v <= 1`: 1 became a pole, +inf)."""
    data = np.array([1.0, 2.0, 3.0, 0.5, 1.5, 10.0, -0.5])
    x, xt = cr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    cr.digamma(x).sum().backward()
    torch.digamma(xt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-8)  # torch's trigamma: ~5e-10 relative
    np.testing.assert_allclose(x.grad.numpy()[:2], [np.pi ** 2 / 6, np.pi ** 2 / 6 - 1], rtol=1e-14)
    x2, xt2 = cr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    g, = cr.autograd.grad(cr.lgamma(x2).sum(), x2, create_graph=True)
    gt, = torch.autograd.grad(torch.lgamma(xt2).sum(), xt2, create_graph=True)
    h, = cr.autograd.grad(g.sum(), x2)
    ht, = torch.autograd.grad(gt.sum(), xt2)
    np.testing.assert_allclose(h.numpy(), ht.numpy(), rtol=1e-8)


def test_erfinv_in_the_far_tail_matches_torch() -> None:
    """erfinv within 1e-8 of +-1 (the tail branch of Giles' approximation, w = -ln(1 - x^2) >= 5, far out: 1 - 1e-12
    and the last float64 below 1) matches PyTorch's to float64 accuracy, and so does its gradient (seed-1515
    survivor ops/special.py:104, a tail coefficient 0.000100950558 -> 1.000100950558: the start of the Newton steps
    was then off by hundreds, where erf is flat and the steps cannot bring it back)."""
    data = np.array([0.997, 0.9999, 1 - 1e-8, 1 - 1e-12, -(1 - 1e-12), np.nextafter(1.0, 0.0), -0.999999])
    x, xt = cr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, yt = cr.erfinv(x), torch.erfinv(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9)


@pytest.mark.parametrize("shape,dim", [((0,), 0), ((0, 3), 0), ((3, 0), 1), ((2, 0, 4), 1), ((2, 0, 4), -2)])
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_and_cummin_along_an_empty_dimension_keep_the_shape(name: str, shape: tuple, dim: int) -> None:
    """cummax/cummin along a dimension of size 0 give empty values and int64 indices of the input's shape, as
    PyTorch's (seed-1515 survivor ops/reductions.py:667, the empty case's `moveaxis(idx, 0, d)` -> `(idx, 1, d)`:
    no test ran the line)."""
    want = getattr(torch, name)(torch.zeros(shape, dtype=torch.float64), dim)
    got = getattr(cr, name)(cr.zeros(shape, dtype=cr.float64), dim)
    assert tuple(got.values.shape) == tuple(want.values.shape) == shape
    assert tuple(got.indices.shape) == tuple(want.indices.shape) == shape
    assert got.indices.dtype == cr.int64


@pytest.mark.parametrize("p", [0.5, 0.25, 1.5])
def test_a_p_norm_with_p_below_one_matches_torch(p: float) -> None:
    """`norm(x, p)` for 0 < p < 1 (not a norm, but PyTorch computes it: (sum |x|^p)^(1/p)) and its gradient match
    PyTorch's (seed-1515 survivor ops/reductions.py:381, `p > 0` -> `p > 1`: p in (0, 1) was then refused)."""
    data = np.array([[0.5, -2.0, 3.0], [1.0, 0.7, -0.25]])
    x, xt = cr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, yt = cr.norm(x, p=p), torch.norm(xt, p=p)
    np.testing.assert_allclose(y.item(), yt.item(), rtol=1e-13)
    y.backward()
    yt.backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(cr.norm(cr.tensor(data), p=p, dim=1).numpy(),
                               torch.norm(torch.tensor(data), p=p, dim=1).numpy(), rtol=1e-13)


def test_digamma_between_one_half_and_three_halves_matches_torch() -> None:
    """digamma on [0.5, 1.5), where no reflection is needed, matches PyTorch's, and digamma(1) is minus the
    Euler-Mascheroni constant (seed-1515 survivor ops/special.py:62, the reflection threshold `v < 0.5` -> `v < 1.5`:
    digamma(1) reflected to the pole at 0 and became -inf)."""
    data = np.array([0.5, 0.75, 1.0, 1.25, 1.4999])
    got = cr.digamma(cr.tensor(data)).numpy()
    np.testing.assert_allclose(got, torch.digamma(torch.tensor(data)).numpy(), rtol=1e-13)
    assert got[2] == pytest.approx(-0.5772156649015329, rel=1e-15)


def test_split_with_sizes_refuses_an_int_naming_the_argument() -> None:
    """`split_with_sizes(x, 2)` raises TypeError naming split_sizes, as PyTorch's "split_with_sizes(): argument
    'split_sizes' ... must be tuple of ints, not int" (seed-1515 survivor ops/joins.py:191, the check dropped: the
    int then failed inside `list(2)` with "'int' object is not iterable")."""
    with pytest.raises(TypeError, match="split_sizes"):
        torch.split_with_sizes(torch.zeros(4), 2)
    with pytest.raises(TypeError, match="split_with_sizes: split_sizes must be a sequence of ints, got int"):
        cr.split_with_sizes(cr.zeros(4), 2)


@pytest.mark.parametrize("base", [0.5, 1, 1.0, 0.25, 3])
def test_pow_of_a_number_base_up_to_one_has_the_log_gradient(base: float) -> None:
    """`base ** x` with a Python number base in (0, 1]: d/dx = out * ln(base) (0 at base 1, negative below), first and
    second derivatives as PyTorch's (seed-1515 survivor ops/elementwise.py:188, `a > 0` -> `a > 1`: bases in (0, 1]
    took the NaN of a negative base)."""
    data = np.array([0.5, 2.0, 0.0, -1.5])
    x, xt = cr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    g, = cr.autograd.grad((base ** x).sum(), x, create_graph=True)
    gt, = torch.autograd.grad((base ** xt).sum(), xt, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-14)
    h, = cr.autograd.grad(g.sum(), x)
    ht, = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(h.numpy(), ht.numpy(), rtol=1e-14)
    x2 = cr.tensor(data, requires_grad=True)
    (base ** x2).sum().backward()
    np.testing.assert_allclose(x2.grad.numpy(), gt.detach().numpy(), rtol=1e-14)
