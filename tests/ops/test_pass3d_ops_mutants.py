"""Tests for survivors of the first exhaustive mutation pass, resumed part (h/p3d), against PyTorch.

ops/linalg.py (vector_norm's ord=1 branch, matrix_norm's singular-value path under create_graph), ops/losses.py
(smooth_l1's derivative at |d| == beta and at beta = 0), ops/random_fills.py (normal with a zero std),
ops/reductions.py (p_norm's placeholder for an all-zero slice, cumprod's gradient without zeros under
create_graph), ops/registry.py (the dtype of a VJP's gradient under create_graph), ops/sorting.py (the indices
sort and topk return are the ones their backward uses: writing into them is refused at backward, as PyTorch)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr


def _grad_of(lib, fn, data, upstream=None, create_graph=False):
    x = lib.tensor(data, requires_grad=True)
    y = fn(lib, x)
    seed = lib.ones_like(y) if upstream is None else lib.tensor(upstream)
    (g,) = lib.autograd.grad(y, x, seed, create_graph=create_graph)
    return g


# ----------------------------------------------------------------------------- linalg
@pytest.mark.parametrize("dim", [1, (1,), -1])
def test_vector_norm_ord1_gradient_keeps_the_sign_of_zero_over_a_zero_slice(dim):
    """linalg.py:728 (`ord == 1` -> `ord == 2`: ord=1 then took the general p-norm, whose `where` over an all-zero
    slice sends +0 to every element; PyTorch's sgn(x) * grad gives -0.0 there for a negative upstream)."""
    data = np.array([[0.0, -0.0, 0.0], [0.0, 1.0, -2.0]])
    up = np.array([-1.0, -3.0])
    t = _grad_of(torch, lambda m, x: m.linalg.vector_norm(x, 1, dim=dim), data, up).numpy()
    c = _grad_of(cr, lambda m, x: m.linalg.vector_norm(x, 1, dim=dim), data, up).numpy()
    np.testing.assert_array_equal(c, t)
    np.testing.assert_array_equal(np.signbit(c), np.signbit(t))
    assert np.signbit(c[0]).all()  # PyTorch's -0.0 (sgn(x) * grad with a negative grad)


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 3)])
@pytest.mark.parametrize("fn", ["matrix_norm", "norm"])
def test_matrix_norm_from_singular_values_grad_fn_under_create_graph(ord, shape, fn):
    """linalg.py:753 (`A.ndim - 1` -> `A.ndim - 2`, and the other edits of that test: the matrix dims were moved
    last only when they were not last already). PyTorch always moves them, so a create_graph gradient ends in
    PermuteBackward0; chainrule's ended in MmBackward0 for the default dims (fixed: always moved)."""
    data = np.random.default_rng(3).standard_normal(shape)
    grads = {}
    for lib in (torch, cr):
        grads[lib] = _grad_of(lib, lambda m, x: getattr(m.linalg, fn)(x, ord, (-2, -1)).sum(), data,
                              create_graph=True)
    t, c = grads[torch], grads[cr]
    assert type(c.grad_fn).__name__ == "Node" and c.grad_fn.name() == t.grad_fn.name() == "PermuteBackward0"
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- losses
@pytest.mark.parametrize("reduction", ["sum", "mean", "none"])
def test_smooth_l1_with_beta_zero_has_gradient_zero_where_input_equals_target(reduction):
    """losses.py:181 (`a < beta` -> `a <= beta`: with beta = 0, |d| = 0 took d / beta = 0 / 0 = NaN; PyTorch
    gives sign(0) = 0)."""
    x = np.array([0.0, 1.5, -2.0, 3.0])
    y = np.array([0.0, 0.5, -2.0, 4.0])

    def loss(m, v):
        return m.nn.functional.smooth_l1_loss(v, m.tensor(y), beta=0.0, reduction=reduction).sum()

    t = _grad_of(torch, loss, x).numpy()
    c = _grad_of(cr, loss, x).numpy()
    np.testing.assert_array_equal(c, t)
    assert not np.isnan(c).any()


def test_smooth_l1_second_derivative_at_the_switch_is_zero():
    """losses.py:181 under create_graph: at |d| == beta the derivative is the linear side's sign(d), whose own
    derivative is 0 (PyTorch's double backward: (|d| < beta) / beta); `<=` gave 1 / beta there."""
    x = np.array([1.0, -1.0, 0.5, 2.0, 0.25])
    y = np.zeros(5)
    out = {}
    for lib in (torch, cr):
        v = lib.tensor(x, requires_grad=True)
        loss = lib.nn.functional.smooth_l1_loss(v, lib.tensor(y), beta=1.0, reduction="sum")
        (g,) = lib.autograd.grad(loss, v, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), v)
        out[lib] = (g.detach().numpy(), h.numpy(force=True) if lib is torch else h.numpy())
    np.testing.assert_array_equal(out[cr][0], out[torch][0])
    np.testing.assert_array_equal(out[cr][1], out[torch][1])
    np.testing.assert_array_equal(out[cr][1], [0.0, 0.0, 1.0, 0.0, 1.0])


