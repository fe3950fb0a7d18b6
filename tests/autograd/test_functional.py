"""`cr.autograd.functional` against `torch.autograd.functional`: values, return structures, create_graph,
strict mode and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

F = cr.autograd.functional
TF = torch.autograd.functional


def _lib(lib, arrays):
    return tuple(lib.tensor(a) for a in arrays) if isinstance(arrays, tuple) else lib.tensor(arrays)


def _same(ours, theirs, rtol=1e-10, atol=1e-12):
    """Equal values and the same nesting of tuples and tensors."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), (type(ours), type(theirs))
        for o, t in zip(ours, theirs):
            _same(o, t, rtol, atol)
        return
    assert isinstance(ours, cr.Tensor), type(ours)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


rng = np.random.default_rng(0)
X, Y = rng.standard_normal(3), rng.standard_normal(3)
M = rng.standard_normal((2, 3))


def vec_fn(lib):
    return lambda a: (a.exp() * a).sum(0) if a.ndim > 1 else a.tanh() * a


def two_in_two_out(lib):
    return lambda a, b: ((a * b).exp(), (a**2).sum() * b)


def two_in_one_out(lib):
    return lambda a, b: a.sin() * b


def one_in_two_out(lib):
    return lambda a: (a**3, a.sum())


def scalar_fn(lib):
    return lambda a: (a.exp() * a**2).sum()


def scalar_two(lib):
    return lambda a, b: (a.exp() * b**2).sum() + (a * b).sum() ** 2


JAC_CASES = [
    (vec_fn, X),
    (vec_fn, M),
    (two_in_two_out, (X, Y)),
    (two_in_one_out, (X, Y)),
    (one_in_two_out, X),
    (one_in_two_out, (X,)),
    (scalar_fn, np.float64(0.7)),
]


@pytest.mark.parametrize("maker, arrays", JAC_CASES)
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_matches_torch_with_its_structure(maker, arrays, vectorize):
    ours = F.jacobian(maker(cr), _lib(cr, arrays), vectorize=vectorize)
    theirs = TF.jacobian(maker(torch), _lib(torch, arrays), vectorize=vectorize)
    _same(ours, theirs)


