"""Tests that kill survivors of the seed-2020 mutation sample (docs/testing.md)."""

from __future__ import annotations

import gc
import re
from types import ModuleType

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("dims", [(0,), (), (0, 1, 1), (0, 1, 0), (1, 0, 2)])
def test_rot90_refuses_a_dims_that_is_not_a_pair(dims: tuple) -> None:
    """`rot90(x, k, dims)` with dims of any length but 2 raises RuntimeError, with PyTorch's message, for the
    function and the method (seed-2020 survivor ops/shape_ops.py:540, the check removed: dims of three then rotated
    in the plane of the first two, and one or none raised IndexError)."""
    with pytest.raises(RuntimeError, match=f"expected total rotation dims == 2, but got dims = {len(dims)}"):
        torch.rot90(torch.arange(6.0).reshape(2, 3), 1, dims)
    x = cr.arange(6.0).reshape(2, 3)
    for call in (lambda: cr.rot90(x, 1, dims), lambda: x.rot90(1, dims)):
        with pytest.raises(RuntimeError, match=rf"rot90: expected total rotation dims == 2, but got dims = "
                                               rf"{len(dims)}"):
            call()


@pytest.mark.parametrize("dims", [(0, 1), [1, 0], (-1, 0)])
def test_rot90_with_a_pair_of_dims_matches_torch(dims: tuple) -> None:
    """The accepted side of the check: a pair, as a tuple or a list, rotates as PyTorch's."""
    want = torch.rot90(torch.arange(6.0).reshape(2, 3), 1, dims)
    np.testing.assert_array_equal(cr.rot90(cr.arange(6.0).reshape(2, 3), 1, dims).numpy(), want.numpy())


@pytest.mark.parametrize("dim,sizes", [(0, (2, 3)), (0, (2, -1)), (-3, (3, 2)), (1, (2, 2)), (1, (-1, 1, 4)),
                                       (2, (1, 1))])
def test_unflatten_keeps_the_dimensions_after_dim(dim: int, sizes: tuple) -> None:
    """`unflatten(x, dim, sizes)` splits dimension `dim` and keeps every dimension after it, also trailing ones
    of size 1, with -1 inferred, as PyTorch's; the gradient flows back in x's shape (seed-2020 survivor
    ops/shape_ops.py:88, `input.shape[d + 1:]` -> `[d + 2:]`: the dimension after dim was dropped; the tests had
    unflattened only a last dimension)."""
    data = np.arange(24.0).reshape(6, 4, 1)
    want = torch.unflatten(torch.tensor(data), dim, sizes)
    x = cr.tensor(data, requires_grad=True)
    got = cr.unflatten(x, dim, sizes)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.detach().numpy(), want.numpy())
    assert tuple(x.unflatten(dim, sizes).shape) == tuple(want.shape)
    (got * cr.tensor(np.arange(24.0).reshape(got.shape))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(24.0).reshape(6, 4, 1))


@pytest.mark.parametrize("equation,shapes,sub,nd,n", [("ij...->i", [(3,)], "ij...", 1, 2),
                                                      ("...ij,j->i", [(3,), (3,)], "...ij", 1, 2),
                                                      ("ijk...->", [(2, 2)], "ijk...", 2, 3),
                                                      ("i,j...k->", [(2,), (4,)], "j...k", 1, 2)])
def test_einsum_refuses_an_ellipsis_operand_with_too_few_dimensions(equation: str, shapes: list, sub: str,
                                                                    nd: int, n: int) -> None:
    """An operand written with "..." but with fewer dimensions than its letters is refused with RuntimeError, as
    PyTorch's, naming the operand's subscripts as written (with the ellipsis) and both counts (seed-2020 survivor
    ops/linalg.py:135, the check removed: a later check then raised about the subscripts without the ellipsis,
    "'ij' has 1 dimensions (shape (3,)), expected 2")."""
    with pytest.raises(RuntimeError, match="more than the number of dimensions"):
        torch.einsum(equation, *[torch.ones(s) for s in shapes])
    with pytest.raises(RuntimeError, match=rf"einsum: operand with subscripts '{re.escape(sub)}' has {nd} dimensions, "
                                           rf"fewer than its {n} subscripts"):
        cr.einsum(equation, *[cr.ones(s) for s in shapes])


