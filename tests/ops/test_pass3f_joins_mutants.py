"""hstack and vstack (ops/joins.py, a survivor of the exhaustive pass: hstack's choice of dim), against torch
2.13.0: values, shapes and gradients for 0-d, 1-d, 2-d and 3-d inputs. PyTorch applies atleast_1d (hstack) or
atleast_2d (vstack) first; chainrule refused 0-d tensors (a real difference, fixed) and raised IndexError on an
empty list."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

_SHAPES = {
    "0d": [(), ()],
    "0d_1d": [(), (3,)],
    "1d": [(2,), (3,)],
    "2d": [(2, 2), (2, 3)],
    "3d": [(2, 1, 2), (2, 3, 2)],
}
_VSHAPES = {
    "0d": [(), ()],
    "0d_1d": [(), (1,)],
    "1d": [(3,), (3,)],
    "1d_2d": [(3,), (2, 3)],
    "3d": [(1, 2, 2), (3, 2, 2)],
}


def _run(fn_name: str, shapes: list[tuple]) -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    cs = [cr.tensor(a, requires_grad=True) for a in arrays]
    t_out = getattr(torch, fn_name)(ts)
    c_out = getattr(cr, fn_name)(cs)
    assert tuple(c_out.shape) == tuple(t_out.shape)
    np.testing.assert_array_equal(c_out.detach().numpy(), t_out.detach().numpy())
    weights = rng.standard_normal(tuple(t_out.shape))
    (t_out * torch.tensor(weights)).sum().backward()
    (c_out * cr.tensor(weights)).sum().backward()
    for c, t in zip(cs, ts, strict=True):
        assert tuple(c.grad.shape) == tuple(t.grad.shape)
        np.testing.assert_array_equal(c.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("case", list(_SHAPES))
def test_hstack_matches_torch(case: str) -> None:
    """1-d (and 0-d) tensors are joined along dim 0, the others along dim 1."""
    _run("hstack", _SHAPES[case])


@pytest.mark.parametrize("case", list(_VSHAPES))
def test_vstack_matches_torch(case: str) -> None:
    """0-d tensors are 1x1 rows and 1-d tensors rows, joined along dim 0."""
    _run("vstack", _VSHAPES[case])


@pytest.mark.parametrize("name", ["hstack", "vstack"])
def test_an_empty_list_is_refused_with_a_runtime_error(name: str) -> None:
    with pytest.raises(RuntimeError, match="non-empty"):
        getattr(torch, name)([])
    with pytest.raises(RuntimeError, match="non-empty"):
        getattr(cr, name)([])