# ----------------------------------------------------------------------------- random fills
def test_normal_accepts_a_std_with_zeros():
    """random_fills.py:107 (`std < 0` -> `std <= 0`: a zero std was refused). PyTorch takes std >= 0; where
    std is 0 the draw is the mean itself."""
    mean = np.array([1.5, -2.0, 0.25, 7.0])
    std = np.array([0.0, 1.0, 0.0, 0.5])
    t = torch.normal(torch.tensor(mean), torch.tensor(std))
    c = cr.normal(cr.tensor(mean), cr.tensor(std))
    assert c.dtype == cr.float64 and tuple(c.shape) == tuple(t.shape)
    assert c.numpy()[0] == t.numpy()[0] == 1.5 and c.numpy()[2] == t.numpy()[2] == 0.25
    z = cr.normal(cr.tensor(mean), 0.0)  # a float std of 0 with a tensor mean
    np.testing.assert_array_equal(z.numpy(), torch.normal(torch.tensor(mean), 0.0).numpy())
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        cr.normal(cr.tensor(mean), cr.tensor(np.array([0.0, -1e-300, 1.0, 1.0])))


# ----------------------------------------------------------------------------- reductions
@pytest.mark.parametrize("p", [0.005, 0.002])
def test_p_norm_of_a_zero_slice_in_float32_raises_no_overflow_warning(p):
    """reductions.py:401 (the placeholder for an all-zero slice, 1.0 -> 2.0: 2 ** (1 / p) overflowed float32 for
    small p, and NumPy warned, though the value is masked; values and derivatives stay the same). chainrule's own
    warnings filter hides such warnings, but a filter set after import (pytest's `-W error`, `filterwarnings =
    error`) sees them. PyTorch gives 0 and gradient 0, silently."""
    data = np.zeros((2, 3), np.float32)
    data[1] = [0.5, 0.0, 0.0]  # a norm that does not overflow float32 either
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = _grad_of(cr, lambda m, x: m.linalg.vector_norm(x, p, dim=1), data)
        cv = cr.linalg.vector_norm(cr.tensor(data), p, dim=1)
    t = _grad_of(torch, lambda m, x: m.linalg.vector_norm(x, p, dim=1), data)
    tv = torch.linalg.vector_norm(torch.tensor(data), p, dim=1)
    np.testing.assert_allclose(cv.numpy(), tv.numpy(), rtol=1e-5)
    assert cv.numpy()[0] == 0.0
    np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-4)
    np.testing.assert_array_equal(c.numpy()[0], t.numpy()[0])


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_gradient_without_zeros_under_create_graph_is_pytorchs(dim):
    """reductions.py:509 (the no-zero shortcut removed: every create_graph gradient took the O(n^2) zero-safe
    formula). Without zeros PyTorch's gradient is reversed_cumsum(g * out) / x: its grad_fn is DivBackward0 and
    its values are the same bits."""
    data = np.random.default_rng(11).uniform(0.5, 2.0, (3, 5))
    up = np.random.default_rng(12).standard_normal((3, 5))
    t = _grad_of(torch, lambda m, x: m.cumprod(x, dim), data, up, create_graph=True)
    c = _grad_of(cr, lambda m, x: m.cumprod(x, dim), data, up, create_graph=True)
    assert c.grad_fn.name() == t.grad_fn.name() == "DivBackward0"
    np.testing.assert_array_equal(c.detach().numpy(), t.detach().numpy())


