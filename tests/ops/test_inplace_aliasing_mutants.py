"""Every in-place method, run where nothing is recorded (under no_grad, or on a tensor that needs no grad),
writes into the tensor's memory, as PyTorch's do: a view of it and the ndarray `numpy()` returned before the
write both show the new values. (A mutation survivor at `ops/inplace.py: assign`, `type(self.array) is
np.ndarray` -> `is not`: the result was stored as new memory, so views and `numpy()` aliases kept the old
values.) Compared with PyTorch on the same data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

BASE = np.array([[0.5, 1.25, 2.0, 3.5], [4.0, 0.75, 1.5, 2.5], [3.0, 2.25, 0.25, 1.75]])
IDX = [2, 0]


def _cases(lib: Any) -> dict[str, Callable[[Any], Any]]:
    """method -> a call of it on `t` (shape (3, 4), float64), with its other arguments made by `lib`."""
    other = lib.tensor(BASE[::-1].copy())
    idx = lib.tensor(IDX)
    return {
        "abs_": lambda t: t.abs_(), "ceil_": lambda t: t.ceil_(), "floor_": lambda t: t.floor_(),
        "round_": lambda t: t.round_(), "exp_": lambda t: t.exp_(), "log_": lambda t: t.log_(),
        "neg_": lambda t: t.neg_(), "sqrt_": lambda t: t.sqrt_(), "sigmoid_": lambda t: t.sigmoid_(),
        "tanh_": lambda t: t.tanh_(), "relu_": lambda t: t.sub_(2.0).relu_(), "zero_": lambda t: t.zero_(),
        "fill_": lambda t: t.fill_(7.0), "clamp_": lambda t: t.clamp_(min=1.0, max=3.0),
        "copy_": lambda t: t.copy_(other), "add_": lambda t: t.add_(other, alpha=2.0),
        "sub_": lambda t: t.sub_(other), "mul_": lambda t: t.mul_(other), "div_": lambda t: t.div_(other),
        "pow_": lambda t: t.pow_(2.0), "lerp_": lambda t: t.lerp_(other, 0.25),
        "tril_": lambda t: t.tril_(), "triu_": lambda t: t.triu_(1),
        "masked_fill_": lambda t: t.masked_fill_(other > 2.0, -1.0),
        "index_fill_": lambda t: t.index_fill_(0, idx, 9.0),
        "index_add_": lambda t: t.index_add_(0, idx, other[:2]),
        "index_copy_": lambda t: t.index_copy_(0, idx, other[:2]),
        "scatter_": lambda t: t.scatter_(0, lib.tensor([[2, 0, 1, 2]]), other[:1]),
        "scatter_add_": lambda t: t.scatter_add_(0, lib.tensor([[2, 0, 1, 2]]), other[:1]),
        "scatter_reduce_": lambda t: t.scatter_reduce_(0, lib.tensor([[2, 0, 1, 2]]), other[:1], "amax"),
    }


METHODS = sorted(_cases(cr))


def _run(lib: Any, method: str, no_grad: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t = lib.tensor(BASE.copy(), requires_grad=no_grad)
    with lib.no_grad():
        alias = t.numpy()  # shares t's memory (torch refuses numpy() on a tensor that requires grad)
        view, flat = t[1:], t.view(12)
    if no_grad:
        with lib.no_grad():
            _cases(lib)[method](t)
    else:
        _cases(lib)[method](t)
    with lib.no_grad():
        return t.numpy().copy(), alias.copy(), view.numpy().copy(), flat.numpy().copy()


@pytest.mark.parametrize("no_grad", [False, True], ids=["needs-no-grad", "under-no_grad"])
@pytest.mark.parametrize("method", METHODS)
def test_an_unrecorded_inplace_write_reaches_views_and_numpy_aliases(method: str, no_grad: bool) -> None:
    ours, theirs = _run(cr, method, no_grad), _run(torch, method, no_grad)
    for what, a, b in zip(("tensor", "numpy() alias", "view t[1:]", "view t.view(12)"), ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=f"{method}: {what}")


@pytest.mark.parametrize("method", ["add_", "mul_", "fill_", "zero_", "neg_", "clamp_", "copy_"])
def test_an_integer_tensor_written_in_place_keeps_its_memory_and_dtype(method: str) -> None:
    def run(lib: Any) -> tuple[np.ndarray, np.ndarray, str]:
        t = lib.tensor([[1, 2, 3], [4, 5, 6]])
        alias, view = t.numpy(), t[:, 1]
        call = {"add_": lambda: t.add_(lib.tensor([10, 20, 30])), "mul_": lambda: t.mul_(3),
                "fill_": lambda: t.fill_(4), "zero_": lambda: t.zero_(), "neg_": lambda: t.neg_(),
                "clamp_": lambda: t.clamp_(2, 5), "copy_": lambda: t.copy_(lib.tensor([[6, 5, 4], [3, 2, 1]]))}
        call[method]()
        return alias.copy(), view.numpy().copy(), str(t.dtype).split(".")[-1]

    (a1, v1, d1), (a2, v2, d2) = run(cr), run(torch)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(v1, v2)
    assert d1 == d2 == "int64"


@pytest.mark.parametrize("method", ["add_", "sub_", "mul_", "div_", "copy_", "pow_"])
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float32"), ("float32", "int64")])
def test_a_recorded_inplace_op_with_another_dtype_keeps_the_tensors_dtype(method: str,
                                                                          dtypes: tuple[str, str]) -> None:
    # a recorded in-place op computes out of place and takes over the result: cast back to the tensor's dtype,
    # as PyTorch writes into self (a mutation survivor at `ops/inplace.py: assign`, the dtype check `==` -> `!=`)
    mine, theirs = dtypes

    def run(lib: Any) -> tuple[str, np.ndarray, str, np.ndarray]:
        x = lib.tensor(BASE[0], dtype=getattr(lib, mine), requires_grad=True)
        a = x * 1.5
        other = lib.tensor([1, 2, 3, 2]).to(getattr(lib, theirs))
        getattr(a, method)(other)
        a.sum().backward()
        with lib.no_grad():
            # copy_ of a constant: no gradient reaches x (None here, zeros in PyTorch: docs/semantics.md)
            grad = x.grad if x.grad is not None else lib.zeros_like(x)
            return str(a.dtype).split(".")[-1], a.numpy(), str(grad.dtype).split(".")[-1], grad.numpy()

    d1, v1, g1, gv1 = run(cr)
    d2, v2, g2, gv2 = run(torch)
    assert (d1, g1) == (d2, g2) == (mine, mine)
    tol = 1e-6 if "float32" in dtypes else 1e-12
    np.testing.assert_allclose(v1, v2, rtol=tol)
    np.testing.assert_allclose(gv1, gv2, rtol=tol)