def test_jacobian_forward_mode_strategy_needs_vectorize_like_torch():
    ours = F.jacobian(vec_fn(cr), cr.tensor(X), vectorize=True, strategy="forward-mode")
    _same(ours, TF.jacobian(vec_fn(torch), torch.tensor(X), vectorize=True, strategy="forward-mode"))
    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        F.jacobian(vec_fn(cr), cr.tensor(X), strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        F.jacobian(vec_fn(cr), cr.tensor(X), create_graph=True, strategy="forward-mode")
    with pytest.raises(AssertionError, match="forward-mode"):
        F.jacobian(vec_fn(cr), cr.tensor(X), strategy="sideways")


@pytest.mark.parametrize("maker, arrays", [(scalar_fn, X), (scalar_two, (X, Y)), (scalar_fn, M),
                                           (scalar_two, (X,) * 2)])
def test_hessian_matches_torch_with_its_structure(maker, arrays):
    _same(F.hessian(maker(cr), _lib(cr, arrays)), TF.hessian(maker(torch), _lib(torch, arrays)))


@pytest.mark.parametrize("name", ["vhp", "hvp"])
@pytest.mark.parametrize("maker, arrays, v", [(scalar_fn, X, Y), (scalar_two, (X, Y), (Y, X)),
                                              (scalar_fn, np.float64(0.3), None)])
def test_vhp_hvp_match_torch(name, maker, arrays, v):
    ours = getattr(F, name)(maker(cr), _lib(cr, arrays), None if v is None else _lib(cr, v))
    theirs = getattr(TF, name)(maker(torch), _lib(torch, arrays), None if v is None else _lib(torch, v))
    _same(ours, theirs)


@pytest.mark.parametrize("maker, arrays, v", [(vec_fn, X, Y), (two_in_two_out, (X, Y), (Y, X)),
                                              (one_in_two_out, X, X), (two_in_one_out, (X, Y), (X, X))])
def test_jvp_matches_torch(maker, arrays, v):
    _same(F.jvp(maker(cr), _lib(cr, arrays), _lib(cr, v)), TF.jvp(maker(torch), _lib(torch, arrays), _lib(torch, v)))


@pytest.mark.parametrize("maker, arrays, v", [(vec_fn, X, Y), (two_in_two_out, (X, Y), (Y, X)),
                                              (one_in_two_out, X, (X, np.float64(2.0))),
                                              (two_in_one_out, (X, Y), X), (scalar_fn, X, None)])
def test_vjp_matches_torch(maker, arrays, v):
    _same(F.vjp(maker(cr), _lib(cr, arrays), None if v is None else _lib(cr, v)),
          TF.vjp(maker(torch), _lib(torch, arrays), None if v is None else _lib(torch, v)))


def test_float32_results_keep_dtype_and_match_torch():
    x = X.astype(np.float32)
    ours = F.jacobian(vec_fn(cr), cr.tensor(x))
    theirs = TF.jacobian(vec_fn(torch), torch.tensor(x))
    assert ours.dtype == cr.float32
    _same(ours, theirs, rtol=1e-5, atol=1e-6)


def test_create_graph_keeps_results_differentiable():
    x = cr.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    out, g = F.vjp(scalar_fn(cr), x, create_graph=True)
    tout, tg = TF.vjp(scalar_fn(torch), tx, create_graph=True)
    assert out.requires_grad and g.requires_grad
    g.sum().backward()
    tg.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    h = F.hessian(scalar_fn(cr), cr.tensor(X, requires_grad=True), create_graph=True)
    assert h.requires_grad
    out, g = F.vjp(scalar_fn(cr), x)
    assert not out.requires_grad and not g.requires_grad


def test_unused_inputs_give_zeros_and_strict_raises():
    fn = lambda a, b: a * 2.0  # noqa: E731
    ours = F.jacobian(fn, (cr.tensor(X), cr.tensor(Y)))
    _same(ours, TF.jacobian(fn, (torch.tensor(X), torch.tensor(Y))))
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is independent of input 1"):
        F.jacobian(fn, (cr.tensor(X), cr.tensor(Y)), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1. This is not allowed in strict mode"):
        F.vjp(fn, (cr.tensor(X), cr.tensor(Y)), cr.tensor(Y), strict=True)
    with pytest.raises(RuntimeError, match="does not require gradients"):
        F.vjp(lambda a: cr.tensor(X), cr.tensor(X), cr.tensor(Y), strict=True)
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function with respect to input 0"):
        F.hessian(lambda a: a.sum(), cr.tensor(X), strict=True)
    with pytest.raises(RuntimeError, match="`strict=True` and `vectorized=True`"):
        F.jacobian(vec_fn(cr), cr.tensor(X), strict=True, vectorize=True)
    _same(F.hvp(lambda a: a.sum(), cr.tensor(X), cr.tensor(Y)),
          TF.hvp(lambda a: a.sum(), torch.tensor(X), torch.tensor(Y)))


def test_bad_input_messages_match_torch():
    with pytest.raises(TypeError, match="The inputs given to jacobian must be either a Tensor or a tuple of Tensors"):
        F.jacobian(vec_fn(cr), [cr.tensor(X)])
    with pytest.raises(TypeError, match="value at index 1 has type"):
        F.vjp(two_in_one_out(cr), (cr.tensor(X), 3.0), cr.tensor(X))
    with pytest.raises(RuntimeError, match="v has invalid size: should be"):
        F.vjp(vec_fn(cr), cr.tensor(X), cr.tensor(M))
    with pytest.raises(RuntimeError, match="v is a tuple of invalid length: should be 2 but got 1"):
        F.jvp(two_in_one_out(cr), (cr.tensor(X), cr.tensor(Y)), (cr.tensor(X),))
    with pytest.raises(RuntimeError, match="The vector v can only be None if the user-provided function returns"):
        F.vjp(vec_fn(cr), cr.tensor(X))
    with pytest.raises(RuntimeError, match="The vector v can only be None if the input to the user-provided"):
        F.hvp(scalar_fn(cr), cr.tensor(X))
    with pytest.raises(RuntimeError, match="The function given to hessian should return a single Tensor"):
        F.hessian(one_in_two_out(cr), cr.tensor(X))
    with pytest.raises(RuntimeError, match="should contain a single element"):
        F.hessian(vec_fn(cr), cr.tensor(X))
    with pytest.raises(RuntimeError, match="The function given to vhp should return a single Tensor"):
        F.vhp(one_in_two_out(cr), cr.tensor(X), cr.tensor(X))


def test_module_path_is_importable_like_torch():
    import chainrule.autograd.functional as mod

    assert mod is F
    assert {"jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"} <= set(mod.__all__)
