"""`cr.func.vmap` against `torch.func.vmap`: in_dims/out_dims, nesting, pytrees, composition with grad,
randomness, and torch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.func import grad, jacrev, vmap

rng = np.random.default_rng(0)
A = rng.standard_normal((4, 3))
B = rng.standard_normal((3, 4))
W = rng.standard_normal((3, 2))


def _same(ours, theirs, rtol=1e-10, atol=1e-12):
    if isinstance(theirs, tuple | list):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same(o, t, rtol, atol)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def both(make, *arrays, **kw):
    ours = make(cr, cr.func)(*[cr.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    theirs = make(torch, torch.func)(*[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    _same(ours, theirs, **kw)
    return ours


@pytest.mark.parametrize("in_dims, out_dims, args", [
    (0, 0, (A, A)),
    (1, 0, (B, B)),
    (-1, 1, (B, B)),
    ((0, 1), 0, (A, B)),
    ((0, None), 0, (A, A[0])),
    ((None, 0), -1, (A[0], A)),
])
def test_in_dims_out_dims_match_torch(in_dims, out_dims, args):
    both(lambda lib, fn: fn.vmap(lambda x, y: (x * y).sin() + x, in_dims=in_dims, out_dims=out_dims), *args)


def test_matrix_vector_and_float32():
    both(lambda lib, fn: fn.vmap(lambda x, w: x @ w, in_dims=(0, None)), A, W)
    a32 = A.astype(np.float32)
    ours = both(lambda lib, fn: fn.vmap(lambda x: x.exp().sum()), a32, rtol=1e-6, atol=1e-6)
    assert ours.dtype == cr.float32


def test_nested_vmap_is_an_outer_product():
    both(lambda lib, fn: fn.vmap(fn.vmap(lambda x, y: x * y, in_dims=(None, 0)), in_dims=(0, None)), A[:, 0], A[0])


def test_tuple_outputs_and_out_dims_tuple():
    both(lambda lib, fn: fn.vmap(lambda x: (x, x.sum()), out_dims=(1, 0)), A)
    both(lambda lib, fn: fn.vmap(lambda x, s: (x * s, s), in_dims=(0, None), out_dims=(0, None)), A, np.array(2.0))


def test_pytree_inputs_with_nested_in_dims():
    ours = vmap(lambda p: p[0] * p[1], in_dims=((0, 1),))((cr.tensor(A), cr.tensor(B)))
    theirs = torch.func.vmap(lambda p: p[0] * p[1], in_dims=((0, 1),))((torch.tensor(A), torch.tensor(B)))
    _same(ours, theirs)
    ours = vmap(lambda d: d["w"] @ d["x"], in_dims=({"w": None, "x": 0},))({"w": cr.tensor(W.T), "x": cr.tensor(A)})
    theirs = torch.func.vmap(lambda d: d["w"] @ d["x"], in_dims=({"w": None, "x": 0},))(
        {"w": torch.tensor(W.T), "x": torch.tensor(A)})
    _same(ours, theirs)


def test_per_example_gradients_and_differentiating_through_vmap():
    loss = lambda w, x: ((x @ w) ** 2).sum()  # noqa: E731
    ours = vmap(grad(loss), in_dims=(None, 0))(cr.tensor(W), cr.tensor(A))
    theirs = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0))(torch.tensor(W), torch.tensor(A))
    _same(ours, theirs)
    w = cr.tensor(W, requires_grad=True)
    vmap(lambda x: (x @ w).tanh().sum())(cr.tensor(A)).sum().backward()
    tw = torch.tensor(W, requires_grad=True)
    torch.func.vmap(lambda x: (x @ tw).tanh().sum())(torch.tensor(A)).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10)
    _same(vmap(jacrev(lambda x: x.sin() * x))(cr.tensor(A)),
          torch.func.vmap(torch.func.jacrev(lambda x: x.sin() * x))(torch.tensor(A)))


def test_keyword_arguments_are_not_mapped_and_empty_batches_keep_shapes():
    both(lambda lib, fn: lambda x: fn.vmap(lambda a, scale: a * scale)(x, scale=2.0), A)
    both(lambda lib, fn: fn.vmap(lambda a: a.sum(0, keepdim=True)), np.zeros((0, 3)))


def test_randomness_modes():
    cr.manual_seed(0)
    with pytest.raises(RuntimeError, match="called random operation while in randomness error mode"):
        vmap(lambda x: x + cr.rand(3))(cr.tensor(A))
    same = vmap(lambda x: cr.rand(3) + 0 * x, randomness="same")(cr.tensor(A)).numpy()
    assert np.allclose(same, same[0])
    different = vmap(lambda x: cr.rand(3) + 0 * x, randomness="different")(cr.tensor(A)).numpy()
    assert not np.allclose(different, different[0])
    with pytest.raises(RuntimeError, match="Only allowed values for randomness are 'error', 'different', or 'same'. "
                                           "Got foo"):
        vmap(lambda x: x, randomness="foo")


def _torch_message(call):
    with pytest.raises(Exception) as info:
        call(torch, torch.func)
    return type(info.value), str(info.value)


@pytest.mark.parametrize("call", [
    lambda lib, fn: fn.vmap(lambda a, b: a * b)(lib.tensor(A), lib.tensor(B)),
    lambda lib, fn: fn.vmap(lambda a, b: a * b, in_dims=(0, 0))(lib.tensor(A), 2.0),
    lambda lib, fn: fn.vmap(lambda a: a, in_dims=2)(lib.tensor(A)),
    lambda lib, fn: fn.vmap(lambda a: a)(lib.tensor(2.0)),
    lambda lib, fn: fn.vmap(lambda a: a, in_dims=None)(lib.tensor(A)),
    lambda lib, fn: fn.vmap(lambda a: a, in_dims=[0])(lib.tensor(A)),
    lambda lib, fn: fn.vmap(lambda a: a)(),
    lambda lib, fn: fn.vmap(lambda a, b: a, in_dims=(None, None))(lib.tensor(A), lib.tensor(A)),
    lambda lib, fn: fn.vmap(lambda a: 3.0)(lib.tensor(A)),
    lambda lib, fn: fn.vmap(lambda a: a, out_dims=2)(lib.tensor(A)),
])
def test_errors_match_torch(call):
    kind, message = _torch_message(call)
    with pytest.raises(kind) as info:
        call(cr, cr.func)
    assert str(info.value) == message


def test_structure_mismatch_errors_have_torch_wording():
    with pytest.raises(ValueError, match=r"in_dims is not compatible with the structure of `inputs`"):
        vmap(lambda a, b: a, in_dims=(0, 1, 2))(cr.tensor(A), cr.tensor(A))
    with pytest.raises(ValueError, match=r"in_dims is not compatible with the structure of `inputs`"):
        vmap(lambda a: a, in_dims=(0,))(cr.tensor(A), cr.tensor(A))


def test_top_level_and_module_names():
    assert cr.vmap is cr.func.vmap
    for name in ("vmap", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"):
        assert callable(getattr(cr.func, name)), name
