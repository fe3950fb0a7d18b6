"""Survivors of the exhaustive mutation pass in engine/backward.py (resumed part, h/p3core).

- `normalize_outputs` (:339): a gradient that is not a Tensor (a NumPy array, a list of numbers, a number) was
  accepted and converted; PyTorch refuses it with TypeError "gradients can be either Tensors or None, but got
  <type>" (a non-Tensor is read as a sequence of gradients, so a NumPy array names its element type and a
  number is "not iterable"). chainrule now does the same, for `backward`, `Tensor.backward` and `autograd.grad`.
- `accumulate_grad` (:480, :485): a leaf whose `.data` was replaced by one of another dtype between the forward
  and the backward gets a first `.grad` of its new dtype (docs/semantics.md; PyTorch keeps the forward-time dtype).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _y(lib):
    x = lib.ones(3, requires_grad=True)
    return x, x * 2


_NOT_TENSORS = [
    ("backward(ndarray)", lambda lib, y: y.backward(np.ones(3)), "float64"),
    ("backward(list of floats)", lambda lib, y: y.backward([1.0, 1.0, 1.0]), "float"),
    ("autograd.backward(ndarray)", lambda lib, y: lib.autograd.backward(y, grad_tensors=np.ones(3)), "float64"),
    ("autograd.backward([ndarray])", lambda lib, y: lib.autograd.backward([y], grad_tensors=[np.ones(3)]),
     "ndarray"),
    ("autograd.backward([float])", lambda lib, y: lib.autograd.backward([y.sum()], grad_tensors=[2.0]), "float"),
    ("autograd.grad(ndarray)", lambda lib, y: lib.autograd.grad(y, y, grad_outputs=np.ones(3)), "float64"),
    ("autograd.grad([float])", lambda lib, y: lib.autograd.grad([y.sum()], y, grad_outputs=[2.0]), "float"),
    ("autograd.grad([Tensor, list])",
     lambda lib, y: lib.autograd.grad([y, y], y, grad_outputs=[lib.ones(3), [1.0, 1.0, 1.0]]), "list"),
]


@pytest.mark.parametrize("how,got", [(h, g) for _, h, g in _NOT_TENSORS], ids=[i for i, _, _ in _NOT_TENSORS])
def test_a_gradient_that_is_not_a_tensor_is_refused_as_by_torch(how, got):
    message = f"gradients can be either Tensors or None, but got {got}"
    for lib in (torch, cr):
        x, y = _y(lib)
        with pytest.raises(TypeError, match=f"^{message}$"):
            how(lib, y)
        assert x.grad is None, lib.__name__


def test_a_number_as_the_gradients_is_not_iterable_as_in_torch():
    for lib in (torch, cr):
        _, y = _y(lib)
        with pytest.raises(TypeError, match="'float' object is not iterable"):
            y.sum().backward(2.0)
        with pytest.raises(TypeError, match="'float' object is not iterable"):
            lib.autograd.backward(y.sum(), grad_tensors=2.0)


def test_tensor_gradients_in_a_list_or_tuple_work_as_in_torch():
    for lib in (torch, cr):
        results = []
        for gradient in (lib.tensor([1.0, 2.0, 3.0]), [lib.tensor([1.0, 2.0, 3.0])], (lib.tensor([1.0, 2.0, 3.0]),)):
            x, y = _y(lib)
            y.backward(gradient)
            results.append(x.grad.tolist())
        x, y = _y(lib)
        lib.autograd.backward([y.sum(), y], [None, lib.tensor([1.0, 1.0, 1.0])])  # None for a scalar output
        results.append(x.grad.tolist())
        assert results == [[2.0, 4.0, 6.0]] * 3 + [[4.0, 4.0, 4.0]], lib.__name__


def test_graph_with_an_array_as_grad_output_still_explains():
    # cr.graph passes its seed on to autograd.grad: as a tensor now
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    g = cr.graph(y, grad_output=np.array([1.0, 10.0]))
    leaf = next(n for n in g.data["nodes"] if n["kind"] == "leaf")
    assert leaf["grad"]["data"] == [3.0, 30.0]


@pytest.mark.parametrize("shape", [(), (3,)])
def test_first_grad_after_data_of_another_dtype_takes_the_new_dtype(shape):
    # chainrule's documented choice: the first .grad fits the tensor as it is at backward time (its dtype here,
    # as a changed shape raises); PyTorch keeps the forward-time float32
    x = cr.ones(shape, dtype=cr.float32, requires_grad=True)
    y = (x * 2).sum()
    x.data = cr.ones(shape, dtype=cr.float64)
    y.backward()
    assert x.grad.dtype == cr.float64
    assert np.asarray(x.grad.numpy()).dtype == np.float64
    assert x.grad.tolist() == ([2.0] * 3 if shape else 2.0)