# ----------------------------------------------------------------------------- registry
def test_vjp_gradient_takes_its_inputs_dtype_under_create_graph():
    """registry.py:149 (`not xp.is_tensor` -> `xp.is_tensor`: under create_graph a VJP's gradient was returned
    without the cast to its input's dtype). A float32 input against a float64 target: the gradient is float32, as
    PyTorch's (smooth_l1_loss; PyTorch's own huber_loss fails on mixed dtypes in backward, so huber's gradient is
    checked against its formula: d where |d| <= delta, else delta * sign(d), over the element count)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y = rng.standard_normal((4, 3)) * 2.0
    for create_graph in (False, True):
        grads = {}
        for lib in (torch, cr):
            v = lib.tensor(x, requires_grad=True)
            loss = lib.nn.functional.smooth_l1_loss(v, lib.tensor(y))
            (grads[lib],) = lib.autograd.grad(loss, v, create_graph=create_graph)
        t, c = grads[torch], grads[cr]
        assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1] == "float32"
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-7)

        v = cr.tensor(x, requires_grad=True)
        (c,) = cr.autograd.grad(cr.nn.functional.huber_loss(v, cr.tensor(y), delta=0.8), v, create_graph=create_graph)
        d = x.astype(np.float64) - y
        expected = np.where(np.abs(d) <= 0.8, d, 0.8 * np.sign(d)) / d.size
        assert c.dtype == cr.float32
        np.testing.assert_allclose(c.detach().numpy(), expected, rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------- sorting
_PICKS = {
    "sort": lambda m, x: m.sort(x, 1),
    "sort_descending": lambda m, x: m.sort(x, 1, descending=True),
    "topk": lambda m, x: m.topk(x, 2, 1),
    "max": lambda m, x: m.max(x, 1),
    "kthvalue": lambda m, x: m.kthvalue(x, 2, 1),
}


@pytest.mark.parametrize("name", list(_PICKS))
def test_indices_written_in_place_make_backward_raise(name):
    """sorting.py:85 (`copy=False` -> `copy=True` in `_result`). The indices sort and topk return are the array
    their backward picks the gradient with; writing into them afterwards gave a wrong gradient, silently
    (chainrule kept no check on an op's saved index arrays). PyTorch saves the indices and raises; so does
    chainrule now (a returned copy would not)."""
    data = np.array([[3.0, 1.0, 2.0], [0.5, 2.5, 1.5]])
    for lib in (torch, cr):
        x = lib.tensor(data, requires_grad=True)
        values, indices = _PICKS[name](lib, x)
        indices.zero_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            values.sum().backward()


@pytest.mark.parametrize("name", list(_PICKS))
def test_indices_left_alone_give_pytorchs_gradient(name):
    data = np.array([[3.0, 1.0, 2.0], [0.5, 2.5, 1.5]])
    grads = {}
    for lib in (torch, cr):
        x = lib.tensor(data, requires_grad=True)
        values, indices = _PICKS[name](lib, x)
        _ = indices + 1  # reading (or copying) the indices changes nothing
        w = lib.tensor(np.arange(1.0, 1.0 + values.numel()).reshape(tuple(values.shape)))
        (values * w).sum().backward()
        grads[lib] = x.grad.numpy()
    np.testing.assert_array_equal(grads[cr], grads[torch])


@pytest.mark.parametrize("how", ["getitem", "gather", "index_select"])
def test_an_index_tensor_written_in_place_after_the_forward_makes_backward_raise(how):
    """The same check for an index the user passed: x[i], gather, index_select keep it (PyTorch saves it and
    raises when it changed; chainrule used the changed index)."""
    for lib in (torch, cr):
        x = lib.tensor([3.0, 1.0, 2.0], requires_grad=True)
        i = lib.tensor([2, 0])
        y = x[i] if how == "getitem" else lib.gather(x, 0, i) if how == "gather" else lib.index_select(x, 0, i)
        i.zero_()
        try:
            (y * lib.tensor([1.0, 10.0])).sum().backward()
        except RuntimeError as exc:
            assert "modified by an inplace operation" in str(exc)
            raised = True
        else:
            raised = False
            np.testing.assert_array_equal(x.grad.numpy(), [10.0, 0.0, 1.0])  # the index as it was used
        if lib is torch:
            expected = raised
        else:
            assert raised == expected


@pytest.mark.parametrize("how", ["getitem", "gather", "sort"])
def test_an_index_left_alone_passes_the_check_after_other_inplace_writes(how):
    """The check runs when anything was written in place since the forward: an unrelated in-place write (and
    writing the picked values' copy) must not make the untouched index count as modified."""
    grads = {}
    for lib in (torch, cr):
        x = lib.tensor([3.0, 1.0, 2.0], requires_grad=True)
        i = lib.tensor([2, 0])
        if how == "getitem":
            y = x[i]
        elif how == "gather":
            y = lib.gather(x, 0, i)
        else:
            y, i = lib.sort(x)
        other = lib.zeros(3)
        other.add_(1.0)  # an in-place write somewhere else
        z = y * 1.0
        z.mul_(2.0)  # and one in the graph, after the indexing
        (z * lib.arange(1.0, 1.0 + z.numel())).sum().backward()
        grads[lib] = x.grad.numpy()
    np.testing.assert_array_equal(grads[cr], grads[torch])
