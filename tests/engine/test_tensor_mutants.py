"""Tensor basics found untested by mutation testing, against PyTorch: format specs, retain_grad's check."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("spec", ["", ".3f", ">12.2e", "g"])
def test_format_of_a_0d_tensor_matches_torch(spec):
    assert format(cr.tensor(1.5), spec).replace("chainrule", "torch") == format(torch.tensor(1.5), spec)
    assert f"{cr.tensor(-2.25):{spec}}" == f"{torch.tensor(-2.25):{spec}}"


def test_format_without_spec_of_a_vector_is_its_str():
    assert format(cr.tensor([1.0, 2.0])) == str(cr.tensor([1.0, 2.0]))
    assert f"{cr.tensor([1.5])}" == "tensor([1.5000])" and f"{torch.tensor([1.5])}" == "tensor([1.5000])"


def test_an_fstring_of_a_0d_tensor_is_its_number_as_in_torch():
    """`print(f"loss {loss}")` prints `loss 1.5` in PyTorch (Tensor.__format__ formats a 0-d tensor's item)."""
    loss = (cr.tensor([1.0, 2.0], requires_grad=True) * 0.75).sum()
    tloss = (torch.tensor([1.0, 2.0], requires_grad=True) * 0.75).sum()
    assert f"loss {loss}" == f"loss {tloss}" == "loss 2.25"


def test_retain_grad_on_a_tensor_without_grad_raises_like_torch():
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        cr.ones(2).retain_grad()
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        torch.ones(2).retain_grad()
    leaf = cr.ones(2, requires_grad=True)
    leaf.retain_grad()  # a leaf keeps its grad anyway: no error
    (leaf * 2).sum().backward()
    assert leaf.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("values", [1.5, [1.5], [1.5, 2.0], [[1.0]]])
@pytest.mark.parametrize("spec", ["", ".2f", ">20", "e"])
def test_format_specs_as_torch(values, spec):
    """A spec formats a 0-d tensor's number; on any other tensor PyTorch raises TypeError (a one-element vector
    too), and an empty spec is str(t)."""
    results = []
    for lib in (cr, torch):
        try:
            results.append(format(lib.tensor(values), spec))
        except TypeError as exc:
            results.append((TypeError, str(exc)))
    assert results[0] == results[1]
