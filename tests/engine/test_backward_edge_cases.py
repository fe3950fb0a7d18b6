"""Backward edge cases that once let a deliberately planted bug through the suite (mutation testing, see
docs/testing.md). Each compares chainrule with PyTorch on the same program."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_zeroing_a_saved_output_through_detach_raises(lib) -> None:
    # exp saves its output; detach() shares storage, so zero_() on it invalidates the saved value
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.detach().zero_()
    with pytest.raises(RuntimeError, match="inplace|in-place|modified"):
        y.sum().backward()


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_in_place_on_a_saved_input_raises(lib) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1.0
    y = a * a  # saves a
    a.add_(1.0)
    with pytest.raises(RuntimeError, match="inplace|in-place|modified"):
        y.sum().backward()


def test_retained_grad_is_not_the_callers_gradient_array() -> None:
    results = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        g = lib.tensor([1.0, 3.0])
        y.backward(g)
        g.mul_(100)
        results.append((y.grad.tolist(), x.grad.tolist()))
    assert results[0] == results[1] == ([1.0, 3.0], [2.0, 6.0])


def test_leaf_grad_is_not_the_callers_gradient_array() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    g = cr.tensor([5.0, 7.0])
    x.backward(g)
    g.mul_(0)
    assert x.grad.tolist() == [5.0, 7.0]


@pytest.mark.parametrize("shape", [(1,), (1, 1), (1, 1, 1)])
def test_implicit_backward_on_one_element_tensors(shape) -> None:
    # PyTorch only refuses an implicit gradient when the output has more than one element
    expected = None
    for lib in (torch, cr):
        x = lib.full(shape, 3.0, requires_grad=True)
        (x * x).backward()
        got = np.asarray(x.grad.tolist()).reshape(-1).tolist()
        expected = got if expected is None else expected
        assert got == expected == [6.0]


def test_implicit_backward_on_two_elements_is_refused_like_torch() -> None:
    with pytest.raises(RuntimeError, match="scalar"):
        (torch.ones(2, requires_grad=True) * 2).backward()
    with pytest.raises(RuntimeError, match="scalar"):
        (cr.ones(2, requires_grad=True) * 2).backward()


def test_leaves_fed_by_one_add_get_separate_gradient_arrays() -> None:
    # add passes the same upstream array to both inputs: each leaf's .grad must be its own array
    results = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        (x + w).sum().backward()
        x.grad.add_(10)
        results.append((x.grad.tolist(), w.grad.tolist()))
    assert results[0] == results[1] == ([11.0, 11.0], [1.0, 1.0])


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_anomaly_mode_checks_nan_by_default(lib) -> None:
    a = lib.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings(), lib.autograd.set_detect_anomaly(True):
        warnings.simplefilter("ignore")  # torch also warns with the forward traceback
        with pytest.raises(RuntimeError, match="SqrtBackward0.*nan"):
            (lib.sqrt(a) * 0).sum().backward()


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_hessian_results_need_no_grad_unless_create_graph(lib) -> None:
    def f(v):
        return (v ** 3).sum()

    x = lib.tensor([1.0, 2.0])
    assert lib.autograd.functional.hessian(f, x).requires_grad is False
    assert lib.autograd.functional.hessian(f, x.clone().requires_grad_(), create_graph=True).requires_grad is True


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_autograd_grad_refuses_an_input_that_needs_no_grad(lib) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    c = lib.tensor([3.0, 4.0])
    y = (x * c).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        lib.autograd.grad(y, [x, c])


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_deepcopy_of_a_non_leaf_is_refused(lib) -> None:
    import copy

    x = lib.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="deepcopy"):
        copy.deepcopy(x * 2)
    assert copy.deepcopy(x).requires_grad


def test_full_backward_pre_hook_may_replace_grad_output() -> None:
    grads = []
    for lib in (torch, cr):
        lib.manual_seed(0)
        layer = lib.nn.Linear(2, 1)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor([[0.5, -1.0]]))
            layer.bias.fill_(0.25)
        layer.register_full_backward_pre_hook(lambda module, grad_output: (grad_output[0] * 3,))
        x = lib.tensor([[1.0, 2.0]], requires_grad=True)
        layer(x).sum().backward()
        grads.append((layer.weight.grad.tolist(), x.grad.tolist()))
    assert grads[0] == grads[1] == ([[3.0, 6.0]], [[1.5, -3.0]])
