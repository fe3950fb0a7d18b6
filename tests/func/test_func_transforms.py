"""`cr.func` grad/grad_and_value/vjp/jvp/jacrev/jacfwd/hessian against `torch.func`: tuple argnums, has_aux,
pytree arguments and outputs, nesting, float32/float64, and torch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

rng = np.random.default_rng(1)
X, Y = rng.standard_normal(3), rng.standard_normal(3)
M = rng.standard_normal((2, 3))


def _same(ours, theirs, rtol=1e-10, atol=1e-12):
    if isinstance(theirs, tuple | list):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), (type(ours), type(theirs))
        for o, t in zip(ours, theirs):
            _same(o, t, rtol, atol)
        return
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k], rtol, atol)
        return
    assert isinstance(ours, cr.Tensor), type(ours)
    assert tuple(ours.shape) == tuple(theirs.shape), (tuple(ours.shape), tuple(theirs.shape))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _conv(lib, x):
    if isinstance(x, np.ndarray):
        return lib.tensor(x)
    if isinstance(x, tuple):
        return tuple(_conv(lib, v) for v in x)
    if isinstance(x, dict):
        return {k: _conv(lib, v) for k, v in x.items()}
    return x


def both(make, *args, **kw):
    ours = make(cr.func)(*_conv(cr, args))
    theirs = make(torch.func)(*_conv(torch, args))
    _same(ours, theirs, **kw)
    return ours


scalar2 = lambda a, b: (a.sin() * b).sum() + (a * b).sum() ** 2  # noqa: E731
vector2 = lambda a, b: a.exp() * b + a.sum()  # noqa: E731


@pytest.mark.parametrize("argnums", [0, 1, (0,), (0, 1), (1, 0), -1])
def test_grad_and_jacobians_with_argnums(argnums):
    both(lambda fn: fn.grad(scalar2, argnums=argnums), X, Y)
    both(lambda fn: fn.grad_and_value(scalar2, argnums=argnums), X, Y)
    both(lambda fn: fn.jacrev(vector2, argnums=argnums), X, Y)
    if argnums == -1:  # torch 2.13's jacfwd returns zeros for a negative argnum; jacrev is the reference
        _same(cr.func.jacfwd(vector2, argnums=-1)(cr.tensor(X), cr.tensor(Y)),
              torch.func.jacrev(vector2, argnums=-1)(torch.tensor(X), torch.tensor(Y)))
        _same(cr.func.hessian(scalar2, argnums=-1)(cr.tensor(X), cr.tensor(Y)),
              torch.func.hessian(scalar2, argnums=1)(torch.tensor(X), torch.tensor(Y)))
        return
    both(lambda fn: fn.jacfwd(vector2, argnums=argnums), X, Y)
    both(lambda fn: fn.hessian(scalar2, argnums=argnums), X, Y)


def test_value_and_grad_keeps_jax_order():
    value, g = cr.func.value_and_grad(scalar2, argnums=(0, 1))(cr.tensor(X), cr.tensor(Y))
    tg, tvalue = torch.func.grad_and_value(scalar2, argnums=(0, 1))(torch.tensor(X), torch.tensor(Y))
    _same(value, tvalue)
    _same(g, tg)


def test_has_aux():
    f = lambda a, b: ((a * b).sum(), {"p": a * 2, "q": (b,)})  # noqa: E731
    both(lambda fn: fn.grad(f, argnums=(0, 1), has_aux=True), X, Y)
    both(lambda fn: fn.grad_and_value(f, has_aux=True), X, Y)
    g = lambda a: (a.exp(), a.sum())  # noqa: E731
    both(lambda fn: fn.jacrev(g, has_aux=True), X)
    both(lambda fn: fn.jacfwd(g, has_aux=True), X)
    both(lambda fn: (lambda a, v: fn.jvp(g, (a,), (v,), has_aux=True)), X, Y)
    out, vjp_fn, aux = cr.func.vjp(g, cr.tensor(X), has_aux=True)
    tout, tvjp_fn, taux = torch.func.vjp(g, torch.tensor(X), has_aux=True)
    _same((out, aux), (tout, taux))
    _same(vjp_fn(cr.tensor(Y)), tvjp_fn(torch.tensor(Y)))


def test_pytree_arguments_and_outputs():
    params = {"w": M, "b": X[:2]}
    loss = lambda p, x: ((p["w"] @ x + p["b"]) ** 2).sum()  # noqa: E731
    both(lambda fn: fn.grad(loss), params, X)
    both(lambda fn: fn.jacrev(lambda p, x: p["w"] @ x + p["b"]), params, X)
    two = lambda a: (a.exp(), (a**2).sum())  # noqa: E731
    both(lambda fn: fn.jacrev(two), X)
    both(lambda fn: fn.jacfwd(two), X)
    both(lambda fn: fn.jacrev(lambda a, b: (a * b, a.sum()), argnums=(0, 1)), X, Y)
    both(lambda fn: (lambda a, b, v, u: fn.jvp(lambda p, q: (p * q, p.sum()), (a, b), (v, u))), X, Y, Y, X)
    out, vjp_fn = cr.func.vjp(lambda p: {"y": p[0] * p[1]}, (cr.tensor(X), cr.tensor(Y)))
    tout, tvjp_fn = torch.func.vjp(lambda p: {"y": p[0] * p[1]}, (torch.tensor(X), torch.tensor(Y)))
    _same(out, tout)
    _same(vjp_fn({"y": cr.tensor(M[0])}), tvjp_fn({"y": torch.tensor(M[0])}))


def test_hessian_of_vector_valued_function_and_matrices():
    h = both(lambda fn: fn.hessian(lambda a: a**3 * a.sum()), X)
    assert tuple(h.shape) == (3, 3, 3)
    both(lambda fn: fn.hessian(lambda m: (m.tanh() @ m.T).sum()), M)
    both(lambda fn: fn.hessian(lambda m: m.exp().sum(0)), M)
    both(lambda fn: fn.jacfwd(fn.jacrev(lambda a: (a.sin() * a).sum())), X)
    both(lambda fn: fn.jacrev(fn.jacrev(lambda a: a.sin() * a)), X)


def test_nesting_and_closures():
    both(lambda fn: fn.grad(fn.grad(fn.grad(lambda t: t**4))), np.array(2.0))
    both(lambda fn: fn.grad(lambda x: fn.grad(lambda y: (x * y).sin().sum())(x).sum()), X)
    both(lambda fn: fn.jacrev(lambda x: fn.jacrev(lambda y: x * y.exp())(x).sum(0)), X)


def test_float32():
    x32 = X.astype(np.float32)
    ours = both(lambda fn: fn.jacrev(lambda a: a.tanh() * a), x32, rtol=1e-5, atol=1e-6)
    assert ours.dtype == cr.float32
    ours = both(lambda fn: fn.hessian(lambda a: (a.exp() * a).sum()), x32, rtol=1e-5, atol=1e-6)
    assert ours.dtype == cr.float32


def test_results_are_detached_outside_transforms():
    g = cr.func.grad(lambda a: (a**2).sum())(cr.tensor(X))
    jac = cr.func.jacrev(lambda a: a**2)(cr.tensor(X))
    out, jv = cr.func.jvp(lambda a: a**2, (cr.tensor(X),), (cr.tensor(Y),))
    assert not any(t.requires_grad for t in (g, jac, out, jv))
    x = cr.tensor(X, requires_grad=True)
    g = cr.func.grad(lambda a: (a**3).sum())(x)  # an input with history: the result stays differentiable
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * X, rtol=1e-12)


def _torch_error(call):
    with pytest.raises(Exception) as info:
        call(torch, torch.func)
    return type(info.value), str(info.value)


x_ = lambda lib: lib.tensor(X)  # noqa: E731


@pytest.mark.parametrize("call", [
    lambda lib, fn: fn.grad(lambda a: a * 2)(x_(lib)),
    lambda lib, fn: fn.grad(lambda a: (a * 2).sum(0, keepdim=True))(x_(lib)),
    lambda lib, fn: fn.grad(lambda a, b: (a * b).sum(), argnums=2)(x_(lib), x_(lib)),
    lambda lib, fn: fn.grad(lambda a, b: (a * b).sum(), argnums=(0, 0))(x_(lib), x_(lib)),
    lambda lib, fn: fn.grad(lambda a, b: (a * b).sum(), argnums=1)(x_(lib), 3.0),
    lambda lib, fn: fn.grad(lambda a: (a.sum(), 1))(x_(lib)),
    lambda lib, fn: fn.grad(lambda a: [a.sum(), a], has_aux=True)(x_(lib)),
    lambda lib, fn: fn.grad(lambda a: (a.sum(), 1), has_aux=True)(x_(lib)),
    lambda lib, fn: fn.jacrev(lambda a: 3.0)(x_(lib)),
    lambda lib, fn: fn.jacfwd(lambda a: 3.0)(x_(lib)),
    lambda lib, fn: fn.jacrev(lambda a: a * 2, has_aux=True)(x_(lib)),
    lambda lib, fn: fn.jacfwd(lambda a: a * 2, has_aux=True)(x_(lib)),
    lambda lib, fn: fn.vjp(lambda a: a * 2, x_(lib), 3),
    lambda lib, fn: fn.vjp(lambda a: a * 2, x_(lib))[1](x_(lib)[:2]),
    lambda lib, fn: fn.jvp(lambda a: a * 2, x_(lib), x_(lib)),
    lambda lib, fn: fn.jvp(lambda a: a * 2, (x_(lib),), (x_(lib)[:2],)),
])
def test_errors_match_torch(call):
    kind, message = _torch_error(call)
    with pytest.raises(kind) as info:
        call(cr, cr.func)
    assert str(info.value) == message.replace("torch.Size(", "chainrule.Size(")


def test_structure_errors_have_torch_wording():
    with pytest.raises(RuntimeError, match="Expected pytree structure of cotangents to be the same"):
        cr.func.vjp(lambda a: a * 2, cr.tensor(X))[1]((cr.tensor(X),))
    with pytest.raises(RuntimeError, match="Expected primals and tangents to have the same python structure"):
        cr.func.jvp(lambda a: a * 2, (cr.tensor(X),), (cr.tensor(X), cr.tensor(X)))
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        cr.func.grad(lambda a: a.sum())(cr.arange(3))
    with pytest.raises(RuntimeError, match="argnums must be int or Tuple"):
        cr.func.grad(scalar2, argnums=[0, 1])(cr.tensor(X), cr.tensor(Y))


def test_results_stay_differentiable_with_respect_to_captured_tensors():
    """torch.func lets gradients flow to tensors the function captures (not arguments) that require grad."""
    grads = []
    for lib, fn in ((cr, cr.func), (torch, torch.func)):
        w = lib.tensor(Y, requires_grad=True)
        x = lib.tensor(X)
        g = fn.grad(lambda a, w=w: (a * a * w).sum())(x)
        jac = fn.jacrev(lambda a, w=w: a.sin() * w)(x)
        _, jv = fn.jvp(lambda a, w=w: a.exp() * w, (x,), (x,))
        (vj,) = fn.vjp(lambda a, w=w: a.exp() * w, x)[1](x)
        assert g.requires_grad and jac.requires_grad and jv.requires_grad and vj.requires_grad
        (g.sum() + jac.sum() + jv.sum() + vj.sum()).backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)
    assert not cr.func.grad(lambda a: (a * a).sum())(cr.tensor(X)).requires_grad