@pytest.mark.parametrize("equation,shapes", [("...ij,jk->...ik", [(2, 3), (3, 4)]), ("i...->i", [(3,)]),
                                             ("...,...->...", [(), ()]), ("ij...,j->i...", [(2, 3), (3,)]),
                                             ("...ij,jk->...ik", [(5, 2, 3), (3, 4)])])
def test_einsum_with_an_ellipsis_of_no_dimensions_matches_torch(equation: str, shapes: list) -> None:
    """An ellipsis may stand for no dimension at all (an operand with exactly as many dimensions as letters):
    values and gradients as PyTorch's (the other mutants on the seed-2020 line ops/linalg.py:135, `width < 0` ->
    `<= 0` or `< 1`, refused it)."""
    rng = np.random.default_rng(2020)
    data = [rng.standard_normal(s) for s in shapes]
    want_in = [torch.tensor(d, requires_grad=True) for d in data]
    got_in = [cr.tensor(d, requires_grad=True) for d in data]
    want, got = torch.einsum(equation, *want_in), cr.einsum(equation, *got_in)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-12)
    want.sum().backward()
    got.sum().backward()
    for g, w in zip(got_in, want_in, strict=True):
        np.testing.assert_allclose(g.grad.numpy(), w.grad.numpy(), rtol=1e-12, atol=1e-12)


def _write_through_a_view_after_an_in_place_reshape(lib: ModuleType, op: str) -> list:
    x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x * 1.0
    v = y[0]  # a view of y's first row, made before y changes shape in place
    if op == "t_":
        y.t_()
    elif op == "transpose_":
        y.transpose_(0, 1)
    else:
        y.unsqueeze_(0)
    v.mul_(10.0)  # written through the view: y's history must take it at the row's new place
    (y * lib.tensor(np.arange(6.0).reshape(tuple(y.shape)) + 1.0)).sum().backward()
    return [y.detach().numpy().copy(), v.detach().numpy().copy(), x.grad.numpy().copy()]


@pytest.mark.parametrize("op", ["t_", "transpose_", "unsqueeze_"])
def test_a_view_made_before_its_base_is_reshaped_in_place_still_writes_into_it(op: str) -> None:
    """`v = y[0]; y.t_(); v.mul_(10)`: the write through v lands in y's (now transposed) first column, and the
    gradient reaching x is PyTorch's (seed-2020 survivor ops/views.py:137's `is` / `is not` mutants: the base's
    in-place reshape then left v's entry in the view registry as it was, and the write went to the old layout,
    "index_put: shape mismatch")."""
    got, want = _write_through_a_view_after_an_in_place_reshape(cr, op), \
        _write_through_a_view_after_an_in_place_reshape(torch, op)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_an_in_place_reshape_skips_a_view_the_garbage_collector_frees_meanwhile(monkeypatch: pytest.MonkeyPatch
                                                                                ) -> None:
    """A view held only by a reference cycle can be freed by the cyclic garbage collector (or another thread)
    while `x.t_()` walks x's views: its entry is gone, and the walk skips it instead of failing (seed-2020
    survivor ops/views.py:137, the `continue` removed, or `or` -> `and`: TypeError unpacking None). The collector
    is made to run exactly when the walk reaches that view, by a registry that collects on that lookup."""
    from chainrule.ops import views

    x = cr.tensor(np.arange(6.0).reshape(2, 3))
    live = x[1]
    cycle: list = [x[0]]
    cycle.append(cycle)
    dead_key = id(cycle[0])
    del cycle

    class CollectingRegistry(dict):
        def get(self, key: object, default: object = None) -> object:
            if key == dead_key:
                gc.collect()
            return super().get(key, default)

    original = views._VIEWS
    patched = CollectingRegistry(original)
    assert dead_key in patched and id(x) in views._CHILDREN and dead_key in views._CHILDREN[id(x)]
    gc.disable()
    monkeypatch.setattr(views, "_VIEWS", patched)
    try:
        x.t_()
    finally:
        gc.enable()
        original.clear()
        original.update(patched)
    assert dead_key not in patched  # the view was freed during the walk
    assert tuple(x.shape) == (3, 2)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3).T)
    np.testing.assert_array_equal(live.numpy(), [3.0, 4.0, 5.0])
    live.mul_(-1.0)  # the live view still writes into x's memory
    np.testing.assert_array_equal(x.numpy()[:, 1], [-3.0, -4.0, -5.0])
