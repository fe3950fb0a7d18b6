"""`out=` on the functional namespace against torch 2.13.0: values written into `out` (which is returned),
dtype casts and their refusals, resizing (with PyTorch's warning when `out` held elements), views, and the
error when autograd would be needed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr

A = np.array([[1.0, 4.0, 9.0], [0.5, 2.0, 3.0]])
B = np.array([2.0, 1.0, 0.5])
M = np.arange(12.0).reshape(3, 4) / 7


def _pair(fn, dtype="float32"):
    """Run `fn(module, make, out)` for torch and chainrule; compare the returned `out`s."""
    results = []
    for m in (torch, cr):
        dt = getattr(m, dtype)

        def make(a, m=m, dt=dt):
            return m.tensor(np.asarray(a), dtype=dt)

        out = m.empty(0, dtype=dt)
        r = fn(m, make, out)
        assert r is out
        results.append(r)
    t, c = results
    assert tuple(c.shape) == tuple(t.shape)
    np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-6 if dtype == "float32" else 1e-12)


CASES = {
    "add": lambda m, f, o: m.add(f(A), f(B), out=o),
    "add_alpha": lambda m, f, o: m.add(f(A), f(B), alpha=2, out=o),
    "sub": lambda m, f, o: m.sub(f(A), f(B), out=o),
    "mul": lambda m, f, o: m.mul(f(A), 3.0, out=o),
    "div": lambda m, f, o: m.div(f(A), f(B), out=o),
    "pow": lambda m, f, o: m.pow(f(A), 2, out=o),
    "neg": lambda m, f, o: m.neg(f(A), out=o),
    "exp": lambda m, f, o: m.exp(f(A), out=o),
    "log": lambda m, f, o: m.log(f(A), out=o),
    "sqrt": lambda m, f, o: m.sqrt(f(A), out=o),
    "tanh": lambda m, f, o: m.tanh(f(A), out=o),
    "sigmoid": lambda m, f, o: m.sigmoid(f(A), out=o),
    "abs": lambda m, f, o: m.abs(f(-A), out=o),
    "clamp": lambda m, f, o: m.clamp(f(A), 1.0, 3.0, out=o),
    "maximum": lambda m, f, o: m.maximum(f(A), f(B), out=o),
    "matmul": lambda m, f, o: m.matmul(f(A), f(M), out=o),
    "mm": lambda m, f, o: m.mm(f(A), f(M), out=o),
    "bmm": lambda m, f, o: m.bmm(f(np.stack([A, A])), f(np.stack([M, M])), out=o),
    "mv": lambda m, f, o: m.mv(f(A), f(B), out=o),
    "cat": lambda m, f, o: m.cat([f(A), f(A)], dim=1, out=o),
    "stack": lambda m, f, o: m.stack([f(B), f(B)], out=o),
    "sum": lambda m, f, o: m.sum(f(A), 1, out=o),
    "mean": lambda m, f, o: m.mean(f(A), 0, keepdim=True, out=o),
    "cumsum": lambda m, f, o: m.cumsum(f(A), 1, out=o),
    "where": lambda m, f, o: m.where(f(A) > 2, f(A), f(B), out=o),
    "zeros": lambda m, f, o: m.zeros(2, 3, out=o),
    "ones": lambda m, f, o: m.ones((4,), out=o),
    "full": lambda m, f, o: m.full((2,), 7.0, out=o),
    "arange": lambda m, f, o: m.arange(0, 5, out=o),
    "linspace": lambda m, f, o: m.linspace(0, 1, 5, out=o),
    "eye": lambda m, f, o: m.eye(3, out=o),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", CASES)
def test_out_matches_torch(name, dtype):
    _pair(CASES[name], dtype)


def test_out_of_the_right_shape_is_written_in_place():
    for m in (torch, cr):
        base = m.zeros(4)
        view = base[:2]
        r = m.add(m.ones(2), 1.0, out=view)
        assert r is view and base.tolist() == [2.0, 2.0, 0.0, 0.0]
        t = m.ones(3)
        v0 = t._version
        m.add(t, 1, out=t)  # out may alias an input
        assert t.tolist() == [2.0, 2.0, 2.0] and t._version > v0


def test_resizing_a_non_empty_out_warns_as_torch():
    for m in (torch, cr):
        o = m.empty(3)
        with pytest.warns(UserWarning, match="resized"):
            m.exp(m.ones(2, 3), out=o)
        assert tuple(o.shape) == (2, 3)
        o = m.empty(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            m.exp(m.ones(2, 3), out=o)  # an empty out is resized silently
            m.zeros(5, out=m.empty(2))  # creation functions resize silently
        assert tuple(o.shape) == (2, 3)


def test_out_dtype_casts_as_torch():
    for m in (torch, cr):
        o = m.empty(2, dtype=m.float64)
        m.add(m.ones(2), 1, out=o)
        assert o.dtype == m.float64 and o.tolist() == [2.0, 2.0]
        o = m.empty(2, dtype=m.float32)
        m.add(m.ones(2, dtype=m.float64), 1, out=o)
        assert o.dtype == m.float32
        o = m.empty(2, dtype=m.float32)
        m.add(m.tensor([1, 2]), 1, out=o)  # int result into a float out
        assert o.tolist() == [2.0, 3.0]
        o = m.empty(3, dtype=m.int64)
        m.zeros(3, out=o)  # creation: out's dtype
        assert o.dtype == m.int64
        m.arange(3, out=o)
        assert o.tolist() == [0, 1, 2]
        with pytest.raises(RuntimeError, match="can't be cast"):
            m.add(m.ones(2), 1, out=m.empty(2, dtype=m.int64))
        with pytest.raises(RuntimeError, match="can't be cast"):
            m.sqrt(m.tensor([1, 4]), out=m.empty(2, dtype=m.int64))
        with pytest.raises(RuntimeError, match="can't be cast"):
            m.add(m.tensor([1, 2]), 1, out=m.empty(2, dtype=m.bool))


def test_out_refuses_autograd_as_torch():
    msg = "functions with out=... arguments don't support automatic differentiation"
    for m in (torch, cr):
        w = m.ones(2, requires_grad=True)
        for fn, args in ((m.add, (w, 1)), (m.exp, (w,)), (m.mul, (w, w))):
            with pytest.raises(RuntimeError, match=msg):
                fn(*args, out=m.empty(2))
        o = m.empty(2, requires_grad=True)
        with pytest.raises(RuntimeError, match=msg):
            m.add(m.ones(2), 1, out=o)
        with pytest.raises(RuntimeError, match=msg):
            m.zeros(2, out=o)
        with m.no_grad():
            m.add(w, 1, out=o)  # allowed without grad mode
        assert o.tolist() == [2.0, 2.0] and o.grad_fn is None and o.requires_grad


def test_out_must_be_a_tensor():
    with pytest.raises(TypeError, match="out"):
        cr.add(cr.ones(2), 1, out=[0.0, 0.0])


def test_functions_without_out_are_unchanged():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.exp(x)
    assert y.grad_fn is not None
    assert cr.add.__name__ == "add" and cr.zeros.__name__ == "zeros"
    assert cr.add.__code__ is not cr.exp.__code__  # the tracer tells calls apart by code object
